package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Real outputs of wrk 4.1.0 (Debian) with --latency, against a local
// server whose handlers answered 200, 404, hung up, slept past wrk's
// --timeout, slept 3 ms and slept 1.2 s; and one with a Lua script.
const (
	wrkOutputOK = `Running 1s test @ http://127.0.0.1:18081/ok
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    69.03us  100.90us   1.93ms   96.48%
    Req/Sec    65.19k     7.55k   77.42k    63.64%
  Latency Distribution
     50%   51.00us
     75%   74.00us
     90%   96.00us
     99%  600.00us
  71236 requests in 1.10s, 9.10MB read
Requests/sec:  64761.71
Transfer/sec:      8.28MB
`
	wrkOutput404 = `Running 1s test @ http://127.0.0.1:18081/404
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    76.64us  136.82us   2.81ms   97.56%
    Req/Sec    59.39k     1.33k   61.63k    60.00%
  Latency Distribution
     50%   59.00us
     75%   79.00us
     90%   97.00us
     99%  647.00us
  59032 requests in 1.00s, 9.91MB read
  Non-2xx or 3xx responses: 59032
Requests/sec:  59016.30
Transfer/sec:      9.91MB
`
	wrkOutputHungUp = `Running 1s test @ http://127.0.0.1:18081/close
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.00us    0.00us   0.00us    -nan%
    Req/Sec     0.00      0.00     0.00      -nan%
  Latency Distribution
     50%    0.00us
     75%    0.00us
     90%    0.00us
     99%    0.00us
  0 requests in 1.10s, 0.00B read
  Socket errors: connect 0, read 34521, write 0, timeout 0
Requests/sec:      0.00
Transfer/sec:       0.00B
`
	wrkOutputTimeouts = `Running 2s test @ http://127.0.0.1:18081/slow
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.00us    0.00us   0.00us    -nan%
    Req/Sec     2.00      0.00     2.00    100.00%
  Latency Distribution
     50%    0.00us
     75%    0.00us
     90%    0.00us
     99%    0.00us
  4 requests in 2.00s, 536.00B read
  Socket errors: connect 0, read 0, write 0, timeout 4
Requests/sec:      2.00
Transfer/sec:     267.52B
`
	wrkOutputMilliseconds = `Running 1s test @ http://127.0.0.1:18081/ms
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.40ms    0.86ms  22.31ms   99.15%
    Req/Sec     1.17k    65.33     1.24k    80.00%
  Latency Distribution
     50%    3.34ms
     75%    3.37ms
     90%    3.41ms
     99%    4.10ms
  1172 requests in 1.01s, 153.37KB read
Requests/sec:   1164.59
Transfer/sec:    152.40KB
`
	// wrk pads a time in seconds with a space: "1.20s ".
	wrkOutputSeconds = "Running 3s test @ http://127.0.0.1:18081/sec\n" +
		"  1 threads and 2 connections\n" +
		"  Thread Stats   Avg      Stdev     Max   +/- Stdev\n" +
		"    Latency     1.20s   381.61us   1.20s   100.00%\n" +
		"    Req/Sec     1.00      0.00     1.00    100.00%\n" +
		"  Latency Distribution\n" +
		"     50%    1.20s \n" +
		"     75%    1.20s \n" +
		"     90%    1.20s \n" +
		"     99%    1.21s \n" +
		"  4 requests in 3.01s, 536.00B read\n" +
		"Requests/sec:      1.33\n" +
		"Transfer/sec:     178.36B\n"
	wrkOutputScript = `Running 1s test @ http://127.0.0.1:18081/auth
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.67ms   13.98ms 119.50ms   96.34%
    Req/Sec    46.50k    15.49k   77.51k    80.95%
  Latency Distribution
     50%   37.00us
     75%   62.00us
     90%  590.00us
     99%   91.39ms
  97458 requests in 1.10s, 11.80MB read
Requests/sec:  88619.69
Transfer/sec:     10.73MB
`
	// Without --latency there is no distribution.
	wrkOutputNoLatency = `Running 17s test @ http://127.0.0.1:8080/api/v1/timelines/home?limit=20
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.57ms    2.37ms  60.44ms   88.73%
    Req/Sec    18.37k     1.54k   21.07k    74.12%
  622066 requests in 17.03s, 21.96GB read
Requests/sec:  36536.09
Transfer/sec:      1.29GB
`
)

