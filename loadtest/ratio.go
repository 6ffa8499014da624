package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// A server's requests per second mean little alone: on a shared machine
// they move with whatever else runs. MeasureRatio puts them beside a
// ceiling measured in the same run by the same load generator (wrk, which
// costs almost nothing per request): a bare net/http handler serving the
// very bytes the server served. The ratio of the two is what the server's
// own work costs, and it drifts far less than either figure.

// RatioConfig is what MeasureRatio needs.
type RatioConfig struct {
	// BaseURL is the server's root, such as http://127.0.0.1:8080; Path
	// is the page measured, with its query, such as
	// /api/v1/timelines/home?limit=20.
	BaseURL string
	Path    string
	// Token is the bearer token the page is fetched with and, unless
	// ActiveUsers rotates the manifest's tokens, the one every wrk request
	// carries. Empty: the first active account's token when there is a
	// manifest, else no Authorization header at all.
	Token string
	// Manifest, when set, is a seeded graph whose tokens the run may use;
	// ManifestPath is only reported.
	Manifest     *Manifest
	ManifestPath string
	// ActiveUsers, with a manifest, is how many of its accounts wrk's
	// requests act as, each request the next one's token in turn, spread
	// over the graph as in Run. 0: one token for every request.
	ActiveUsers int
	// Threads and Connections are wrk's -t and -c; Duration, whole
	// seconds, is each wrk run's -d.
	Threads     int
	Connections int
	Duration    time.Duration
	// Rounds is how many times wrk runs against the server and then the
	// bare handler: alternating shows drift on a shared machine.
	Rounds int
	// Warmup, whole seconds, is a wrk run against the server before the
	// rounds, not counted: the first requests of each account fill the
	// server's caches (its timeline, its statuses' renderings). 0: none.
	Warmup time.Duration
	// Wrk is the wrk program; empty looks "wrk" up on PATH.
	Wrk string
	// Progress, when set, gets a line as each wrk run starts: a run of
	// several rounds takes minutes.
	Progress io.Writer
	// Client, when set, replaces the client that fetches the page (tests).
	Client *http.Client
}

// RatioReport is the outcome of MeasureRatio, written as JSON (Save) and
// as a table (WriteText). Latencies are in milliseconds.
type RatioReport struct {
	StartedAt time.Time `json:"started_at"`
	// URL is the server's page; BareURL the same path on the bare handler.
	URL     string  `json:"url"`
	BareURL string  `json:"bare_url"`
	Machine Machine `json:"machine"`
	// GOMAXPROCS is this process's, which serves the bare side (the
	// server's own may differ); Machine.CPUs is what nproc says.
	GOMAXPROCS int           `json:"gomaxprocs"`
	Manifest   *ManifestInfo `json:"manifest,omitempty"`
	// TokenSource says whose token the page was fetched with (and every
	// request carries, when ActiveUsers is 0): "--token", "manifest
	// account N" or "none".
	TokenSource string `json:"token_source"`
	// ActiveUsers is how many accounts' tokens the Lua script rotated
	// over; 0 when every request carried the one token.
	ActiveUsers     int     `json:"active_users"`
	Threads         int     `json:"threads"`
	Connections     int     `json:"connections"`
	DurationSeconds float64 `json:"duration_seconds"`
	WarmupSeconds   float64 `json:"warmup_seconds"`
	// PageBytes is the size of the page's body, and ContentType its
	// Content-Type as the server sent it: what the bare handler serves.
	PageBytes   int    `json:"page_bytes"`
	ContentType string `json:"content_type"`
	// Commands are the wrk command lines run, as a shell would take them;
	// tokens are in the script, never on a command line or in this file.
	Commands RatioCommands `json:"wrk_commands"`
	Rounds   []RatioRound  `json:"rounds"`
	// MedianRatio is the median over the rounds of the server's requests
	// per second divided by the bare handler's.
	MedianRatio float64 `json:"median_ratio"`
	// Problems name the wrk runs that had failed responses or socket
	// errors: with any, the figures are not a measurement.
	Problems []string `json:"problems,omitempty"`
}

// RatioCommands are the two wrk command lines of every round.
type RatioCommands struct {
	Server string `json:"server"`
	Bare   string `json:"bare"`
	// Script, when the requests rotate tokens, says what the Lua script
	// of -s did: it is a temporary file, removed after the run.
	Script string `json:"script,omitempty"`
}

