package text

import (
	"strings"
	"testing"
	"time"
)

// Posts are short, but the scanners also run on bios, imported text and
// fuzzed input: adversarial repetitions must cost linear time, not the
// quadratic time a naive backtracking matcher would take.
func TestLinearTime(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	patterns := map[string]func(n int) string{
		"accented label":   func(n int) string { return strings.Repeat("é", n) + ".x" },
		"CJK labels":       func(n int) string { return strings.Repeat("日本.", n) },
		"single letters":   func(n int) string { return strings.Repeat("a.", n) },
		"leading hyphens":  func(n int) string { return strings.Repeat("-a.", n) },
		"underscores":      func(n int) string { return strings.Repeat("_a", n) + ".com" },
		"trailing _":       func(n int) string { return strings.Repeat("a_.", n) },
		"open parens":      func(n int) string { return "http://a.com/" + strings.Repeat("a(b", n) },
		"query":            func(n int) string { return "http://a.com/?" + strings.Repeat("!", n) },
		"hashtags":         func(n int) string { return strings.Repeat("#a", n) },
		"mentions":         func(n int) string { return strings.Repeat("@a", n) },
		"cashtags":         func(n int) string { return strings.Repeat(" $a", n) },
		"ZWJ emoji":        func(n int) string { return strings.Repeat("👨\u200d", n) },
		"long IDN label":   func(n int) string { return "http://" + strings.Repeat("日", n) + ".com" },
		"mixed labels":     func(n int) string { return "http://" + strings.Repeat("日a.", n) + "日" },
		"protocol in runs": func(n int) string { return strings.Repeat("éhttp:", n) },
	}
	cost := func(s string) time.Duration {
		best := time.Duration(1 << 62)
		for range 3 {
			t0 := time.Now()
			Parse(s)
			Extract(s)
			Render(s, testLinks)
			best = min(best, time.Since(t0))
		}
		return best
	}
	for name, gen := range patterns {
		small, large := cost(gen(1000)), cost(gen(16000))
		// Sixteen times the input should cost about sixteen times as
		// much; a quadratic scanner would take 256 times. The margin
		// absorbs cache effects and noisy machines.
		if large > 80*small+10*time.Millisecond {
			t.Errorf("%s: %v for 1000 repetitions but %v for 16000", name, small, large)
		} else {
			t.Logf("%s: %v for 1000 repetitions, %v for 16000", name, small, large)
		}
	}
}
