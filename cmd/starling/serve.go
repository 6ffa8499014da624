package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/starling-social/starling/inmem"
	"github.com/starling-social/starling/mastodon"
	"github.com/starling-social/starling/metrics"
	"github.com/starling-social/starling/web"
)

// readinessTimeout bounds the database ping of /readyz, so a hung
// database makes the probe fail rather than hang.
const readinessTimeout = 2 * time.Second

func runServe(ctx context.Context, args []string, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	cfg, err := parseCommand("serve", args, stderr, lookupEnv, nil)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.close()
	return serve(ctx, cfg, log, a)
}

func runMigrate(ctx context.Context, args []string, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	cfg, err := parseCommand("migrate", args, stderr, lookupEnv, nil)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	newLogger(cfg, stderr).Info("migrations applied")
	return a.close()
}

// handler builds the whole HTTP surface: the Mastodon API, the web pages,
// and the operational endpoints, all behind the API's middleware.
// draining is set once shutdown has begun, which /readyz reports.
func handler(cfg Config, log *slog.Logger, a *app, draining *atomic.Bool) http.Handler {
	m := metrics.New(a.db)
	api := mastodon.New(mastodon.Config{
		PublicURL:     cfg.PublicURL,
		Registrations: cfg.Registrations,
		RateLimits:    cfg.RateLimits,
		Version:       version,
		MaxBodyBytes:  cfg.MaxBodyBytes,
	}, mastodon.Services{
		Store:     a.db,
		Accounts:  a.accounts,
		OAuth:     a.oauth,
		Statuses:  a.statuses,
		Follows:   a.follows,
		Timelines: a.timelines,
		Limiter:   inmem.NewRateLimiter(),
		Observe:   m.Observe,
	}, log)
	web.New(web.Config{PublicURL: cfg.PublicURL}, a.statuses, a.db, log).Register(api)
	api.Handle("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, http.StatusOK, "ok")
	}))
	api.Handle("GET /readyz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if draining.Load() {
			writeStatus(w, http.StatusServiceUnavailable, "shutting down")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), readinessTimeout)
		defer cancel()
		if err := a.db.Ping(ctx); err != nil {
			log.WarnContext(ctx, "readiness check failed", slog.Any("err", err))
			writeStatus(w, http.StatusServiceUnavailable, "database unavailable")
			return
		}
		writeStatus(w, http.StatusOK, "ok")
	}))
	api.Handle("GET /metrics", m.Handler())
	return api
}

// writeStatus answers a probe with {"status": status}.
func writeStatus(w http.ResponseWriter, code int, status string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprintf(w, "{\"status\":%q}\n", status)
}

// serve listens and serves until ctx is cancelled, then stops accepting
// connections and lets the requests in flight finish, for at most
// cfg.ShutdownTimeout. The store is the caller's to close afterwards.
func serve(ctx context.Context, cfg Config, log *slog.Logger, a *app) error {
	var draining atomic.Bool
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           handler(cfg, log, a, &draining),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// The address is logged after Listen, so with port 0 it names the
	// port actually taken; tests and scripts wait for this line.
	log.Info("listening", slog.String("addr", ln.Addr().String()),
		slog.String("public_url", cfg.PublicURL.String()), slog.String("version", version))
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	draining.Store(true)
	log.Info("shutting down", slog.Duration("timeout", cfg.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
		return fmt.Errorf("shutdown: requests still running after %s: %w", cfg.ShutdownTimeout, err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}