// RatioRound is one wrk run against the server and one against the bare
// handler, one after the other.
type RatioRound struct {
	Round  int       `json:"round"`
	Server WrkResult `json:"server"`
	Bare   WrkResult `json:"bare"`
	// Ratio is Server's requests per second divided by Bare's.
	Ratio float64 `json:"ratio"`
}

// WrkResult is what one wrk run printed, parsed.
type WrkResult struct {
	Requests  int64   `json:"requests"`
	PerSecond float64 `json:"requests_per_second"`
	// The latency percentiles of --latency.
	P50 float64 `json:"p50_ms"`
	P75 float64 `json:"p75_ms"`
	P90 float64 `json:"p90_ms"`
	P99 float64 `json:"p99_ms"`
	// FailedResponses are wrk's "Non-2xx or 3xx responses": answers that
	// were counted in PerSecond but were not the page.
	FailedResponses int64        `json:"failed_responses"`
	SocketErrors    SocketErrors `json:"socket_errors"`
	// Output is wrk's output as printed, to check the parse against.
	Output string `json:"wrk_output"`
}

// SocketErrors are wrk's "Socket errors" line.
type SocketErrors struct {
	Connect int64 `json:"connect"`
	Read    int64 `json:"read"`
	Write   int64 `json:"write"`
	Timeout int64 `json:"timeout"`
}

// total is the number of socket errors of every kind.
func (s SocketErrors) total() int64 { return s.Connect + s.Read + s.Write + s.Timeout }

// problem says what went wrong in the run, or "" when nothing did.
func (w WrkResult) problem() string {
	var parts []string
	if w.FailedResponses > 0 {
		parts = append(parts, fmt.Sprintf("%d responses neither 2xx nor 3xx", w.FailedResponses))
	}
	if s := w.SocketErrors; s.total() > 0 {
		parts = append(parts, fmt.Sprintf("socket errors: connect %d, read %d, write %d, timeout %d",
			s.Connect, s.Read, s.Write, s.Timeout))
	}
	return strings.Join(parts, "; ")
}

// errWrkNotFound is MeasureRatio's error when there is no wrk to run.
var errWrkNotFound = errors.New("wrk not found: apt-get install wrk")

