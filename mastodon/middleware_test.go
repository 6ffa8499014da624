package mastodon

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/inmem"
)

// countingStore answers the few store calls the instance endpoints make;
// any other call panics, which the middleware turns into a 500 that the
// tests would notice.
type countingStore struct {
	starling.Store
	users int64
}

func (c countingStore) CountAccounts(context.Context) (int64, error) { return c.users, nil }

// observation is one call of Services.Observe.
type observation struct {
	route  string
	status int
}

type testServer struct {
	*Server
	logs     *bytes.Buffer
	mu       sync.Mutex
	observed []observation
}

func newTestServer(t *testing.T, cfg Config, store starling.Store) *testServer {
	t.Helper()
	if cfg.PublicURL == nil {
		cfg.PublicURL, _ = url.Parse("http://localhost:8080")
	}
	if cfg.Registrations == "" {
		cfg.Registrations = RegistrationsOpen
	}
	if cfg.Version == "" {
		cfg.Version = "0.1.0"
	}
	ts := &testServer{logs: &bytes.Buffer{}}
	svc := Services{
		Store:   store,
		Limiter: inmem.NewRateLimiter(),
		Observe: func(route string, status int, _ float64) {
			ts.mu.Lock()
			ts.observed = append(ts.observed, observation{route, status})
			ts.mu.Unlock()
		},
	}
	log := slog.New(slog.NewJSONHandler(ts.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ts.Server = New(cfg, svc, log)
	return ts
}

// do sends a request from remote address addr (host:port).
func (ts *testServer) do(method, target string, body io.Reader, header http.Header, addr string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, body)
	for k, vs := range header {
		r.Header[k] = vs
	}
	if addr != "" {
		r.RemoteAddr = addr
	}
	rec := httptest.NewRecorder()
	ts.ServeHTTP(rec, r)
	return rec
}

func decodeError(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("content type %q, want JSON", ct)
	}
	var body struct{ Error string }
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("error body %q: %v", rec.Body, err)
	}
	return body.Error
}

func TestRequestID(t *testing.T) {
	ts := newTestServer(t, Config{}, countingStore{})
	tests := []struct {
		name, given string
		kept        bool
	}{
		{"absent", "", false},
		{"plain", "abc-123_X.y", true},
		{"longest kept", strings.Repeat("a", 64), true},
		{"too long", strings.Repeat("a", 65), false},
		{"line break", "abc\ninjected=1", false},
		{"space", "a b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.given != "" {
				h.Set("X-Request-Id", tt.given)
			}
			rec := ts.do("GET", "/api/v1/instance", nil, h, "")
			got := rec.Header().Get("X-Request-Id")
			if tt.kept && got != tt.given {
				t.Fatalf("X-Request-Id = %q, want the caller's %q", got, tt.given)
			}
			if !tt.kept && (len(got) != 32 || got == tt.given) {
				t.Fatalf("X-Request-Id = %q, want a fresh 32-digit id", got)
			}
			if !strings.Contains(ts.logs.String(), `"request_id":"`+got+`"`) {
				t.Fatalf("access log lacks the request id %q", got)
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	ts := newTestServer(t, Config{}, countingStore{})
	for _, path := range []string{"/api/v1/instance", "/api/v1/nope"} {
		rec := ts.do("GET", path, nil, nil, "")
		if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options = %q", path, got)
		}
		if got := rec.Header().Get("Referrer-Policy"); got != "same-origin" {
			t.Errorf("%s: Referrer-Policy = %q", path, got)
		}
	}
}

func TestCORS(t *testing.T) {
	ts := newTestServer(t, Config{}, countingStore{})
	ts.Handle("GET /web-page", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	preflight := http.Header{"Origin": {"https://client.example"}, "Access-Control-Request-Method": {"POST"}}
	tests := []struct {
		name, method, path string
		header             http.Header
		status             int
		allowOrigin        string
		allowMethods       bool
	}{
		{"preflight API", "OPTIONS", "/api/v1/statuses", preflight, 204, "*", true},
		{"preflight token", "OPTIONS", "/oauth/token", preflight, 204, "*", true},
		{"preflight revoke", "OPTIONS", "/oauth/revoke", preflight, 204, "*", true},
		{"preflight nodeinfo", "OPTIONS", "/.well-known/nodeinfo", preflight, 204, "*", true},
		{"simple API request", "GET", "/api/v1/instance", http.Header{"Origin": {"https://x.example"}}, 200, "*", false},
		{"nodeinfo document", "GET", "/nodeinfo/2.0", nil, 200, "*", false},
		{"web page is not shared", "GET", "/web-page", http.Header{"Origin": {"https://x.example"}}, 200, "", false},
		{"web page has no preflight", "OPTIONS", "/web-page", preflight, 405, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := ts.do(tt.method, tt.path, nil, tt.header, "")
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			if got := rec.Header().Get("Access-Control-Allow-Origin"); got != tt.allowOrigin {
				t.Fatalf("Allow-Origin %q, want %q", got, tt.allowOrigin)
			}
			if got := rec.Header().Get("Access-Control-Allow-Methods") != ""; got != tt.allowMethods {
				t.Fatalf("Allow-Methods present = %v, want %v", got, tt.allowMethods)
			}
			if tt.allowOrigin == "*" && !tt.allowMethods &&
				!strings.Contains(rec.Header().Get("Access-Control-Expose-Headers"), "Link") {
				t.Fatal("Link header not exposed to browsers")
			}
		})
	}
}

func TestOversizedBodyRejectedUpFront(t *testing.T) {
	ts := newTestServer(t, Config{MaxBodyBytes: 100}, countingStore{})
	reached := false
	ts.Handle("POST /upload", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true }))
	tests := []struct {
		size   int
		status int
	}{{0, 200}, {100, 200}, {101, 413}}
	for _, tt := range tests {
		reached = false
		rec := ts.do("POST", "/upload", strings.NewReader(strings.Repeat("x", tt.size)), nil, "")
		if rec.Code != tt.status {
			t.Fatalf("%d bytes: status %d, want %d", tt.size, rec.Code, tt.status)
		}
		if tt.status == 413 {
			if reached {
				t.Fatalf("%d bytes: handler ran", tt.size)
			}
			if msg := decodeError(t, rec); msg != "Request body too large" {
				t.Fatalf("error %q", msg)
			}
		}
	}
}

