package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Scenarios of Run.
const (
	// ScenarioMix is DeathStarBench's social-network mix: 60% home
	// timelines, 30% account timelines, 10% posts.
	ScenarioMix = "mix"
	// ScenarioHome reads home timelines only.
	ScenarioHome = "home"
	// ScenarioPost posts only.
	ScenarioPost = "post"
	// ScenarioCelebrity has the manifest's celebrities post in turn, one
	// request at a time, to measure write latency by audience size.
	ScenarioCelebrity = "celebrity"
	// ScenarioCelebrityReaders reads the home timelines of the
	// celebrities' followers, each celebrity's in turn, to measure the
	// cost of a read by the audience size of the accounts merged into it.
	ScenarioCelebrityReaders = "celebrity-readers"
	// ScenarioCeiling reads the server's fixed ceiling page only
	// (GET /api/v1/starling/ceiling; serve with --ceiling-endpoint on).
	ScenarioCeiling = "ceiling"
)

// Scenarios lists the scenario names, for flag help and validation.
var Scenarios = []string{ScenarioMix, ScenarioHome, ScenarioPost, ScenarioCelebrity, ScenarioCelebrityReaders, ScenarioCeiling}

// Operation names in the report.
const (
	OpHome            = "home"
	OpAccountStatuses = "account_statuses"
	OpPost            = "post"
	OpCeiling         = "ceiling"
	// Background operations: the checks of post-to-visible latency, which
	// are not part of the workload.
	OpVisibilityPoll  = "visibility_poll"
	OpFollowersLookup = "followers_lookup"
	celebrityOpPrefix = "post_celebrity_"
	// celebrityReadersOpPrefix names the home reads of a celebrity's
	// followers.
	celebrityReadersOpPrefix = "home_follower_of_"
	visibilityTimeout        = 10 * time.Second
	visibilityInterval       = 10 * time.Millisecond
	// defaultMaxPolls bounds the visibility polls in flight, so that
	// checking cannot swamp the server it measures.
	defaultMaxPolls = 32
	// requestTimeout bounds one request: a hung server fails requests
	// instead of hanging the run.
	requestTimeout = 30 * time.Second
	// maxErrorExamples is how many error messages are kept per operation.
	maxErrorExamples = 5
)

// RunConfig is what Run needs.
type RunConfig struct {
	// BaseURL is the server's root, such as http://127.0.0.1:8080.
	BaseURL string
	// Manifest is the seeded graph; ManifestPath is only reported.
	Manifest     *Manifest
	ManifestPath string
	// Duration is the measured time, after Warmup, which is not counted.
	Duration    time.Duration
	Warmup      time.Duration
	Concurrency int
	Scenario    string
	// VisibilitySample is the fraction of posts whose post-to-visible
	// latency is measured, on VisibilityFollowers followers each. In the
	// celebrity scenario every post is sampled.
	VisibilitySample    float64
	VisibilityFollowers int
	// ActiveUsers, when set and below the manifest's accounts, is how
	// many accounts act: on a real service only some of the accounts are
	// online at once, and theirs are the timelines the cache holds. They
	// are spread over the whole graph (activeAccount). 0 means all.
	ActiveUsers int
	// MaxPolls bounds the visibility polls in flight; 0 means 32.
	MaxPolls int
	// MetricsURL, when set, is the server's Prometheus endpoint, read at
	// the end for its memory and fan-out figures.
	MetricsURL string
	// Seed seeds the random choices; each worker derives its own stream.
	Seed uint64
	// Flags are the command line's flags, copied into the report.
	Flags map[string]string
	// Client, when set, replaces the client Run builds (tests).
	Client *http.Client

	// visibilityTimeout replaces the 10 s a post has to become visible
	// (tests).
	visibilityTimeout time.Duration
}

// opKind is an operation of a scenario, as the report names it.
type opKind struct {
	name      string
	followers int // for a celebrity's posts: its followers
}

// account is what requests acting as one seeded account need, built the
// first time that account acts: deriving a token is an HMAC, too dear to
// repeat per request.
type account struct {
	auth string // "Bearer …"
}

