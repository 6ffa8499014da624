package mastodon

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/statuses"
	"github.com/starling-social/starling/timeline"
)

// Instance metadata. Clients gate features on a Mastodon version, so the
// version string names the Mastodon API level Starling follows first.
const (
	mastodonAPIVersion  = "4.3.0"
	instanceTitle       = "Starling"
	instanceDescription = "A microblogging service that speaks the Mastodon client API."
	sourceURL           = "https://github.com/starling-social/starling"

	// The limits a status is checked against, as clients show them.
	maxCharacters            = 280
	maxMediaAttachments      = 4
	charactersReservedPerURL = 23
)

// extendedDescription is the longer "about" text, in HTML.
const extendedDescription = `<p>Starling is a small, fast microblogging service. ` +
	`Posts are up to 280 characters, counted the way Twitter counts them, ` +
	`and every Mastodon app can be used to read and write them.</p>`

// extendedDescriptionUpdated is when extendedDescription was last changed.
const extendedDescriptionUpdated = "2026-11-25T00:00:00.000Z"

// Rule is one of the instance's published rules.
type Rule struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	Hint string `json:"hint"`
}

// rules are the instance rules shown at sign-up and on the about page.
var rules = []Rule{
	{ID: "1", Text: "Be respectful.", Hint: "No harassment, hate speech or personal attacks."},
	{ID: "2", Text: "No spam.", Hint: "No unsolicited advertising, and no automated posting that floods timelines."},
	{ID: "3", Text: "Nothing illegal.", Hint: "Do not post content that is illegal where this server is run."},
	{ID: "4", Text: "Mark sensitive content.", Hint: "Put graphic or upsetting posts behind a content warning."},
	{ID: "5", Text: "Respect privacy.", Hint: "Do not share other people's personal information without their consent."},
}

// instanceRoutes registers the instance's self-description, discovery
// documents, and the endpoints of features that do not exist yet: those
// answer empty results so clients that call them on start-up keep working.
func (s *Server) instanceRoutes() {
	s.handle("GET /api/v1/instance", anyone, "", s.instanceV1)
	s.handle("GET /api/v2/instance", anyone, "", s.instanceV2)
	s.handle("GET /api/v1/instance/rules", anyone, "", func(w http.ResponseWriter, r *http.Request) error {
		return ok(w, rules)
	})
	s.handle("GET /api/v1/instance/extended_description", anyone, "", func(w http.ResponseWriter, r *http.Request) error {
		return ok(w, map[string]string{"content": extendedDescription, "updated_at": extendedDescriptionUpdated})
	})
	s.handle("GET /api/v1/instance/languages", anyone, "", func(w http.ResponseWriter, r *http.Request) error {
		return ok(w, []map[string]string{{"code": "en", "name": "English"}})
	})
	s.handle("GET /api/v1/instance/translation_languages", anyone, "", emptyObject)
	// Starling does not federate yet: it knows no peers, and weekly
	// activity is not recorded.
	s.handle("GET /api/v1/instance/peers", anyone, "", emptyList)
	s.handle("GET /api/v1/instance/activity", anyone, "", emptyList)

	s.handle("GET /.well-known/nodeinfo", anyone, "", func(w http.ResponseWriter, r *http.Request) error {
		return ok(w, map[string]any{"links": []map[string]string{{
			"rel":  "http://nodeinfo.diaspora.software/ns/schema/2.0",
			"href": s.absURL("/nodeinfo/2.0"),
		}}})
	})
	s.handle("GET /nodeinfo/2.0", anyone, "", s.nodeInfo)
	s.handle("GET /.well-known/webfinger", anyone, "", s.webfinger)

	for _, p := range []string{"/api/v1/custom_emojis", "/api/v1/trends", "/api/v1/trends/tags",
		"/api/v1/trends/statuses", "/api/v1/trends/links"} {
		s.handle("GET "+p, anyone, "", emptyList)
	}
	for _, e := range []struct{ path, scope string }{
		{"/api/v1/announcements", "read"},
		{"/api/v1/filters", "read:filters"},
		{"/api/v2/filters", "read:filters"},
		{"/api/v1/suggestions", "read"},
		{"/api/v2/suggestions", "read"},
		{"/api/v1/lists", "read:lists"},
		{"/api/v1/notifications", "read:notifications"},
		{"/api/v1/conversations", "read:statuses"},
		{"/api/v1/bookmarks", "read:bookmarks"},
		{"/api/v1/favourites", "read:favourites"},
		{"/api/v1/blocks", "read:blocks"},
		{"/api/v1/mutes", "read:mutes"},
		{"/api/v1/domain_blocks", "read:blocks"},
		{"/api/v1/followed_tags", "read:follows"},
		{"/api/v1/endorsements", "read:accounts"},
		{"/api/v1/scheduled_statuses", "read:statuses"},
	} {
		s.handle("GET "+e.path, userOnly, e.scope, emptyList)
	}
	s.handle("GET /api/v1/markers", userOnly, "read:statuses", emptyObject)
	s.handle("GET /api/v1/preferences", userOnly, "read:accounts", s.preferences)
	s.handle("GET /api/v2/search", anyone, "read:search", s.search)
}

