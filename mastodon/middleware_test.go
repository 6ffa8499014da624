package mastodon

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/starling-social/starling"
)

// observation is one call of Services.Observe.
type observation struct {
	route  string
	status int
}

// testServer is the shared test API with the middleware's outputs made
// visible: its log at debug level in JSON, and what it tells Observe.
type testServer struct {
	*testAPI
	logs     *bytes.Buffer
	mu       sync.Mutex
	observed []observation
}

func newTestServer(t *testing.T, configure func(*Config)) *testServer {
	t.Helper()
	ts := &testServer{testAPI: newTestAPIWith(t, configure), logs: &bytes.Buffer{}}
	ts.Server.log = slog.New(WithRequestIDs(slog.NewJSONHandler(ts.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	ts.Server.svc.Observe = func(method, route string, status int, _ float64) {
		ts.mu.Lock()
		ts.observed = append(ts.observed, observation{method + " " + route, status})
		ts.mu.Unlock()
	}
	return ts
}

func (ts *testServer) lastObserved() observation {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.observed[len(ts.observed)-1]
}

// request sends a request with extra headers from remote address addr
// (host:port; httptest's default when empty).
func (ts *testServer) request(method, target string, body io.Reader, header http.Header, addr string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, body)
	for k, vs := range header {
		r.Header[k] = vs
	}
	if addr != "" {
		r.RemoteAddr = addr
	}
	return ts.send(r)
}

func withRateLimits(c *Config) { c.RateLimits = true }

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
	ts := newTestServer(t, nil)
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
			rec := ts.request("GET", "/api/v1/instance", nil, h, "")
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
	ts := newTestServer(t, nil)
	for _, path := range []string{"/api/v1/instance", "/api/v1/nope"} {
		rec := ts.request("GET", path, nil, nil, "")
		if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options = %q", path, got)
		}
		if got := rec.Header().Get("Referrer-Policy"); got != "same-origin" {
			t.Errorf("%s: Referrer-Policy = %q", path, got)
		}
	}
}

func TestCORS(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.Server.Handle("GET /web-page", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
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
			rec := ts.request(tt.method, tt.path, nil, tt.header, "")
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

func TestPreflightAllowedHeaders(t *testing.T) {
	ts := newTestServer(t, nil)
	tests := []struct{ asked, want string }{
		{"", "Authorization, Content-Type, Idempotency-Key"},
		{"authorization,content-type,x-custom", "authorization,content-type,x-custom"},
		{"authorization\r\nSet-Cookie: x=1", "Authorization, Content-Type, Idempotency-Key"},
	}
	for _, tt := range tests {
		h := http.Header{"Origin": {"https://client.example"}, "Access-Control-Request-Method": {"POST"}}
		if tt.asked != "" {
			h.Set("Access-Control-Request-Headers", tt.asked)
		}
		rec := ts.request("OPTIONS", "/api/v1/statuses", nil, h, "")
		if got := rec.Header().Get("Access-Control-Allow-Headers"); got != tt.want {
			t.Errorf("asked %q: allowed %q, want %q", tt.asked, got, tt.want)
		}
	}
}

func TestOversizedBodyRejectedUpFront(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.MaxBodyBytes = 100 })
	reached := false
	ts.Server.Handle("POST /upload", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true }))
	tests := []struct {
		size   int
		status int
	}{{0, 200}, {100, 200}, {101, 413}}
	for _, tt := range tests {
		reached = false
		rec := ts.request("POST", "/upload", strings.NewReader(strings.Repeat("x", tt.size)), nil, "")
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
	ts := newTestServer(t, nil)
	ts.Server.Handle("GET /boom", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("kaboom") }))
	rec := ts.request("GET", "/boom", nil, nil, "")
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
	if got := ts.lastObserved(); got != (observation{"GET /boom", 500}) {
		t.Fatalf("observed %+v", got)
	}
}