// runner is one run in progress.
type runner struct {
	cfg     RunConfig
	m       *Manifest
	client  *http.Client
	base    *url.URL
	ops     []opKind
	start   time.Time // when measuring begins (after warm-up)
	end     time.Time // when workers stop issuing requests
	counter atomic.Int64

	accounts []atomic.Pointer[account]

	// Fixed URLs, shared read-only by every request.
	homeURL, ceilingURL, postURL *url.URL
	// usernameForm is the manifest's username prefix, form-encoded.
	usernameForm []byte

	// followers caches each account's followers (manifest indexes), for
	// the visibility checks.
	followersMu sync.Mutex
	followers   map[int][]int

	polls   chan struct{} // a slot per visibility poll in flight
	pollWG  sync.WaitGroup
	bgMu    sync.Mutex
	bg      map[string]*recorder // background operations
	visMu   sync.Mutex
	vis     map[string]*visRecorder // by post operation
	visSkip atomic.Int64
}

// Run drives the server at cfg.BaseURL with the scenario's closed-loop
// workers for the warm-up and the duration, waits for the visibility
// checks still running, and returns the report. A cancelled ctx stops the
// run early; what was measured until then is reported.
func Run(ctx context.Context, cfg RunConfig) (*Report, error) {
	if err := validate(&cfg); err != nil {
		return nil, err
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("url %q: want an http or https URL", cfg.BaseURL)
	}
	r := &runner{
		cfg:          cfg,
		m:            cfg.Manifest,
		client:       cfg.Client,
		base:         base,
		accounts:     make([]atomic.Pointer[account], cfg.Manifest.Accounts),
		usernameForm: appendFormEscape(nil, []byte(cfg.Manifest.UsernamePrefix)),
		followers:    map[int][]int{},
		polls:        make(chan struct{}, cfg.MaxPolls),
		bg:           map[string]*recorder{},
		vis:          map[string]*visRecorder{},
	}
	if r.client == nil {
		r.client = NewClient(cfg.Concurrency + cfg.MaxPolls)
	}
	r.homeURL = r.endpoint("/api/v1/timelines/home", "limit=20")
	r.ceilingURL = r.endpoint("/api/v1/starling/ceiling", "")
	r.postURL = r.endpoint("/api/v1/statuses", "")
	r.ops = scenarioOps(cfg.Scenario, cfg.Manifest)

	if err := r.preflight(ctx); err != nil {
		return nil, err
	}

	report := newReport(cfg)
	began := time.Now()
	report.StartedAt = began.UTC()
	r.start = began.Add(cfg.Warmup)
	r.end = r.start.Add(cfg.Duration)
	workers := cfg.Concurrency
	if cfg.Scenario == ScenarioCelebrity {
		workers = 1 // one post at a time, so latency reflects the audience alone
	}
	results := make([][]*recorder, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			results[w] = r.work(ctx, w)
		})
	}
	wg.Wait()
	stopped := time.Now()
	// Visibility checks of the last posts may still be polling; they end
	// by themselves within visibilityTimeout.
	r.pollWG.Wait()

	measured := stopped.Sub(r.start)
	if measured > cfg.Duration {
		measured = cfg.Duration
	}
	if measured < 0 {
		measured = 0
	}
	report.MeasuredSeconds = measured.Seconds()
	report.addOps(r.ops, results, measured)
	report.addBackground(r.bg, measured)
	report.addVisibility(r.ops, r.vis, r.visSkip.Load())
	if cfg.MetricsURL != "" {
		mctx, mcancel := context.WithTimeout(context.Background(), 10*time.Second)
		report.Metrics, report.MetricsError = readMetrics(mctx, r.client, cfg.MetricsURL)
		mcancel()
	}
	if ctx.Err() != nil {
		report.Interrupted = true
	}
	return report, nil
}