func emptyList(w http.ResponseWriter, r *http.Request) error { return ok(w, []any{}) }

func emptyObject(w http.ResponseWriter, r *http.Request) error { return ok(w, map[string]any{}) }

// streamingURL is the WebSocket base clients connect to: the public URL's
// host with ws or wss, and no path.
func (s *Server) streamingURL() string {
	scheme := "ws"
	if s.cfg.PublicURL.Scheme == "https" {
		scheme = "wss"
	}
	return scheme + "://" + s.cfg.PublicURL.Host
}

func (s *Server) versionString() string {
	return mastodonAPIVersion + " (compatible; Starling " + s.cfg.Version + ")"
}

// registrationsOpen reports whether sign-ups are accepted at all, and
// whether they wait for a moderator.
func (s *Server) registrationsOpen() (enabled, approval bool) {
	return s.cfg.Registrations != RegistrationsClosed, s.cfg.Registrations == RegistrationsApproval
}

func statusesConfig() map[string]int {
	return map[string]int{
		"max_characters":              maxCharacters,
		"max_media_attachments":       maxMediaAttachments,
		"characters_reserved_per_url": charactersReservedPerURL,
	}
}

func mediaConfig() map[string]any {
	return map[string]any{
		"supported_mime_types":   []string{"image/jpeg", "image/png", "image/gif", "image/webp"},
		"image_size_limit":       16 << 20,
		"image_matrix_limit":     33177600, // 7680×4320
		"video_size_limit":       99 << 20,
		"video_frame_rate_limit": 120,
		"video_matrix_limit":     8294400, // 3840×2160
		"description_limit":      1500,
	}
}

func pollsConfig() map[string]int {
	return map[string]int{
		"max_options":               4,
		"max_characters_per_option": 50,
		"min_expiration":            300,
		"max_expiration":            2629746,
	}
}

// usage is what the instance documents report of its size: approved
// accounts, and local statuses that are not direct.
type usage struct{ users, statuses int64 }

// usageTTL is how long counted figures are reused. They are statistics:
// a minute old is as good as exact, and a burst of clients starting up
// then costs one count, not one full read of the accounts each.
const usageTTL = time.Minute

// usageMemo holds the last figures counted and when.
type usageMemo struct {
	mu      sync.Mutex
	now     func() time.Time // time.Now unless a test sets it
	counted time.Time
	last    usage
}

// instanceUsage returns the size figures, counting them again when the
// remembered ones are older than usageTTL. Counting happens under the
// lock, so concurrent requests wait for one count instead of each making one.
func (s *Server) instanceUsage(ctx context.Context) (usage, error) {
	m := &s.usage
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now
	if m.now != nil {
		now = m.now
	}
	if !m.counted.IsZero() && now().Sub(m.counted) < usageTTL {
		return m.last, nil
	}
	users, err := s.svc.Store.CountAccounts(ctx)
	if err != nil {
		return usage{}, starling.Internal(err, "count accounts")
	}
	statuses, err := s.svc.Store.CountStatuses(ctx)
	if err != nil {
		return usage{}, starling.Internal(err, "count statuses")
	}
	m.last, m.counted = usage{users: users, statuses: statuses}, now()
	return m.last, nil
}