func TestParseWrk(t *testing.T) {
	tests := []struct {
		name    string
		out     string
		want    WrkResult // Output is not compared
		problem string    // part of problem(); "" for none
		err     string    // part of the error; "" for none
	}{
		{name: "ok", out: wrkOutputOK,
			want: WrkResult{Requests: 71236, PerSecond: 64761.71, P50: 0.051, P75: 0.074, P90: 0.096, P99: 0.6}},
		{name: "404", out: wrkOutput404,
			want:    WrkResult{Requests: 59032, PerSecond: 59016.30, P50: 0.059, P75: 0.079, P90: 0.097, P99: 0.647, FailedResponses: 59032},
			problem: "59032 responses neither 2xx nor 3xx"},
		{name: "hung up", out: wrkOutputHungUp,
			want:    WrkResult{SocketErrors: SocketErrors{Read: 34521}},
			problem: "socket errors: connect 0, read 34521, write 0, timeout 0"},
		{name: "timeouts", out: wrkOutputTimeouts,
			want:    WrkResult{Requests: 4, PerSecond: 2, SocketErrors: SocketErrors{Timeout: 4}},
			problem: "timeout 4"},
		{name: "milliseconds", out: wrkOutputMilliseconds,
			want: WrkResult{Requests: 1172, PerSecond: 1164.59, P50: 3.34, P75: 3.37, P90: 3.41, P99: 4.10}},
		{name: "seconds", out: wrkOutputSeconds,
			want: WrkResult{Requests: 4, PerSecond: 1.33, P50: 1200, P75: 1200, P90: 1200, P99: 1210}},
		{name: "script", out: wrkOutputScript,
			want: WrkResult{Requests: 97458, PerSecond: 88619.69, P50: 0.037, P75: 0.062, P90: 0.59, P99: 91.39}},
		{name: "no --latency", out: wrkOutputNoLatency, err: "no latency distribution"},
		{name: "not wrk", out: "unable to connect to 127.0.0.1:18089 Connection refused\n", err: "no Requests/sec line"},
		{name: "no request count", out: "Requests/sec:  12.00\n", err: `no "N requests in" line`},
		{name: "bad rate", out: strings.Replace(wrkOutputOK, "64761.71", "fast", 1), err: "Requests/sec:  fast"},
		{name: "bad socket errors", out: strings.Replace(wrkOutputHungUp, "connect 0, ", "", 1), err: "Socket errors"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseWrk(tt.out)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one about %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Output != tt.out {
				t.Errorf("output not kept as printed")
			}
			got.Output = ""
			if !closeResults(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if p := got.problem(); (tt.problem == "") != (p == "") || !strings.Contains(p, tt.problem) {
				t.Errorf("problem %q, want %q", p, tt.problem)
			}
		})
	}
}

// closeResults compares two results, times and rates to within a
// rounding error (wrk prints two decimals; the units convert).
func closeResults(a, b WrkResult) bool {
	near := func(x, y float64) bool { return x-y < 1e-9 && y-x < 1e-9 }
	return a.Requests == b.Requests && near(a.PerSecond, b.PerSecond) &&
		near(a.P50, b.P50) && near(a.P75, b.P75) && near(a.P90, b.P90) && near(a.P99, b.P99) &&
		a.FailedResponses == b.FailedResponses && a.SocketErrors == b.SocketErrors
}

