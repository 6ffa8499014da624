package web_test

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/accounts"
	"github.com/starling-social/starling/follows"
	"github.com/starling-social/starling/inmem"
	"github.com/starling-social/starling/mastodon"
	"github.com/starling-social/starling/oauth"
	"github.com/starling-social/starling/snowflake"
	"github.com/starling-social/starling/sqlite"
	"github.com/starling-social/starling/sqlite/sqlitetest"
	"github.com/starling-social/starling/statuses"
	"github.com/starling-social/starling/timeline"
	"github.com/starling-social/starling/web"
)

const publicURL = "https://example.test"

// site is the whole HTTP surface, the API with the pages mounted on it as
// the server binary does, over a fresh SQLite store.
type site struct {
	store    *sqlite.DB
	ids      *snowflake.Generator
	statuses *statuses.Service
	handler  http.Handler
}

func newSite(t *testing.T) *site {
	t.Helper()
	db, ids := sqlitetest.Open(t), sqlitetest.IDs(t)
	u, err := url.Parse(publicURL)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	acc := accounts.New(db, ids, publicURL)
	st := statuses.New(db, ids, publicURL, nil)
	api := mastodon.New(mastodon.Config{PublicURL: u, Registrations: mastodon.RegistrationsOpen}, mastodon.Services{
		Store:     db,
		Accounts:  acc,
		OAuth:     oauth.New(db, ids, acc),
		Statuses:  st,
		Follows:   follows.New(db, nil),
		Timelines: timeline.New(db, timeline.NewStoreHome(db)),
		Limiter:   inmem.NewRateLimiter(),
	}, log)
	web.New(web.Config{PublicURL: u, Title: "Test Social"}, acc, st, db, log).Register(api)
	return &site{store: db, ids: ids, statuses: st, handler: api}
}

func (s *site) account(t *testing.T, username, displayName string, edit ...func(*starling.Account)) *starling.Account {
	t.Helper()
	edit = append([]func(*starling.Account){func(a *starling.Account) { a.DisplayName = displayName }}, edit...)
	return sqlitetest.CreateAccount(t, s.store, s.ids, username, edit...)
}

func (s *site) post(t *testing.T, author *starling.Account, in statuses.CreateInput) *starling.Status {
	t.Helper()
	st, err := s.statuses.Create(context.Background(), author, 0, in)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (s *site) get(t *testing.T, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

// wantPage fails t unless rec has the status and the Location header
// given, and a body with every string of contains and none of excludes.
func wantPage(t *testing.T, rec *httptest.ResponseRecorder, status int, location string, contains, excludes []string) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d; body:\n%s", rec.Code, status, rec.Body)
	}
	if got := rec.Header().Get("Location"); got != location {
		t.Errorf("Location %q, want %q", got, location)
	}
	body := rec.Body.String()
	for _, want := range contains {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q; body:\n%s", want, body)
		}
	}
	for _, bad := range excludes {
		if strings.Contains(body, bad) {
			t.Errorf("body contains %q", bad)
		}
	}
}

func id(st *starling.Status) string { return snowflake.Format(st.ID) }

