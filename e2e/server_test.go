package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// The binary is built once per test run, on first use, so that a run
// whose tests all skip builds nothing.
var (
	buildOnce sync.Once
	buildDir  string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// binary returns the path of a freshly built starling.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("e2e: skipped in -short mode (it builds and runs the binary)")
	}
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "starling-e2e-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "starling")
		cmd := exec.Command(goTool(), "build", "-o", binPath, "../cmd/starling")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// goTool is the go command of the toolchain running the tests.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// cleanEnv is the test's environment without STARLING_ variables, so that
// the binary runs with exactly the flags a test gives it.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "STARLING_") {
			env = append(env, kv)
		}
	}
	return env
}

// storeFlags selects the store: SQLite in dataDir, or PostgreSQL at dbURL.
func storeFlags(dataDir, dbURL string) []string {
	args := []string{"--data", dataDir}
	if dbURL != "" {
		args = append(args, "--database-url", dbURL)
	}
	return args
}

// admin runs `starling admin ARGS…` and returns its standard output.
func admin(t *testing.T, dataDir, dbURL string, args ...string) string {
	t.Helper()
	full := append([]string{"admin"}, args...)
	full = append(full, storeFlags(dataDir, dbURL)...)
	cmd := exec.Command(binary(t), full...)
	cmd.Env = cleanEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("starling %s: %v\n%s", strings.Join(full, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// logWatch collects a process's log lines and tells waiters when a line
// containing some text has appeared.
type logWatch struct {
	mu      sync.Mutex
	lines   []string
	waiters []logWaiter
	closed  chan struct{} // closed when the log ends
}

type logWaiter struct {
	text string
	ch   chan string
}

func newLogWatch(r io.Reader) *logWatch {
	w := &logWatch{closed: make(chan struct{})}
	go func() {
		defer close(w.closed)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			w.add(sc.Text())
		}
	}()
	return w
}

func (w *logWatch) add(line string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lines = append(w.lines, line)
	kept := w.waiters[:0]
	for _, wt := range w.waiters {
		if strings.Contains(line, wt.text) {
			wt.ch <- line
		} else {
			kept = append(kept, wt)
		}
	}
	w.waiters = kept
}

// wait returns the first line containing text, or false when the log
// ends without one.
func (w *logWatch) wait(text string) (string, bool) {
	ch := make(chan string, 1)
	w.mu.Lock()
	for _, l := range w.lines {
		if strings.Contains(l, text) {
			w.mu.Unlock()
			return l, true
		}
	}
	w.waiters = append(w.waiters, logWaiter{text, ch})
	w.mu.Unlock()
	select {
	case l := <-ch:
		return l, true
	case <-w.closed:
		select {
		case l := <-ch:
			return l, true
		default:
			return "", false
		}
	}
}

func (w *logWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.lines, "\n")
}

// server is a running starling serve.
type server struct {
	t      *testing.T
	cmd    *exec.Cmd
	url    string
	log    *logWatch
	exited chan struct{}
	err    error // from Wait, once exited is closed
}

// freePort asks the kernel for a port that is free now. The server needs
// it before it starts, because its public URL (and so every Link header
// the client follows) must name the port it listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// start runs starling serve on a free port with rate limits off and waits
// until it logs that it listens. The process is killed when the test ends
// if it is still running.
func start(t *testing.T, dataDir, dbURL string, extra ...string) *server {
	t.Helper()
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	args := append([]string{"serve", "--listen", addr, "--public-url", "http://" + addr,
		"--rate-limits", "off", "--log-format", "text", "--metrics-listen", "127.0.0.1:0"}, storeFlags(dataDir, dbURL)...)
	args = append(args, extra...)
	cmd := exec.Command(binary(t), args...)
	cmd.Env = cleanEnv()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, url: "http://" + addr, log: newLogWatch(stderr), exited: make(chan struct{})}
	go func() {
		<-s.log.closed // Wait must not run before the pipe is read to its end
		s.err = cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = cmd.Process.Kill()
			<-s.exited
		}
	})
	line, ok := s.log.wait("msg=listening")
	if !ok {
		<-s.exited
		t.Fatalf("server did not start: %v\n%s", s.err, s.log)
	}
	if !strings.Contains(line, "addr="+addr) {
		t.Fatalf("listening on another address than %s: %s", addr, line)
	}
	return s
}

// signal sends sig and waits for the process to exit, returning its exit
// code (-1 when a signal ended it).
func (s *server) signal(sig syscall.Signal) int {
	s.t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatal(err)
	}
	<-s.exited
	return s.cmd.ProcessState.ExitCode()
}

// call sends a JSON request with token (when not empty) and decodes a
// JSON answer into out (when not nil), returning the status code.
func (s *server) call(method, path, token string, body any, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, fmt.Errorf("decode %s: %w", raw, err)
		}
	}
	return resp.StatusCode, nil
}