func (s *Server) instanceV1(w http.ResponseWriter, r *http.Request) error {
	u, err := s.instanceUsage(r.Context())
	if err != nil {
		return err
	}
	enabled, approval := s.registrationsOpen()
	return ok(w, map[string]any{
		"uri":               s.cfg.PublicURL.Host,
		"title":             instanceTitle,
		"short_description": instanceDescription,
		"description":       instanceDescription,
		"email":             "",
		"version":           s.versionString(),
		"urls":              map[string]string{"streaming_api": s.streamingURL()},
		// Starling does not federate, so it knows no other domains.
		"stats":             map[string]int64{"user_count": u.users, "status_count": u.statuses, "domain_count": 0},
		"thumbnail":         s.absURL(DefaultHeaderPath),
		"languages":         []string{"en"},
		"registrations":     enabled,
		"approval_required": approval,
		"invites_enabled":   false,
		"configuration": map[string]any{
			"accounts":          map[string]int{"max_featured_tags": 0},
			"statuses":          statusesConfig(),
			"media_attachments": mediaConfig(),
			"polls":             pollsConfig(),
		},
		"contact_account": nil,
		"rules":           rules,
	})
}

func (s *Server) instanceV2(w http.ResponseWriter, r *http.Request) error {
	u, err := s.instanceUsage(r.Context())
	if err != nil {
		return err
	}
	enabled, approval := s.registrationsOpen()
	return ok(w, map[string]any{
		"domain":      s.cfg.PublicURL.Host,
		"title":       instanceTitle,
		"version":     s.versionString(),
		"source_url":  sourceURL,
		"description": instanceDescription,
		// Activity is not tracked, so every approved account counts as
		// active: an upper bound rather than a guess.
		"usage":     map[string]any{"users": map[string]int64{"active_month": u.users}},
		"thumbnail": map[string]any{"url": s.absURL(DefaultHeaderPath), "blurhash": nil, "versions": map[string]any{}},
		"icon":      []any{},
		"languages": []string{"en"},
		"configuration": map[string]any{
			"urls": map[string]any{"streaming": s.streamingURL(), "status": nil, "about": nil,
				"privacy_policy": nil, "terms_of_service": nil},
			"accounts":          map[string]int{"max_featured_tags": 0, "max_pinned_statuses": statuses.MaxPins},
			"statuses":          statusesConfig(),
			"media_attachments": mediaConfig(),
			"polls":             pollsConfig(),
			"translation":       map[string]bool{"enabled": false},
		},
		"registrations": map[string]any{"enabled": enabled, "approval_required": approval, "message": nil},
		"api_versions":  map[string]int{"mastodon": 2},
		"contact":       map[string]any{"email": "", "account": nil},
		"rules":         rules,
	})
}

// nodeInfo is the NodeInfo 2.0 document. Client libraries that detect the
// server's kind read metadata.upstream to learn that it speaks Mastodon's API.
func (s *Server) nodeInfo(w http.ResponseWriter, r *http.Request) error {
	u, err := s.instanceUsage(r.Context())
	if err != nil {
		return err
	}
	enabled, _ := s.registrationsOpen()
	return ok(w, map[string]any{
		"version":  "2.0",
		"software": map[string]string{"name": "starling", "version": s.cfg.Version},
		// No federation protocol is spoken yet.
		"protocols": []string{},
		"services":  map[string][]string{"inbound": {}, "outbound": {}},
		"usage": map[string]any{
			"users":      map[string]int64{"total": u.users, "activeMonth": u.users, "activeHalfyear": u.users},
			"localPosts": u.statuses,
		},
		"openRegistrations": enabled,
		"metadata": map[string]any{
			"nodeName": instanceTitle,
			"upstream": map[string]string{"name": "mastodon", "version": mastodonAPIVersion},
		},
	})
}

// jrdContentType is the media type of WebFinger answers (RFC 7033).
const jrdContentType = "application/jrd+json; charset=utf-8"

