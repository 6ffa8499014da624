package mastodon

import (
	"encoding/json"
	"net/url"
	"strconv"
	"testing"
)

// getJSON fetches path anonymously and decodes the 200 answer.
func getJSON(t *testing.T, ts *testServer, path string) map[string]any {
	t.Helper()
	rec := ts.do("GET", path, nil, nil, "")
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
			u, _ := url.Parse(tt.publicURL)
			ts := newTestServer(t, Config{PublicURL: u, Registrations: tt.registrations, Version: "1.2.3"},
				countingStore{users: 7})

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
				{[]string{"stats", "user_count"}, 7.0},
				{[]string{"stats", "status_count"}, 0.0},
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
				{[]string{"usage", "users", "active_month"}, 7.0},
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
	ts := newTestServer(t, Config{}, countingStore{})
	rec := ts.do("GET", "/api/v1/instance/rules", nil, nil, "")
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
	ts := newTestServer(t, Config{}, countingStore{})
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
		{"/api/v2/search?q=anything", `{"accounts":[],"hashtags":[],"statuses":[]}` + "\n"},
	}
	for _, tt := range tests {
		rec := ts.do("GET", tt.path, nil, nil, "")
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
	u, _ := url.Parse("https://social.example")
	ts := newTestServer(t, Config{PublicURL: u, Version: "1.2.3"}, countingStore{users: 3})
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
		{[]string{"openRegistrations"}, true},
	}
	for _, c := range checks {
		if got := at(ni, c.path...); got != c.want {
			t.Errorf("nodeinfo %v = %v, want %v", c.path, got, c.want)
		}
	}
}

func TestUserEndpointsNeedAToken(t *testing.T) {
	ts := newTestServer(t, Config{}, countingStore{})
	for _, path := range []string{"/api/v1/notifications", "/api/v1/preferences", "/api/v1/markers",
		"/api/v1/lists", "/api/v2/filters", "/api/v1/bookmarks"} {
		rec := ts.do("GET", path, nil, nil, "")
		if rec.Code != 401 {
			t.Errorf("GET %s without a token: %d, want 401", path, rec.Code)
		}
	}
}
