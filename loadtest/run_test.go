package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeServer speaks just enough of the API for the driver: it checks
// every token against the manifest, keeps posts, and shows each post in
// every home timeline once delay has passed (or never, with hide).
type fakeServer struct {
	t      *testing.T
	m      *Manifest
	tokens map[string]int // token → account index
	delay  time.Duration
	hide   bool
	// failEvery makes every n-th account timeline read a 500.
	failEvery int64

	mu      sync.Mutex
	posts   []fakePost
	hits    map[string]int // route → requests
	nextID  int64
	badAuth []string
	badBody []string
	reads   atomic.Int64
}

type fakePost struct {
	id     int64
	author int
	at     time.Time
}

func newFakeServer(t *testing.T, m *Manifest) *fakeServer {
	f := &fakeServer{t: t, m: m, tokens: map[string]int{}, hits: map[string]int{}, nextID: 1 << 40}
	for i := range m.Accounts {
		f.tokens[m.Token(i)] = i
	}
	return f
}

var (
	mentionRE = regexp.MustCompile(`@bench(\d+) `)
	linkRE    = regexp.MustCompile(`https://example\.com/(\d+)$`)
)

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	auth := r.Header.Get("Authorization")
	who, ok := f.tokens[strings.TrimPrefix(auth, "Bearer ")]
	if !ok || !strings.HasPrefix(auth, "Bearer ") {
		f.badAuth = append(f.badAuth, r.URL.String()+" "+auth)
		http.Error(w, `{"error":"The access token is invalid"}`, 401)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	path := r.URL.Path
	switch {
	case r.Method == "GET" && path == "/api/v1/timelines/home":
		f.hits["home "+r.URL.Query().Get("limit")]++
		if r.URL.Query().Get("min_id") != "" {
			f.hits["home from min_id"]++
		}
		// The newest 40 posts past the delay; from min_id, as the
		// visibility polls ask, the oldest ones above it (up to limit),
		// which a fast run posting many may have pushed below the newest.
		now := time.Now()
		var page []fakePost
		minID, _ := strconv.ParseInt(r.URL.Query().Get("min_id"), 10, 64)
		limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
		if err != nil || limit <= 0 || limit > 40 {
			limit = 40
		}
		for i := range f.posts {
			if minID == 0 {
				i = len(f.posts) - 1 - i // newest first
			}
			p := f.posts[i]
			if len(page) == limit || minID != 0 && p.id <= minID || f.hide || now.Sub(p.at) < f.delay {
				continue
			}
			page = append(page, p)
		}
		if minID != 0 {
			slices.Reverse(page)
		}
		var b bytes.Buffer
		b.WriteString("[")
		for i, p := range page {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"id":"%d","content":"x","account":{"id":"%d"}}`, p.id, f.m.AccountID(p.author))
		}
		b.WriteString("]")
		w.Write(b.Bytes())
	case r.Method == "GET" && path == "/api/v1/starling/ceiling":
		f.hits["ceiling"]++
		w.Write([]byte(`[{"id":"1"}]`))
	case r.Method == "GET" && strings.HasSuffix(path, "/statuses"):
		f.hits["account_statuses"]++
		id, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(path, "/api/v1/accounts/"), "/statuses"), 10, 64)
		if err != nil || id < f.m.FirstID || id >= f.m.FirstID+int64(f.m.Accounts) || r.URL.Query().Get("limit") != "20" {
			f.badBody = append(f.badBody, r.URL.String())
		}
		if f.failEvery > 0 && int64(f.hits["account_statuses"])%f.failEvery == 0 {
			http.Error(w, `{"error":"disk on fire"}`, 500)
			return
		}
		w.Write([]byte(`[]`))
	case r.Method == "GET" && strings.HasSuffix(path, "/followers"):
		f.hits["followers"]++
		// Two seeded followers and one the tool has no token for.
		fmt.Fprintf(w, `[{"id":"%d"},{"id":"%d"},{"id":"7"}]`, f.m.AccountID(1), f.m.AccountID(2))
	case r.Method == "POST" && path == "/api/v1/statuses":
		f.hits["post"]++
		if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			f.badBody = append(f.badBody, "content type "+r.Header.Get("Content-Type"))
		}
		text := r.PostFormValue("status")
		m := mentionRE.FindStringSubmatch(text)
		if m == nil || !linkRE.MatchString(text) || len(text) < 100 || r.PostFormValue("visibility") != "public" {
			f.badBody = append(f.badBody, text)
		} else if n, _ := strconv.Atoi(m[1]); n >= f.m.Accounts {
			f.badBody = append(f.badBody, "mention of an account not seeded: "+text)
		}
		f.nextID++
		f.posts = append(f.posts, fakePost{id: f.nextID, author: who, at: time.Now()})
		fmt.Fprintf(w, `{"id":"%d","uri":"x","account":{"id":"%d"},"content":%q}`, f.nextID, f.m.AccountID(who), text)
	default:
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL)
		http.Error(w, "{}", 404)
	}
}

func testManifest() *Manifest {
	return &Manifest{Graph: "test graph", Accounts: 50, Follows: 100, FirstID: 1000, UsernamePrefix: "bench",
		TokenSecret: "secret", PostsPerAccount: 1}
}

func startFake(t *testing.T, f *fakeServer) *httptest.Server {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv
}

func opByName(t *testing.T, rep *Report, name string) OpStats {
	t.Helper()
	for _, s := range rep.Operations {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no operation %s in %+v", name, rep.Operations)
	return OpStats{}
}

func TestRunMix(t *testing.T) {
	m := testManifest()
	f := newFakeServer(t, m)
	f.delay = 15 * time.Millisecond
	srv := startFake(t, f)
	rep, err := Run(context.Background(), RunConfig{
		BaseURL: srv.URL + "/", Manifest: m, Duration: 400 * time.Millisecond, Warmup: 50 * time.Millisecond,
		Concurrency: 4, Scenario: ScenarioMix, VisibilitySample: 1, VisibilityFollowers: 2, Seed: 1,
		Flags: map[string]string{"scenario": "mix"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.badAuth) > 0 || len(f.badBody) > 0 {
		t.Fatalf("bad requests: auth %q, bodies %q", f.badAuth, f.badBody)
	}
	var sum int64
	for _, name := range []string{OpHome, OpAccountStatuses, OpPost} {
		s := opByName(t, rep, name)
		if s.Count == 0 || s.Errors != 0 || s.PerSecond <= 0 || s.P50 <= 0 || s.P50 > s.P99 || s.P99 > s.Max {
			t.Errorf("%s: %+v", name, s)
		}
		sum += s.Count
	}
	if rep.Total.Count != sum || rep.Total.Errors != 0 {
		t.Errorf("total %+v, want count %d", rep.Total, sum)
	}
	// The mix is about 60/30/10 (checked only on enough requests for the
	// share to be stable on a slow machine).
	if home := opByName(t, rep, OpHome).Count; sum >= 300 && (float64(home)/float64(sum) < 0.45 || float64(home)/float64(sum) > 0.75) {
		t.Errorf("home is %d of %d requests, want about 60%%", home, sum)
	}
	if f.hits["home 20"] == 0 {
		t.Error("workers did not read home timelines with limit=20")
	}
	v := rep.Visibility
	if v.Seen == 0 || v.Timeouts != 0 || v.P50 < 15 || v.Samples != v.Seen {
		t.Errorf("post-to-visible %+v, want samples of at least the fake's 15 ms delay", v)
	}
	var polls, lookups OpStats
	for _, s := range rep.Background {
		switch s.Name {
		case OpVisibilityPoll:
			polls = s
		case OpFollowersLookup:
			lookups = s
		}
	}
	if polls.Count == 0 || lookups.Count == 0 || f.hits["home 1"] == 0 || f.hits["home 1"] != f.hits["home from min_id"] {
		t.Errorf("background %+v; the polls read limit=1 %d times, from a min_id %d times",
			rep.Background, f.hits["home 1"], f.hits["home from min_id"])
	}
	// Follower lookups are cached per account: at most one per poster,
	// and one more per worker that raced another to the same poster.
	if lookups.Count > int64(m.Accounts+4) {
		t.Errorf("%d follower lookups for %d accounts", lookups.Count, m.Accounts)
	}
	if rep.MeasuredSeconds < 0.39 || rep.MeasuredSeconds > 0.41 || rep.Workers != 4 || rep.Manifest.Accounts != 50 ||
		rep.Machine.CPUs == 0 || rep.Flags["scenario"] != "mix" {
		t.Errorf("report header: %+v", rep)
	}

	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"scenario mix", "account_statuses", "visibility_poll", "post-to-visible:", "test graph: 50 accounts"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}
	path := filepath.Join(t.TempDir(), "out.json")
	if err := rep.Save(path); err != nil {
		t.Fatal(err)
	}
}

func TestRunCountsErrors(t *testing.T) {
	m := testManifest()
	f := newFakeServer(t, m)
	f.failEvery = 3
	srv := startFake(t, f)
	rep, err := Run(context.Background(), RunConfig{
		BaseURL: srv.URL, Manifest: m, Duration: 200 * time.Millisecond,
		Concurrency: 2, Scenario: ScenarioMix, Seed: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	s := opByName(t, rep, OpAccountStatuses)
	if s.Errors == 0 || s.Errors > s.Count || len(s.ErrorExamples) == 0 || len(s.ErrorExamples) > maxErrorExamples ||
		!strings.Contains(s.ErrorExamples[0], "HTTP 500") || !strings.Contains(s.ErrorExamples[0], "disk on fire") {
		t.Fatalf("account statuses: %+v", s)
	}
	if rep.Total.Errors != s.Errors || opByName(t, rep, OpHome).Errors != 0 {
		t.Errorf("errors counted elsewhere: %+v", rep.Operations)
	}
	var text bytes.Buffer
	rep.WriteText(&text)
	if !strings.Contains(text.String(), "account_statuses: HTTP 500") {
		t.Errorf("no error example in the text:\n%s", text.String())
	}
}

func TestRunTransportErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	_, err := Run(context.Background(), RunConfig{
		BaseURL: url, Manifest: testManifest(), Duration: 50 * time.Millisecond, Concurrency: 1, Scenario: ScenarioCeiling,
	})
	if err == nil || !strings.Contains(err.Error(), "does not answer") {
		t.Fatalf("run against nothing: %v", err)
	}
}

func TestRunPreflight(t *testing.T) {
	m := testManifest()
	srv := startFake(t, newFakeServer(t, m))
	other := *m
	other.TokenSecret = "another seed"
	if _, err := Run(context.Background(), RunConfig{BaseURL: srv.URL, Manifest: &other, Duration: time.Second,
		Concurrency: 1, Scenario: ScenarioHome}); err == nil || !strings.Contains(err.Error(), "seeded with this manifest") {
		t.Errorf("tokens of another seed: %v", err)
	}
	noCeiling := httptest.NewServer(http.NotFoundHandler())
	defer noCeiling.Close()
	if _, err := Run(context.Background(), RunConfig{BaseURL: noCeiling.URL, Manifest: m, Duration: time.Second,
		Concurrency: 1, Scenario: ScenarioCeiling}); err == nil || !strings.Contains(err.Error(), "--ceiling-endpoint on") {
		t.Errorf("no ceiling page: %v", err)
	}
}

func TestRunCelebrities(t *testing.T) {
	m := testManifest()
	m.Celebrities = []Celebrity{{Index: 0, Followers: 10}, {Index: 1, Followers: 30}}
	f := newFakeServer(t, m)
	srv := startFake(t, f)
	rep, err := Run(context.Background(), RunConfig{
		BaseURL: srv.URL, Manifest: m, Duration: 300 * time.Millisecond,
		Concurrency: 8, Scenario: ScenarioCelebrity, VisibilitySample: 0, VisibilityFollowers: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.badAuth) > 0 || len(f.badBody) > 0 {
		t.Fatalf("bad requests: auth %q, bodies %q", f.badAuth, f.badBody)
	}
	if rep.Workers != 1 || len(rep.Operations) != 2 {
		t.Fatalf("workers %d, operations %+v", rep.Workers, rep.Operations)
	}
	for k, s := range rep.Operations {
		if s.Name != "post_celebrity_"+strconv.Itoa(k) || s.Followers != m.Celebrities[k].Followers || s.Count == 0 || s.Errors != 0 {
			t.Errorf("operation %d: %+v", k, s)
		}
		// Every post is sampled, on 3 followers each.
		if s.Visibility == nil || s.Visibility.Seen == 0 {
			t.Errorf("operation %d has no post-to-visible figures: %+v", k, s.Visibility)
		}
	}
	if f.hits["followers"] != 0 {
		t.Errorf("%d follower lookups; celebrities' followers are in the manifest", f.hits["followers"])
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.posts {
		if p.author != 0 && p.author != 1 {
			t.Fatalf("account %d posted; only celebrities should", p.author)
		}
	}
}

// TestRunCelebrityReaders checks that the home reads go to each
// celebrity's followers, and are reported per celebrity.
func TestRunCelebrityReaders(t *testing.T) {
	m := testManifest()
	m.Celebrities = []Celebrity{{Index: 0, Followers: 10}, {Index: 1, Followers: 30}}
	f := newFakeServer(t, m)
	srv := startFake(t, f)
	rep, err := Run(context.Background(), RunConfig{
		BaseURL: srv.URL, Manifest: m, Duration: 300 * time.Millisecond, Concurrency: 4, Scenario: ScenarioCelebrityReaders,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.badAuth) > 0 {
		t.Fatalf("bad requests: auth %q", f.badAuth)
	}
	if len(rep.Operations) != 2 || f.hits["home 20"] == 0 || f.hits["post"] != 0 {
		t.Fatalf("operations %+v, hits %v", rep.Operations, f.hits)
	}
	for k, s := range rep.Operations {
		if s.Name != "home_follower_of_"+strconv.Itoa(k) || s.Followers != m.Celebrities[k].Followers || s.Count == 0 || s.Errors != 0 {
			t.Errorf("operation %d: %+v", k, s)
		}
	}
}

func TestRunNotVisible(t *testing.T) {
	m := testManifest()
	f := newFakeServer(t, m)
	f.hide = true
	srv := startFake(t, f)
	rep, err := Run(context.Background(), RunConfig{
		BaseURL: srv.URL, Manifest: m, Duration: 100 * time.Millisecond, Concurrency: 1, Scenario: ScenarioPost,
		VisibilitySample: 1, VisibilityFollowers: 1, visibilityTimeout: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	v := rep.Visibility
	if v.Timeouts == 0 || v.Seen != 0 || v.Samples != v.Timeouts {
		t.Fatalf("%+v", v)
	}
}

func TestRunPollSlotsBound(t *testing.T) {
	m := testManifest()
	f := newFakeServer(t, m)
	f.hide = true
	srv := startFake(t, f)
	rep, err := Run(context.Background(), RunConfig{
		BaseURL: srv.URL, Manifest: m, Duration: 200 * time.Millisecond, Concurrency: 4, Scenario: ScenarioPost,
		VisibilitySample: 1, VisibilityFollowers: 2, MaxPolls: 2, visibilityTimeout: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	// Two slots held for 300 ms each: the rest of the samples are skipped.
	if v := rep.Visibility; v.Skipped == 0 || v.Samples > 4 {
		t.Fatalf("%+v", v)
	}
}

func TestRunInterrupted(t *testing.T) {
	m := testManifest()
	srv := startFake(t, newFakeServer(t, m))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	rep, err := Run(ctx, RunConfig{BaseURL: srv.URL, Manifest: m, Duration: time.Minute, Concurrency: 2, Scenario: ScenarioHome})
	if err != nil {
		t.Fatal(err)
	}
	// Run returned (it did not wait out its minute), and says why.
	if !rep.Interrupted || rep.MeasuredSeconds >= 60 || rep.Total.Errors != 0 {
		t.Fatalf("interrupted run: %+v", rep)
	}
}

func TestRunRefusesBadConfig(t *testing.T) {
	m := testManifest()
	ok := RunConfig{BaseURL: "http://127.0.0.1:1", Manifest: m, Duration: time.Second, Concurrency: 1, Scenario: ScenarioMix}
	tests := []struct {
		name   string
		change func(*RunConfig)
		want   string
	}{
		{"scenario", func(c *RunConfig) { c.Scenario = "chaos" }, "unknown scenario"},
		{"celebrities", func(c *RunConfig) { c.Scenario = ScenarioCelebrity }, "celebrities"},
		{"duration", func(c *RunConfig) { c.Duration = 0 }, "duration"},
		{"concurrency", func(c *RunConfig) { c.Concurrency = 0 }, "concurrency"},
		{"sample", func(c *RunConfig) { c.VisibilitySample = 2 }, "fraction"},
		{"url", func(c *RunConfig) { c.BaseURL = "127.0.0.1:8080" }, "url"},
		{"manifest", func(c *RunConfig) { c.Manifest = nil }, "manifest"},
	}
	for _, tt := range tests {
		cfg := ok
		tt.change(&cfg)
		if _, err := Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error about %q", tt.name, err, tt.want)
		}
	}
}

func TestMetricsInReport(t *testing.T) {
	m := testManifest()
	srv := startFake(t, newFakeServer(t, m))
	metrics := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 1.048576e+08
# TYPE starling_fanout_queue_depth gauge
starling_fanout_queue_depth 3
starling_fanout_lag_seconds{shard="a b"} 0.25
starling_fanout_delivery_seconds_bucket{le="0.1"} 4
starling_fanout_delivery_seconds_bucket{le="+Inf"} 5
starling_fanout_delivery_seconds_sum 0.5
starling_fanout_delivery_seconds_count 5
go_goroutines 12
`)
	}))
	defer metrics.Close()
	rep, err := Run(context.Background(), RunConfig{BaseURL: srv.URL, Manifest: m, Duration: 20 * time.Millisecond,
		Concurrency: 1, Scenario: ScenarioHome, MetricsURL: metrics.URL + "/metrics"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"process_resident_memory_bytes": 104857600, "starling_fanout_queue_depth": 3,
		`starling_fanout_lag_seconds{shard="a b"}`: 0.25,
		"starling_fanout_delivery_seconds_sum":     0.5, "starling_fanout_delivery_seconds_count": 5}
	if fmt.Sprint(rep.Metrics) != fmt.Sprint(want) || rep.MetricsError != "" {
		t.Fatalf("metrics %v (%s), want %v", rep.Metrics, rep.MetricsError, want)
	}
	var text bytes.Buffer
	rep.WriteText(&text)
	if !strings.Contains(text.String(), "process_resident_memory_bytes 100.0 MiB") {
		t.Errorf("text:\n%s", text.String())
	}

	rep, err = Run(context.Background(), RunConfig{BaseURL: srv.URL, Manifest: m, Duration: 20 * time.Millisecond,
		Concurrency: 1, Scenario: ScenarioHome, MetricsURL: srv.URL + "/nothing"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.MetricsError == "" {
		t.Error("an unreadable metrics endpoint left no trace in the report")
	}
}

func TestPercentile(t *testing.T) {
	var lat []int64
	for i := 1; i <= 100; i++ {
		lat = append(lat, int64(i*1000))
	}
	for _, tt := range []struct {
		p    float64
		want float64
	}{{0.5, 50}, {0.9, 90}, {0.99, 99}, {1, 100}, {0.001, 1}} {
		if got := percentile(lat, tt.p); got != tt.want {
			t.Errorf("p%v = %v, want %v", tt.p, got, tt.want)
		}
	}
	if percentile(nil, 0.5) != 0 || percentile([]int64{1500}, 0.99) != 1.5 {
		t.Error("percentile of nothing or one value")
	}
}

func TestReportJSON(t *testing.T) {
	rep := newReport(RunConfig{BaseURL: "http://x", Manifest: testManifest(), Concurrency: 3, Scenario: ScenarioHome})
	r := &recorder{}
	for i := range 10 {
		r.add(time.Duration(i+1)*time.Millisecond, nil)
	}
	r.add(0, fmt.Errorf("HTTP 503: busy"))
	rep.addOps([]opKind{{name: OpHome}}, [][]*recorder{{r}, nil}, 2*time.Second)
	path := filepath.Join(t.TempDir(), "r.json")
	if err := rep.Save(path); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	data, _ := readFile(path)
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	op := back["operations"].([]any)[0].(map[string]any)
	if op["count"] != 11.0 || op["errors"] != 1.0 || op["requests_per_second"] != 5.5 || op["p50_ms"] != 5.0 ||
		op["max_ms"] != 10.0 || back["scenario"] != "home" {
		t.Fatalf("JSON: %s", data)
	}
}

func TestFirstIDAndFormEscape(t *testing.T) {
	if id, ok := firstID([]byte(`{"id":"123","account":{"id":"9"}}`)); !ok || id != "123" {
		t.Errorf("firstID = %q, %v", id, ok)
	}
	if _, ok := firstID([]byte(`{"error":"x"}`)); ok {
		t.Error("firstID found an id in an error")
	}
	if got := string(appendFormEscape(nil, []byte("a b/@é_~"))); got != "a+b%2F%40%C3%A9_~" {
		t.Errorf("form escape = %q", got)
	}
}

func TestCPUModel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpuinfo")
	writeFile(t, path, "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Test CPU @ 3.00GHz\n")
	if got := cpuModel(path); got != "Test CPU @ 3.00GHz" {
		t.Errorf("cpuModel = %q", got)
	}
	if cpuModel(filepath.Join(t.TempDir(), "missing")) != "" {
		t.Error("a missing cpuinfo gave a model")
	}
}

func readFile(path string) ([]byte, error) { return os.ReadFile(path) }

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestActiveAccountIsAPermutation checks that the active users are
// distinct accounts within the graph, whatever its size.
func TestActiveAccountIsAPermutation(t *testing.T) {
	for _, accounts := range []int{1, 2, 7, 1000, 1_000_003, 2_000_006} {
		seen := map[int]bool{}
		for k := range min(accounts, 5000) {
			i := activeAccount(k, accounts)
			if i < 0 || i >= accounts || seen[i] {
				t.Fatalf("activeAccount(%d, %d) = %d: out of range or repeated", k, accounts, i)
			}
			seen[i] = true
		}
	}
}
