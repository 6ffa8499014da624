package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/inmem"
	"github.com/starling-social/starling/logbuf"
	"github.com/starling-social/starling/mastodon"
	"github.com/starling-social/starling/metrics"
	"github.com/starling-social/starling/storecache"
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
	// The log is buffered (package logbuf): an access line per request
	// would otherwise cost a write system call per request. Whatever
	// waits is written out when serve returns.
	out := logbuf.New(stderr)
	logCtx, stopLog := context.WithCancel(context.Background())
	ticker := time.NewTicker(logbuf.Interval)
	flushed := make(chan struct{})
	go func() {
		out.Run(logCtx, ticker.C)
		close(flushed)
	}()
	defer func() {
		ticker.Stop()
		stopLog()
		<-flushed
	}()
	log := newBufferedLogger(cfg, out)
	a, err := openApp(ctx, cfg, log)
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
	log := newLogger(cfg, stderr)
	a, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	log.Info("migrations applied")
	return a.close()
}

// Timeouts of the HTTP servers. A request's headers must arrive within
// readHeaderTimeout and the whole request within readTimeout; writeTimeout
// runs from the end of the headers to the end of the response, so it bounds
// reading the body, the handler and writing the answer together. API
// answers are small and quick, so a minute is generous. Streaming (a later
// issue) keeps responses open for hours: its handler must lift the write
// deadline for its own response (http.ResponseController.SetWriteDeadline)
// rather than this limit being raised for everyone. Idle keep-alive
// connections close after idleTimeout.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = time.Minute
	writeTimeout      = time.Minute
	idleTimeout       = 2 * time.Minute
)

// idempotencyPruneInterval is how often the expired idempotency keys of
// posts are deleted.
const idempotencyPruneInterval = time.Hour

// handler builds the public HTTP surface: the Mastodon API, the web pages,
// and the health probes, all behind the API's middleware, which reports
// each request to m. draining is set once shutdown has begun, which /readyz
// reports.
func handler(cfg Config, log *slog.Logger, a *app, draining *atomic.Bool, m *metrics.Metrics) http.Handler {
	api := mastodon.New(mastodon.Config{
		PublicURL:       cfg.PublicURL,
		Registrations:   cfg.Registrations,
		RateLimits:      cfg.RateLimits,
		Version:         version,
		MaxBodyBytes:    cfg.MaxBodyBytes,
		Ceiling:         cfg.CeilingEndpoint,
		RenderedEntries: cfg.CacheEntries,
	}, mastodon.Services{
		Store:     a.store,
		Accounts:  a.accounts,
		OAuth:     a.oauth,
		Statuses:  a.statuses,
		Follows:   a.follows,
		Timelines: a.timelines,
		Limiter:   inmem.NewRateLimiter(),
		Observe:   m.Observe,
	}, log)
	web.New(web.Config{PublicURL: cfg.PublicURL}, a.accounts, a.statuses, a.store, log).Register(api)
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
	return api
}

// metricsHandler serves /metrics and Go's profiler (/debug/pprof/) for
// the metrics listener, which is kept off the public one: the metrics tell
// anyone who can read them how busy the instance is and which routes fail,
// and a profile shows where the time of a slow instance goes. The
// profiler's cmdline page is left out: the command line may hold a
// database URL with its password.
func metricsHandler(m *metrics.Metrics) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	return mux
}

// writeStatus answers a probe with {"status": status}.
func writeStatus(w http.ResponseWriter, code int, status string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprintf(w, "{\"status\":%q}\n", status)
}

// newServer is an http.Server for h with the timeouts above.
func newServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// listener is one address served: the API's, or the metrics'.
type listener struct {
	name string // in log lines: "listening", "metrics listening"
	ln   net.Listener
	srv  *http.Server
}