func TestParseWrkDuration(t *testing.T) {
	tests := []struct {
		in   string
		ms   float64
		fail bool
	}{
		{in: "59.00us", ms: 0.059},
		{in: "3.34ms", ms: 3.34},
		{in: "1.20s", ms: 1200},
		{in: "1.50m", ms: 90_000},
		{in: "2.00h", ms: 7_200_000},
		{in: "0.00us", ms: 0},
		{in: "12.00", fail: true},
		{in: "fastms", fail: true},
		{in: "", fail: true},
	}
	for _, tt := range tests {
		got, err := parseWrkDuration(tt.in)
		if (err != nil) != tt.fail || got-tt.ms > 1e-9 || tt.ms-got > 1e-9 {
			t.Errorf("parseWrkDuration(%q) = %v, %v; want %v (fail %v)", tt.in, got, err, tt.ms, tt.fail)
		}
	}
}

// TestBareHandler checks that the ceiling answers exactly the page: its
// bytes, its Content-Type as the server sent it (none sniffed when it
// sent none), a Content-Length, and no header of its own but net/http's
// Date.
func TestBareHandler(t *testing.T) {
	body := []byte(`[{"id":"1","content":"<p>hello</p>"}]`)
	tests := []struct {
		name        string
		contentType []string
	}{
		{"json", []string{"application/json; charset=utf-8"}},
		{"no content type", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(newBareHandler(page{body: body, contentType: tt.contentType}))
			defer srv.Close()
			for _, path := range []string{"/api/v1/timelines/home?limit=20", "/anything/else"} {
				resp, err := srv.Client().Get(srv.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				var got bytes.Buffer
				_, err = got.ReadFrom(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != http.StatusOK || !bytes.Equal(got.Bytes(), body) {
					t.Errorf("%s: %s %q, want 200 %q", path, resp.Status, got.Bytes(), body)
				}
				if ct := resp.Header.Values("Content-Type"); !slices.Equal(ct, tt.contentType) {
					t.Errorf("%s: Content-Type %q, want %q", path, ct, tt.contentType)
				}
				if resp.ContentLength != int64(len(body)) || len(resp.TransferEncoding) != 0 {
					t.Errorf("%s: Content-Length %d, transfer encoding %v; want %d and none",
						path, resp.ContentLength, resp.TransferEncoding, len(body))
				}
				for name := range resp.Header {
					if name != "Content-Type" && name != "Content-Length" && name != "Date" {
						t.Errorf("%s: extra header %s: %q", path, name, resp.Header.Values(name))
					}
				}
			}
		})
	}
}

// TestServeBare checks that the bare server listens on loopback, serves
// the page and stops.
func TestServeBare(t *testing.T) {
	base, stop, err := serveBare(page{body: []byte("ceiling"), contentType: []string{"text/plain"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Errorf("base %q, want a loopback URL", base)
	}
	client := pageClient()
	p, err := fetchPage(context.Background(), client, base+"/x", "")
	if err != nil || string(p.body) != "ceiling" {
		t.Errorf("page %q, %v", p.body, err)
	}
	client.CloseIdleConnections()
	stop()
	if _, err := fetchPage(context.Background(), client, base+"/x", ""); err == nil {
		t.Errorf("the bare server still answers after stop")
	}
}

func TestFetchPage(t *testing.T) {
	long := strings.Repeat("x", 300)
	mux := http.NewServeMux()
	mux.HandleFunc("/home", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"The access token is invalid"}`))
			return
		}
		if r.Header.Get("Accept-Encoding") != "" {
			t.Errorf("the page was fetched with Accept-Encoding %q; wrk sends none", r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write([]byte(`[]`))
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/home", http.StatusFound) })
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) { http.Error(w, long, http.StatusInternalServerError) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	tests := []struct {
		path, token string
		body        string // on success
		err         []string
	}{
		{path: "/home", token: "tok", body: "[]"},
		{path: "/home", token: "wrong", err: []string{"401 Unauthorized", "The access token is invalid"}},
		{path: "/home", err: []string{"401 Unauthorized"}},
		// wrk would count the 302, not follow it.
		{path: "/moved", token: "tok", err: []string{"302 Found"}},
		{path: "/broken", token: "tok", err: []string{"500 Internal Server Error", strings.Repeat("x", 200) + "…"}},
	}
	for _, tt := range tests {
		p, err := fetchPage(context.Background(), pageClient(), srv.URL+tt.path, tt.token)
		if tt.err == nil {
			if err != nil || string(p.body) != tt.body || !slices.Equal(p.contentType, []string{"application/json; charset=utf-8"}) {
				t.Errorf("%s: %q %q, %v", tt.path, p.body, p.contentType, err)
			}
			continue
		}
		for _, want := range tt.err {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s with %q: error %v, want one with %q", tt.path, tt.token, err, want)
			}
		}
		if err != nil && strings.Contains(err.Error(), strings.Repeat("x", 201)) {
			t.Errorf("%s: the error holds the whole body", tt.path)
		}
	}
}

// TestActiveTokens checks that the rotated tokens are those of the
// accounts Run would pick as active, each once, and no more than there
// are accounts.
func TestActiveTokens(t *testing.T) {
	m := testManifest()
	for _, tt := range []struct{ n, want int }{{0, 0}, {3, 3}, {m.Accounts, m.Accounts}, {m.Accounts + 10, m.Accounts}} {
		tokens := activeTokens(m, tt.n)
		if len(tokens) != tt.want {
			t.Errorf("activeTokens(%d): %d tokens, want %d", tt.n, len(tokens), tt.want)
		}
		seen := map[string]bool{}
		for k, tok := range tokens {
			if tok != m.Token(activeAccount(k, m.Accounts)) || seen[tok] {
				t.Errorf("activeTokens(%d)[%d] = %q: not active account %d's, or repeated", tt.n, k, tok, k)
			}
			seen[tok] = true
		}
	}
}

func TestWriteTokenScript(t *testing.T) {
	tokens := activeTokens(testManifest(), 3)
	path, err := writeTokenScript(tokens)
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	script := string(b)
	for _, tok := range tokens {
		if !strings.Contains(script, "\n"+tok+"\n") {
			t.Errorf("the script lacks token %q:\n%s", tok, script)
		}
	}
	for _, want := range []string{"function init(", "function request()", "wrk.format("} {
		if !strings.Contains(script, want) {
			t.Errorf("the script lacks %q:\n%s", want, script)
		}
	}
}

func TestCommandLine(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-t", "2", "-c", "32", "-d", "15s", "--latency", "-s", "/tmp/starling-bench-ratio-1.lua", "http://127.0.0.1:8080/api/v1/timelines/home?limit=20"},
			`/usr/bin/wrk -t 2 -c 32 -d 15s --latency -s /tmp/starling-bench-ratio-1.lua 'http://127.0.0.1:8080/api/v1/timelines/home?limit=20'`},
		{[]string{"http://h/it's"}, `/usr/bin/wrk 'http://h/it'\''s'`},
	}
	for _, tt := range tests {
		if got := commandLine("/usr/bin/wrk", tt.args); got != tt.want {
			t.Errorf("commandLine(%q)\n got %s\nwant %s", tt.args, got, tt.want)
		}
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{0.4}, 0.4},
		{[]float64{0.5, 0.1, 0.3}, 0.3},
		{[]float64{0.4, 0.1, 0.2, 0.3}, 0.25},
	}
	for _, tt := range tests {
		in := slices.Clone(tt.in)
		if got := median(tt.in); got != tt.want || !slices.Equal(in, tt.in) {
			t.Errorf("median(%v) = %v, want %v (and the input left alone)", in, got, tt.want)
		}
	}
}

func TestMeasureRatioRefusesBadConfig(t *testing.T) {
	good := RatioConfig{BaseURL: "http://127.0.0.1:1", Path: "/", Threads: 1, Connections: 1, Duration: time.Second, Rounds: 1,
		Wrk: "wrk-is-not-installed-here"}
	tests := []struct {
		name   string
		change func(*RatioConfig)
		want   string
	}{
		{"relative path", func(c *RatioConfig) { c.Path = "api/v1" }, "path"},
		{"no threads", func(c *RatioConfig) { c.Threads = 0 }, "threads"},
		{"fewer connections than threads", func(c *RatioConfig) { c.Threads, c.Connections = 4, 2 }, "connections"},
		{"part of a second", func(c *RatioConfig) { c.Duration = 1500 * time.Millisecond }, "whole seconds"},
		{"no rounds", func(c *RatioConfig) { c.Rounds = 0 }, "rounds"},
		{"active users without a manifest", func(c *RatioConfig) { c.ActiveUsers = 5 }, "manifest"},
		// Good settings reach the look-up of wrk, which is not there.
		{"no wrk", func(*RatioConfig) {}, "wrk not found: apt-get install wrk"},
	}
	for _, tt := range tests {
		cfg := good
		tt.change(&cfg)
		rep, err := MeasureRatio(context.Background(), cfg)
		if err == nil || rep != nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error about %q", tt.name, err, tt.want)
		}
	}
}

