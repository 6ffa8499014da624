package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/starling-social/starling/loadtest"
)

// TestBenchRunSmoke is a short end-to-end run of the real code: a tiny
// seeded graph, the real server in-process, and `bench run` against it in
// the mix and ceiling scenarios. It checks that everything works, not how
// fast: there is no assertion on time.
func TestBenchRunSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("a run of several seconds")
	}
	ctx := context.Background()
	cfg := testConfig(t)
	cfg.RateLimits = false
	cfg.CeilingEndpoint = true
	cfg.MetricsListen = "127.0.0.1:0"
	a := openTestApp(t, cfg)

	store, ok := a.db.(loadtest.BulkStore)
	if !ok {
		t.Fatalf("%T cannot be seeded", a.db)
	}
	m, err := loadtest.Seed(ctx, store, loadtest.SeedOptions{
		Accounts: 40, Follows: 300, Celebrities: []int{12}, PostsPerAccount: 2, Seed: 7,
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	manifest := filepath.Join(dir, "bench-seed.json")
	if err := m.Save(manifest); err != nil {
		t.Fatal(err)
	}

	logs := &signalWriter{want: "msg=listening", seen: make(chan string, 1)}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- serve(sctx, cfg, newLogger(cfg, logs), a) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	addr := addrIn(t, <-logs.seen, "msg=listening")
	metricsAddr := addrIn(t, logs.String(), `msg="metrics listening"`)

	for _, tt := range []struct {
		scenario string
		ops      []string
	}{
		{loadtest.ScenarioMix, []string{loadtest.OpHome, loadtest.OpAccountStatuses, loadtest.OpPost}},
		{loadtest.ScenarioCeiling, []string{loadtest.OpCeiling}},
	} {
		t.Run(tt.scenario, func(t *testing.T) {
			out := filepath.Join(dir, tt.scenario+".json")
			var stdout, stderr bytes.Buffer
			err := runBenchRun(ctx, []string{
				"--url", "http://" + addr, "--manifest", manifest, "--out", out,
				"--duration", "2s", "--warmup", "0s", "--concurrency", "4", "--scenario", tt.scenario,
				// Every post sampled, so that even a short run has samples.
				"--visibility-sample", "1", "--visibility-followers", "2",
				"--metrics-url", "http://" + metricsAddr + "/metrics", "--seed", "3",
			}, &stdout, &stderr, envOf(nil))
			if err != nil {
				t.Fatalf("bench run: %v\nstderr: %s", err, stderr.String())
			}
			t.Logf("report:\n%s", stdout.String())

			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var rep loadtest.Report
			if err := json.Unmarshal(data, &rep); err != nil {
				t.Fatalf("results are not JSON: %v", err)
			}
			if rep.Total.Errors != 0 || rep.Total.Count == 0 {
				t.Errorf("total: %+v", rep.Total)
			}
			ran := map[string]int64{}
			for _, s := range rep.Operations {
				ran[s.Name] = s.Count
				if s.Errors != 0 {
					t.Errorf("%s: %d errors, e.g. %q", s.Name, s.Errors, s.ErrorExamples)
				}
			}
			for _, op := range tt.ops {
				if ran[op] == 0 {
					t.Errorf("%s never ran: %v", op, ran)
				}
			}
			if len(rep.Operations) != len(tt.ops) {
				t.Errorf("operations %v, want %v", ran, tt.ops)
			}
			for _, s := range rep.Background {
				if s.Errors != 0 {
					t.Errorf("background %s: %d errors, e.g. %q", s.Name, s.Errors, s.ErrorExamples)
				}
			}
			if _, ok := rep.Metrics["process_resident_memory_bytes"]; !ok || rep.MetricsError != "" {
				t.Errorf("metrics %v (%s)", rep.Metrics, rep.MetricsError)
			}
			if rep.Manifest.Accounts != m.Accounts || rep.Flags["scenario"] != tt.scenario {
				t.Errorf("report header: manifest %+v, flags %v", rep.Manifest, rep.Flags)
			}
			if tt.scenario == loadtest.ScenarioMix {
				if v := rep.Visibility; v.Seen == 0 || v.Timeouts != 0 {
					t.Errorf("post-to-visible: %+v", v)
				}
			}
			if !strings.Contains(stdout.String(), "results written to "+out) {
				t.Errorf("stdout does not say where the results are:\n%s", stdout.String())
			}
		})
	}
}

func TestBenchRunFlags(t *testing.T) {
	manifest := filepath.Join(t.TempDir(), "m.json")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--scenario", "chaos"}, "--scenario"},
		{[]string{"--duration", "0s"}, "--duration"},
		{[]string{"--concurrency", "0"}, "--concurrency"},
		{[]string{"--visibility-sample", "1.5"}, "--visibility-sample"},
		{[]string{"--url", "localhost:8080"}, "--url"},
		{[]string{"--metrics-url", "9464"}, "--metrics-url"},
		{[]string{"extra"}, "unexpected argument"},
	}
	for _, tt := range tests {
		err := runBenchRun(context.Background(), append(tt.args, "--manifest", manifest), &bytes.Buffer{}, &bytes.Buffer{}, envOf(nil))
		var ue usageError
		if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.As(err, &ue) {
			t.Errorf("%v: %v, want a usage error about %s", tt.args, err, tt.want)
		}
	}
	// Good flags, but no manifest: a failure to run, not a usage error.
	err := runBenchRun(context.Background(), []string{"--manifest", manifest}, &bytes.Buffer{}, &bytes.Buffer{}, envOf(nil))
	var ue usageError
	if err == nil || errors.As(err, &ue) || !strings.Contains(err.Error(), "m.json") {
		t.Errorf("missing manifest: %v", err)
	}
	// The environment sets flags too.
	err = runBenchRun(context.Background(), []string{"--manifest", manifest}, &bytes.Buffer{}, &bytes.Buffer{},
		envOf(map[string]string{"STARLING_SCENARIO": "chaos"}))
	if err == nil || !strings.Contains(err.Error(), "STARLING_SCENARIO") && !strings.Contains(err.Error(), "chaos") {
		t.Errorf("scenario from the environment: %v", err)
	}
}
