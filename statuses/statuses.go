// Package statuses is the use-case layer for posts: composing (length,
// mentions, hashtags, rendering), reading with visibility checks, threads,
// deleting and pinning.
//
// Mentions are explicit: only @username written in the text mentions
// someone, and only when an approved local account has that username;
// other names stay plain text. The one exception keeps conversations
// readable: a private or direct reply to another account's post always
// lists that account in Mentions (but not in the rendered content),
// because without it the person replied to could not see the reply
// unless they happened to follow its author.
package statuses

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/policy"
	"github.com/starling-social/starling/snowflake"
	"github.com/starling-social/starling/text"
)

// Thread limits, as in Mastodon: enough to read a conversation, bounded so
// that one request cannot walk a huge thread.
const (
	MaxAncestors   = 40
	MaxDescendants = 60
)

// Service implements status use cases on top of a starling.Store.
type Service struct {
	store     starling.Store
	ids       *snowflake.Generator
	publicURL string
	events    starling.TimelineEvents
}

// New returns a Service that links mentions and hashtags under publicURL
// (the instance's base URL, e.g. "https://example.social") and tells
// events, when not nil, of each status posted or deleted.
func New(store starling.Store, ids *snowflake.Generator, publicURL string, events starling.TimelineEvents) *Service {
	return &Service{store: store, ids: ids, publicURL: strings.TrimSuffix(publicURL, "/"), events: events}
}

// CreateInput is what a client sends to post.
type CreateInput struct {
	Text        string
	SpoilerText string
	Sensitive   bool
	// Visibility is one of the starling.Visibility names; empty means the
	// author's default.
	Visibility string
	// InReplyToID is the status replied to, 0 for none.
	InReplyToID int64
	// Language is an ISO 639-1 code; empty means the author's default.
	Language string
	// IdempotencyKey, when set, makes a retry within the hour return the
	// status the first attempt posted instead of posting again.
	IdempotencyKey string
}

