package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/accounts"
	"github.com/starling-social/starling/metrics"
	"github.com/starling-social/starling/sqlite"
)

// testConfig is the default configuration on a temporary data directory.
func testConfig(t *testing.T) Config {
	cfg := defaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	cfg.MetricsListen = "" // tests that want metrics ask for a free port
	return cfg
}

func openTestApp(t *testing.T, cfg Config) *app {
	t.Helper()
	a, err := openApp(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.close() })
	return a
}

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec
}

func TestOperationalEndpoints(t *testing.T) {
	cfg := testConfig(t)
	a := openTestApp(t, cfg)
	var draining atomic.Bool
	m := metrics.New(a.db)
	h := handler(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), a, &draining, m)
	mh := metricsHandler(m)

	tests := []struct {
		name    string
		handler http.Handler
		path    string
		status  int
		body    string
	}{
		{"public", h, "/healthz", 200, `{"status":"ok"}`},
		{"public", h, "/readyz", 200, `{"status":"ok"}`},
		{"public", h, "/api/v1/instance", 200, `"uri":"localhost:8080"`},
		{"public", h, "/static/avatar.png", 200, "PNG"},
		{"public", h, "/metrics", 404, ""},
		{"metrics", mh, "/metrics", 200, `http_requests_total{method="GET",route="/healthz",status="200"} 1`},
		{"metrics", mh, "/healthz", 404, ""},
		{"metrics", mh, "/api/v1/instance", 404, ""},
	}
	for _, tt := range tests {
		rec := get(t, tt.handler, tt.path)
		if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.body) {
			t.Errorf("%s GET %s: %d %.200q, want %d with %q", tt.name, tt.path, rec.Code, rec.Body.String(), tt.status, tt.body)
		}
	}
	if body := get(t, mh, "/metrics").Body.String(); !strings.Contains(body, "starling_db_pool_open_connections") ||
		!strings.Contains(body, "go_goroutines") {
		t.Error("metrics lack the pool or Go runtime collectors")
	}

	draining.Store(true)
	if rec := get(t, h, "/readyz"); rec.Code != 503 || !strings.Contains(rec.Body.String(), "shutting down") {
		t.Errorf("readyz while draining: %d %s", rec.Code, rec.Body)
	}
	if rec := get(t, h, "/healthz"); rec.Code != 200 {
		t.Errorf("healthz while draining: %d, want 200: the process is alive", rec.Code)
	}

	draining.Store(false)
	a.close()
	if rec := get(t, h, "/readyz"); rec.Code != 503 || !strings.Contains(rec.Body.String(), "database unavailable") {
		t.Errorf("readyz with the database closed: %d %s", rec.Code, rec.Body)
	}
}

// signalWriter is a log destination that tells when a line containing
// want has been written.
type signalWriter struct {
	want string
	seen chan string // receives the first such line; buffered

	mu    sync.Mutex
	buf   bytes.Buffer
	fired bool
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.fired && strings.Contains(string(p), w.want) {
		w.seen <- string(p)
		w.fired = true
	}
	return len(p), nil
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// addrIn returns the addr= of the first log line in logs containing msg.
func addrIn(t *testing.T, logs, msg string) string {
	t.Helper()
	for _, line := range strings.Split(logs, "\n") {
		if !strings.Contains(line, msg) {
			continue
		}
		_, addr, ok := strings.Cut(strings.TrimSpace(line), "addr=")
		addr, _, _ = strings.Cut(addr, " ")
		if !ok || strings.HasSuffix(addr, ":0") {
			t.Fatalf("listening line does not name the port taken: %q", line)
		}
		return addr
	}
	t.Fatalf("no %s line in the log:\n%s", msg, logs)
	return ""
}

// fetch GETs url and returns the status and body.
func fetch(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestServeUntilCancelled(t *testing.T) {
	cfg := testConfig(t)
	cfg.MetricsListen = "127.0.0.1:0"
	a := openTestApp(t, cfg)
	logs := &signalWriter{want: "msg=listening", seen: make(chan string, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, newLogger(cfg, logs), a) }()

	line := <-logs.seen
	addr := addrIn(t, line, "msg=listening")
	metricsAddr := addrIn(t, logs.String(), `msg="metrics listening"`)
	if code, _ := fetch(t, "http://"+addr+"/healthz"); code != 200 {
		t.Fatalf("healthz: %d", code)
	}
	if code, _ := fetch(t, "http://"+addr+"/metrics"); code != 404 {
		t.Fatalf("metrics on the public listener: %d, want 404", code)
	}
	if code, body := fetch(t, "http://"+metricsAddr+"/metrics"); code != 200 ||
		!strings.Contains(body, `http_requests_total{method="GET",route="/healthz",status="200"} 1`) {
		t.Fatalf("metrics listener: %d %.300s", code, body)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v after cancel", err)
	}
	if !strings.Contains(logs.String(), "msg=stopped") {
		t.Fatalf("no clean stop logged:\n%s", logs)
	}
	for _, a := range []string{addr, metricsAddr} {
		if _, err := http.Get("http://" + a + "/healthz"); err == nil {
			t.Fatalf("%s still accepts connections after shutdown", a)
		}
	}
}

func TestServeWithoutMetricsListener(t *testing.T) {
	cfg := testConfig(t)
	a := openTestApp(t, cfg)
	logs := &signalWriter{want: "msg=listening", seen: make(chan string, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, newLogger(cfg, logs), a) }()
	<-logs.seen
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v after cancel", err)
	}
	if strings.Contains(logs.String(), "metrics listening") {
		t.Fatalf("metrics served although --metrics-listen is empty:\n%s", logs)
	}
}

func TestServeFailsOnATakenMetricsAddress(t *testing.T) {
	cfg := testConfig(t)
	busy := httptest.NewServer(http.NotFoundHandler())
	defer busy.Close()
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--listen", "127.0.0.1:0", "--data", cfg.DataDir,
		"--metrics-listen", strings.TrimPrefix(busy.URL, "http://")}, io.Discard, &stderr, envOf(nil))
	if code != 1 || !strings.Contains(stderr.String(), "metrics") || !strings.Contains(stderr.String(), "address already in use") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