// webfinger answers RFC 7033 queries for local accounts, which clients
// use to resolve a handle such as @alice@social.example. The resource may
// be the acct: URI (or the same without the scheme), or the account's
// profile page or uri. Starling does not federate, so the answer links
// only the profile page: there is no ActivityPub actor to point to.
func (s *Server) webfinger(w http.ResponseWriter, r *http.Request) error {
	p, err := s.params(w, r)
	if err != nil {
		return err
	}
	resource := strings.TrimSpace(p.String("resource"))
	if resource == "" {
		return starling.Errorf(starling.EBADREQUEST, "Missing parameter resource")
	}
	acct, ok := s.webfingerAcct(resource)
	if !ok {
		return starling.Errorf(starling.ENOTFOUND, "Record not found")
	}
	a, err := s.svc.Accounts.Lookup(r.Context(), acct) // visible accounts only
	if err != nil {
		return err
	}
	profile := s.absURL("/@" + url.PathEscape(a.Username))
	w.Header().Set("Content-Type", jrdContentType)
	w.Header().Set("Cache-Control", "max-age=259200, public") // as Mastodon: three days
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(map[string]any{
		"subject": "acct:" + a.Username + "@" + s.cfg.PublicURL.Host,
		"aliases": []string{profile, s.absURL("/users/" + url.PathEscape(a.Username))},
		"links": []map[string]string{
			{"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": profile},
		},
	})
}

// webfingerAcct turns a WebFinger resource into the acct the accounts
// service looks up: user@host from an acct: URI, or the username from a
// URL of one of this instance's profile pages or account URIs. False for
// anything else.
func (s *Server) webfingerAcct(resource string) (string, bool) {
	if acct, ok := strings.CutPrefix(resource, "acct:"); ok {
		resource = acct
	}
	if !strings.Contains(resource, "/") {
		// Unlike the lookup API, WebFinger names the host: acct:alice
		// alone is not a resource of this instance.
		_, host, ok := strings.Cut(strings.TrimPrefix(resource, "@"), "@")
		return resource, ok && host != ""
	}
	for _, prefix := range []string{s.absURL("/@"), s.absURL("/users/")} {
		if user, ok := strings.CutPrefix(resource, prefix); ok && user != "" && !strings.Contains(user, "/") {
			return user, true
		}
	}
	return "", false
}

// preferences are the account's posting defaults in Mastodon's
// colon-separated keys; the reading preferences are Mastodon's defaults.
func (s *Server) preferences(w http.ResponseWriter, r *http.Request) error {
	a := viewerOf(r)
	visibility := a.DefaultVisibility
	if visibility == "" {
		visibility = starling.VisibilityPublic
	}
	var language *string
	if a.DefaultLanguage != "" {
		language = &a.DefaultLanguage
	}
	return ok(w, map[string]any{
		"posting:default:visibility": visibility,
		"posting:default:sensitive":  a.DefaultSensitive,
		"posting:default:language":   language,
		"reading:expand:media":       "default",
		"reading:expand:spoilers":    false,
	})
}

// search answers the v2 search: accounts by username or display name
// prefix, and the hashtag q when q is one (with or without its '#'), which
// is how clients open a hashtag's timeline from the search box. Statuses
// are not indexed yet, and hashtags not beyond that exact match (there is
// no table of them to search), so statuses stay empty and hashtags holds
// at most that one tag, on the first page only.
func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	p, err := s.params(w, r)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(p.String("q"))
	if q == "" {
		return starling.Errorf(starling.EBADREQUEST, "q is required")
	}
	kind := p.String("type")
	switch kind {
	case "", "accounts", "statuses", "hashtags":
	default:
		return starling.Errorf(starling.EBADREQUEST, "type must be accounts, statuses or hashtags")
	}
	limit, err := p.Int("limit", starling.DefaultPageLimit)
	if err != nil {
		return err
	}
	limit = min(max(limit, 1), starling.MaxPageLimit)
	// As in Mastodon, only people may page through results: paging lets
	// a script list every account, and a token costs it an account that
	// moderators can see and suspend.
	if viewerOf(r) == nil && p.Has("offset") {
		return starling.Errorf(starling.EUNAUTHORIZED, "Search queries pagination is not supported without authentication")
	}
	offset, err := p.Int("offset", 0)
	if err != nil {
		return err
	}
	if offset < 0 {
		return starling.Errorf(starling.EBADREQUEST, "offset must not be negative")
	}
	found := []Account{}
	if kind == "" || kind == "accounts" {
		list, err := s.svc.Accounts.Search(r.Context(), q, limit, offset)
		if err != nil {
			return err
		}
		for _, a := range list {
			found = append(found, s.accountEntity(a))
		}
	}
	hashtags := []Tag{}
	if kind == "" || kind == "hashtags" {
		if name, err := timeline.TagName(q); err == nil && offset == 0 {
			hashtags = append(hashtags, s.tagEntity(name))
		}
	}
	return ok(w, map[string]any{"accounts": found, "statuses": []any{}, "hashtags": hashtags})
}