// Create validates and posts a status by author through the app appID (0
// when unknown). Nothing is written unless every check passes.
func (s *Service) Create(ctx context.Context, author *starling.Account, appID int64, in CreateInput) (*starling.Status, error) {
	body := text.Normalize(in.Text)
	spoiler := text.Normalize(in.SpoilerText)

	var v starling.ValidationError
	if strings.TrimSpace(body) == "" {
		v.Add("text", starling.ErrBlank, "can't be blank")
	} else {
		checkText(&v, "text", body)
	}
	if spoiler != "" {
		checkText(&v, "spoiler_text", spoiler)
	}
	visibility := author.DefaultVisibility
	if in.Visibility != "" {
		var ok bool
		if visibility, ok = starling.ParseVisibility(in.Visibility); !ok {
			v.Add("visibility", starling.ErrInclusion, "is not included in the list")
		}
	}
	if visibility == "" {
		visibility = starling.VisibilityPublic
	}
	language := author.DefaultLanguage
	if in.Language != "" {
		language = strings.ToLower(in.Language)
		if !starling.ValidLanguage(language) {
			v.Add("language", starling.ErrInvalid, "is not a two-letter ISO 639-1 code")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}

	st := &starling.Status{
		AccountID:     author.ID,
		Text:          body,
		SpoilerText:   spoiler,
		Sensitive:     in.Sensitive || spoiler != "",
		Visibility:    visibility,
		Language:      language,
		ApplicationID: appID,
	}
	if in.InReplyToID != 0 {
		parent, err := s.Get(ctx, author.ID, in.InReplyToID)
		if err != nil {
			return nil, err
		}
		st.InReplyToID, st.InReplyToAccountID = parent.ID, parent.AccountID
	}

	entities := text.Extract(body)
	mentioned, err := s.resolveMentions(ctx, entities)
	if err != nil {
		return nil, err
	}
	for _, e := range entities {
		if e.Type != text.Mention {
			continue
		}
		if a, ok := mentioned[strings.ToLower(e.Text)]; ok && !st.MentionsAccount(a.ID) {
			st.Mentions = append(st.Mentions, starling.Mention{AccountID: a.ID, Username: a.Username})
		}
	}
	if err := s.mentionRepliedTo(ctx, st); err != nil {
		return nil, err
	}
	st.Tags = tags(entities)
	st.Content = text.Render(body, text.Links{
		Mention: func(username string) (string, bool) {
			a, ok := mentioned[strings.ToLower(username)]
			if !ok {
				return "", false
			}
			return s.publicURL + "/@" + a.Username, true
		},
		Hashtag: func(tag string) string { return s.publicURL + "/tags/" + url.PathEscape(tag) },
	})

	st.ID = s.ids.Next()
	st.CreatedAt = snowflake.Time(st.ID)
	created, err := s.store.CreateStatus(ctx, st, in.IdempotencyKey)
	if err == nil && s.events != nil && created.ID == st.ID {
		s.events.StatusPosted(ctx, created, author)
	}
	return created, err
}

// checkText measures non-empty s as twitter-text does, each of the text
// and the content warning on its own, and rejects it when too long or
// when it holds characters twitter-text forbids (U+FFFE, U+FEFF, U+FFFF).
func checkText(v *starling.ValidationError, field, s string) {
	r := text.Parse(s)
	switch {
	case r.WeightedLength > text.MaxWeightedLength:
		v.Add(field, starling.ErrTooLong, fmt.Sprintf("is too long (%d weighted characters; the limit is %d)",
			r.WeightedLength, text.MaxWeightedLength))
	case !r.Valid:
		v.Add(field, starling.ErrInvalid, "contains characters that are not allowed")
	}
}

// resolveMentions looks up the mentioned usernames in one query and
// returns the accounts found, keyed by lower-case username.
func (s *Service) resolveMentions(ctx context.Context, entities []text.Entity) (map[string]*starling.Account, error) {
	seen := map[string]bool{}
	var names []string
	for _, e := range entities {
		if key := strings.ToLower(e.Text); e.Type == text.Mention && !seen[key] {
			seen[key] = true
			names = append(names, e.Text)
		}
	}
	found := make(map[string]*starling.Account, len(names))
	if len(names) == 0 {
		return found, nil
	}
	accounts, err := s.store.AccountsByUsernames(ctx, names)
	if err != nil {
		return nil, err
	}
	for _, a := range accounts {
		// An account awaiting approval is not public yet: its name stays text.
		if a.Visible() {
			found[strings.ToLower(a.Username)] = a
		}
	}
	return found, nil
}

// mentionRepliedTo adds the author of the post replied to as a mention of
// a private or direct reply that does not name them (see the package doc).
func (s *Service) mentionRepliedTo(ctx context.Context, st *starling.Status) error {
	to := st.InReplyToAccountID
	if to == 0 || to == st.AccountID || st.MentionsAccount(to) ||
		(st.Visibility != starling.VisibilityPrivate && st.Visibility != starling.VisibilityDirect) {
		return nil
	}
	a, err := s.store.AccountByID(ctx, to)
	if starling.ErrorCode(err) == starling.ENOTFOUND {
		return nil // the parent's author is gone: nobody to keep in the conversation
	}
	if err != nil {
		return err
	}
	st.Mentions = append(st.Mentions, starling.Mention{AccountID: a.ID, Username: a.Username})
	return nil
}

// tags returns the hashtag names of entities in order of appearance,
// keeping the first spelling of each case-insensitively equal name. The
// length limit bounds how many a post can hold, so there is no cap.
func tags(entities []text.Entity) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range entities {
		if key := strings.ToLower(e.Text); e.Type == text.Hashtag && !seen[key] {
			seen[key] = true
			out = append(out, e.Text)
		}
	}
	return out
}