// MeasureRatio fetches cfg's page once from the server, serves the same
// bytes from a bare net/http handler on a free loopback port, and runs
// wrk against the server and then the bare handler, cfg.Rounds times. A
// run with failed responses or socket errors is still reported, among
// Problems; the report's Err says so after it has been printed. An error
// is returned only when there is nothing to report: no wrk, no page, a
// wrk that failed to run, or a cancelled ctx.
func MeasureRatio(ctx context.Context, cfg RatioConfig) (*RatioReport, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	wrk := cfg.Wrk
	if wrk == "" {
		wrk = "wrk"
	}
	wrk, err := exec.LookPath(wrk)
	if err != nil {
		return nil, errWrkNotFound
	}

	rep := &RatioReport{
		StartedAt:       time.Now().UTC(),
		URL:             strings.TrimRight(cfg.BaseURL, "/") + cfg.Path,
		Machine:         ThisMachine(),
		GOMAXPROCS:      runtime.GOMAXPROCS(0),
		Threads:         cfg.Threads,
		Connections:     cfg.Connections,
		DurationSeconds: cfg.Duration.Seconds(),
		WarmupSeconds:   cfg.Warmup.Seconds(),
		Rounds:          []RatioRound{},
	}
	token, tokens := cfg.Token, []string(nil)
	rep.TokenSource = "--token"
	if m := cfg.Manifest; m != nil {
		rep.Manifest = &ManifestInfo{
			Path: cfg.ManifestPath, Graph: m.Graph, Accounts: m.Accounts, Follows: m.Follows,
			PostsPerAccount: m.PostsPerAccount, Celebrities: m.Celebrities, SeededAt: m.SeededAt,
		}
		if token == "" {
			first := activeAccount(0, m.Accounts)
			token = m.Token(first)
			rep.TokenSource = "manifest account " + strconv.Itoa(first)
		}
		tokens = activeTokens(m, cfg.ActiveUsers)
		rep.ActiveUsers = len(tokens)
	}
	if token == "" {
		rep.TokenSource = "none"
	}

	client := cfg.Client
	if client == nil {
		client = pageClient()
	}
	page, err := fetchPage(ctx, client, rep.URL, token)
	if err != nil {
		return nil, err
	}
	rep.PageBytes = len(page.body)
	rep.ContentType = strings.Join(page.contentType, ", ")

	bareBase, stopBare, err := serveBare(page)
	if err != nil {
		return nil, err
	}
	defer stopBare()
	rep.BareURL = bareBase + cfg.Path

	var script string
	if len(tokens) > 0 {
		script, err = writeTokenScript(tokens)
		if err != nil {
			return nil, err
		}
		defer os.Remove(script)
		rep.Commands.Script = fmt.Sprintf("a Lua script, removed after the run: each request carries the next of %d accounts' "+
			"tokens in turn, spread over the manifest's accounts as bench run picks active users", len(tokens))
	}
	if script == "" && token != "" {
		// The one token goes in a script too, set once as a header (no
		// Lua runs per request): on wrk's command line it would be in the
		// process list for the whole run.
		if script, err = writeHeaderScript(token); err != nil {
			return nil, err
		}
		defer os.Remove(script)
		rep.Commands.Script = "a Lua script, removed after the run, that gives every request the token's Authorization header"
	}
	serverArgs := wrkArgs(cfg, script, rep.URL)
	bareArgs := wrkArgs(cfg, script, rep.BareURL)
	rep.Commands.Server = commandLine(wrk, serverArgs)
	rep.Commands.Bare = commandLine(wrk, bareArgs)

	if cfg.Warmup > 0 {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "warm-up: wrk against the server, %s, not counted\n", cfg.Warmup)
		}
		warm := cfg
		warm.Duration = cfg.Warmup
		if _, err := runWrk(ctx, wrk, wrkArgs(warm, script, rep.URL)); err != nil {
			return nil, fmt.Errorf("warm-up: %w", err)
		}
	}
	for round := 1; round <= cfg.Rounds; round++ {
		r := RatioRound{Round: round}
		for _, side := range []struct {
			name   string
			args   []string
			result *WrkResult
		}{
			{"server", serverArgs, &r.Server},
			{"bare handler", bareArgs, &r.Bare},
		} {
			if cfg.Progress != nil {
				fmt.Fprintf(cfg.Progress, "round %d/%d: wrk against the %s, %s\n", round, cfg.Rounds, side.name, cfg.Duration)
			}
			res, err := runWrk(ctx, wrk, side.args)
			if err != nil {
				return nil, fmt.Errorf("round %d, %s: %w", round, side.name, err)
			}
			*side.result = res
			if p := res.problem(); p != "" {
				rep.Problems = append(rep.Problems, fmt.Sprintf("round %d, %s: %s", round, side.name, p))
			}
		}
		if r.Bare.PerSecond > 0 {
			r.Ratio = r.Server.PerSecond / r.Bare.PerSecond
		}
		rep.Rounds = append(rep.Rounds, r)
	}
	ratios := make([]float64, len(rep.Rounds))
	for i, r := range rep.Rounds {
		ratios[i] = r.Ratio
	}
	rep.MedianRatio = median(ratios)
	return rep, nil
}

// Check refuses settings wrk or the run could not make sense of, before
// anything is fetched or run. MeasureRatio checks too.
func (cfg *RatioConfig) Check() error {
	switch {
	case !strings.HasPrefix(cfg.Path, "/"):
		return fmt.Errorf("path %q: want an absolute path, starting with /", cfg.Path)
	case cfg.Threads < 1:
		return errors.New("the threads must be at least 1")
	case cfg.Connections < cfg.Threads:
		// wrk refuses this itself, but only after the page is fetched.
		return errors.New("the connections must be at least as many as the threads")
	case cfg.Duration < time.Second || cfg.Duration%time.Second != 0:
		return errors.New("the duration must be whole seconds, at least 1s: wrk counts in seconds")
	case cfg.Warmup < 0 || cfg.Warmup%time.Second != 0:
		return errors.New("the warm-up must be whole seconds, or 0 for none")
	case cfg.Rounds < 1:
		return errors.New("the rounds must be at least 1")
	case cfg.ActiveUsers < 0:
		return errors.New("the active users must not be negative")
	case cfg.ActiveUsers > 0 && cfg.Manifest == nil:
		return errors.New("active users need a manifest to take their tokens from")
	}
	return nil
}

// activeTokens are the tokens of n active accounts of m, picked as Run
// picks its active users, or none when n is 0.
func activeTokens(m *Manifest, n int) []string {
	n = min(n, m.Accounts)
	tokens := make([]string, n)
	for k := range tokens {
		tokens[k] = m.Token(activeAccount(k, m.Accounts))
	}
	return tokens
}