func validate(cfg *RunConfig) error {
	if cfg.Manifest == nil {
		return errors.New("no manifest")
	}
	if cfg.Manifest.Accounts <= 0 {
		return errors.New("the manifest has no accounts")
	}
	if cfg.Duration <= 0 {
		return errors.New("the duration must be positive")
	}
	if cfg.Warmup < 0 {
		return errors.New("the warm-up must not be negative")
	}
	if cfg.Concurrency < 1 {
		return errors.New("the concurrency must be at least 1")
	}
	if cfg.VisibilitySample < 0 || cfg.VisibilitySample > 1 {
		return errors.New("the visibility sample must be a fraction from 0 to 1")
	}
	if cfg.VisibilityFollowers < 0 {
		return errors.New("the visibility followers must not be negative")
	}
	if cfg.MaxPolls <= 0 {
		cfg.MaxPolls = defaultMaxPolls
	}
	if cfg.visibilityTimeout <= 0 {
		cfg.visibilityTimeout = visibilityTimeout
	}
	switch cfg.Scenario {
	case ScenarioMix, ScenarioHome, ScenarioPost, ScenarioCeiling:
	case ScenarioCelebrity, ScenarioCelebrityReaders:
		if len(cfg.Manifest.Celebrities) == 0 {
			return errors.New("the celebrity scenarios need a manifest with celebrities (seed with --celebrity-followers)")
		}
	default:
		return fmt.Errorf("unknown scenario %q; want one of %s", cfg.Scenario, strings.Join(Scenarios, ", "))
	}
	return nil
}

// preflight makes one read of the scenario as account 0 before the run,
// so that a server that is down, does not know the manifest's tokens or
// does not serve the ceiling page fails the run at once with the reason,
// rather than after a minute of errors.
func (r *runner) preflight(ctx context.Context) error {
	u := r.homeURL
	if r.cfg.Scenario == ScenarioCeiling {
		u = r.ceilingURL
	}
	h := http.Header{"Authorization": {r.account(0).auth}}
	resp, err := r.client.Do(newRequest(requestTemplate(ctx), http.MethodGet, u, h))
	if err != nil {
		return fmt.Errorf("the server does not answer: %w", err)
	}
	switch {
	case resp.StatusCode/100 == 2:
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return nil
	case resp.StatusCode == http.StatusUnauthorized:
		err = errors.New("the server refuses the manifest's tokens: was its database seeded with this manifest?")
	case resp.StatusCode == http.StatusNotFound && r.cfg.Scenario == ScenarioCeiling:
		err = errors.New("the server does not serve the ceiling page: start it with --ceiling-endpoint on")
	default:
		err = statusError(resp)
	}
	resp.Body.Close()
	return fmt.Errorf("GET %s: %w", u.Path, err)
}

