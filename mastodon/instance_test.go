package mastodon

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/accounts"
	"github.com/starling-social/starling/timeline"
)

// getJSON fetches path anonymously and decodes the 200 answer.
func getJSON(t *testing.T, ts *testServer, path string) map[string]any {
	t.Helper()
	rec := ts.request("GET", path, nil, nil, "")
	if rec.Code != 200 {
		t.Fatalf("GET %s: status %d: %s", path, rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("GET %s: content type %q", path, ct)
	}
	var v map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return v
}

// at walks a decoded JSON document along keys.
func at(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// postSome signs up one more account and posts as it one status of each
// visibility: the instance counts three of them, all but the direct one.
func postSome(t *testing.T, ts *testServer) {
	t.Helper()
	token, _ := ts.signUp(t, "poster")
	for _, v := range []string{"public", "unlisted", "private", "direct"} {
		rec := ts.do(t, "POST", "/api/v1/statuses", token, url.Values{"status": {"a " + v + " post"}, "visibility": {v}})
		wantStatus(t, rec, 200)
	}
}

func TestInstance(t *testing.T) {
	tests := []struct {
		name, publicURL, registrations string
		host, streaming                string
		enabled, approval              bool
	}{
		{"open, plain http with port", "http://localhost:8080", RegistrationsOpen, "localhost:8080", "ws://localhost:8080", true, false},
		{"approval, https", "https://social.example", RegistrationsApproval, "social.example", "wss://social.example", true, true},
		{"closed", "https://social.example/", RegistrationsClosed, "social.example", "wss://social.example", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, func(c *Config) {
				c.PublicURL, _ = url.Parse(tt.publicURL)
				c.Registrations = tt.registrations
				c.Version = "1.2.3"
			})
			for _, name := range []string{"ann", "ben"} {
				ts.signUp(t, name)
			}
			postSome(t, ts)

			v1 := getJSON(t, ts, "/api/v1/instance")
			want1 := map[string]any{
				"uri":               tt.host,
				"version":           "4.3.0 (compatible; Starling 1.2.3)",
				"registrations":     tt.enabled,
				"approval_required": tt.approval,
			}
			for k, want := range want1 {
				if v1[k] != want {
					t.Errorf("v1 %s = %v, want %v", k, v1[k], want)
				}
			}
			checks1 := []struct {
				path []string
				want any
			}{
				{[]string{"urls", "streaming_api"}, tt.streaming},
				{[]string{"stats", "user_count"}, 3.0},
				{[]string{"stats", "status_count"}, 3.0},
				{[]string{"stats", "domain_count"}, 0.0},
				{[]string{"configuration", "statuses", "max_characters"}, 280.0},
				{[]string{"configuration", "statuses", "max_media_attachments"}, 4.0},
				{[]string{"configuration", "statuses", "characters_reserved_per_url"}, 23.0},
			}
			for _, c := range checks1 {
				if got := at(v1, c.path...); got != c.want {
					t.Errorf("v1 %v = %v, want %v", c.path, got, c.want)
				}
			}
			if _, ok := v1["contact_account"]; !ok {
				t.Error("v1 contact_account missing; it must be present as null")
			}

			v2 := getJSON(t, ts, "/api/v2/instance")
			checks2 := []struct {
				path []string
				want any
			}{
				{[]string{"domain"}, tt.host},
				{[]string{"version"}, "4.3.0 (compatible; Starling 1.2.3)"},
				{[]string{"configuration", "urls", "streaming"}, tt.streaming},
				{[]string{"configuration", "statuses", "max_characters"}, 280.0},
				{[]string{"registrations", "enabled"}, tt.enabled},
				{[]string{"registrations", "approval_required"}, tt.approval},
				{[]string{"api_versions", "mastodon"}, 2.0},
				{[]string{"usage", "users", "active_month"}, 3.0},
			}
			for _, c := range checks2 {
				if got := at(v2, c.path...); got != c.want {
					t.Errorf("v2 %v = %v, want %v", c.path, got, c.want)
				}
			}
			if th, _ := at(v2, "thumbnail", "url").(string); th == "" {
				t.Error("v2 thumbnail has no url")
			}
			if rules, _ := v2["rules"].([]any); len(rules) == 0 {
				t.Error("v2 has no rules")
			}
		})
	}
}

func TestInstanceRules(t *testing.T) {
	ts := newTestServer(t, nil)
	rec := ts.request("GET", "/api/v1/instance/rules", nil, nil, "")
	var got []Rule
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != 200 {
		t.Fatalf("status %d, %v", rec.Code, err)
	}
	if len(got) != len(rules) {
		t.Fatalf("%d rules, want %d", len(got), len(rules))
	}
	for i, r := range got {
		if r.ID != strconv.Itoa(i+1) || r.Text == "" || r.Hint == "" {
			t.Errorf("rule %d: %+v", i, r)
		}
	}
}