// fakePruner reports each prune on calls and answers it with the next of
// results; with block set, a prune waits for its context to end.
type fakePruner struct {
	calls   chan time.Time
	results []error
	block   bool
}

func (p *fakePruner) PruneIdempotencyKeys(ctx context.Context, olderThan time.Time) (int64, error) {
	p.calls <- olderThan
	if p.block {
		<-ctx.Done()
		return 0, ctx.Err()
	}
	var err error
	if len(p.results) > 0 {
		err, p.results = p.results[0], p.results[1:]
	}
	return 3, err
}

func TestPruneIdempotencyKeys(t *testing.T) {
	var logs bytes.Buffer // written by the pruner only; read after it returned
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store := &fakePruner{calls: make(chan time.Time), results: []error{nil, errors.New("disk on fire"), nil}}
	ticks := make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	before := time.Now()
	go func() {
		pruneIdempotencyKeys(ctx, log, store, ticks)
		close(done)
	}()

	// Once at start, then at each tick; a failure does not stop it.
	first := <-store.calls
	if want := before.Add(-starling.IdempotencyWindow); first.Before(want) || first.After(time.Now().Add(-starling.IdempotencyWindow)) {
		t.Fatalf("pruned keys older than %v, want about %v", first, want)
	}
	for range 2 {
		ticks <- time.Now()
		<-store.calls
	}
	cancel()
	<-done
	out := logs.String()
	if strings.Count(out, `msg="pruned idempotency keys" deleted=3`) != 2 ||
		!strings.Contains(out, `level=ERROR msg="pruning idempotency keys failed" err="disk on fire"`) {
		t.Fatalf("log:\n%s", out)
	}
}

func TestPruneIdempotencyKeysStopsMidPrune(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store := &fakePruner{calls: make(chan time.Time), block: true}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		pruneIdempotencyKeys(ctx, log, store, nil)
		close(done)
	}()
	<-store.calls // the first prune is running
	cancel()
	<-done
	if logs.Len() != 0 {
		t.Fatalf("a prune cut short by shutdown was logged:\n%s", logs.String())
	}
}

func TestServeFailsOnATakenAddress(t *testing.T) {
	cfg := testConfig(t)
	busy := httptest.NewServer(http.NotFoundHandler())
	defer busy.Close()
	cfg.Listen = strings.TrimPrefix(busy.URL, "http://")
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--listen", cfg.Listen, "--data", cfg.DataDir, "--metrics-listen", ""},
		io.Discard, &stderr, envOf(nil))
	if code != 1 || !strings.Contains(stderr.String(), "address already in use") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

func TestAdminApprove(t *testing.T) {
	cfg := testConfig(t)
	a := openTestApp(t, cfg)
	if _, err := a.accounts.Register(context.Background(), accounts.RegisterInput{
		Username: "waiting", Password: "a long enough password", Approved: false,
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"approve", []string{"admin", "approve", "--username", "waiting"}, 0, "@waiting is approved", ""},
		{"again is fine", []string{"admin", "approve", "--username", "waiting"}, 0, "@waiting is approved", ""},
		{"unknown account", []string{"admin", "approve", "--username", "nobody"}, 1, "", "no such account"},
		{"token for unknown account", []string{"admin", "token", "--username", "nobody"}, 1, "", "no such account"},
		{"unknown scope", []string{"admin", "token", "--username", "waiting", "--scopes", "everything"}, 1, "", "Unknown or empty scopes"},
		{"invalid new account", []string{"admin", "create-account", "--username", "no spaces", "--password", "x"}, 1, "", "username"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append(tt.args, "--data", cfg.DataDir), &stdout, &stderr, envOf(nil))
			if code != tt.code || !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
			}
		})
	}
	acc, err := a.db.AccountByUsername(context.Background(), "waiting")
	if err != nil || !acc.Approved {
		t.Fatalf("after approve: %+v, %v", acc, err)
	}
}

func TestSQLiteInDataDirectory(t *testing.T) {
	cfg := testConfig(t)
	cfg.DataDir = filepath.Join(cfg.DataDir, "nested", "data")
	a := openTestApp(t, cfg)
	if _, ok := a.db.(*sqlite.DB); !ok {
		t.Fatalf("store is %T, want *sqlite.DB", a.db)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, databaseFile)); err != nil {
		t.Fatalf("no database file in the data directory: %v", err)
	}
}