// NewClient is an HTTP client for a load of n concurrent requests to one
// server: every connection is kept alive and reused (a closed-loop worker
// must not pay a TCP handshake per request), and responses are not
// compressed, which would cost the tool and the server CPU they share.
func NewClient(n int) *http.Client {
	return &http.Client{
		Timeout: requestTimeout,
		Transport: &http.Transport{
			Proxy:               nil, // a benchmark of localhost must not go through a proxy
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        n,
			MaxIdleConnsPerHost: n,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
}

// endpoint is an absolute URL on the server.
func (r *runner) endpoint(path, rawQuery string) *url.URL {
	u := *r.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawPath = ""
	u.RawQuery = rawQuery
	return &u
}

// scenarioOps lists a scenario's operations, in report order.
func scenarioOps(scenario string, m *Manifest) []opKind {
	switch scenario {
	case ScenarioMix:
		return []opKind{{name: OpHome}, {name: OpAccountStatuses}, {name: OpPost}}
	case ScenarioHome:
		return []opKind{{name: OpHome}}
	case ScenarioPost:
		return []opKind{{name: OpPost}}
	case ScenarioCeiling:
		return []opKind{{name: OpCeiling}}
	case ScenarioCelebrity:
		ops := make([]opKind, len(m.Celebrities))
		for k, c := range m.Celebrities {
			ops[k] = opKind{name: celebrityOpPrefix + strconv.Itoa(c.Index), followers: c.Followers}
		}
		return ops
	case ScenarioCelebrityReaders:
		ops := make([]opKind, len(m.Celebrities))
		for k, c := range m.Celebrities {
			ops[k] = opKind{name: celebrityReadersOpPrefix + strconv.Itoa(c.Index), followers: c.Followers}
		}
		return ops
	}
	return nil
}

// account returns the request data of account i, building it once.
func (r *runner) account(i int) *account {
	if a := r.accounts[i].Load(); a != nil {
		return a
	}
	a := &account{auth: "Bearer " + r.m.Token(i)}
	// Two workers may build the same account at once; either copy will do.
	r.accounts[i].Store(a)
	return a
}

// worker is one closed-loop client: it issues the next request as soon as
// the previous one is answered. Its buffers, header maps and recorders
// are its own, so requests allocate little and record without locks.
type worker struct {
	r      *runner
	id     int
	rng    *rand.Rand
	tmpl   *http.Request // carries the run's context
	rec    []*recorder
	header http.Header // reused: a request is done with it once its body is closed
	form   http.Header
	text   []byte // the post's text
	body   bodyReader
	resp   bytes.Buffer // a post's answer, when its id is needed
	path   []byte
	acctU  url.URL // account timeline URL, its path rewritten per request
}

func (r *runner) work(ctx context.Context, id int) []*recorder {
	w := &worker{
		r:      r,
		id:     id,
		rng:    rand.New(rand.NewPCG(r.cfg.Seed, uint64(id)+1)),
		tmpl:   requestTemplate(ctx),
		rec:    make([]*recorder, len(r.ops)),
		header: http.Header{"Authorization": {""}},
		form:   http.Header{"Authorization": {""}, "Content-Type": {"application/x-www-form-urlencoded"}},
		acctU:  *r.endpoint("/", "limit=20"),
	}
	for i := range w.rec {
		w.rec[i] = &recorder{}
	}
	switch r.cfg.Scenario {
	case ScenarioCelebrity:
		w.celebrities(ctx)
	default:
		w.loop(ctx)
	}
	return w.rec
}

// loop runs the open-ended scenarios until ctx ends.
func (w *worker) loop(ctx context.Context) {
	r := w.r
	accounts := r.m.Accounts
	active := accounts
	if n := r.cfg.ActiveUsers; n > 0 && n < accounts {
		active = n
	}
	for w.more(ctx) {
		actor := activeAccount(w.rng.IntN(active), accounts)
		switch r.cfg.Scenario {
		case ScenarioHome:
			w.get(ctx, 0, actor, r.homeURL)
		case ScenarioCeiling:
			w.get(ctx, 0, actor, r.ceilingURL)
		case ScenarioPost:
			w.post(ctx, 0, actor, w.rng.Float64() < r.cfg.VisibilitySample)
		case ScenarioMix:
			switch n := w.rng.IntN(100); {
			case n < 60:
				w.get(ctx, 0, actor, r.homeURL)
			case n < 90:
				w.get(ctx, 1, actor, w.accountStatusesURL(w.rng.IntN(accounts)))
			default:
				w.post(ctx, 2, actor, w.rng.Float64() < r.cfg.VisibilitySample)
			}
		case ScenarioCelebrityReaders:
			// Celebrity k's followers are the accounts from
			// len(Celebrities) on (see Manifest.Celebrities); at most
			// ActiveUsers of them read.
			k := w.rng.IntN(len(r.m.Celebrities))
			followers := r.m.Celebrities[k].Followers
			readers := followers
			if n := r.cfg.ActiveUsers; n > 0 && n < readers {
				readers = n
			}
			reader := len(r.m.Celebrities) + activeAccount(w.rng.IntN(readers), followers)
			w.get(ctx, k, reader, r.homeURL)
		}
	}
}

// activeAccount maps the k-th active user to an account index, spreading
// the active users over the whole graph (popular and unpopular accounts
// alike) rather than taking the first ones: k times a large prime, modulo
// the number of accounts, is a permutation of the indices whenever the
// prime does not divide that number.
func activeAccount(k, accounts int) int {
	const prime = 1_000_003
	if accounts%prime == 0 {
		return k
	}
	return int(uint64(k) * prime % uint64(accounts))
}

// celebrities has each celebrity post in turn, every post sampled.
func (w *worker) celebrities(ctx context.Context) {
	for k := 0; w.more(ctx); k = (k + 1) % len(w.r.m.Celebrities) {
		w.post(ctx, k, w.r.m.Celebrities[k].Index, true)
	}
}

// more reports whether the worker should issue another request. The run's
// end is not a deadline on the requests' context: one in flight when the
// time is up finishes and counts, rather than failing as cancelled.
func (w *worker) more(ctx context.Context) bool {
	return ctx.Err() == nil && time.Now().Before(w.r.end)
}

// accountStatusesURL points the worker's account-timeline URL at account
// i; the URL is the worker's, free to change once the previous request's
// body is closed.
func (w *worker) accountStatusesURL(i int) *url.URL {
	w.path = append(w.path[:0], strings.TrimRight(w.r.base.Path, "/")...)
	w.path = append(w.path, "/api/v1/accounts/"...)
	w.path = strconv.AppendInt(w.path, w.r.m.AccountID(i), 10)
	w.path = append(w.path, "/statuses"...)
	w.acctU.Path = string(w.path)
	return &w.acctU
}

// newRequest is a request with a body-less template's context: unlike
// http.NewRequestWithContext it parses nothing, and allocates only the
// Request.
func newRequest(tmpl *http.Request, method string, u *url.URL, h http.Header) *http.Request {
	req := new(http.Request)
	*req = *tmpl
	req.Method, req.URL, req.Header = method, u, h
	return req
}

// requestTemplate is the template of newRequest for requests under ctx.
func requestTemplate(ctx context.Context) *http.Request {
	req := &http.Request{Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
	return req.WithContext(ctx)
}

// get issues one read as actor and records it under op, if it started in
// the measured window.
func (w *worker) get(ctx context.Context, op, actor int, u *url.URL) {
	w.header["Authorization"][0] = w.r.account(actor).auth
	t := time.Now()
	resp, ok := w.send(ctx, op, t, newRequest(w.tmpl, http.MethodGet, u, w.header))
	if !ok {
		return
	}
	_, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	w.record(ctx, op, t, time.Since(t), err)
}

// send makes req, started at t, and returns its answer when it is a
// success; a failure is recorded under op and ok is false.
func (w *worker) send(ctx context.Context, op int, t time.Time, req *http.Request) (*http.Response, bool) {
	resp, err := w.r.client.Do(req)
	if err != nil {
		w.record(ctx, op, t, 0, err)
		return nil, false
	}
	if resp.StatusCode/100 != 2 {
		w.record(ctx, op, t, 0, statusError(resp))
		return nil, false
	}
	return resp, true
}

// post publishes a status as actor mentioning a random account, and when
// sampled, has followers of actor watch for it in their home timelines.
func (w *worker) post(ctx context.Context, op, actor int, sampled bool) {
	r := w.r
	var watchers []int
	if sampled && r.cfg.VisibilityFollowers > 0 && !time.Now().Before(r.start) {
		// Followers are looked up before posting, so the first poll can
		// start the moment the post is acknowledged.
		watchers = r.pickFollowers(ctx, w.rng, actor, r.cfg.VisibilityFollowers)
	}
	n := r.counter.Add(1)
	w.buildPost(n)
	w.form["Authorization"][0] = r.account(actor).auth
	w.body.Reset(w.text)
	req := newRequest(w.tmpl, http.MethodPost, r.postURL, w.form)
	req.Body = &w.body
	req.ContentLength = int64(len(w.text))
	t := time.Now()
	resp, ok := w.send(ctx, op, t, req)
	if !ok {
		return
	}
	var err error
	if len(watchers) == 0 {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		w.record(ctx, op, t, time.Since(t), err)
		return
	}
	w.resp.Reset()
	_, err = w.resp.ReadFrom(resp.Body)
	resp.Body.Close()
	ack := time.Now()
	w.record(ctx, op, t, ack.Sub(t), err)
	if err != nil || !t.Before(r.end) {
		return
	}
	id, ok := firstID(w.resp.Bytes())
	if !ok {
		return
	}
	r.watch(r.ops[op].name, id, watchers, ack)
}

// buildPost writes the form body of post number n into w.text: about 140
// characters with an @mention of a random seeded account and a link, as
// the DeathStarBench social network composes them.
func (w *worker) buildPost(n int64) {
	b := w.text[:0]
	b = append(b, "status="...)
	b = append(b, "%40"...)
	b = append(b, w.r.usernameForm...)
	b = strconv.AppendInt(b, int64(w.rng.IntN(w.r.m.Accounts)), 10)
	b = append(b, "+a+quick+note+from+the+load+test%2C+post+"...)
	b = strconv.AppendInt(b, n, 10)
	b = append(b, "%3A+the+timeline+should+show+this+soon%2C+details+at+https%3A%2F%2Fexample.com%2F"...)
	b = strconv.AppendInt(b, n, 10)
	b = append(b, "&visibility=public"...)
	w.text = b
}

// record counts one request of op that started at t, if t lies in the
// measured window: warm-up requests are not counted, and neither are
// those that failed because the run was interrupted.
func (w *worker) record(ctx context.Context, op int, t time.Time, d time.Duration, err error) {
	if t.Before(w.r.start) || !t.Before(w.r.end) {
		return
	}
	if err != nil && ctx.Err() != nil {
		return
	}
	w.rec[op].add(d, err)
}

// statusError drains a non-2xx answer and describes it.
func statusError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(b))
}

// firstID returns the first "id" of a JSON object, which in a Status
// entity is the status's own (the id leads the entity), without decoding
// the whole answer.
func firstID(b []byte) (string, bool) {
	const key = `"id":"`
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return "", false
	}
	rest := b[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j <= 0 {
		return "", false
	}
	return string(rest[:j]), true
}

// bodyReader is a reusable request body.
type bodyReader struct{ bytes.Reader }

// Close makes bodyReader an io.ReadCloser without an allocation per request.
func (*bodyReader) Close() error { return nil }

// appendFormEscape appends s form-encoded (application/x-www-form-urlencoded).
func appendFormEscape(dst, s []byte) []byte {
	const hex = "0123456789ABCDEF"
	for _, c := range s {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			dst = append(dst, c)
		case c == ' ':
			dst = append(dst, '+')
		default:
			dst = append(dst, '%', hex[c>>4], hex[c&15])
		}
	}
	return dst
}