func TestPanicRecovery(t *testing.T) {
	ts := newTestServer(t, Config{}, countingStore{})
	ts.Handle("GET /boom", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("kaboom") }))
	rec := ts.do("GET", "/boom", nil, nil, "")
	if rec.Code != 500 {
		t.Fatalf("status %d, want 500", rec.Code)
	}
	if msg := decodeError(t, rec); msg != "Internal server error" {
		t.Fatalf("error %q", msg)
	}
	logs := ts.logs.String()
	if !strings.Contains(logs, "kaboom") || !strings.Contains(logs, "middleware_test.go") {
		t.Fatalf("panic not logged with its stack:\n%s", logs)
	}
	if got := ts.observed[len(ts.observed)-1]; got != (observation{"GET /boom", 500}) {
		t.Fatalf("observed %+v", got)
	}
}

func TestObserveRoutes(t *testing.T) {
	ts := newTestServer(t, Config{}, countingStore{})
	ts.Handle("/plain", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tests := []struct {
		method, path string
		want         observation
	}{
		{"GET", "/api/v1/instance", observation{"GET /api/v1/instance", 200}},
		{"HEAD", "/api/v1/instance", observation{"HEAD /api/v1/instance", 200}},
		{"GET", "/api/v1/statuses/123/nothing", observation{"GET /api/v1/", 404}},
		{"POST", "/plain", observation{"POST /plain", 200}},
		{"GET", "/no/such/page", observation{"GET unmatched", 404}},
	}
	for _, tt := range tests {
		ts.do(tt.method, tt.path, nil, nil, "")
		if got := ts.observed[len(ts.observed)-1]; got != tt.want {
			t.Errorf("%s %s observed as %+v, want %+v", tt.method, tt.path, got, tt.want)
		}
	}
}

func TestQuietRoutesLogAtDebug(t *testing.T) {
	ts := newTestServer(t, Config{}, countingStore{})
	ts.Handle("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	ts.do("GET", "/healthz", nil, nil, "")
	ts.do("GET", "/api/v1/instance", nil, nil, "")
	var levels = map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(ts.logs.String()), "\n") {
		var e struct{ Level, Msg, Route string }
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatal(err)
		}
		if e.Msg == "request" {
			levels[e.Route] = e.Level
		}
	}
	if levels["/healthz"] != "DEBUG" || levels["/api/v1/instance"] != "INFO" {
		t.Fatalf("access log levels %v", levels)
	}
}

func TestAddressLimits(t *testing.T) {
	tests := []struct {
		name, method, path string
		limit              int
	}{
		{"sign-up", "POST", "/api/v1/accounts", 5},
		{"token", "POST", "/oauth/token", 30},
		{"anonymous API", "GET", "/api/v1/instance", 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, Config{RateLimits: true}, countingStore{})
			before := time.Now()
			for i := 1; i <= tt.limit; i++ {
				rec := ts.do(tt.method, tt.path, nil, nil, "192.0.2.1:1000")
				if rec.Code == 429 {
					t.Fatalf("request %d of %d refused", i, tt.limit)
				}
				if got := rec.Header().Get("X-RateLimit-Remaining"); got != strconv.Itoa(tt.limit-i) {
					t.Fatalf("request %d: remaining %q, want %d", i, got, tt.limit-i)
				}
			}
			rec := ts.do(tt.method, tt.path, nil, nil, "192.0.2.1:2000")
			if rec.Code != 429 {
				t.Fatalf("request past the limit: status %d, want 429", rec.Code)
			}
			if msg := decodeError(t, rec); msg != "Too many requests" {
				t.Fatalf("error %q", msg)
			}
			h := rec.Header()
			if h.Get("X-RateLimit-Limit") != strconv.Itoa(tt.limit) || h.Get("X-RateLimit-Remaining") != "0" {
				t.Fatalf("headers %v", h)
			}
			reset, err := time.Parse(time.RFC3339, h.Get("X-RateLimit-Reset"))
			if err != nil || reset.Before(before) {
				t.Fatalf("X-RateLimit-Reset %q: %v", h.Get("X-RateLimit-Reset"), err)
			}
			if rec := ts.do(tt.method, tt.path, nil, nil, "192.0.2.2:1000"); rec.Code == 429 {
				t.Fatal("another address was refused too")
			}
		})
	}
}

func TestRateLimitsOffSetNoHeaders(t *testing.T) {
	ts := newTestServer(t, Config{RateLimits: false}, countingStore{})
	for range 10 {
		rec := ts.do("POST", "/api/v1/accounts", nil, nil, "192.0.2.1:1000")
		if rec.Code == 429 || rec.Header().Get("X-RateLimit-Limit") != "" {
			t.Fatalf("status %d, headers %v", rec.Code, rec.Header())
		}
	}
}
