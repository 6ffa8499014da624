package shardcache

import (
	"testing"
	"time"
)

func TestUnique(t *testing.T) {
	long := make([]int64, 100)
	for i := range long {
		long[i] = int64(i % 50)
	}
	for _, tc := range []struct {
		ids  []int64
		want int
	}{
		{nil, 0}, {[]int64{1}, 1}, {[]int64{1, 2, 3}, 3}, {[]int64{1, 2, 1}, 2}, {[]int64{4, 4, 4}, 1}, {long, 50},
	} {
		if got := unique(tc.ids); len(got) != tc.want {
			t.Errorf("unique(%v) = %v, want %d ids", tc.ids, got, tc.want)
		}
	}
}

// TestExpiry checks entries against the clock: served before their time,
// not from it, and for ever when the cache has no time to live.
func TestExpiry(t *testing.T) {
	for _, tc := range []struct {
		name     string
		ttl      time.Duration
		at       time.Duration // after the Put
		wantLive bool
	}{
		{"just put", time.Second, 0, true},
		{"just before", time.Second, time.Second - 1, true},
		{"at expiry", time.Second, time.Second, false},
		{"no expiry, much later", 0, 100 * 365 * 24 * time.Hour, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New[int64, string](10, tc.ttl, time.Now, HashID)
			v := "value"
			const put = int64(1_000_000_000)
			if !c.Put(1, &v, c.Version(1), put) {
				t.Fatal("Put refused with a current version")
			}
			got, ok := c.Get(1, put+int64(tc.at))
			if ok != tc.wantLive || ok && *got != v {
				t.Errorf("Get = %v, %v; want live %v", got, ok, tc.wantLive)
			}
		})
	}
}

// TestBound fills caches of several sizes far beyond their bound, and
// checks that they stay within it, and that a Forget between a fill's
// Version and its Put keeps the Put from storing.
func TestBound(t *testing.T) {
	for _, max := range []int{0, 1, 2, 31, 32, 1000} {
		c := New[int64, int64](max, 0, time.Now, HashID)
		for i := range int64(5000) {
			c.Put(i, &i, c.Version(i), 0)
		}
		if n := c.Stats().Entries; n > max && !(max == 0 && n == 1) || n == 0 {
			t.Errorf("max %d: %d entries", max, n)
		}
	}
	c := New[int64, int64](10, 0, time.Now, HashID)
	ver := c.Version(7)
	c.Forget(7)
	v := int64(7)
	if c.Put(7, &v, ver, 0) {
		t.Error("Put stored a value read before a Forget")
	}
}