func TestStatusPage(t *testing.T) {
	s := newSite(t)
	alice := s.account(t, "Alice", `Ann <b>"&"</b>`)
	s.account(t, "bob", "Bob")
	public := s.post(t, alice, statuses.CreateInput{Text: "Hello <world> & friends"})
	unlisted := s.post(t, alice, statuses.CreateInput{Text: "quietly", Visibility: "unlisted"})
	private := s.post(t, alice, statuses.CreateInput{Text: "followers only", Visibility: "private"})
	direct := s.post(t, alice, statuses.CreateInput{Text: "@bob secret", Visibility: "direct"})
	warned := s.post(t, alice, statuses.CreateInput{Text: "the spoiler itself", SpoilerText: "film ending"})
	linked := s.post(t, alice, statuses.CreateInput{Text: "hi @bob #Birds https://example.com/page"})
	pending := s.account(t, "pending", "Pending", func(a *starling.Account) { a.Approved = false })
	unapproved := s.post(t, pending, statuses.CreateInput{Text: "posted before approval"})

	tests := []struct {
		name     string
		method   string
		path     string
		status   int
		location string
		contains []string
		excludes []string
	}{
		{name: "canonical form", path: "/@Alice/" + id(public), status: 200, contains: []string{
			"Hello &lt;world&gt; &amp; friends",
			"Ann &lt;b&gt;&#34;&amp;&#34;&lt;/b&gt;",
			"@Alice",
			`href="/@Alice"`,
			`<link rel="canonical" href="https://example.test/@Alice/` + id(public) + `">`,
			`<meta property="og:url" content="https://example.test/@Alice/` + id(public) + `">`,
			`<meta property="og:title" content="Ann &lt;b&gt;&#34;&amp;&#34;&lt;/b&gt; (@Alice)">`,
			`<meta property="og:description" content="Hello &lt;world&gt; &amp; friends">`,
			`<meta property="og:image" content="https://example.test/static/avatar.png">`,
			`<meta property="og:site_name" content="Test Social">`,
			`datetime="` + public.CreatedAt.UTC().Format(time.RFC3339) + `"`,
			"<strong>0</strong> replies",
		}, excludes: []string{"<b>", "noindex"}},
		{name: "Twitter's form", path: "/Alice/status/" + id(public), status: 200, contains: []string{
			"Hello &lt;world&gt; &amp; friends", `<link rel="canonical" href="https://example.test/@Alice/` + id(public) + `">`}},
		{name: "HEAD", method: http.MethodHead, path: "/@Alice/" + id(public), status: 200},
		{name: "username in another case", path: "/@alice/" + id(public), status: 301, location: "/@Alice/" + id(public)},
		{name: "Twitter's form in another case", path: "/ALICE/status/" + id(public), status: 301, location: "/@Alice/" + id(public)},
		{name: "unlisted", path: "/@Alice/" + id(unlisted), status: 200, contains: []string{"quietly", `content="noindex"`}},
		{name: "content warning hides the text from previews", path: "/@Alice/" + id(warned), status: 200, contains: []string{
			`<meta property="og:description" content="Content warning: film ending">`, "<details><summary>film ending</summary>"},
			excludes: []string{`content="the spoiler itself"`}},
		{name: "rendered links kept as HTML", path: "/@Alice/" + id(linked), status: 200, contains: []string{
			`href="https://example.test/@bob"`, `href="https://example.test/tags/Birds"`, `href="https://example.com/page"`,
			`<meta property="og:description" content="hi @bob #Birds https://example.com/page">`},
			excludes: []string{"&lt;a"}},
		{name: "private", path: "/@Alice/" + id(private), status: 404, contains: []string{"This page isn&#39;t here"},
			excludes: []string{"followers only"}},
		{name: "direct", path: "/@Alice/" + id(direct), status: 404, excludes: []string{"secret"}},
		{name: "another author's name", path: "/@bob/" + id(public), status: 404, excludes: []string{"Hello"}},
		{name: "unknown author", path: "/@nobody/" + id(public), status: 404},
		{name: "missing post", path: "/@Alice/" + snowflake.Format(s.ids.Next()), status: 404},
		{name: "malformed id", path: "/@Alice/abc", status: 404},
		{name: "no @", path: "/Alice/" + id(public), status: 404},
		{name: "POST", method: http.MethodPost, path: "/@Alice/" + id(public), status: 405},
		{name: "author awaiting approval", path: "/@pending/" + id(unapproved), status: 404,
			excludes: []string{"posted before approval"}},
		{name: "author awaiting approval, Twitter's form", path: "/pending/status/" + id(unapproved), status: 404,
			excludes: []string{"posted before approval"}},
		{name: "status uri", path: "/users/Alice/statuses/" + id(public), status: 301, location: "/@Alice/" + id(public)},
		{name: "status uri in another case", path: "/users/alice/statuses/" + id(public), status: 301,
			location: "/@alice/" + id(public)},
		{name: "account uri", path: "/users/Alice", status: 301, location: "/@Alice"},
		{name: "account uri escapes", path: "/users/a%2Fb", status: 301, location: "/@a%2Fb"},
		{name: "account uri, POST", method: http.MethodPost, path: "/users/Alice", status: 405},
		{name: "hashtag escaped", path: "/tags/%3Cb%3E", status: 404, contains: []string{"#&lt;b&gt;"},
			excludes: []string{"<b>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			rec := s.get(t, method, tt.path)
			wantPage(t, rec, tt.status, tt.location, tt.contains, tt.excludes)
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none'; style-src 'self'; img-src 'self'") {
				t.Errorf("Content-Security-Policy = %q", csp)
			}
			if tt.status == 200 || tt.status == 404 {
				if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
					t.Errorf("Content-Type = %q", ct)
				}
			}
		})
	}
}

