package main

import (
	"bytes"
	"context"
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

	"github.com/starling-social/starling/accounts"
	"github.com/starling-social/starling/sqlite"
)

// testConfig is the default configuration on a temporary data directory.
func testConfig(t *testing.T) Config {
	cfg := defaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	return cfg
}

func openTestApp(t *testing.T, cfg Config) *app {
	t.Helper()
	a, err := openApp(context.Background(), cfg)
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
	h := handler(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), a, &draining)

	tests := []struct {
		path   string
		status int
		body   string
	}{
		{"/healthz", 200, `{"status":"ok"}`},
		{"/readyz", 200, `{"status":"ok"}`},
		{"/api/v1/instance", 200, `"uri":"localhost:8080"`},
		{"/static/avatar.png", 200, "PNG"},
		{"/metrics", 200, `http_requests_total{method="GET",route="/healthz",status="200"} 1`},
	}
	for _, tt := range tests {
		rec := get(t, h, tt.path)
		if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.body) {
			t.Errorf("GET %s: %d %.200q, want %d with %q", tt.path, rec.Code, rec.Body.String(), tt.status, tt.body)
		}
	}
	if body := get(t, h, "/metrics").Body.String(); !strings.Contains(body, "starling_db_pool_open_connections") ||
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

func TestServeUntilCancelled(t *testing.T) {
	cfg := testConfig(t)
	a := openTestApp(t, cfg)
	logs := &signalWriter{want: "msg=listening", seen: make(chan string, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, newLogger(cfg, logs), a) }()

	line := <-logs.seen
	_, addr, ok := strings.Cut(strings.TrimSpace(line), "addr=")
	addr, _, _ = strings.Cut(addr, " ")
	if !ok || strings.HasSuffix(addr, ":0") {
		t.Fatalf("listening line does not name the port taken: %q", line)
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v after cancel", err)
	}
	if !strings.Contains(logs.String(), "msg=stopped") {
		t.Fatalf("no clean stop logged:\n%s", logs)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Fatal("still accepting connections after shutdown")
	}
}

func TestServeFailsOnATakenAddress(t *testing.T) {
	cfg := testConfig(t)
	busy := httptest.NewServer(http.NotFoundHandler())
	defer busy.Close()
	cfg.Listen = strings.TrimPrefix(busy.URL, "http://")
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--listen", cfg.Listen, "--data", cfg.DataDir},
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