// page is an answer of the server, as the bare handler repeats it.
type page struct {
	body []byte
	// contentType is the Content-Type header's values; nil when the
	// server sent none.
	contentType []string
}

// pageClient is the client that fetches the page: it asks for no
// compression, as wrk does not, and follows no redirect, since wrk would
// count the 3xx rather than follow it.
func pageClient() *http.Client {
	c := NewClient(1)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// fetchPage GETs url once with token (if any) as the bearer; anything
// but a 200 is an error that shows the start of the body, which says why.
func fetchPage(ctx context.Context, client *http.Client, url, token string) (page, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return page{}, fmt.Errorf("fetch the page: %w", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return page{}, fmt.Errorf("fetch the page: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return page{}, fmt.Errorf("fetch the page: GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		const shown = 200
		start := string(body[:min(len(body), shown)])
		if len(body) > shown {
			start += "…"
		}
		return page{}, fmt.Errorf("fetch the page: GET %s: %s: %s", url, resp.Status, start)
	}
	return page{body: body, contentType: slices.Clone(resp.Header.Values("Content-Type"))}, nil
}

// bareHandler answers every request with one page: its Content-Type, a
// Content-Length and its bytes in one Write, and nothing else, so that
// what it costs is net/http's own work for those bytes.
type bareHandler struct {
	body []byte
	// The header values, made once: handing the same slices to every
	// response costs no allocation, and net/http only reads them.
	contentType   []string
	contentLength []string
}

func newBareHandler(p page) *bareHandler {
	return &bareHandler{
		body:          p.body,
		contentType:   p.contentType,
		contentLength: []string{strconv.Itoa(len(p.body))},
	}
}

func (h *bareHandler) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	header := w.Header()
	// A nil Content-Type (the server sent none) is kept as nil on
	// purpose: present but empty stops net/http from sniffing one.
	header["Content-Type"] = h.contentType
	header["Content-Length"] = h.contentLength
	// A client gone mid-answer is wrk's to count, not the handler's.
	_, _ = w.Write(h.body)
}

// serveBare serves p from a bare handler on a free loopback port, and
// returns its base URL and the function that stops it. The server has no
// timeouts, middleware or log: it is the ceiling.
func serveBare(p page) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("bare handler: %w", err)
	}
	srv := &http.Server{
		Handler: newBareHandler(p),
		// net/http's own complaints (none are expected) would otherwise go
		// to the standard logger; the ceiling logs nothing.
		ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelError),
	}
	// Serve ends with ErrServerClosed when stopped, its only error here.
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// writeHeaderScript writes the Lua script that gives every wrk request
// token's Authorization header, set once when wrk loads it, and returns
// its path. The file, like every os.CreateTemp file, is readable by its
// owner only.
func writeHeaderScript(token string) (string, error) {
	if strings.ContainsAny(token, "]\n\r") {
		return "", errors.New("the token holds characters a Lua string cannot take as they are")
	}
	return writeScript(`-- Written by starling bench ratio: every request carries this bearer token.
wrk.headers["Authorization"] = [[Bearer ` + token + `]]
`)
}

// writeScript writes a Lua script for wrk to a new temporary file and
// returns its path.
func writeScript(script string) (string, error) {
	f, err := os.CreateTemp("", "starling-bench-ratio-*.lua")
	if err != nil {
		return "", fmt.Errorf("wrk script: %w", err)
	}
	_, err = f.WriteString(script)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("wrk script: %w", err)
	}
	return f.Name(), nil
}

// writeTokenScript writes the Lua script that has each wrk request carry
// the next of tokens in turn, and returns its path. The requests are
// formatted once per thread in init, so that a request costs wrk a table
// lookup, the same against the server and the bare handler. The tokens
// are one long string, split in init: a table of a hundred thousand
// string constants is more than a Lua function may hold.
func writeTokenScript(tokens []string) (string, error) {
	var b strings.Builder
	b.WriteString(`-- Written by starling bench ratio: each request carries the next
-- of these bearer tokens in turn.
local tokens = [[
`)
	for _, t := range tokens {
		b.WriteString(t)
		b.WriteByte('\n')
	}
	b.WriteString(`]]
local requests = {}
local count = 0
local turn = 0

function init(args)
  for token in tokens:gmatch("%S+") do
    count = count + 1
    requests[count] = wrk.format(nil, nil, { ["Authorization"] = "Bearer " .. token })
  end
end

function request()
  turn = turn % count + 1
  return requests[turn]
end
`)
	return writeScript(b.String())
}

