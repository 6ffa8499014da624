package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/starling-social/starling/loadtest"
)

// benchRunFlags are the settings of `starling bench run`.
type benchRunFlags struct {
	url                 string
	manifest            string
	duration            time.Duration
	warmup              time.Duration
	concurrency         int
	scenario            string
	visibilitySample    float64
	visibilityFollowers int
	activeUsers         int
	out                 string
	metricsURL          string
	seed                uint64
}

// runBenchRun is `starling bench run`: it drives a running server over
// HTTP as the accounts of a seed manifest, prints the report as a table
// and writes it as JSON to --out. It needs no server configuration: only
// the server's URL and the manifest that seeding wrote.
func runBenchRun(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	f := benchRunFlags{
		url:                 "http://127.0.0.1:8080",
		manifest:            "bench-seed.json",
		duration:            30 * time.Second,
		warmup:              5 * time.Second,
		concurrency:         64,
		scenario:            loadtest.ScenarioMix,
		visibilitySample:    0.05,
		visibilityFollowers: 3,
		out:                 "bench-results.json",
	}
	fs := flag.NewFlagSet("starling bench run", flag.ContinueOnError)
	fs.StringVar(&f.url, "url", f.url, "base `URL` of the server under test")
	fs.StringVar(&f.manifest, "manifest", f.manifest, "`file` of the seed manifest (starling bench seed writes it)")
	fs.DurationVar(&f.duration, "duration", f.duration, "measured `time`")
	fs.DurationVar(&f.warmup, "warmup", f.warmup, "`time` of load before measuring, not counted")
	fs.IntVar(&f.concurrency, "concurrency", f.concurrency, "`number` of closed-loop workers (the celebrity scenario uses one)")
	fs.StringVar(&f.scenario, "scenario", f.scenario, "`name`: "+strings.Join(loadtest.Scenarios, ", ")+
		"\n(mix: 60% home, 30% account timelines, 10% posts; ceiling needs the server's --ceiling-endpoint on)")
	fs.Float64Var(&f.visibilitySample, "visibility-sample", f.visibilitySample, "`fraction` of posts whose post-to-visible latency is measured")
	fs.IntVar(&f.visibilityFollowers, "visibility-followers", f.visibilityFollowers, "followers `count` checked per sampled post")
	fs.IntVar(&f.activeUsers, "active-users", 0, "`number` of accounts that act, spread over the graph (default: all)")
	fs.StringVar(&f.out, "out", f.out, "`file` to write the JSON results to")
	fs.StringVar(&f.metricsURL, "metrics-url", "", "the server's `URL` of /metrics, read at the end for memory and fan-out figures, e.g. http://127.0.0.1:9464/metrics")
	fs.Uint64Var(&f.seed, "seed", 0, "`seed` of the random choices (default: from the clock)")

	err := parseFlags(fs, args, lookupEnv)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stderr)
		fmt.Fprintln(stderr, "Usage of starling bench run:")
		fs.PrintDefaults()
		return err
	}
	if err != nil {
		return usageError{err}
	}
	if err := f.check(); err != nil {
		return usageError{err}
	}
	if f.seed == 0 {
		f.seed = uint64(time.Now().UnixNano())
	}
	flags := map[string]string{}
	fs.VisitAll(func(fl *flag.Flag) { flags[fl.Name] = fl.Value.String() })
	flags["seed"] = strconv.FormatUint(f.seed, 10)

	m, err := loadtest.LoadManifest(f.manifest)
	if err != nil {
		return err
	}
	rep, err := loadtest.Run(ctx, loadtest.RunConfig{
		BaseURL:             f.url,
		Manifest:            m,
		ManifestPath:        f.manifest,
		Duration:            f.duration,
		Warmup:              f.warmup,
		Concurrency:         f.concurrency,
		Scenario:            f.scenario,
		VisibilitySample:    f.visibilitySample,
		VisibilityFollowers: f.visibilityFollowers,
		ActiveUsers:         f.activeUsers,
		MetricsURL:          f.metricsURL,
		Seed:                f.seed,
		Flags:               flags,
	})
	if err != nil {
		return err
	}
	if err := rep.WriteText(stdout); err != nil {
		return err
	}
	if err := rep.Save(f.out); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	fmt.Fprintf(stdout, "\nresults written to %s\n", f.out)
	return nil
}

// check refuses settings the run could not make sense of, before any
// request is sent.
func (f *benchRunFlags) check() error {
	for _, u := range []struct{ name, v string }{{"--url", f.url}, {"--metrics-url", f.metricsURL}} {
		if u.v == "" && u.name == "--metrics-url" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fmt.Errorf("%s %q: want an http or https URL", u.name, u.v)
		}
	}
	switch {
	case f.duration <= 0:
		return errors.New("--duration must be positive")
	case f.warmup < 0:
		return errors.New("--warmup must not be negative")
	case f.concurrency < 1:
		return errors.New("--concurrency must be at least 1")
	case !slices.Contains(loadtest.Scenarios, f.scenario):
		return fmt.Errorf("--scenario %q: want one of %s", f.scenario, strings.Join(loadtest.Scenarios, ", "))
	case f.activeUsers < 0:
		return errors.New("--active-users must not be negative")
	case f.visibilitySample < 0 || f.visibilitySample > 1:
		return errors.New("--visibility-sample must be a fraction from 0 to 1")
	case f.visibilityFollowers < 0:
		return errors.New("--visibility-followers must not be negative")
	case f.out == "":
		return errors.New("--out must name a file")
	}
	return nil
}
