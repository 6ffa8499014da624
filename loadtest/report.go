package loadtest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the outcome of a run, written as JSON (Save) and as a table
// (WriteText). Latencies are in milliseconds.
type Report struct {
	StartedAt time.Time    `json:"started_at"`
	URL       string       `json:"url"`
	Scenario  string       `json:"scenario"`
	Machine   Machine      `json:"machine"`
	Manifest  ManifestInfo `json:"manifest"`
	// Flags are the command line's flags, by name.
	Flags map[string]string `json:"flags,omitempty"`
	// Workers is the number of closed-loop workers that ran (1 in the
	// celebrity scenario, whatever the concurrency).
	Workers         int     `json:"workers"`
	WarmupSeconds   float64 `json:"warmup_seconds"`
	MeasuredSeconds float64 `json:"measured_seconds"`
	// Interrupted is set when the run was stopped before its end.
	Interrupted bool `json:"interrupted,omitempty"`

	// Operations are the workload's, in the scenario's order; Total sums
	// them.
	Operations []OpStats `json:"operations"`
	Total      OpStats   `json:"total"`
	// Background are the requests of the visibility checks (home polls,
	// follower lookups), which are not part of the workload.
	Background []OpStats       `json:"background"`
	Visibility VisibilityStats `json:"post_to_visible"`

	// Metrics are the server's process_resident_memory_bytes and
	// starling_fanout_* samples at the end (of histograms, only _sum and
	// _count), by name with labels, when --metrics-url was given.
	Metrics      map[string]float64 `json:"metrics,omitempty"`
	MetricsError string             `json:"metrics_error,omitempty"`
}

// Machine describes where the load tool ran (the server, in the intended
// set-up, shares it).
type Machine struct {
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpu_model,omitempty"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	GoVersion string `json:"go_version"`
}

// ManifestInfo is what the report says about the seeded graph.
type ManifestInfo struct {
	Path            string      `json:"path,omitempty"`
	Graph           string      `json:"graph"`
	Accounts        int         `json:"accounts"`
	Follows         int64       `json:"follows"`
	PostsPerAccount int         `json:"posts_per_account"`
	Celebrities     []Celebrity `json:"celebrities,omitempty"`
	SeededAt        time.Time   `json:"seeded_at"`
}

// OpStats are the figures of one operation. Count includes failed
// requests; the latency percentiles are those of the successful ones.
type OpStats struct {
	Name string `json:"name"`
	// Followers is the poster's audience, for a celebrity's posts.
	Followers     int      `json:"followers,omitempty"`
	Count         int64    `json:"count"`
	PerSecond     float64  `json:"requests_per_second"`
	P50           float64  `json:"p50_ms"`
	P90           float64  `json:"p90_ms"`
	P99           float64  `json:"p99_ms"`
	Max           float64  `json:"max_ms"`
	Errors        int64    `json:"errors"`
	ErrorExamples []string `json:"error_examples,omitempty"`
	// Visibility is this operation's post-to-visible latency (posts of the
	// celebrity scenario, where it differs by audience).
	Visibility *VisibilityStats `json:"post_to_visible,omitempty"`
}

// VisibilityStats are the post-to-visible latencies: from a post's
// acknowledgement to the first home timeline answer of a follower that
// shows it.
type VisibilityStats struct {
	// Samples are the (post, follower) pairs checked; Seen of them showed
	// the post within 10 s, Timeouts did not.
	Samples  int64   `json:"samples"`
	Seen     int64   `json:"seen"`
	Timeouts int64   `json:"timeouts"`
	P50      float64 `json:"p50_ms"`
	P90      float64 `json:"p90_ms"`
	P99      float64 `json:"p99_ms"`
	Max      float64 `json:"max_ms"`
	// Skipped are followers not checked because every poll slot was
	// taken (reported on the total only).
	Skipped int64 `json:"skipped,omitempty"`
}

// recorder collects one operation's requests. Latencies are kept whole,
// in microseconds, and sorted at the end: a minute at 30,000 requests a
// second is 14 MB.
type recorder struct {
	lat      []int64
	count    int64
	errors   int64
	examples []string
}

func (r *recorder) add(d time.Duration, err error) {
	r.count++
	if err != nil {
		r.errors++
		if len(r.examples) < maxErrorExamples {
			r.examples = append(r.examples, err.Error())
		}
		return
	}
	r.lat = append(r.lat, d.Microseconds())
}

// visRecorder collects post-to-visible latencies.
type visRecorder struct {
	lat      []int64
	timeouts int64
}

func (v *visRecorder) add(d time.Duration, err error) {
	if err != nil {
		v.timeouts++
		return
	}
	v.lat = append(v.lat, d.Microseconds())
}