func TestInstanceSubresources(t *testing.T) {
	ts := newTestServer(t, nil)
	tests := []struct{ path, body string }{
		{"/api/v1/instance/peers", "[]\n"},
		{"/api/v1/instance/activity", "[]\n"},
		{"/api/v1/instance/translation_languages", "{}\n"},
		{"/api/v1/instance/languages", `[{"code":"en","name":"English"}]` + "\n"},
		{"/api/v1/custom_emojis", "[]\n"},
		{"/api/v1/trends", "[]\n"},
		{"/api/v1/trends/tags", "[]\n"},
		{"/api/v1/trends/statuses", "[]\n"},
		{"/api/v1/trends/links", "[]\n"},
	}
	for _, tt := range tests {
		rec := ts.request("GET", tt.path, nil, nil, "")
		if rec.Code != 200 || rec.Body.String() != tt.body {
			t.Errorf("GET %s: %d %q, want 200 %q", tt.path, rec.Code, rec.Body, tt.body)
		}
	}
	ext := getJSON(t, ts, "/api/v1/instance/extended_description")
	if c, _ := ext["content"].(string); c == "" || ext["updated_at"] == nil {
		t.Errorf("extended description %v", ext)
	}
}

func TestNodeInfo(t *testing.T) {
	ts := newTestServer(t, func(c *Config) {
		c.PublicURL, _ = url.Parse("https://social.example")
		c.Version = "1.2.3"
	})
	for _, name := range []string{"ann", "ben"} {
		ts.signUp(t, name)
	}
	postSome(t, ts)
	wk := getJSON(t, ts, "/.well-known/nodeinfo")
	links, _ := wk["links"].([]any)
	if len(links) != 1 || at(links[0], "href") != "https://social.example/nodeinfo/2.0" {
		t.Fatalf("links %v", wk["links"])
	}
	ni := getJSON(t, ts, "/nodeinfo/2.0")
	checks := []struct {
		path []string
		want any
	}{
		{[]string{"version"}, "2.0"},
		{[]string{"software", "name"}, "starling"},
		{[]string{"software", "version"}, "1.2.3"},
		{[]string{"metadata", "upstream", "name"}, "mastodon"},
		{[]string{"usage", "users", "total"}, 3.0},
		{[]string{"usage", "localPosts"}, 3.0},
		{[]string{"openRegistrations"}, true},
	}
	for _, c := range checks {
		if got := at(ni, c.path...); got != c.want {
			t.Errorf("nodeinfo %v = %v, want %v", c.path, got, c.want)
		}
	}
}

func TestUserEndpoints(t *testing.T) {
	ts := newTestServer(t, nil)
	user, _ := ts.signUp(t, "alice")
	app := ts.appToken(t, "read")
	readOnlyStatuses := ts.tokenFor(t, mustAccountID(t, ts.testAPI, "alice"), "read:statuses")
	tests := []struct {
		path string
		body string // of the 200 answer
		// scoped is a token of alice's that lacks the endpoint's scope, or
		// "" when read:statuses is the scope.
		scoped bool
	}{
		{"/api/v1/notifications", "[]\n", true},
		{"/api/v1/lists", "[]\n", true},
		{"/api/v2/filters", "[]\n", true},
		{"/api/v1/filters", "[]\n", true},
		{"/api/v1/bookmarks", "[]\n", true},
		{"/api/v1/favourites", "[]\n", true},
		{"/api/v1/blocks", "[]\n", true},
		{"/api/v1/mutes", "[]\n", true},
		{"/api/v1/domain_blocks", "[]\n", true},
		{"/api/v1/followed_tags", "[]\n", true},
		{"/api/v1/endorsements", "[]\n", true},
		{"/api/v1/announcements", "[]\n", true},
		{"/api/v1/suggestions", "[]\n", true},
		{"/api/v2/suggestions", "[]\n", true},
		{"/api/v1/conversations", "[]\n", false},
		{"/api/v1/scheduled_statuses", "[]\n", false},
		{"/api/v1/markers", "{}\n", false},
	}
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if rec := ts.request("GET", tt.path, nil, nil, ""); rec.Code != 401 {
				t.Errorf("without a token: %d, want 401", rec.Code)
			}
			if rec := ts.request("GET", tt.path, nil, bearer("wrong"), ""); rec.Code != 401 {
				t.Errorf("with a wrong token: %d, want 401", rec.Code)
			}
			if rec := ts.request("GET", tt.path, nil, bearer(app), ""); rec.Code != 422 {
				t.Errorf("with an app token: %d, want 422", rec.Code)
			}
			if tt.scoped {
				if rec := ts.request("GET", tt.path, nil, bearer(readOnlyStatuses), ""); rec.Code != 403 {
					t.Errorf("without the scope: %d, want 403", rec.Code)
				}
			}
			rec := ts.request("GET", tt.path, nil, bearer(user), "")
			if rec.Code != 200 || rec.Body.String() != tt.body {
				t.Errorf("signed in: %d %q, want 200 %q", rec.Code, rec.Body, tt.body)
			}
		})
	}
}

