package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/statuses"
	"github.com/starling-social/starling/timeline"
)

func TestTagPage(t *testing.T) {
	s := newSite(t)
	alice := s.account(t, "Alice", "Ann")
	bob := s.account(t, "bob", "Bob")
	pending := s.account(t, "pending", "Pending", func(a *starling.Account) { a.Approved = false })
	first := s.post(t, alice, statuses.CreateInput{Text: "first #Birds"})
	reply := s.post(t, bob, statuses.CreateInput{Text: "a reply #BIRDS", InReplyToID: first.ID})
	s.post(t, alice, statuses.CreateInput{Text: "quiet #birds", Visibility: "unlisted"})
	s.post(t, alice, statuses.CreateInput{Text: "friends #birds", Visibility: "private"})
	s.post(t, pending, statuses.CreateInput{Text: "awaiting approval #birds"})
	cafe := s.post(t, bob, statuses.CreateInput{Text: "#café au lait"})
	longest := strings.Repeat("a", timeline.MaxTagLength)

	// #tea has exactly two pages' worth, #cake one more than a page.
	var tea, cake []*starling.Status // newest first
	for i := range 40 {
		tea = append([]*starling.Status{s.post(t, bob, statuses.CreateInput{Text: fmt.Sprintf("tea %d #tea", i)})}, tea...)
	}
	for i := range 21 {
		cake = append([]*starling.Status{s.post(t, bob, statuses.CreateInput{Text: fmt.Sprintf("cake %d #cake", i)})}, cake...)
	}

	tests := []struct {
		name     string
		method   string
		path     string
		status   int
		contains []string
		excludes []string
	}{
		{name: "public posts, replies included", path: "/tags/birds", status: 200, contains: []string{
			"<title>#birds - Test Social</title>",
			"<h1>#birds</h1>",
			"first ", "a reply ",
			`href="/@Alice/` + id(first) + `"`, `href="/@bob/` + id(reply) + `"`,
			`<span class="name">Ann</span><span class="handle">@Alice</span>`,
			`<link rel="canonical" href="https://example.test/tags/birds">`,
			`<meta property="og:title" content="#birds">`,
		}, excludes: []string{"quiet", "friends", "awaiting approval", "@pending", "Older posts", `name="robots"`}},
		{name: "in the case asked for", path: "/tags/BiRdS", status: 200,
			contains: []string{"<h1>#BiRdS</h1>", "first ", "a reply "}},
		{name: "non-ASCII", path: "/tags/caf%C3%A9", status: 200, contains: []string{
			"<h1>#café</h1>", `href="/@bob/` + id(cafe) + `"`,
			`<link rel="canonical" href="https://example.test/tags/caf%C3%A9">`}},
		{name: "no posts", path: "/tags/nothing", status: 200,
			contains: []string{"<h1>#nothing</h1>", "No public posts with this hashtag yet."}},
		{name: "first of two full pages", path: "/tags/tea", status: 200, contains: []string{
			`href="/@bob/` + id(tea[0]) + `"`, `href="/@bob/` + id(tea[19]) + `"`,
			`<a class="older" href="/tags/tea?max_id=` + id(tea[19]) + `">Older posts</a>`,
		}, excludes: []string{`href="/@bob/` + id(tea[20]) + `"`}},
		{name: "last full page still offers more", path: "/tags/tea?max_id=" + id(tea[19]), status: 200, contains: []string{
			`href="/@bob/` + id(tea[20]) + `"`, `href="/@bob/` + id(tea[39]) + `"`,
			`<a class="older" href="/tags/tea?max_id=` + id(tea[39]) + `">`,
		}, excludes: []string{`href="/@bob/` + id(tea[19]) + `"`}},
		{name: "past the end", path: "/tags/tea?max_id=" + id(tea[39]), status: 200,
			contains: []string{"No older public posts."}, excludes: []string{"Older posts"}},
		{name: "one post on the last page", path: "/tags/cake?max_id=" + id(cake[19]), status: 200,
			contains: []string{`href="/@bob/` + id(cake[20]) + `"`}, excludes: []string{"Older posts", "No older"}},
		{name: "malformed max_id", path: "/tags/tea?max_id=abc", status: 404},
		{name: "not a hashtag", path: "/tags/bird%20watching", status: 404,
			contains: []string{"<h1>#bird watching</h1>", "This is not a hashtag"}},
		{name: "digits only", path: "/tags/123", status: 404, contains: []string{"This is not a hashtag"}},
		{name: "not a hashtag, escaped", path: "/tags/%3Cb%3E", status: 404,
			contains: []string{"#&lt;b&gt;"}, excludes: []string{"<b>"}},
		{name: "with its #", path: "/tags/%23birds", status: 200,
			contains: []string{"<h1>#birds</h1>", "first ", "a reply "}},
		{name: "with a fullwidth #", path: "/tags/%EF%BC%83birds", status: 200,
			contains: []string{"<h1>#birds</h1>", "first "}},
		{name: "the longest", path: "/tags/" + longest, status: 200,
			contains: []string{"<h1>#" + longest + "</h1>", "No public posts with this hashtag yet."}},
		{name: "one character too long", path: "/tags/" + longest + "a", status: 404,
			contains: []string{"This is not a hashtag"}, excludes: []string{longest}},
		{name: "far too long", path: "/tags/" + strings.Repeat("a", 500_000), status: 404,
			contains: []string{"This is not a hashtag"}, excludes: []string{longest}},
		{name: "two #", path: "/tags/%23%23birds", status: 404, contains: []string{"This is not a hashtag"}},
		{name: "no name", path: "/tags/", status: 404, contains: []string{"<title>Not found - Test Social</title>"}},
		{name: "a trailing slash", path: "/tags/birds/", status: 404, contains: []string{"<title>Not found - Test Social</title>"}},
		{name: "POST", method: http.MethodPost, path: "/tags/birds", status: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			rec := s.get(t, method, tt.path)
			wantPage(t, rec, tt.status, "", tt.contains, tt.excludes)
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none'; style-src 'self'; img-src 'self'") {
				t.Errorf("Content-Security-Policy = %q", csp)
			}
			if tt.status != 405 {
				if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
					t.Errorf("Content-Type = %q", ct)
				}
			}
		})
	}

	body := s.get(t, http.MethodGet, "/tags/birds").Body.String()
	if newer, older := strings.Index(body, "/@bob/"+id(reply)), strings.Index(body, "/@Alice/"+id(first)); newer > older {
		t.Errorf("the reply (newer) comes at %d, after the first post at %d", newer, older)
	}
}
