package mastodon

import (
	"net/http"
	"testing"
)

// TestJSONFallbacks checks that what the API's paths answer is JSON
// whatever the method and path, even with wide method-less patterns
// (like the web pages') added with Handle, and that 405s say what is
// allowed.
func TestJSONFallbacks(t *testing.T) {
	ts := newTestServer(t, nil)
	html := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusTeapot)
	})
	ts.Server.Handle("/{handle}", html)
	ts.Server.Handle("/{handle}/{id}", html)
	ts.Server.Handle("/{username}/status/{id}", html)
	ts.Server.Handle("GET /healthz", html)

	tests := []struct {
		method, path string
		status       int
		allow        string // for 405; for other statuses, "" means none
	}{
		{"GET", "/oauth/token", 405, "POST"},
		{"GET", "/oauth/revoke", 405, "POST"},
		{"DELETE", "/.well-known/oauth-authorization-server", 405, "GET, HEAD"},
		{"POST", "/nodeinfo/2.0", 405, "GET, HEAD"},
		{"PUT", "/oauth/authorize", 405, "GET, HEAD, POST"},
		{"PUT", "/api/v1/instance", 405, "GET, HEAD"},
		{"DELETE", "/api/v1/statuses", 405, "GET, HEAD, POST"},
		{"GET", "/.well-known/webfinger", 400, ""},
		{"POST", "/.well-known/webfinger", 405, "GET, HEAD"},
		{"GET", "/.well-known/host-meta", 404, ""},
		{"GET", "/.well-known/a/b/c", 404, ""},
		{"GET", "/nodeinfo/1.0", 404, ""},
		{"GET", "/nodeinfo/status/1", 404, ""},
		{"GET", "/api/v1/statuses/123/nothing", 404, ""},
		{"GET", "/api/status/1", 404, ""},
		{"GET", "/api/v1", 404, ""},
		{"GET", "/api", 404, ""},
		{"GET", "/api/v3/instance", 404, ""},
		{"BREW", "/api/v1/instance", 405, "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := ts.request(tt.method, tt.path, nil, nil, "")
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			decodeError(t, rec)
			if got := rec.Header().Get("Allow"); got != tt.allow {
				t.Fatalf("Allow %q, want %q", got, tt.allow)
			}
		})
	}

	// Paths outside the API's prefixes reach the added routes.
	for _, path := range []string{"/@alice", "/@alice/1", "/alice/status/1", "/apiary/1", "/healthz"} {
		if rec := ts.request("GET", path, nil, nil, ""); rec.Code != http.StatusTeapot {
			t.Errorf("GET %s: %d, want the added route's 418", path, rec.Code)
		}
	}
}