// Get returns the status id if viewerID (0 when anonymous) may see it;
// ENOTFOUND when it is missing or hidden from the viewer alike, so that a
// private post's existence is never revealed.
func (s *Service) Get(ctx context.Context, viewerID, id int64) (*starling.Status, error) {
	st, err := s.store.StatusByID(ctx, id)
	if err != nil {
		return nil, err
	}
	v, err := s.viewer(ctx, viewerID, []*starling.Status{st})
	if err != nil {
		return nil, err
	}
	if !policy.CanView(v, st) {
		return nil, starling.Errorf(starling.ENOTFOUND, "Record not found")
	}
	return st, nil
}

// List returns the statuses among ids that viewerID may see, in the order
// of ids and once each; missing and hidden ones are left out alike.
func (s *Service) List(ctx context.Context, viewerID int64, ids []int64) ([]*starling.Status, error) {
	if len(ids) == 0 {
		return []*starling.Status{}, nil
	}
	found, err := s.store.StatusesByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*starling.Status, len(found))
	for _, st := range found {
		byID[st.ID] = st
	}
	ordered := make([]*starling.Status, 0, len(found))
	for _, id := range ids {
		if st, ok := byID[id]; ok {
			ordered = append(ordered, st)
			delete(byID, id)
		}
	}
	v, err := s.viewer(ctx, viewerID, ordered)
	if err != nil {
		return nil, err
	}
	return visible(v, ordered), nil
}

// viewer builds the policy.Viewer for judging lists, asking the store
// about follows once, and only for the authors of private statuses whose
// visibility depends on them.
func (s *Service) viewer(ctx context.Context, viewerID int64, lists ...[]*starling.Status) (policy.Viewer, error) {
	var authors []int64
	asked := map[int64]bool{}
	for _, list := range lists {
		for _, st := range list {
			if viewerID != 0 && st.AccountID != viewerID && st.Visibility == starling.VisibilityPrivate &&
				!st.MentionsAccount(viewerID) && !asked[st.AccountID] {
				asked[st.AccountID] = true
				authors = append(authors, st.AccountID)
			}
		}
	}
	following := map[int64]bool{}
	if len(authors) > 0 {
		rels, err := s.store.Relationships(ctx, viewerID, authors)
		if err != nil {
			return policy.Viewer{}, err
		}
		for _, r := range rels {
			following[r.ID] = r.Following
		}
	}
	return policy.Viewer{ID: viewerID, Follows: func(id int64) bool { return following[id] }}, nil
}

func visible(v policy.Viewer, list []*starling.Status) []*starling.Status {
	out := make([]*starling.Status, 0, len(list))
	for _, st := range list {
		if policy.CanView(v, st) {
			out = append(out, st)
		}
	}
	return out
}

// Own returns the status id if viewerID wrote it. Others get ENOTFOUND when
// they may not see it and EFORBIDDEN when they may.
func (s *Service) Own(ctx context.Context, viewerID, id int64) (*starling.Status, error) {
	st, err := s.Get(ctx, viewerID, id)
	if err != nil {
		return nil, err
	}
	if st.AccountID != viewerID {
		return nil, starling.Errorf(starling.EFORBIDDEN, "This action is not allowed")
	}
	return st, nil
}

// Delete deletes the status id, which viewerID must have written (see
// Own), and returns it as it was, so that a client can redraft it.
func (s *Service) Delete(ctx context.Context, viewerID, id int64) (*starling.Status, error) {
	st, err := s.Own(ctx, viewerID, id)
	if err != nil {
		return nil, err
	}
	if err := s.store.DeleteStatus(ctx, id); err != nil {
		return nil, err
	}
	if s.events != nil {
		s.events.StatusDeleted(ctx, st)
	}
	return st, nil
}

