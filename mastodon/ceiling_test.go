package mastodon

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCeilingPage(t *testing.T) {
	api := newTestAPIWith(t, func(c *Config) { c.Ceiling = true })
	token, _ := api.signUp(t, "reader")

	rec := api.do(t, http.MethodGet, "/api/v1/starling/ceiling", token, nil)
	wantStatus(t, rec, http.StatusOK)
	page := decode[[]Status](t, rec)
	if len(page) != 20 {
		t.Fatalf("%d statuses, want 20", len(page))
	}
	seen := map[string]bool{}
	for _, st := range page {
		if seen[st.ID] {
			t.Errorf("status id %s twice", st.ID)
		}
		seen[st.ID] = true
		// Realistic size: a mention and a link in ~140 characters.
		if len(st.Mentions) != 1 || !strings.Contains(st.Content, `class="u-url mention"`) ||
			!strings.Contains(st.Content, `href="https://example.com/posts/`) {
			t.Errorf("status %s lacks a rendered mention or link: %s", st.ID, st.Content)
		}
		if st.Account.Username != "ceiling" || st.Favourited == nil {
			t.Errorf("status %s: author %q, favourited %v; want the fixed author, rendered for a viewer",
				st.ID, st.Account.Username, st.Favourited)
		}
	}
	if n := utf8.RuneCountInString(page[0].Content); n < 140 {
		t.Errorf("content is %d characters of HTML, want a realistic post", n)
	}
	// The same page every time.
	again := api.do(t, http.MethodGet, "/api/v1/starling/ceiling", token, nil)
	if again.Body.String() != rec.Body.String() {
		t.Error("the ceiling page changed between requests")
	}

	wantStatus(t, api.do(t, http.MethodGet, "/api/v1/starling/ceiling", "", nil), http.StatusUnauthorized)
	wantStatus(t, api.do(t, http.MethodGet, "/api/v1/starling/ceiling", "not-a-token", nil), http.StatusUnauthorized)
	// The scope binds as on the home timeline.
	acct, err := api.Store.AccountByUsername(t.Context(), "reader")
	if err != nil {
		t.Fatal(err)
	}
	writeOnly := api.tokenFor(t, acct.ID, "write")
	wantStatus(t, api.do(t, http.MethodGet, "/api/v1/starling/ceiling", writeOnly, nil), http.StatusForbidden)
}

func TestCeilingPageOffByDefault(t *testing.T) {
	api := newTestAPI(t)
	token, _ := api.signUp(t, "reader")
	wantStatus(t, api.do(t, http.MethodGet, "/api/v1/starling/ceiling", token, nil), http.StatusNotFound)
}
