package inmem

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (l *RateLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.windows)
}

func TestTake(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	type step struct {
		advance   time.Duration
		key       string
		allowed   bool
		remaining int
		reset     time.Duration // after start
	}
	tests := []struct {
		name  string
		limit int
		steps []step
	}{
		{"one allowed then refused", 1, []step{
			{0, "a", true, 0, time.Minute},
			{time.Second, "a", false, 0, time.Minute},
		}},
		{"counts down to zero", 3, []step{
			{0, "a", true, 2, time.Minute},
			{0, "a", true, 1, time.Minute},
			{0, "a", true, 0, time.Minute},
			{0, "a", false, 0, time.Minute},
		}},
		{"keys are independent", 1, []step{
			{0, "a", true, 0, time.Minute},
			{0, "b", true, 0, time.Minute},
			{0, "a", false, 0, time.Minute},
		}},
		{"window ends exactly at reset", 1, []step{
			{0, "a", true, 0, time.Minute},
			{time.Minute - time.Nanosecond, "a", false, 0, time.Minute},
			{time.Nanosecond, "a", true, 0, 2 * time.Minute},
		}},
		{"refusals do not extend the window", 2, []step{
			{0, "a", true, 1, time.Minute},
			{0, "a", true, 0, time.Minute},
			{30 * time.Second, "a", false, 0, time.Minute},
			{30 * time.Second, "a", true, 1, 2 * time.Minute},
		}},
		{"zero limit refuses everything", 0, []step{
			{0, "a", false, 0, time.Minute},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: start}
			l := newRateLimiter(c.now)
			for i, s := range tt.steps {
				c.advance(s.advance)
				got, err := l.Take(context.Background(), s.key, tt.limit, time.Minute)
				if err != nil {
					t.Fatal(err)
				}
				if got.Allowed != s.allowed || got.Remaining != s.remaining || got.Limit != tt.limit ||
					!got.Reset.Equal(start.Add(s.reset)) {
					t.Errorf("step %d: got %+v, want allowed=%v remaining=%d reset=+%v",
						i, got, s.allowed, s.remaining, s.reset)
				}
			}
		})
	}
}

func TestPruneBoundsMemory(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newRateLimiter(c.now)
	ctx := context.Background()
	for i := range 1000 {
		if _, err := l.Take(ctx, fmt.Sprint("ip-", i), 5, time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if n := l.size(); n != 1000 {
		t.Fatalf("size = %d, want 1000 live windows", n)
	}
	c.advance(pruneEvery)
	if _, err := l.Take(ctx, "fresh", 5, time.Second); err != nil {
		t.Fatal(err)
	}
	if n := l.size(); n != 1 {
		t.Fatalf("size after the windows ended = %d, want 1", n)
	}
}

func TestConcurrentTakesCountExactly(t *testing.T) {
	l := NewRateLimiter()
	const limit, workers, each = 50, 8, 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				rl, err := l.Take(context.Background(), "shared", limit, time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				if rl.Allowed {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if allowed != limit {
		t.Fatalf("allowed %d of %d requests, want exactly %d", allowed, workers*each, limit)
	}
}
