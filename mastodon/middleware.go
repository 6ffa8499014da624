package mastodon

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/oauth"
)

// Rate limits, as Mastodon sets them by default. Sign-ups and password
// checks get their own, much smaller budgets per address, because those
// are what spammers and password guessers hammer: tokenLimit covers the
// token endpoint here and the authorization page's sign-in form, which
// takes from the same budget (oauth_handlers.go).
var (
	generalLimit = limitRule{name: "api", limit: 300, window: 5 * time.Minute}
	signUpLimit  = limitRule{name: "sign-up", limit: 5, window: 30 * time.Minute}
	tokenLimit   = limitRule{name: "token", limit: 30, window: 5 * time.Minute}
)

type limitRule struct {
	name   string
	limit  int
	window time.Duration
}

// corsPrefixes are the paths browsers may call from any origin: the API is
// meant for third-party web clients, and it authenticates with bearer
// tokens, never cookies, so allowing every origin exposes nothing.
var corsPrefixes = []string{"/api/", "/oauth/token", "/oauth/revoke", "/.well-known/", "/nodeinfo/"}

// quietRoutes are probed every few seconds by orchestrators and Prometheus;
// their access lines go to the debug level so they do not drown the log.
var quietRoutes = map[string]bool{"/healthz": true, "/readyz": true}

// middleware wraps every route: request ids, CORS, security headers, the
// up-front body size check, the per-address limits of the endpoints that
// are reached without a token, panic recovery, the access log and metrics.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestID(r.Header.Get("X-Request-Id"))
		r = r.WithContext(withRequestID(r.Context(), id))
		rec := &recorder{ResponseWriter: w}
		h := rec.Header()
		h["X-Request-Id"] = []string{id}
		h["X-Content-Type-Options"] = headerNoSniff
		h["Referrer-Policy"] = headerSameOrigin

		s.serveRecovering(rec, r, next)

		status := rec.status
		if status == 0 {
			status = http.StatusOK // a handler that wrote nothing answered 200
		}
		route := routeOf(r)
		elapsed := time.Since(start)
		level := slog.LevelInfo
		if quietRoutes[route] {
			level = slog.LevelDebug
		}
		s.log.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method),
			slog.String("route", route),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Int64("bytes", rec.bytes),
			slog.Duration("duration", elapsed),
		)
		if s.svc.Observe != nil {
			s.svc.Observe(methodLabel(r.Method), route, status, elapsed.Seconds())
		}
	})
}

// serveRecovering runs the request through CORS, the size check, the
// address limits and next, turning a panic into a logged 500.
func (s *Server) serveRecovering(w *recorder, r *http.Request, next http.Handler) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			panic(v) // the documented way to abort a response; net/http handles it
		}
		s.log.ErrorContext(r.Context(), "panic serving request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
		if w.status == 0 {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "Internal server error"})
		}
	}()
	if cors(w, r) {
		return
	}
	if r.ContentLength > s.cfg.MaxBodyBytes {
		s.writeError(w, r, starling.Errorf(starling.ETOOLARGE, "Request body too large"))
		return
	}
	if rule, ok := addressRule(r); ok {
		if err := s.takeLimit(w, r, rule, rule.name+":"+clientIP(r)); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	next.ServeHTTP(w, r)
}

// cors sets the CORS headers on the paths that allow any origin, and
// answers a preflight itself (reporting true when it did).
func cors(w http.ResponseWriter, r *http.Request) bool {
	if !hasAnyPrefix(r.URL.Path, corsPrefixes) {
		return false
	}
	h := w.Header()
	h["Access-Control-Allow-Origin"] = headerAnyOrigin
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		h["Access-Control-Expose-Headers"] = headerExposed
		return false
	}
	h.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")
	// Like Mastodon, allow whatever headers the client asks for: the
	// answer grants nothing that a bearer token does not already decide.
	allow := "Authorization, Content-Type, Idempotency-Key"
	if asked := r.Header.Get("Access-Control-Request-Headers"); asked != "" && headerList(asked) {
		allow = asked
	}
	h.Set("Access-Control-Allow-Headers", allow)
	h.Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
	return true
}

// Header values set on most answers, made once: assigning a shared slice
// to a canonical key costs nothing, where Header.Set allocates one per
// call. Nothing changes them in place: Header.Set replaces a slice, and
// Header.Add appending to one of length and capacity 1 makes a new one.
var (
	headerNoSniff    = []string{"nosniff"}
	headerSameOrigin = []string{"same-origin"}
	headerAnyOrigin  = []string{"*"}
	headerExposed    = []string{"Link, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, X-Request-Id"}
	headerJSON       = []string{"application/json; charset=utf-8"}
)