// wrkArgs are wrk's arguments for one run against url, with the Lua
// script that sets the requests' tokens, if any.
func wrkArgs(cfg RatioConfig, script, url string) []string {
	args := []string{
		"-t", strconv.Itoa(cfg.Threads),
		"-c", strconv.Itoa(cfg.Connections),
		"-d", strconv.Itoa(int(cfg.Duration/time.Second)) + "s",
		"--latency",
	}
	if script != "" {
		args = append(args, "-s", script)
	}
	return append(args, url)
}

// runWrk runs wrk and parses what it printed. wrk exits 0 whatever the
// answers were; a non-zero exit means it could not run at all (such as a
// refused connection at the start), and is an error with its output.
func runWrk(ctx context.Context, wrk string, args []string) (WrkResult, error) {
	out, err := exec.CommandContext(ctx, wrk, args...).CombinedOutput()
	if ctx.Err() != nil {
		return WrkResult{}, ctx.Err()
	}
	if err != nil {
		return WrkResult{}, fmt.Errorf("wrk: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return parseWrk(string(out))
}

// socketErrorsRE matches wrk's socket errors line.
var socketErrorsRE = regexp.MustCompile(`^Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)$`)

// parseWrk reads wrk's output: the total requests, Requests/sec, the
// percentiles of --latency, and the failed responses and socket errors
// lines, which wrk prints only when there were some. A missing figure is
// an error: the output is not that of a wrk run with --latency.
func parseWrk(out string) (WrkResult, error) {
	res := WrkResult{Output: out}
	var haveRate, haveCount bool
	percentiles := map[string]*float64{"50%": &res.P50, "75%": &res.P75, "90%": &res.P90, "99%": &res.P99}
	seen := map[string]bool{}
	for line := range strings.Lines(out) {
		line = strings.TrimSpace(line)
		fields := strings.Fields(line)
		var err error
		switch {
		case len(fields) == 0:
		case strings.HasPrefix(line, "Requests/sec:"):
			res.PerSecond, err = strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(line, "Requests/sec:")), 64)
			haveRate = true
		case len(fields) >= 3 && fields[1] == "requests" && fields[2] == "in":
			res.Requests, err = strconv.ParseInt(fields[0], 10, 64)
			haveCount = true
		case percentiles[fields[0]] != nil && len(fields) == 2:
			*percentiles[fields[0]], err = parseWrkDuration(fields[1])
			seen[fields[0]] = true
		case strings.HasPrefix(line, "Non-2xx or 3xx responses:"):
			res.FailedResponses, err = strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(line, "Non-2xx or 3xx responses:")), 10, 64)
		case strings.HasPrefix(line, "Socket errors:"):
			m := socketErrorsRE.FindStringSubmatch(line)
			if m == nil {
				err = errors.New("not connect N, read N, write N, timeout N")
				break
			}
			s := &res.SocketErrors
			for i, n := range []*int64{&s.Connect, &s.Read, &s.Write, &s.Timeout} {
				*n, _ = strconv.ParseInt(m[i+1], 10, 64) // \d+ parses
			}
		}
		if err != nil {
			return res, fmt.Errorf("wrk output: line %q: %w", line, err)
		}
	}
	switch {
	case !haveRate:
		return res, fmt.Errorf("wrk output has no Requests/sec line:\n%s", out)
	case !haveCount:
		return res, fmt.Errorf("wrk output has no \"N requests in\" line:\n%s", out)
	case len(seen) != len(percentiles):
		return res, fmt.Errorf("wrk output has no latency distribution (--latency):\n%s", out)
	}
	return res, nil
}

// wrkUnits are the units wrk prints times in, longest suffix first so
// that "ms" is not read as "s", with their length in milliseconds.
var wrkUnits = []struct {
	suffix string
	ms     float64
}{{"us", 0.001}, {"ms", 1}, {"s", 1000}, {"m", 60_000}, {"h", 3_600_000}}

// parseWrkDuration reads a time as wrk prints it ("59.00us", "3.34ms",
// "1.20s", "1.50m") in milliseconds.
func parseWrkDuration(s string) (float64, error) {
	for _, u := range wrkUnits {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, fmt.Errorf("time %q: %w", s, err)
			}
			return v * u.ms, nil
		}
	}
	return 0, fmt.Errorf("time %q: no unit wrk uses", s)
}

// median is the median of values, the mean of the middle two for an even
// count; 0 for none.
func median(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(values))
	mid := len(s) / 2
	if len(s)%2 == 1 {
		return s[mid]
	}
	return (s[mid-1] + s[mid]) / 2
}