func TestPreferences(t *testing.T) {
	ts := newTestServer(t, nil)
	token, _ := ts.signUp(t, "alice")
	a, err := ts.Store.AccountByUsername(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	bearer := http.Header{"Authorization": {"Bearer " + token}}
	prefs := decode[map[string]any](t, ts.request("GET", "/api/v1/preferences", nil, bearer, ""))
	if prefs["posting:default:visibility"] != "public" || prefs["posting:default:sensitive"] != false ||
		prefs["posting:default:language"] != nil || prefs["reading:expand:spoilers"] != false {
		t.Fatalf("defaults: %v", prefs)
	}
	if _, err := ts.Store.UpdateAccount(context.Background(), a.ID, func(a *starling.Account) error {
		a.DefaultVisibility, a.DefaultSensitive, a.DefaultLanguage = starling.VisibilityPrivate, true, "de"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	prefs = decode[map[string]any](t, ts.request("GET", "/api/v1/preferences", nil, bearer, ""))
	if prefs["posting:default:visibility"] != "private" || prefs["posting:default:sensitive"] != true ||
		prefs["posting:default:language"] != "de" {
		t.Fatalf("after changing the defaults: %v", prefs)
	}
}

func TestSearch(t *testing.T) {
	ts := newTestServer(t, nil)
	for _, name := range []string{"alice", "alicia", "bob"} {
		ts.signUp(t, name)
	}
	person, _ := ts.signUp(t, "person")
	user := http.Header{"Authorization": {"Bearer " + person}}
	type result struct {
		Accounts []struct{ Username string } `json:"accounts"`
		Statuses []any                       `json:"statuses"`
		Hashtags []Tag                       `json:"hashtags"`
	}
	tests := []struct {
		query  string
		header http.Header
		status int
		want   []string
		tags   []string // the names of the hashtags found
	}{
		{"q=ali", nil, 200, []string{"alice", "alicia"}, []string{"ali"}},
		{"q=alice", nil, 200, []string{"alice"}, []string{"alice"}},
		{"q=ali&limit=1", nil, 200, []string{"alice"}, []string{"ali"}},
		{"q=ali&limit=1&offset=1", nil, 401, nil, nil},
		{"q=ali&offset=0", nil, 401, nil, nil},
		{"q=ali&offset=", nil, 401, nil, nil},
		{"q=ali&limit=1000", nil, 200, []string{"alice", "alicia"}, []string{"ali"}},
		{"q=nobody", nil, 200, []string{}, []string{"nobody"}},
		{"q=ali&type=statuses", nil, 200, []string{}, []string{}},
		{"q=ali&type=accounts", nil, 200, []string{"alice", "alicia"}, []string{}},
		{"q=Birds&type=hashtags", nil, 200, []string{}, []string{"Birds"}},
		{"q=%23Birds&type=hashtags", nil, 200, []string{}, []string{"Birds"}},
		{"q=%EF%BC%83Birds&type=hashtags", nil, 200, []string{}, []string{"Birds"}},
		{"q=+%23birds+&type=hashtags", nil, 200, []string{}, []string{"birds"}},
		{"q=bird+watching&type=hashtags", nil, 200, []string{}, []string{}},
		{"q=123&type=hashtags", nil, 200, []string{}, []string{}},
		{"q=%23%23birds&type=hashtags", nil, 200, []string{}, []string{}},
		{"q=" + strings.Repeat("a", timeline.MaxTagLength+1) + "&type=hashtags", nil, 200, []string{}, []string{}},
		{"q=birds&type=hashtags&offset=0", user, 200, []string{}, []string{"birds"}},
		{"q=birds&type=hashtags&offset=1", user, 200, []string{}, []string{}},
		{"q=", nil, 400, nil, nil},
		{"", nil, 400, nil, nil},
		{"q=ali&type=everything", nil, 400, nil, nil},
		{"q=ali&offset=-1", nil, 401, nil, nil},
		{"q=ali&limit=many", nil, 400, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			rec := ts.request("GET", "/api/v2/search?"+tt.query, nil, tt.header, "")
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status != 200 {
				return
			}
			res := decode[result](t, rec)
			got := []string{}
			for _, a := range res.Accounts {
				got = append(got, a.Username)
			}
			tags := []string{}
			for _, tag := range res.Hashtags {
				tags = append(tags, tag.Name)
				if tag.ID != tagID(tag.Name) || tag.URL != "https://starling.test/tags/"+tag.Name {
					t.Errorf("hashtag %+v", tag)
				}
			}
			if !slices.Equal(got, tt.want) || !slices.Equal(tags, tt.tags) || res.Statuses == nil || res.Hashtags == nil {
				t.Fatalf("got accounts %v, hashtags %v (statuses %v), want %v and %v", got, tags, res.Statuses, tt.want, tt.tags)
			}
		})
	}
}

// TestSearchPagingNeedsAUser checks that only people may page through
// search results (as in Mastodon), and that limits stay bounded for them.
func TestSearchPagingNeedsAUser(t *testing.T) {
	ts := newTestServer(t, nil)
	token, _ := ts.signUp(t, "viewer")
	for i := range starling.MaxPageLimit + 5 {
		ts.signUp(t, "user"+strconv.Itoa(i))
	}
	user := http.Header{"Authorization": {"Bearer " + token}}
	app := http.Header{"Authorization": {"Bearer " + ts.appToken(t, "read")}}
	tests := []struct {
		name   string
		header http.Header
		query  string
		status int
		count  int
	}{
		{"user pages", user, "q=user&limit=2&offset=1", 200, 2},
		{"user past the end", user, "q=user&offset=1000", 200, 0},
		{"user with a negative offset", user, "q=user&offset=-1", 400, 0},
		{"limit is capped", user, "q=user&limit=1000", 200, starling.MaxPageLimit},
		{"limit below one is one", user, "q=user&limit=0", 200, 1},
		{"anonymous without offset", nil, "q=user&limit=1000", 200, starling.MaxPageLimit},
		{"anonymous with offset", nil, "q=user&offset=40", 401, 0},
		{"app token with offset", app, "q=user&offset=40", 401, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := ts.request("GET", "/api/v2/search?"+tt.query, nil, tt.header, "")
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status != 200 {
				decodeError(t, rec)
				return
			}
			res := decode[struct{ Accounts []any }](t, rec)
			if len(res.Accounts) != tt.count {
				t.Fatalf("%d accounts, want %d", len(res.Accounts), tt.count)
			}
		})
	}
}

func TestWebFinger(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.PublicURL, _ = url.Parse("https://social.example") })
	ts.signUp(t, "alice")
	if _, err := ts.Svc.Accounts.Register(context.Background(), accounts.RegisterInput{
		Username: "pending", Email: "pending@example.com", Password: testPassword, Approved: false,
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		resource string
		status   int
	}{
		{"acct:alice@social.example", 200},
		{"acct:ALICE@Social.Example", 200},
		{"alice@social.example", 200},
		{"acct:@alice@social.example", 200},
		{"https://social.example/@alice", 200},
		{"https://social.example/users/alice", 200},
		{"acct:alice", 404},
		{"acct:alice@", 404},
		{"acct:alice@other.example", 404},
		{"acct:nobody@social.example", 404},
		{"acct:pending@social.example", 404},
		{"https://other.example/@alice", 404},
		{"https://social.example/@alice/1", 404},
		{"https://social.example/@", 404},
		{"acct:a/b@social.example", 404},
		{"", 400},
	}
	for _, tt := range tests {
		t.Run(tt.resource, func(t *testing.T) {
			rec := ts.request("GET", "/.well-known/webfinger?resource="+url.QueryEscape(tt.resource), nil, nil, "")
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status != 200 {
				decodeError(t, rec)
				return
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/jrd+json; charset=utf-8" {
				t.Fatalf("content type %q", ct)
			}
			if rec.Header().Get("Access-Control-Allow-Origin") != "*" {
				t.Fatal("no CORS header")
			}
			var jrd struct {
				Subject string
				Aliases []string
				Links   []struct{ Rel, Type, Href string }
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &jrd); err != nil {
				t.Fatal(err)
			}
			if jrd.Subject != "acct:alice@social.example" ||
				strings.Join(jrd.Aliases, " ") != "https://social.example/@alice https://social.example/users/alice" ||
				len(jrd.Links) != 1 || jrd.Links[0].Rel != "http://webfinger.net/rel/profile-page" ||
				jrd.Links[0].Type != "text/html" || jrd.Links[0].Href != "https://social.example/@alice" {
				t.Fatalf("JRD %s", rec.Body)
			}
		})
	}
}