// ratioServer is a stand-in for Starling's page: it answers tokens it
// knows with a JSON page, anything else with 401, and, once failAfter
// requests have been answered (0: never), with 500.
type ratioServer struct {
	tokens    map[string]bool
	failAfter int64
	requests  atomic.Int64

	mu   sync.Mutex
	seen map[string]bool // tokens seen
}

const ratioPage = `[{"id":"1","content":"<p>a page of the home timeline</p>"}]`

func (s *ratioServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.requests.Add(1)
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !s.tokens[tok] {
		http.Error(w, `{"error":"The access token is invalid"}`, http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	s.seen[tok] = true
	s.mu.Unlock()
	if s.failAfter > 0 && n > s.failAfter {
		http.Error(w, `{"error":"broken"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write([]byte(ratioPage))
}

// TestMeasureRatioWithWrk runs the whole measurement with the real wrk
// against a stand-in server, one short round, the way `starling bench
// ratio` does: with one token, with a manifest's tokens rotated by the
// Lua script, and against a server that fails, whose report must say so.
// It checks that it works, not how fast: there is no assertion on time.
func TestMeasureRatioWithWrk(t *testing.T) {
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk is not on PATH (apt-get install wrk): the end-to-end run of bench ratio is skipped")
	}
	if testing.Short() {
		t.Skip("wrk runs for seconds")
	}
	m := testManifest()
	tests := []struct {
		name        string
		token       string
		manifest    *Manifest
		activeUsers int
		failAfter   int64
		fails       bool
	}{
		{name: "one token", token: "tok"},
		{name: "rotated tokens", manifest: m, activeUsers: 3},
		{name: "failing server", token: "tok", failAfter: 1, fails: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := &ratioServer{tokens: map[string]bool{}, failAfter: tt.failAfter, seen: map[string]bool{}}
			if tt.token != "" {
				srv.tokens[tt.token] = true
			}
			wantTokens := activeTokens(m, tt.activeUsers)
			for _, tok := range wantTokens {
				srv.tokens[tok] = true
			}
			hs := httptest.NewServer(srv)
			defer hs.Close()

			var progress bytes.Buffer
			rep, err := MeasureRatio(context.Background(), RatioConfig{
				BaseURL: hs.URL, Path: "/api/v1/timelines/home?limit=20", Token: tt.token,
				Manifest: tt.manifest, ManifestPath: "bench-seed.json", ActiveUsers: tt.activeUsers,
				Threads: 1, Connections: 2, Duration: time.Second, Rounds: 1, Progress: &progress,
			})
			if err != nil {
				t.Fatal(err)
			}
			var text bytes.Buffer
			if err := rep.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			t.Logf("report:\n%s", text.String())

			if (rep.Err() != nil) != tt.fails || (len(rep.Problems) > 0) != tt.fails {
				t.Errorf("Err() = %v, problems %q; want a failure: %v", rep.Err(), rep.Problems, tt.fails)
			}
			if tt.fails && !strings.Contains(rep.Err().Error(), "round 1, server:") {
				t.Errorf("Err() = %v, want it to name the server's run", rep.Err())
			}
			if len(rep.Rounds) != 1 {
				t.Fatalf("%d rounds, want 1", len(rep.Rounds))
			}
			r := rep.Rounds[0]
			if r.Server.Requests == 0 || r.Bare.Requests == 0 || r.Ratio <= 0 || rep.MedianRatio != r.Ratio {
				t.Errorf("round %+v, median %v", r, rep.MedianRatio)
			}
			if r.Bare.problem() != "" {
				t.Errorf("the bare handler had errors: %s", r.Bare.problem())
			}
			if rep.PageBytes != len(ratioPage) || rep.ContentType != "application/json; charset=utf-8" {
				t.Errorf("page: %d bytes of %q", rep.PageBytes, rep.ContentType)
			}
			if !strings.Contains(progress.String(), "round 1/1: wrk against the bare handler") {
				t.Errorf("progress:\n%s", progress.String())
			}
			for _, want := range []string{"median ratio over 1 rounds", rep.Commands.Server, rep.Commands.Bare, "nproc", "GOMAXPROCS"} {
				if !strings.Contains(text.String(), want) {
					t.Errorf("the table lacks %q", want)
				}
			}

			switch {
			case tt.activeUsers > 0:
				if rep.ActiveUsers != tt.activeUsers || !strings.Contains(rep.Commands.Server, " -s ") {
					t.Errorf("active users %d, command %s", rep.ActiveUsers, rep.Commands.Server)
				}
				srv.mu.Lock()
				for _, tok := range wantTokens {
					if !srv.seen[tok] {
						t.Errorf("no request carried active account token %q", tok)
					}
				}
				srv.mu.Unlock()
				script := strings.Fields(strings.SplitAfter(rep.Commands.Server, " -s ")[1])[0]
				if _, err := os.Stat(script); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("the script %s is still there: %v", script, err)
				}
			default:
				if !strings.Contains(rep.Commands.Server, " -s ") || strings.Contains(rep.Commands.Server, " -H ") {
					t.Errorf("command %s: want the token in a script, not a header argument", rep.Commands.Server)
				}
			}
			if tt.token != "" && strings.Contains(rep.Commands.Server+rep.Commands.Bare, "Bearer "+tt.token) {
				t.Errorf("the commands hold the token: %s", rep.Commands.Server)
			}

			out := filepath.Join(t.TempDir(), "bench-ratio.json")
			if err := rep.Save(out); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var back RatioReport
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("results are not JSON: %v", err)
			}
			if back.MedianRatio != rep.MedianRatio || back.Rounds[0].Server.Requests != r.Server.Requests {
				t.Errorf("JSON round trip: %+v", back)
			}
		})
	}
}

// TestWriteHeaderScript checks the one-token script: the header set once,
// the file readable by its owner only, and tokens that would break out of
// the Lua string refused.
func TestWriteHeaderScript(t *testing.T) {
	for _, tc := range []struct {
		token string
		ok    bool
	}{
		{"abc-DEF_123", true},
		{"a]]b", false},
		{"a\nb", false},
		{"a\rb", false},
	} {
		path, err := writeHeaderScript(tc.token)
		if (err == nil) != tc.ok {
			t.Errorf("token %q: err %v, want ok %v", tc.token, err, tc.ok)
		}
		if err != nil {
			continue
		}
		b, err := os.ReadFile(path)
		info, serr := os.Stat(path)
		os.Remove(path)
		if err != nil || serr != nil {
			t.Fatal(err, serr)
		}
		if !strings.Contains(string(b), `wrk.headers["Authorization"] = [[Bearer `+tc.token+`]]`) {
			t.Errorf("token %q: script %s", tc.token, b)
		}
		if info.Mode().Perm()&0o077 != 0 {
			t.Errorf("token %q: the script is readable by others: %v", tc.token, info.Mode())
		}
	}
}