// headerList reports whether s is a plain comma-separated list of header
// names, safe to echo back.
func headerList(s string) bool {
	return len(s) <= 1024 && strings.IndexFunc(s, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == ',' || c == ' ')
	}) < 0
}

func hasAnyPrefix(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// addressRule picks the stricter per-address limit of the two endpoints
// that strangers call without an account: sign-up, and the token endpoint
// (which is not behind s.handle, so it is limited here).
func addressRule(r *http.Request) (limitRule, bool) {
	if r.Method != http.MethodPost {
		return limitRule{}, false
	}
	switch r.URL.Path {
	case "/api/v1/accounts":
		return signUpLimit, true
	case "/oauth/token":
		return tokenLimit, true
	}
	return limitRule{}, false
}

// rateLimit counts an authenticated or anonymous API request: per account
// when the token has one, otherwise per client address.
func (s *Server) rateLimit(w http.ResponseWriter, r *http.Request, g *oauth.Grant) error {
	if !s.cfg.RateLimits || s.svc.Limiter == nil {
		return nil // takeLimit would do nothing: the key is not worth making
	}
	key := "ip:" + clientIP(r)
	if g != nil && g.Account != nil {
		key = "account:" + strconv.FormatInt(g.Account.ID, 10)
	}
	return s.takeLimit(w, r, generalLimit, generalLimit.name+":"+key)
}

// takeLimit counts one request against key under rule and sets the
// X-RateLimit headers. When a request is under two limits (sign-up is
// also an API request), the headers describe the one closer to running out.
func (s *Server) takeLimit(w http.ResponseWriter, r *http.Request, rule limitRule, key string) error {
	if !s.cfg.RateLimits || s.svc.Limiter == nil {
		return nil
	}
	rl, err := s.svc.Limiter.Take(r.Context(), key, rule.limit, rule.window)
	if err != nil {
		return starling.Internal(err, "rate limiter")
	}
	h := w.Header()
	if prev, err := strconv.Atoi(h.Get("X-RateLimit-Remaining")); err != nil || rl.Remaining < prev {
		h.Set("X-RateLimit-Limit", strconv.Itoa(rl.Limit))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(rl.Remaining))
		h.Set("X-RateLimit-Reset", rl.Reset.UTC().Format(timeFormat))
	}
	if !rl.Allowed {
		return starling.Errorf(starling.ERATELIMITED, "Too many requests")
	}
	return nil
}

// ipv6LimitPrefix is how many leading bits of an IPv6 address name one
// client for the per-address limits. A single host is usually given a
// whole /64 and can pick any address in it, so counting addresses one by
// one would give it 2^64 budgets.
const ipv6LimitPrefix = 64

// clientIP names the client the connection comes from, as a rate-limit
// key: an IPv4 address itself (also when written IPv4-mapped), an IPv6
// address as its /64 network. X-Forwarded-For is not trusted: any client
// can send it, and believing it would let each request claim a fresh
// address and escape every per-address limit.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host // not an IP address (a Unix socket, a test): taken as it is
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is4() {
		return addr.String()
	}
	prefix, err := addr.Prefix(ipv6LimitPrefix)
	if err != nil {
		return addr.String() // unreachable: 64 bits always fit an IPv6 address
	}
	return prefix.String()
}

// requestID keeps a caller's id when it is short and plain (so it cannot
// forge log lines or bloat them), and makes a random one otherwise.
func requestID(given string) string {
	if len(given) > 0 && len(given) <= 64 && strings.IndexFunc(given, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')
	}) < 0 {
		return given
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	var id [32]byte
	hex.Encode(id[:], b[:])
	return string(id[:])
}

// routeOf is the pattern that matched r without its method ("/api/v1/statuses/{id}"),
// or "unmatched": a bounded set of values, fit for a metric label.
func routeOf(r *http.Request) string {
	if r.Pattern == "" {
		return "unmatched"
	}
	if _, path, ok := strings.Cut(r.Pattern, " "); ok {
		return path
	}
	return r.Pattern
}

// methodLabel bounds the methods a metric label can take: net/http accepts
// any token as a method, and a client inventing new ones must not create
// new series.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// recorder remembers the status and size of a response for the access log.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer, for
// flushing and hijacking through the recorder.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
