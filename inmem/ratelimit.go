// Package inmem holds the in-process implementations of the parts that a
// multi-node installation replaces with networked ones: the rate limiter
// and the timeline cache. They keep their state in this process's memory,
// so they are right for a single node and need no other server.
package inmem

import (
	"context"
	"sync"
	"time"

	"github.com/starling-social/starling"
)

// RateLimiter counts requests per key in fixed windows. It is safe for
// concurrent use. Memory stays bounded by the number of keys seen within
// one window: windows that have ended are pruned as requests come in.
type RateLimiter struct {
	now func() time.Time

	mu        sync.Mutex
	windows   map[string]*window
	nextPrune time.Time
}

type window struct {
	count int
	reset time.Time // when this window ends and the count starts again
}

// pruneEvery bounds how often Take sweeps out ended windows: a sweep walks
// every key, so doing it on each request would make Take O(keys).
const pruneEvery = time.Minute

var _ starling.RateLimiter = (*RateLimiter)(nil)

// NewRateLimiter returns an empty limiter on the wall clock.
func NewRateLimiter() *RateLimiter { return newRateLimiter(time.Now) }

func newRateLimiter(now func() time.Time) *RateLimiter {
	return &RateLimiter{now: now, windows: map[string]*window{}}
}

// Take counts one request against key. The window starts with the key's
// first request and lasts window; within it, limit requests are allowed.
// Requests past the limit are refused and do not extend the window.
func (l *RateLimiter) Take(_ context.Context, key string, limit int, win time.Duration) (starling.RateLimit, error) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if !now.Before(l.nextPrune) {
		l.prune(now)
		l.nextPrune = now.Add(pruneEvery)
	}
	w, ok := l.windows[key]
	if !ok || !now.Before(w.reset) {
		w = &window{reset: now.Add(win)}
		l.windows[key] = w
	}
	allowed := w.count < limit
	if allowed {
		w.count++
	}
	return starling.RateLimit{
		Allowed:   allowed,
		Limit:     limit,
		Remaining: max(limit-w.count, 0),
		Reset:     w.reset,
	}, nil
}

// prune drops the windows that have ended; l.mu is held.
func (l *RateLimiter) prune(now time.Time) {
	for k, w := range l.windows {
		if !now.Before(w.reset) {
			delete(l.windows, k)
		}
	}
}
