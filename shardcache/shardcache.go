// Package shardcache is a bounded in-memory map for caches read on every
// request from several cores: a fixed set of shards, each a map under its
// own lock, with entries that expire, random eviction when full, and a
// Version per shard that lets a fill refuse to store what a concurrent
// invalidation made stale. Package storecache keeps store reads in it;
// package mastodon keeps rendered JSON in it.
package shardcache

import (
	"context"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// maxShards is the number of shards of a cache. Each shard has its own
// lock, so that lookups on two cores rarely meet on one; 32 is several
// times the cores Starling is sized for.
const maxShards = 32

// Cache is one kind of entry (accounts, statuses, …) by key: a fixed set
// of shards, each a map under a RWMutex. Lookups take only the read lock;
// a lookup never writes to the entry it finds, so hits on one shard from
// several cores do not serialise. It is safe for concurrent use.
type Cache[K comparable, V any] struct {
	shards []shard[K, V]
	// shift turns a 64-bit hash into a shard index: the top bits are
	// used, which a multiplicative hash mixes best.
	shift    uint
	hash     func(K) uint64
	perShard int // entries a shard may hold, so that all hold at most MaxEntries
	ttl      int64
	now      func() time.Time
	// OnEvict, when set before the cache is used, is called (under the
	// shard's lock) for each entry that eviction drops, so that an index
	// kept beside the cache can follow it.
	OnEvict func(K, *V)
	// batchHits and batchMisses count LoadMany's lookups, a batch at a
	// time, apart from the shards' counts of single lookups.
	batchHits, batchMisses atomic.Uint64
	// Uncounted, when set before the cache is used, keeps Get from
	// counting hits and misses for Stats: each count is an atomic write
	// to the shard, which cores reading the same entries contend for, and
	// a cache nobody reports on need not pay it.
	Uncounted bool
}

// shard is one lock's worth of a cache.
type shard[K comparable, V any] struct {
	mu sync.RWMutex
	m  map[K]entry[V]
	// version is bumped, under mu, by every Forget: a fill that read the
	// inner store before a bump may hold what the write made stale, and
	// put refuses it. It is per shard rather than per key so that it costs
	// nothing to keep for keys not cached; an unrelated write in the same
	// shard only makes a fill skip caching, never serve stale data.
	version      atomic.Uint64
	hits, misses atomic.Uint64
	// The padding keeps neighbouring shards off one cache line: RLock
	// writes to mu, and cores reading different shards would otherwise
	// still invalidate each other's line.
	_ [64]byte
}

// entry is a cached value and the time, in Unix nanoseconds, from which it
// is no longer served. The value is never modified once stored: Get hands
// it out to every caller, and Put stores a copy of what it is given.
type entry[V any] struct {
	v       *V
	expires int64
}

// New returns a cache of at most maxEntries entries (at least one), each
// served for ttl after the time given to Put (for ever when ttl is zero or
// less), with now as its clock and hash spreading keys over the shards.
func New[K comparable, V any](maxEntries int, ttl time.Duration, now func() time.Time, hash func(K) uint64) *Cache[K, V] {
	maxEntries = max(maxEntries, 1)
	if ttl <= 0 {
		ttl = math.MaxInt64
	}
	// Fewer shards than maxShards when maxEntries is smaller, so that every
	// shard may hold at least one entry and the total stays within bound.
	n := maxShards
	for n > 1 && n > maxEntries {
		n /= 2
	}
	c := &Cache[K, V]{
		shards:   make([]shard[K, V], n),
		shift:    64 - uint(bitsOf(n)),
		hash:     hash,
		perShard: maxEntries / n,
		ttl:      int64(ttl),
		now:      now,
	}
	for i := range c.shards {
		c.shards[i].m = make(map[K]entry[V])
	}
	return c
}

// bitsOf returns log2 of n, a power of two.
func bitsOf(n int) int {
	b := 0
	for n > 1 {
		n >>= 1
		b++
	}
	return b
}

func (c *Cache[K, V]) shard(k K) *shard[K, V] {
	return &c.shards[c.hash(k)>>c.shift]
}

// Get returns the live entry for k, or false when there is none or it has
// expired at now (Unix nanoseconds). The value is the cache's own, shared
// with every other caller: it must not be modified.
func (c *Cache[K, V]) Get(k K, now int64) (*V, bool) {
	s := c.shard(k)
	v, ok := s.lookup(k, now)
	switch {
	case c.Uncounted:
	case ok:
		s.hits.Add(1)
	default:
		s.misses.Add(1)
	}
	return v, ok
}

// lookup is Get without the counting.
func (s *shard[K, V]) lookup(k K, now int64) (*V, bool) {
	s.mu.RLock()
	e, ok := s.m[k]
	s.mu.RUnlock()
	if !ok || now >= e.expires {
		return nil, false
	}
	return e.v, true
}

// Version returns the version of k's shard, to be taken before reading
// the inner store and given to Put.
func (c *Cache[K, V]) Version(k K) uint64 {
	return c.shard(k).version.Load()
}

// Put stores a copy of v for k, expiring ttl after now (the time the read
// began), unless k's shard was invalidated since Version returned ver. It
// reports whether it stored. A full shard first drops a chunk of its
// entries.
func (c *Cache[K, V]) Put(k K, v *V, ver uint64, now int64) bool {
	cp := *v
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.version.Load() != ver {
		return false
	}
	if _, ok := s.m[k]; !ok && len(s.m) >= c.perShard {
		c.evict(s)
	}
	expires := now + c.ttl
	if expires < now { // no expiry, or one past the end of time
		expires = math.MaxInt64
	}
	s.m[k] = entry[V]{v: &cp, expires: expires}
	return true
}

// evict drops a sixteenth of the shard's entries (at least one), whichever
// map iteration yields first, which starts at a random place: random
// eviction needs no bookkeeping on hits, and an entry dropped too early
// costs one read of the inner store. Doing it in chunks spreads the cost
// of a full cache over many inserts. s.mu is held.
func (c *Cache[K, V]) evict(s *shard[K, V]) {
	n := max(1, c.perShard/16)
	for k, e := range s.m {
		delete(s.m, k)
		if c.OnEvict != nil {
			c.OnEvict(k, e.v)
		}
		if n--; n == 0 {
			return
		}
	}
}

// Forget drops the entry for k, if any, and makes fills of k's shard that
// are under way not store what they read.
func (c *Cache[K, V]) Forget(k K) {
	s := c.shard(k)
	s.mu.Lock()
	delete(s.m, k)
	s.version.Add(1)
	s.mu.Unlock()
}

// Clear drops every entry, and makes every fill under way not store.
func (c *Cache[K, V]) Clear() {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		clear(s.m)
		s.version.Add(1)
		s.mu.Unlock()
	}
}

