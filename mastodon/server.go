// Package mastodon serves the Mastodon client API over HTTP, so existing
// Mastodon apps and libraries work against Starling unchanged. It decodes
// requests (JSON, form and multipart bodies alike), authenticates bearer
// tokens against their scopes, calls the use-case packages, and encodes
// Mastodon's JSON entities. Errors from every handler go through one
// function, writeError, that maps starling error codes to HTTP statuses.
package mastodon

import (
	"log/slog"
	"net/http"
	"net/url"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/accounts"
	"github.com/starling-social/starling/follows"
	"github.com/starling-social/starling/oauth"
	"github.com/starling-social/starling/statuses"
	"github.com/starling-social/starling/timeline"
)

// Registrations modes.
const (
	RegistrationsOpen     = "open"
	RegistrationsApproval = "approval"
	RegistrationsClosed   = "closed"
)

// Config is what the API needs to know about the instance.
type Config struct {
	// PublicURL is the base of every absolute URL the API hands out.
	PublicURL *url.URL
	// Registrations is one of the Registrations* modes.
	Registrations string
	// RateLimits turns the per-account and per-address limits on.
	RateLimits bool
	// Version is Starling's own version, e.g. "0.1.0".
	Version string
	// MaxBodyBytes caps request bodies; larger ones get 413.
	MaxBodyBytes int64
	// Ceiling serves GET /api/v1/starling/ceiling (ceiling.go), the fixed
	// page the load tool measures as the most the HTTP stack can serve.
	Ceiling bool
	// RenderedEntries bounds how many statuses, and how many accounts,
	// have their rendered JSON kept (render.go); DefaultRenderedEntries
	// when zero or less.
	RenderedEntries int
}

// DefaultRenderedEntries is Config.RenderedEntries when it is not set.
const DefaultRenderedEntries = 10_000

// Services are the use cases the handlers call.
type Services struct {
	Store     starling.Store
	Accounts  *accounts.Service
	OAuth     *oauth.Service
	Statuses  *statuses.Service
	Follows   *follows.Service
	Timelines *timeline.Service
	Limiter   starling.RateLimiter
	// Observe, when set, is told about every finished request (metrics):
	// its method, the pattern that matched it without the method, its
	// status and how long it took.
	Observe func(method, route string, status int, seconds float64)
}

// Server is the Mastodon API's http.Handler.
type Server struct {
	cfg Config
	svc Services
	log *slog.Logger
	// mux holds the API's own routes; extra holds those added with
	// Handle, which only see requests that mux has no route for.
	mux     *http.ServeMux
	extra   *http.ServeMux
	handler http.Handler
	// usage remembers the instance's size figures for a while: counting
	// reads every account, and clients ask for the instance at start-up.
	usage usageMemo
	// rendered keeps the JSON of statuses and accounts (render.go).
	rendered renderCache
	// publicBase is starling.AbsURL(cfg.PublicURL, ""): what absURL
	// prefixes every path with.
	publicBase string
}

// jsonPrefixes are the paths that belong to the API and its discovery
// documents: whatever is asked there, the answer is JSON, so a request
// that matches no route gets a JSON 404 (or 405) instead of falling
// through to the web pages.
var jsonPrefixes = []string{"/api/", "/oauth/token", "/oauth/revoke", "/.well-known/", "/nodeinfo/"}

// New builds the API. Extra routes (the web app, health probes) can be
// added to the returned server with Handle before it serves.
func New(cfg Config, svc Services, log *slog.Logger) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	// The access log and error lines name their request whatever logger
	// the caller passed.
	log = slog.New(WithRequestIDs(log.Handler()))
	if cfg.RenderedEntries <= 0 {
		cfg.RenderedEntries = DefaultRenderedEntries
	}
	s := &Server{cfg: cfg, svc: svc, log: log, mux: http.NewServeMux(), extra: http.NewServeMux(),
		rendered: newRenderCache(cfg.RenderedEntries), publicBase: starling.AbsURL(cfg.PublicURL, "")}
	s.routes()
	s.handler = s.middleware(http.HandlerFunc(s.dispatch))
	return s
}

// Handle adds a plain http.Handler for pattern, behind the same middleware
// (request ids, logging, metrics, panic recovery). These routes are
// consulted after the API's own: a path the API knows under another
// method is the API's 405, and nothing under the API's prefixes (/api/,
// /oauth/token, /oauth/revoke, /.well-known/, /nodeinfo/) reaches them.
// That keeps wide patterns such as the web's /{handle}/{id} from
// answering API paths with HTML.
func (s *Server) Handle(pattern string, h http.Handler) { s.extra.Handle(pattern, h) }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// routes registers every endpoint, grouped by the file that serves it.
func (s *Server) routes() {
	s.oauthRoutes()
	s.accountRoutes()
	s.statusRoutes()
	s.followRoutes()
	s.timelineRoutes()
	s.instanceRoutes()
	if s.cfg.Ceiling {
		s.ceilingRoutes()
	}
}

// dispatch routes a request: to the API's route when one matches;
// otherwise to a JSON 405 when the API knows the path under other methods,
// to a JSON 404 under the API's prefixes, and to the routes added with
// Handle for everything else.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	// With no pattern, h is the mux's own plain-text 404 or 405 answer;
	// running it against a probe tells the two apart and yields the
	// methods the path allows.
	p := &probe{header: http.Header{}}
	h.ServeHTTP(p, r)
	switch {
	case p.status == http.StatusMethodNotAllowed:
		s.writeError(w, r, &methodNotAllowed{allow: p.header.Get("Allow")})
	case hasAnyPrefix(r.URL.Path+"/", jsonPrefixes): // "/api" too, not "/apiary"
		s.writeError(w, r, starling.Errorf(starling.ENOTFOUND, "Record not found"))
	default:
		s.extra.ServeHTTP(w, r)
	}
}

// probe is a ResponseWriter that keeps only the status and the headers.
type probe struct {
	header http.Header
	status int
}

func (p *probe) Header() http.Header         { return p.header }
func (p *probe) Write(b []byte) (int, error) { return len(b), nil }
func (p *probe) WriteHeader(code int)        { p.status = code }

// absURL returns the absolute URL of path on this instance, as
// starling.AbsURL does, without making the base's string every time.
func (s *Server) absURL(path string) string { return s.publicBase + path }
