package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/starling-social/starling/loadtest"
)

// benchRatioFlags are the settings of `starling bench ratio`.
type benchRatioFlags struct {
	url         string
	path        string
	token       string
	manifest    string
	activeUsers int
	threads     int
	connections int
	duration    time.Duration
	warmup      time.Duration
	rounds      int
	out         string
}

// runBenchRatio is `starling bench ratio`: it measures one page of a
// running server with wrk beside a bare net/http handler serving the same
// bytes, prints the table and writes it as JSON to --out. A run with
// failed responses or socket errors is printed and saved, and then fails:
// its figures must not pass for a measurement.
func runBenchRatio(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	f := benchRatioFlags{
		url:         "http://127.0.0.1:8080",
		path:        "/api/v1/timelines/home?limit=20",
		threads:     2,
		connections: 32,
		duration:    15 * time.Second,
		warmup:      5 * time.Second,
		rounds:      3,
		out:         "bench-ratio.json",
	}
	fs := flag.NewFlagSet("starling bench ratio", flag.ContinueOnError)
	fs.StringVar(&f.url, "url", f.url, "base `URL` of the server under test")
	fs.StringVar(&f.path, "path", f.path, "`path` and query of the page measured")
	fs.StringVar(&f.token, "token", "", "bearer `token` of the requests (STARLING_TOKEN keeps it out of the process list; "+
		"default: the first active account's of --manifest, or none)")
	fs.StringVar(&f.manifest, "manifest", "", "`file` of a seed manifest (starling bench seed writes it), for its tokens")
	fs.IntVar(&f.activeUsers, "active-users", 0, "`number` of the manifest's accounts whose tokens the requests rotate over, "+
		"spread over the graph (default 0: one token for every request)")
	fs.IntVar(&f.threads, "threads", f.threads, "`number` of wrk threads (-t)")
	fs.IntVar(&f.connections, "connections", f.connections, "`number` of wrk connections (-c), at least --threads")
	fs.DurationVar(&f.duration, "duration", f.duration, "`time` of each wrk run (-d), whole seconds")
	fs.DurationVar(&f.warmup, "warmup", f.warmup, "`time` of a wrk run against the server before the rounds, not counted, whole seconds (0: none)")
	fs.IntVar(&f.rounds, "rounds", f.rounds, "`number` of rounds, each a wrk run against the server and one against the bare handler")
	fs.StringVar(&f.out, "out", f.out, "`file` to write the JSON results to")

	err := parseFlags(fs, args, lookupEnv)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stderr)
		fmt.Fprintln(stderr, "Usage of starling bench ratio (needs wrk on PATH):")
		fs.PrintDefaults()
		return err
	}
	if err != nil {
		return usageError{err}
	}
	if err := f.check(); err != nil {
		return usageError{err}
	}
	cfg := loadtest.RatioConfig{
		BaseURL:     f.url,
		Path:        f.path,
		Token:       f.token,
		ActiveUsers: f.activeUsers,
		Threads:     f.threads,
		Connections: f.connections,
		Duration:    f.duration,
		Warmup:      f.warmup,
		Rounds:      f.rounds,
		Progress:    stderr,
	}
	if err := cfg.Check(); err != nil {
		return usageError{err}
	}
	if f.manifest != "" {
		m, err := loadtest.LoadManifest(f.manifest)
		if err != nil {
			return err
		}
		cfg.Manifest, cfg.ManifestPath = m, f.manifest
	}
	rep, err := loadtest.MeasureRatio(ctx, cfg)
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
	return rep.Err()
}

// check refuses the flags that only the command knows of, before the
// page is fetched; RatioConfig.Check refuses the rest.
func (f *benchRatioFlags) check() error {
	if p, err := url.Parse(f.url); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return fmt.Errorf("--url %q: want an http or https URL", f.url)
	}
	switch {
	case f.activeUsers > 0 && f.manifest == "":
		return errors.New("--active-users needs --manifest, whose accounts' tokens the requests rotate over")
	case f.out == "":
		return errors.New("--out must name a file")
	}
	return nil
}