// pickFollowers returns up to n distinct random followers (manifest
// indexes) of account i: a celebrity's from the manifest, anyone else's
// from the API (once per account). Nil when i has none.
func (r *runner) pickFollowers(ctx context.Context, rng *rand.Rand, i, n int) []int {
	nc := len(r.m.Celebrities)
	for _, c := range r.m.Celebrities {
		if c.Index == i && c.Followers > 0 {
			// Followers len(Celebrities) .. len(Celebrities)+Followers-1.
			return pickDistinct(rng, c.Followers, n, func(k int) int { return nc + k })
		}
	}
	all := r.followersOf(ctx, i)
	return pickDistinct(rng, len(all), n, func(k int) int { return all[k] })
}

// pickDistinct picks min(n, total) distinct values of at(0..total-1).
func pickDistinct(rng *rand.Rand, total, n int, at func(int) int) []int {
	if total == 0 || n == 0 {
		return nil
	}
	if n >= total {
		out := make([]int, total)
		for k := range out {
			out[k] = at(k)
		}
		return out
	}
	seen := make(map[int]bool, n)
	out := make([]int, 0, n)
	for len(out) < n {
		k := rng.IntN(total)
		if !seen[k] {
			seen[k] = true
			out = append(out, at(k))
		}
	}
	return out
}