func TestProfilePage(t *testing.T) {
	s := newSite(t)
	alice := s.account(t, "alice", "", func(a *starling.Account) {
		a.Note = "I <3 birds"
		a.NoteHTML = "<p>I &lt;3 birds</p>"
	})
	other := s.account(t, "other", "Other")
	s.account(t, "pending", "", func(a *starling.Account) { a.Approved = false })
	s.account(t, "quiet", "")
	var posts []*starling.Status
	for i := 0; i < 21; i++ {
		posts = append(posts, s.post(t, alice, statuses.CreateInput{Text: "post number " + string(rune('A'+i))}))
	}
	s.post(t, alice, statuses.CreateInput{Text: "a private one", Visibility: "private"})
	s.post(t, alice, statuses.CreateInput{Text: "a reply to someone", InReplyToID: s.post(t, other, statuses.CreateInput{Text: "hi"}).ID})
	s.post(t, alice, statuses.CreateInput{Text: "the latest, unlisted", Visibility: "unlisted"})
	second := "/@alice?max_id=" + id(posts[2])

	tests := []struct {
		name     string
		path     string
		status   int
		location string
		contains []string
		excludes []string
	}{
		{name: "first page", path: "/@alice", status: 200, contains: []string{
			"<p>I &lt;3 birds</p>", "the latest, unlisted", "post number U", "post number C",
			`href="` + second + `"`, `<meta property="og:type" content="profile">`,
			`<meta property="og:description" content="I &lt;3 birds">`,
		}, excludes: []string{"a private one", "a reply to someone", "post number B"}},
		{name: "second page", path: second, status: 200, contains: []string{"post number B", "post number A"},
			excludes: []string{"post number C", "Older posts"}},
		{name: "past the end", path: "/@alice?max_id=" + id(posts[0]), status: 200, contains: []string{"No older public posts."}},
		{name: "nothing posted", path: "/@quiet", status: 200, contains: []string{"No public posts yet.", "Posts by quiet"}},
		{name: "another case", path: "/@ALICE", status: 301, location: "/@alice"},
		{name: "another case keeps the page", path: "/@ALICE?max_id=" + id(posts[2]), status: 301, location: second},
		{name: "unknown", path: "/@nobody", status: 404},
		{name: "awaiting approval", path: "/@pending", status: 404},
		{name: "no @", path: "/alice", status: 404},
		{name: "bare @", path: "/@", status: 404},
		{name: "malformed cursor", path: "/@alice?max_id=x", status: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := s.get(t, http.MethodGet, tt.path)
			wantPage(t, rec, tt.status, tt.location, tt.contains, tt.excludes)
		})
	}
}

func TestStaticFiles(t *testing.T) {
	s := newSite(t)
	tests := []struct {
		path        string
		contentType string
		width       int // of a PNG; 0 for other files
		height      int
	}{
		{"/static/avatar.png", "image/png", 96, 96},
		{"/static/header.png", "image/png", 600, 200},
		{"/static/style.css", "text/css; charset=utf-8", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := s.get(t, http.MethodGet, tt.path)
			if rec.Code != 200 || rec.Header().Get("Content-Type") != tt.contentType {
				t.Fatalf("status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
			}
			if rec.Body.Len() == 0 {
				t.Fatal("empty body")
			}
			if tt.width != 0 {
				cfg, err := png.DecodeConfig(bytes.NewReader(rec.Body.Bytes()))
				if err != nil {
					t.Fatal(err)
				}
				if cfg.Width != tt.width || cfg.Height != tt.height {
					t.Errorf("%d×%d, want %d×%d", cfg.Width, cfg.Height, tt.width, tt.height)
				}
			}
			if head := s.get(t, http.MethodHead, tt.path); head.Code != 200 {
				t.Errorf("HEAD: %d", head.Code)
			}
		})
	}
}

// TestAPIAlongside checks that mounting the pages leaves the API's routes
// and its JSON 404 in place.
func TestAPIAlongside(t *testing.T) {
	s := newSite(t)
	alice := s.account(t, "alice", "")
	public := s.post(t, alice, statuses.CreateInput{Text: "hi"})
	tests := []struct {
		path   string
		status int
	}{
		{"/api/v1/statuses/" + id(public), 200},
		{"/api/v1/nothing/here", 404},
		{"/api/v1/timelines/tag/birds", 200},
		{"/api/v1", 404},
		{"/api", 404},
		{"/.well-known/host-meta", 404},
		{"/.well-known/webfinger", 400},
		{"/.well-known/webfinger?resource=acct:alice@example.test", 200},
		{"/.well-known/webfinger?resource=acct:nobody@example.test", 404},
		{"/nodeinfo/1.0", 404},
		{"/oauth/token", 405},
		{"/oauth/revoke", 405},
		{"/oauth/token/x", 404},
		{"DELETE /.well-known/oauth-authorization-server", 405},
		{"POST /nodeinfo/2.0", 405},
		{"PUT /oauth/authorize", 405},
		{"PUT /api/v1/instance", 405},
	}
	for _, tt := range tests {
		method, path, ok := strings.Cut(tt.path, " ")
		if !ok {
			method, path = http.MethodGet, tt.path
		}
		rec := s.get(t, method, path)
		ct := rec.Header().Get("Content-Type")
		if rec.Code != tt.status || !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "application/jrd+json") {
			t.Errorf("%s: %d %q, want %d JSON", tt.path, rec.Code, ct, tt.status)
		}
		if rec.Code == 405 && rec.Header().Get("Allow") == "" {
			t.Errorf("%s: 405 without Allow", tt.path)
		}
	}
}