// Context returns the thread around the status id: up to MaxAncestors
// statuses it replies to (oldest first) and up to MaxDescendants replies
// below it (depth first) that the viewer may see. The store applies the
// visibility rules before the limits, so hidden replies cannot push
// visible ones out, and bounds the walk (starling.MaxThreadDepth,
// MaxThreadWalk). The status itself must be visible, else ENOTFOUND.
func (s *Service) Context(ctx context.Context, viewerID, id int64) (ancestors, descendants []*starling.Status, err error) {
	if _, err := s.Get(ctx, viewerID, id); err != nil {
		return nil, nil, err
	}
	if ancestors, err = s.store.Ancestors(ctx, viewerID, id, MaxAncestors); err != nil {
		return nil, nil, err
	}
	if descendants, err = s.store.Descendants(ctx, viewerID, id, MaxDescendants); err != nil {
		return nil, nil, err
	}
	// The policy is asked again, in defence in depth: a mistake in the
	// SQL then hides a status rather than leaking it.
	v, err := s.viewer(ctx, viewerID, ancestors, descendants)
	if err != nil {
		return nil, nil, err
	}
	return visible(v, ancestors), visible(v, descendants), nil
}

// MaxPins is how many statuses an account may pin to its profile at once,
// as in Mastodon.
const MaxPins = 5

// Mastodon's texts for the pins it refuses.
const (
	pinOwnership = "Validation failed: Someone else's post cannot be pinned"
	pinDirect    = "Validation failed: Posts that are only visible to mentioned users cannot be pinned"
	pinLimit     = "Validation failed: You have already pinned the maximum number of posts"
)

// Pin pins the status id to the profile of viewerID, and returns it as
// pinned. The status must be visible to the viewer (else ENOTFOUND, as if
// it did not exist), written by the viewer and not direct, and the viewer
// may have at most MaxPins pinned (else EINVALID with Mastodon's text).
// Pinning a pinned status changes nothing.
func (s *Service) Pin(ctx context.Context, viewerID, id int64) (*starling.Status, error) {
	st, err := s.Get(ctx, viewerID, id)
	if err != nil {
		return nil, err
	}
	switch {
	case st.AccountID != viewerID:
		return nil, starling.Errorf(starling.EINVALID, pinOwnership)
	case st.Visibility == starling.VisibilityDirect:
		return nil, starling.Errorf(starling.EINVALID, pinDirect)
	}
	err = s.store.PinStatus(ctx, viewerID, id, MaxPins)
	if starling.ErrorCode(err) == starling.ECONFLICT {
		return nil, starling.Errorf(starling.EINVALID, pinLimit)
	}
	if err != nil {
		return nil, err
	}
	return s.store.StatusByID(ctx, id)
}

// Unpin unpins the status id from the profile of viewerID and returns it.
// It must be visible to the viewer (else ENOTFOUND); one that is not
// pinned, or not the viewer's, is returned as it is, as in Mastodon.
func (s *Service) Unpin(ctx context.Context, viewerID, id int64) (*starling.Status, error) {
	if _, err := s.Get(ctx, viewerID, id); err != nil {
		return nil, err
	}
	if err := s.store.UnpinStatus(ctx, viewerID, id); err != nil {
		return nil, err
	}
	return s.store.StatusByID(ctx, id)
}

// Pinned returns the statuses accountID has pinned that viewerID (0 when
// anonymous) may see, most recently pinned first; ENOTFOUND when the
// account does not exist or awaits approval.
func (s *Service) Pinned(ctx context.Context, viewerID, accountID int64) ([]*starling.Status, error) {
	a, err := s.store.AccountByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if !a.Visible() {
		return nil, starling.Errorf(starling.ENOTFOUND, "Record not found")
	}
	list, err := s.store.PinnedStatuses(ctx, accountID, viewerID)
	if err != nil {
		return nil, err
	}
	// The store filters in SQL; the policy is asked again, as for threads.
	v, err := s.viewer(ctx, viewerID, list)
	if err != nil {
		return nil, err
	}
	return visible(v, list), nil
}