// followersOf reads the first page of account i's followers once and
// keeps those that are seeded accounts (the tool holds only their tokens).
func (r *runner) followersOf(ctx context.Context, i int) []int {
	r.followersMu.Lock()
	list, ok := r.followers[i]
	r.followersMu.Unlock()
	if ok {
		return list
	}
	u := r.endpoint("/api/v1/accounts/"+strconv.FormatInt(r.m.AccountID(i), 10)+"/followers", "limit=40")
	h := http.Header{"Authorization": {r.account(i).auth}}
	t := time.Now()
	resp, err := r.client.Do(newRequest(requestTemplate(ctx), http.MethodGet, u, h))
	var page []struct {
		ID string `json:"id"`
	}
	if err == nil {
		if resp.StatusCode/100 != 2 {
			err = statusError(resp)
		} else {
			err = json.NewDecoder(resp.Body).Decode(&page)
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	r.background(OpFollowersLookup, time.Since(t), err)
	if err != nil {
		return nil // not cached: the next sample of i tries again
	}
	list = make([]int, 0, len(page))
	for _, a := range page {
		id, err := strconv.ParseInt(a.ID, 10, 64)
		if k := id - r.m.FirstID; err == nil && k >= 0 && k < int64(r.m.Accounts) {
			list = append(list, int(k))
		}
	}
	r.followersMu.Lock()
	r.followers[i] = list
	r.followersMu.Unlock()
	return list
}

// background records a request that is not part of the workload.
func (r *runner) background(op string, d time.Duration, err error) {
	r.bgMu.Lock()
	defer r.bgMu.Unlock()
	rec := r.bg[op]
	if rec == nil {
		rec = &recorder{}
		r.bg[op] = rec
	}
	rec.add(d, err)
}

// watch starts a poller per follower for the status id that op posted,
// acknowledged at ack. A follower that finds every poll slot taken is
// skipped rather than queued: a poll started late would report the
// queueing as latency.
func (r *runner) watch(op, id string, followers []int, ack time.Time) {
	for _, f := range followers {
		select {
		case r.polls <- struct{}{}:
		default:
			r.visSkip.Add(1)
			continue
		}
		r.pollWG.Go(func() {
			defer func() { <-r.polls }()
			d, err := r.pollUntilVisible(id, f, ack)
			r.visMu.Lock()
			v := r.vis[op]
			if v == nil {
				v = &visRecorder{}
				r.vis[op] = v
			}
			v.add(d, err)
			r.visMu.Unlock()
		})
	}
}

// errNotVisible is a post that no poll found within visibilityTimeout.
var errNotVisible = errors.New("not visible")

// pollUntilVisible reads follower f's home timeline every
// visibilityInterval until the status id appears, and returns how long
// after ack the answer that showed it arrived. Each poll asks for the one
// status just above id-1 (min_id), which is the status itself once it is
// there, however many newer ones the follower has been sent since: a
// poll of the newest page would miss a post delivered late below it. The polls do not stop
// with the run: a post made just before the end is still followed up.
// The time is that of the answer, not of the poll's start, which counts
// the read itself against visibility; polling every 10 ms bounds the
// error from the other side.
func (r *runner) pollUntilVisible(id string, f int, ack time.Time) (time.Duration, error) {
	h := http.Header{"Authorization": {r.account(f).auth}}
	needle := []byte(`"id":"` + id + `"`)
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("status id %q: %w", id, err)
	}
	pollURL := r.endpoint("/api/v1/timelines/home", "limit=1&min_id="+strconv.FormatInt(n-1, 10))
	deadline := ack.Add(r.cfg.visibilityTimeout)
	var buf bytes.Buffer
	// The deadline is not the polls' context: a poll in flight when it
	// passes is answered (the client's timeout bounds it), not aborted,
	// which the server would count as a failed request.
	tmpl := requestTemplate(context.Background())
	for {
		t := time.Now()
		resp, err := r.client.Do(newRequest(tmpl, http.MethodGet, pollURL, h))
		if err == nil {
			if resp.StatusCode/100 != 2 {
				err = statusError(resp)
			} else {
				buf.Reset()
				_, err = buf.ReadFrom(resp.Body)
				resp.Body.Close()
			}
		}
		seen := time.Now()
		r.background(OpVisibilityPoll, seen.Sub(t), err)
		if err == nil && seen.Before(deadline) && bytes.Contains(buf.Bytes(), needle) {
			return seen.Sub(ack), nil
		}
		if !seen.Add(visibilityInterval).Before(deadline) {
			return 0, errNotVisible
		}
		time.Sleep(visibilityInterval)
	}
}