// serve listens and serves until ctx is cancelled, then stops accepting
// connections and lets the requests in flight finish, for at most
// cfg.ShutdownTimeout. Meanwhile it prunes expired idempotency keys in the
// background, and stops that too before it returns. The store is the
// caller's to close afterwards.
func serve(ctx context.Context, cfg Config, log *slog.Logger, a *app) error {
	var draining atomic.Bool
	if err := a.engine.LoadMerged(ctx); err != nil {
		return fmt.Errorf("timeline engine: %w", err)
	}
	m := metrics.New(a.db)
	a.engine.Observe(m.Timelines(a.db.FanoutQueue, func() metrics.CacheStats {
		return metrics.CacheStats(a.cache.Stats())
	}))
	m.ObjectCache(func() map[string]metrics.ObjectCacheStats {
		st := a.store.Stats()
		out := make(map[string]metrics.ObjectCacheStats, 4)
		for kind, k := range map[string]storecache.KindStats{
			"tokens": st.Tokens, "apps": st.Apps, "accounts": st.Accounts, "statuses": st.Statuses,
		} {
			out[kind] = metrics.ObjectCacheStats(k)
		}
		return out
	})
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	servers := []listener{{"listening", ln, newServer(handler(cfg, log, a, &draining, m), log)}}
	if cfg.MetricsListen != "" {
		mln, err := net.Listen("tcp", cfg.MetricsListen)
		if err != nil {
			ln.Close()
			return fmt.Errorf("metrics: %w", err)
		}
		servers = append(servers, listener{"metrics listening", mln, newServer(metricsHandler(m), log)})
	}

	// The background jobs outlive the stop signal: the fan-out workers
	// take the jobs handed over by the requests still finishing, so they
	// are stopped after the servers (below), or on an early return.
	jobs, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	defer func() {
		stopJobs()
		wg.Wait()
	}()
	wg.Go(func() {
		ticker := time.NewTicker(idempotencyPruneInterval)
		defer ticker.Stop()
		pruneIdempotencyKeys(jobs, log, a.db, ticker.C)
	})
	wg.Go(func() { a.engine.Run(jobs) })

	served := make(chan error, len(servers))
	// The metrics address is logged first: the API's line, which tests and
	// scripts wait for, then means that everything is up. Each is logged
	// after Listen, so with port 0 it names the port actually taken.
	for i := len(servers) - 1; i >= 0; i-- {
		s := servers[i]
		attrs := []any{slog.String("addr", s.ln.Addr().String())}
		if i == 0 {
			attrs = append(attrs, slog.String("public_url", cfg.PublicURL.String()), slog.String("version", version))
		}
		log.Info(s.name, attrs...)
		go func() { served <- s.srv.Serve(s.ln) }()
	}
	select {
	case err := <-served:
		for _, s := range servers {
			s.srv.Close()
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	draining.Store(true)
	log.Info("shutting down", slog.Duration("timeout", cfg.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	// The API stops first; metrics stay scrapable while it drains.
	for _, s := range servers {
		if err := s.srv.Shutdown(sctx); err != nil {
			for _, s := range servers {
				s.srv.Close()
			}
			return fmt.Errorf("shutdown: requests still running after %s: %w", cfg.ShutdownTimeout, err)
		}
	}
	for range servers {
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
	}
	stopJobs()
	wg.Wait()
	log.Info("stopped")
	return nil
}

// keyPruner deletes expired idempotency keys; starling.Store is one.
type keyPruner interface {
	PruneIdempotencyKeys(ctx context.Context, olderThan time.Time) (int64, error)
}

// pruneIdempotencyKeys deletes the idempotency keys older than
// starling.IdempotencyWindow now and at every tick, until ctx is done. A
// failure is logged and retried at the next tick; a prune cut short by
// the end of ctx is not a failure (pruning again later is always safe).
func pruneIdempotencyKeys(ctx context.Context, log *slog.Logger, store keyPruner, ticks <-chan time.Time) {
	for {
		n, err := store.PruneIdempotencyKeys(ctx, time.Now().Add(-starling.IdempotencyWindow))
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			log.ErrorContext(ctx, "pruning idempotency keys failed", slog.Any("err", err))
		default:
			log.DebugContext(ctx, "pruned idempotency keys", slog.Int64("deleted", n))
		}
		select {
		case <-ctx.Done():
			return
		case <-ticks:
		}
	}
}
