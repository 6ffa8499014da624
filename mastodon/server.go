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
	"strings"

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
}

// Services are the use cases the handlers call.
type Services struct {
	Store     starling.Store
	Accounts  *accounts.Service
	OAuth     *oauth.Service
	Statuses  *statuses.Service
	Follows   *follows.Service
	Timelines *timeline.Service
	Limiter   starling.RateLimiter
	// Observe, when set, is told about every finished request (metrics).
	Observe func(route string, status int, seconds float64)
}

// Server is the Mastodon API's http.Handler.
type Server struct {
	cfg     Config
	svc     Services
	log     *slog.Logger
	mux     *http.ServeMux
	handler http.Handler
}

// New builds the API. Extra routes (the web app, metrics) can be added to
// the returned server with Handle before it serves.
func New(cfg Config, svc Services, log *slog.Logger) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	s := &Server{cfg: cfg, svc: svc, log: log, mux: http.NewServeMux()}
	s.routes()
	s.handler = s.middleware(s.mux)
	return s
}

// Handle adds a plain http.Handler for pattern, behind the same middleware
// (request ids, logging, metrics, panic recovery).
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// routes registers every endpoint, grouped by the file that serves it.
func (s *Server) routes() {
	s.oauthRoutes()
	s.accountRoutes()
	s.statusRoutes()
	s.followRoutes()
	s.timelineRoutes()
	s.instanceRoutes()
	// Unknown API paths answer JSON, not the web app's HTML. The prefixes
	// name the version so that they cannot overlap the web's
	// /{username}/status/{id} pattern.
	notFound := s.wrap(func(w http.ResponseWriter, r *http.Request) error {
		return starling.Errorf(starling.ENOTFOUND, "Record not found")
	})
	s.mux.Handle("/api/v1/", notFound)
	s.mux.Handle("/api/v2/", notFound)
}

// absURL returns the absolute URL of path on this instance.
func (s *Server) absURL(path string) string {
	return strings.TrimSuffix(s.cfg.PublicURL.String(), "/") + path
}