// shellSafe matches arguments a shell takes as they are.
var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:=@%+,-]+$`)

// commandLine is program and args as a shell command.
func commandLine(program string, args []string) string {
	words := make([]string, 0, len(args)+1)
	for _, a := range append([]string{program}, args...) {
		if shellSafe.MatchString(a) {
			words = append(words, a)
		} else {
			words = append(words, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
		}
	}
	return strings.Join(words, " ")
}

// Err is an error naming the runs that had failed responses or socket
// errors, or nil when every run was clean: such a run's requests per
// second are not those of the page.
func (rep *RatioReport) Err() error {
	if len(rep.Problems) == 0 {
		return nil
	}
	return fmt.Errorf("%d wrk runs had errors, so the figures are not a measurement: %s",
		len(rep.Problems), strings.Join(rep.Problems, "; "))
}

// token says in words which token the page was fetched with.
func (rep *RatioReport) token() string {
	switch rep.TokenSource {
	case "--token":
		return "the --token given"
	case "none":
		return "no token"
	}
	return "the token of " + rep.TokenSource
}

// Save writes the report as indented JSON to path.
func (rep *RatioReport) Save(path string) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// WriteText prints the report as a table for people, with what it takes
// to repeat the run.
func (rep *RatioReport) WriteText(w io.Writer) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "starling bench ratio: GET %s against a bare net/http handler serving the same bytes\n", rep.URL)
	fmt.Fprintf(b, "started %s\n", rep.StartedAt.Format(time.RFC3339))
	mc := rep.Machine
	fmt.Fprintf(b, "machine: nproc %d", mc.CPUs)
	if mc.CPUModel != "" {
		fmt.Fprintf(b, " (%s)", mc.CPUModel)
	}
	fmt.Fprintf(b, ", GOMAXPROCS %d (of this process, which serves the bare side), %s/%s, %s\n",
		rep.GOMAXPROCS, mc.OS, mc.Arch, mc.GoVersion)
	fmt.Fprintf(b, "page: %d bytes, Content-Type %q, fetched with %s\n", rep.PageBytes, rep.ContentType, rep.token())
	if mf := rep.Manifest; mf != nil {
		fmt.Fprintf(b, "graph: %s: %d accounts, %d follows\n", mf.Graph, mf.Accounts, mf.Follows)
	}
	fmt.Fprintf(b, "wrk: %d threads, %d connections, %gs a run after %gs of warm-up, %d rounds; ",
		rep.Threads, rep.Connections, rep.DurationSeconds, rep.WarmupSeconds, len(rep.Rounds))
	switch {
	case rep.ActiveUsers > 0:
		fmt.Fprintf(b, "requests rotate over %d accounts' tokens (the same Lua script on both sides)\n", rep.ActiveUsers)
	case rep.TokenSource != "none":
		b.WriteString("every request carries the one token\n")
	default:
		b.WriteString("no Authorization header\n")
	}
	b.WriteString("\n")

	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "round\tstarling req/s\tp50 ms\tp99 ms\tbare req/s\tp50 ms\tp99 ms\tratio\terrors\t")
	for _, r := range rep.Rounds {
		errs := r.Server.FailedResponses + r.Server.SocketErrors.total() + r.Bare.FailedResponses + r.Bare.SocketErrors.total()
		fmt.Fprintf(tw, "%d\t%.1f\t%.2f\t%.2f\t%.1f\t%.2f\t%.2f\t%.3f\t%d\t\n", r.Round,
			r.Server.PerSecond, r.Server.P50, r.Server.P99, r.Bare.PerSecond, r.Bare.P50, r.Bare.P99, r.Ratio, errs)
	}
	tw.Flush()
	fmt.Fprintf(b, "\nmedian ratio over %d rounds: %.3f (Starling serves %.1f%% of the bare handler's requests/s)\n",
		len(rep.Rounds), rep.MedianRatio, 100*rep.MedianRatio)

	b.WriteString("\nwrk command lines")
	fmt.Fprintf(b, ":\n  starling: %s\n  bare:     %s\n", rep.Commands.Server, rep.Commands.Bare)
	if rep.Commands.Script != "" {
		fmt.Fprintf(b, "  script:   %s\n", rep.Commands.Script)
	}
	if len(rep.Problems) > 0 {
		b.WriteString("\nerrors, so these figures are not a measurement:\n  " + strings.Join(rep.Problems, "\n  ") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