// newReport starts the report of cfg's run.
func newReport(cfg RunConfig) *Report {
	m := cfg.Manifest
	workers := cfg.Concurrency
	if cfg.Scenario == ScenarioCelebrity {
		workers = 1
	}
	return &Report{
		URL:           cfg.BaseURL,
		Scenario:      cfg.Scenario,
		Machine:       ThisMachine(),
		Flags:         cfg.Flags,
		Workers:       workers,
		WarmupSeconds: cfg.Warmup.Seconds(),
		Manifest: ManifestInfo{
			Path: cfg.ManifestPath, Graph: m.Graph, Accounts: m.Accounts, Follows: m.Follows,
			PostsPerAccount: m.PostsPerAccount, Celebrities: m.Celebrities, SeededAt: m.SeededAt,
		},
		Operations: []OpStats{},
		Background: []OpStats{},
	}
}

// ThisMachine describes the machine the process runs on.
func ThisMachine() Machine {
	return Machine{
		CPUs:      runtime.NumCPU(),
		CPUModel:  cpuModel("/proc/cpuinfo"),
		OS:        runtime.GOOS,
		Arch:      runtime.GOARCH,
		GoVersion: runtime.Version(),
	}
}

// cpuModel is the first "model name" of a /proc/cpuinfo, or "" when
// there is none (not Linux, or an architecture that names it otherwise).
func cpuModel(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// addOps merges the workers' recorders into the operations and the total.
func (rep *Report) addOps(ops []opKind, results [][]*recorder, measured time.Duration) {
	total := &recorder{}
	for i, op := range ops {
		merged := &recorder{}
		for _, w := range results {
			if w != nil {
				merged.merge(w[i])
			}
		}
		total.merge(merged)
		s := merged.stats(op.name, measured)
		s.Followers = op.followers
		rep.Operations = append(rep.Operations, s)
	}
	rep.Total = total.stats("total", measured)
}

// addBackground adds the visibility checks' requests.
func (rep *Report) addBackground(bg map[string]*recorder, measured time.Duration) {
	for _, name := range []string{OpVisibilityPoll, OpFollowersLookup} {
		if r := bg[name]; r != nil {
			rep.Background = append(rep.Background, r.stats(name, measured))
		}
	}
}

// addVisibility adds the post-to-visible figures: in total, and per
// operation when there are several posting ones (the celebrities).
func (rep *Report) addVisibility(ops []opKind, vis map[string]*visRecorder, skipped int64) {
	all := &visRecorder{}
	for _, v := range vis {
		all.lat = append(all.lat, v.lat...)
		all.timeouts += v.timeouts
	}
	rep.Visibility = all.stats()
	rep.Visibility.Skipped = skipped
	if len(ops) > 1 && strings.HasPrefix(ops[0].name, celebrityOpPrefix) {
		for i := range rep.Operations {
			if v := vis[rep.Operations[i].Name]; v != nil {
				s := v.stats()
				rep.Operations[i].Visibility = &s
			}
		}
	}
}

func (r *recorder) merge(o *recorder) {
	r.lat = append(r.lat, o.lat...)
	r.count += o.count
	r.errors += o.errors
	for _, e := range o.examples {
		if len(r.examples) < maxErrorExamples {
			r.examples = append(r.examples, e)
		}
	}
}

func (r *recorder) stats(name string, measured time.Duration) OpStats {
	slices.Sort(r.lat)
	s := OpStats{
		Name:          name,
		Count:         r.count,
		P50:           percentile(r.lat, 0.50),
		P90:           percentile(r.lat, 0.90),
		P99:           percentile(r.lat, 0.99),
		Max:           percentile(r.lat, 1),
		Errors:        r.errors,
		ErrorExamples: r.examples,
	}
	if measured > 0 {
		s.PerSecond = float64(r.count) / measured.Seconds()
	}
	return s
}

func (v *visRecorder) stats() VisibilityStats {
	slices.Sort(v.lat)
	return VisibilityStats{
		Samples:  int64(len(v.lat)) + v.timeouts,
		Seen:     int64(len(v.lat)),
		Timeouts: v.timeouts,
		P50:      percentile(v.lat, 0.50),
		P90:      percentile(v.lat, 0.90),
		P99:      percentile(v.lat, 0.99),
		Max:      percentile(v.lat, 1),
	}
}

// percentile is the nearest-rank percentile p (0..1] of sorted
// microseconds, in milliseconds; 0 for no values.
func percentile(sorted []int64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	i = max(0, min(i, len(sorted)-1))
	return float64(sorted[i]) / 1000
}

// Save writes the report as indented JSON to path.
func (rep *Report) Save(path string) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// WriteText prints the report as a table for people.
func (rep *Report) WriteText(w io.Writer) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "starling bench run: scenario %s against %s, %d workers, %.1fs measured after %.1fs warm-up",
		rep.Scenario, rep.URL, rep.Workers, rep.MeasuredSeconds, rep.WarmupSeconds)
	if rep.Interrupted {
		b.WriteString(" (interrupted)")
	}
	fmt.Fprintf(b, "\nstarted %s\n", rep.StartedAt.Format(time.RFC3339))
	mc := rep.Machine
	fmt.Fprintf(b, "machine: %d CPUs", mc.CPUs)
	if mc.CPUModel != "" {
		fmt.Fprintf(b, " (%s)", mc.CPUModel)
	}
	fmt.Fprintf(b, ", %s/%s, %s\n", mc.OS, mc.Arch, mc.GoVersion)
	mf := rep.Manifest
	fmt.Fprintf(b, "graph: %s: %d accounts, %d follows, %d posts each", mf.Graph, mf.Accounts, mf.Follows, mf.PostsPerAccount)
	for _, c := range mf.Celebrities {
		fmt.Fprintf(b, "; celebrity %d with %d followers", c.Index, c.Followers)
	}
	b.WriteString("\n\n")

	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\tcount\treq/s\tp50 ms\tp90 ms\tp99 ms\tmax ms\terrors\t")
	row := func(s OpStats) {
		name := s.Name
		if s.Followers > 0 {
			name += " (" + strconv.Itoa(s.Followers) + " followers)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t\n",
			name, s.Count, s.PerSecond, s.P50, s.P90, s.P99, s.Max, s.Errors)
	}
	for _, s := range rep.Operations {
		row(s)
	}
	if len(rep.Operations) > 1 {
		row(rep.Total)
	}
	if len(rep.Background) > 0 {
		fmt.Fprintln(tw, "background (not counted)\t\t\t\t\t\t\t\t")
		for _, s := range rep.Background {
			row(s)
		}
	}
	tw.Flush()

	v := rep.Visibility
	fmt.Fprintf(b, "\npost-to-visible: %d samples, %d seen", v.Samples, v.Seen)
	if v.Seen > 0 {
		fmt.Fprintf(b, ", p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms", v.P50, v.P90, v.P99, v.Max)
	}
	fmt.Fprintf(b, ", %d not visible within %s, %d skipped (poll slots busy)\n", v.Timeouts, visibilityTimeout, v.Skipped)
	for _, s := range rep.Operations {
		if pv := s.Visibility; pv != nil && pv.Samples > 0 {
			fmt.Fprintf(b, "  %s (%d followers): %d samples, p50 %.1f ms, p99 %.1f ms, %d not visible\n",
				s.Name, s.Followers, pv.Samples, pv.P50, pv.P99, pv.Timeouts)
		}
	}

	if len(rep.Metrics) > 0 {
		b.WriteString("\nserver metrics at the end:\n")
		names := make([]string, 0, len(rep.Metrics))
		for k := range rep.Metrics {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			if k == "process_resident_memory_bytes" {
				fmt.Fprintf(b, "  %s %.1f MiB\n", k, rep.Metrics[k]/(1<<20))
				continue
			}
			fmt.Fprintf(b, "  %s %g\n", k, rep.Metrics[k])
		}
	}
	if rep.MetricsError != "" {
		fmt.Fprintf(b, "\nserver metrics not read: %s\n", rep.MetricsError)
	}

	var examples []string
	for _, s := range append(append([]OpStats{}, rep.Operations...), rep.Background...) {
		for _, e := range s.ErrorExamples {
			examples = append(examples, "  "+s.Name+": "+e)
		}
	}
	if len(examples) > 0 {
		b.WriteString("\nerrors, for example:\n" + strings.Join(examples, "\n") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// metricPrefixes select the server metrics a report keeps.
var metricPrefixes = []string{"process_resident_memory_bytes", "starling_fanout_"}

// readMetrics fetches a Prometheus text exposition and keeps the samples
// of metricPrefixes, keyed by name and labels as exposed.
func readMetrics(ctx context.Context, client *http.Client, url string) (map[string]float64, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err.Error()
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err.Error()
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "HTTP " + strconv.Itoa(resp.StatusCode)
	}
	out, err := parseMetrics(resp.Body, metricPrefixes)
	if err != nil {
		return out, err.Error()
	}
	return out, ""
}

// parseMetrics reads the samples whose names start with one of prefixes
// from Prometheus's text format: "name{labels} value [timestamp]".
func parseMetrics(r io.Reader, prefixes []string) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(line, p) }) {
			continue
		}
		// Of a histogram or summary, _sum and _count say enough; the
		// buckets and quantiles would bury the gauges.
		if name, _, _ := strings.Cut(line, "{"); strings.HasSuffix(strings.Fields(name)[0], "_bucket") ||
			strings.Contains(line, `quantile="`) {
			continue
		}
		// Label values may hold spaces; the value follows the closing brace.
		key, rest := line, ""
		if i := strings.LastIndexByte(line, '}'); i >= 0 {
			key, rest = line[:i+1], line[i+1:]
		} else if i := strings.IndexByte(line, ' '); i >= 0 {
			key, rest = line[:i], line[i:]
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			continue
		}
		out[key] = v
	}
	return out, sc.Err()
}