func TestObserveRoutes(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.Server.Handle("/plain", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tests := []struct {
		method, path string
		want         observation
	}{
		{"GET", "/api/v1/instance", observation{"GET /api/v1/instance", 200}},
		{"HEAD", "/api/v1/instance", observation{"HEAD /api/v1/instance", 200}},
		{"GET", "/api/v1/statuses/123/nothing", observation{"GET unmatched", 404}},
		{"PUT", "/api/v1/instance", observation{"PUT unmatched", 405}},
		{"POST", "/plain", observation{"POST /plain", 200}},
		{"GET", "/no/such/page", observation{"GET unmatched", 404}},
		{"BREW", "/no/such/pot", observation{"OTHER unmatched", 404}},
	}
	for _, tt := range tests {
		ts.request(tt.method, tt.path, nil, nil, "")
		if got := ts.lastObserved(); got != tt.want {
			t.Errorf("%s %s observed as %+v, want %+v", tt.method, tt.path, got, tt.want)
		}
	}
}

func TestQuietRoutesLogAtDebug(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.Server.Handle("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	ts.request("GET", "/healthz", nil, nil, "")
	ts.request("GET", "/api/v1/instance", nil, nil, "")
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
			ts := newTestServer(t, withRateLimits)
			before := time.Now()
			for i := 1; i <= tt.limit; i++ {
				rec := ts.request(tt.method, tt.path, nil, nil, "192.0.2.1:1000")
				if rec.Code == 429 {
					t.Fatalf("request %d of %d refused", i, tt.limit)
				}
				if got := rec.Header().Get("X-RateLimit-Remaining"); got != strconv.Itoa(tt.limit-i) {
					t.Fatalf("request %d: remaining %q, want %d", i, got, tt.limit-i)
				}
			}
			rec := ts.request(tt.method, tt.path, nil, nil, "192.0.2.1:2000")
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
			if rec := ts.request(tt.method, tt.path, nil, nil, "192.0.2.2:1000"); rec.Code == 429 {
				t.Fatal("another address was refused too")
			}
		})
	}
}

func TestRateLimitsOffSetNoHeaders(t *testing.T) {
	ts := newTestServer(t, nil)
	for range 10 {
		rec := ts.request("POST", "/api/v1/accounts", nil, nil, "192.0.2.1:1000")
		if rec.Code == 429 || rec.Header().Get("X-RateLimit-Limit") != "" {
			t.Fatalf("status %d, headers %v", rec.Code, rec.Header())
		}
	}
}

func TestAccountLimits(t *testing.T) {
	ts := newTestServer(t, withRateLimits)
	alice, _ := ts.signUp(t, "alice")
	bob, _ := ts.signUp(t, "bob")
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	remaining := func(rec *httptest.ResponseRecorder) string { return rec.Header().Get("X-RateLimit-Remaining") }

	// Alice's requests count against her account, wherever they come from.
	if got := remaining(ts.request("GET", "/api/v1/preferences", nil, bearer(alice), "192.0.2.1:1")); got != "299" {
		t.Fatalf("first request: remaining %q, want 299", got)
	}
	if got := remaining(ts.request("GET", "/api/v1/preferences", nil, bearer(alice), "192.0.2.9:1")); got != "298" {
		t.Fatalf("same account, other address: remaining %q, want 298", got)
	}
	// Bob from Alice's address has his own budget, and so has the address.
	if got := remaining(ts.request("GET", "/api/v1/preferences", nil, bearer(bob), "192.0.2.1:1")); got != "299" {
		t.Fatalf("other account, same address: remaining %q, want 299", got)
	}
	if got := remaining(ts.request("GET", "/api/v1/instance", nil, nil, "192.0.2.1:1")); got != "299" {
		t.Fatalf("anonymous from that address: remaining %q, want 299", got)
	}
	for i := 3; i <= 300; i++ {
		if rec := ts.request("GET", "/api/v1/markers", nil, bearer(alice), "192.0.2.1:1"); rec.Code != 200 {
			t.Fatalf("request %d: status %d", i, rec.Code)
		}
	}
	rec := ts.request("GET", "/api/v1/markers", nil, bearer(alice), "192.0.2.1:1")
	if rec.Code != 429 || remaining(rec) != "0" {
		t.Fatalf("request 301: status %d, remaining %q", rec.Code, remaining(rec))
	}
	if rec := ts.request("GET", "/api/v1/markers", nil, bearer(bob), "192.0.2.1:1"); rec.Code != 200 {
		t.Fatalf("bob refused with alice: %d", rec.Code)
	}
}