// Load returns k's value from the cache (shared, as with Get), or reads it
// with read and caches it. Errors, not found among them, are returned and
// not cached.
func (c *Cache[K, V]) Load(ctx context.Context, k K, read func(context.Context, K) (*V, error)) (*V, error) {
	now := c.now().UnixNano()
	if v, ok := c.Get(k, now); ok {
		return v, nil
	}
	ver := c.Version(k)
	v, err := read(ctx, k)
	if err != nil {
		return nil, err
	}
	c.Put(k, v, ver, now)
	return v, nil
}

// LoadMany returns the values of ids that exist, each once, in any order:
// those cached from the cache, the others with one call of read, which are
// then cached. key returns a value's id. As with Get, the values from the
// cache are shared and must not be modified.
func LoadMany[V any](ctx context.Context, c *Cache[int64, V], ids []int64,
	read func(context.Context, []int64) ([]*V, error), key func(*V) int64) ([]*V, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ids = unique(ids)
	now := c.now().UnixNano()
	out := make([]*V, 0, len(ids))
	var missing []int64
	for _, id := range ids {
		if v, ok := c.shard(id).lookup(id, now); ok {
			out = append(out, v)
		} else {
			missing = append(missing, id)
		}
	}
	// Counted once for the batch rather than once a lookup: each count
	// is an atomic write, which cores reading at once contend for.
	c.batchHits.Add(uint64(len(out)))
	c.batchMisses.Add(uint64(len(missing)))
	if len(missing) == 0 {
		return out, nil
	}
	// The shard versions are taken before the read, as in Load. A miss
	// already costs a query, so a map here is cheap by comparison.
	vers := make(map[int64]uint64, len(missing))
	for _, id := range missing {
		vers[id] = c.Version(id)
	}
	found, err := read(ctx, missing)
	if err != nil {
		return nil, err
	}
	for _, v := range found {
		if ver, ok := vers[key(v)]; ok {
			c.Put(key(v), v, ver, now)
		}
	}
	return append(out, found...), nil
}

// unique returns ids without repeats: ids itself when it has none, which
// a short list (a page of statuses or their authors) is checked for
// without allocating.
func unique(ids []int64) []int64 {
	if len(ids) <= 64 {
		repeat := false
		for i := 1; i < len(ids) && !repeat; i++ {
			repeat = slices.Contains(ids[:i], ids[i])
		}
		if !repeat {
			return ids
		}
	}
	u := slices.Clone(ids)
	slices.Sort(u)
	return slices.Compact(u)
}

// Stats counts the lookups of a cache since New.
type Stats struct {
	Hits    uint64
	Misses  uint64 // including lookups of what is not there
	Entries int    // cached now, expired ones included until dropped
}

// Now is the cache's clock, in the Unix nanoseconds that Get and Put take.
func (c *Cache[K, V]) Now() int64 { return c.now().UnixNano() }

// Stats sums the shards' counters and sizes.
func (c *Cache[K, V]) Stats() Stats {
	st := Stats{Hits: c.batchHits.Load(), Misses: c.batchMisses.Load()}
	for i := range c.shards {
		s := &c.shards[i]
		st.Hits += s.hits.Load()
		st.Misses += s.misses.Load()
		s.mu.RLock()
		st.Entries += len(s.m)
		s.mu.RUnlock()
	}
	return st
}

// HashID spreads ids over the 64 bits (Fibonacci hashing), so that the
// top bits that pick a shard depend on every bit of the id: Snowflake ids
// differ mostly in their low bits.
func HashID(id int64) uint64 {
	return uint64(id) * 0x9E3779B97F4A7C15
}