func TestSignUpHeadersShowTheStricterLimit(t *testing.T) {
	ts := newTestServer(t, withRateLimits)
	app := http.Header{"Authorization": {"Bearer " + ts.appToken(t, "read write")},
		"Content-Type": {"application/x-www-form-urlencoded"}}
	for i := 1; i <= 5; i++ {
		body := strings.NewReader("username=user" + strconv.Itoa(i) + "&email=user" + strconv.Itoa(i) +
			"@example.com&password=correct+horse+battery&agreement=true&locale=en")
		rec := ts.request("POST", "/api/v1/accounts", body, app, "192.0.2.1:1")
		if rec.Code != 200 {
			t.Fatalf("sign-up %d: %d %s", i, rec.Code, rec.Body)
		}
		if rec.Header().Get("X-RateLimit-Limit") != "5" || rec.Header().Get("X-RateLimit-Remaining") != strconv.Itoa(5-i) {
			t.Fatalf("sign-up %d: headers %v", i, rec.Header())
		}
	}
	rec := ts.request("POST", "/api/v1/accounts", strings.NewReader("username=user6"), app, "192.0.2.1:1")
	if rec.Code != 429 {
		t.Fatalf("sixth sign-up: %d, want 429", rec.Code)
	}
	if _, err := ts.Store.AccountByUsername(context.Background(), "user6"); starling.ErrorCode(err) != starling.ENOTFOUND {
		t.Fatalf("refused sign-up wrote an account: %v", err)
	}
}

func TestClientIP(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"192.0.2.1:1234", "192.0.2.1"},
		{"192.0.2.1", "192.0.2.1"},
		{"[::ffff:192.0.2.1]:1234", "192.0.2.1"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff:ffff:ffff:ffff]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:3::1]:443", "2001:db8:1:3::/64"},
		{"[fe80::1%eth0]:443", "fe80::/64"},
		{"[::1]:80", "::/64"},
		{"2001:db8::1", "2001:db8::/64"},
		{"not an address", "not an address"},
		{"", ""},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if got := clientIP(r); got != tt.want {
			t.Errorf("clientIP(%q) = %q, want %q", tt.remote, got, tt.want)
		}
	}
}

// TestIPv6NetworkSharesALimit checks that addresses of one /64 share the
// per-address budget, and that the next network has its own.
func TestIPv6NetworkSharesALimit(t *testing.T) {
	ts := newTestServer(t, withRateLimits)
	for i := 1; i <= signUpLimit.limit; i++ {
		addr := "[2001:db8:0:1::" + strconv.Itoa(i) + "]:1000"
		if rec := ts.request("POST", "/api/v1/accounts", nil, nil, addr); rec.Code == 429 {
			t.Fatalf("sign-up %d refused", i)
		}
	}
	if rec := ts.request("POST", "/api/v1/accounts", nil, nil, "[2001:db8:0:1:ffff::9]:1000"); rec.Code != 429 {
		t.Fatalf("another address of the same /64: %d, want 429", rec.Code)
	}
	if rec := ts.request("POST", "/api/v1/accounts", nil, nil, "[2001:db8:0:2::1]:1000"); rec.Code == 429 {
		t.Fatal("the next /64 was refused too")
	}
}
