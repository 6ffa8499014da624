package inmem

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/starling-social/starling"
)

// TimelineCache keeps the capped lists of status ids of
// starling.TimelineCache in this process's memory, within a byte budget:
// beyond it, the least recently read lists are evicted. It is safe for
// concurrent use.
//
// The lists are spread over shards, each with its own lock, so that the
// reads of different timelines (the hot path of every home timeline
// request) rarely wait on each other.
//
// Leases: a miss on an absent list registers it as loading under a fresh
// lease; further misses while it loads hand out that same lease, so that
// concurrent rebuilders of one list may each Fill. The first Fill with the
// current lease installs the list, which then is no longer loading, so the
// later Fills do nothing: their database reads are no newer than the
// first one's, and what was delivered since has been pushed into the
// installed list. Leases come from one counter and are never reused, so a
// lease given out before a Drop or an eviction never matches the list
// registered after it.
type TimelineCache struct {
	length int   // cap on the ids of each list
	budget int64 // bytes; see listBytes

	shards [timelineShards]timelineShard

	bytes     atomic.Int64  // sum of listBytes over every list held
	lists     atomic.Int64  // lists held, loading ones included
	evictions atomic.Uint64 // lists evicted for the budget
	leases    atomic.Uint64 // last lease given out
	reads     atomic.Uint64 // read clock: stamps Range calls for eviction
}

// TimelineCacheStats is a snapshot of a TimelineCache's counters, for
// metrics.
type TimelineCacheStats struct {
	// Lists is how many lists are held, loading ones included.
	Lists int
	// Bytes is the estimated memory the lists take, at most the budget
	// once every operation has returned.
	Bytes int64
	// Evictions counts the lists evicted to stay within the budget.
	Evictions uint64
	// Hits and Misses count the Range calls that found the list cached
	// and those that did not (absent or still loading).
	Hits, Misses uint64
}

var _ starling.TimelineCache = (*TimelineCache)(nil)

const (
	// timelineShards is how many locks the lists are spread over: enough
	// that the readers on a few cores seldom contend, few enough that the
	// eviction scan over every shard stays cheap.
	timelineShards = 64
	// listOverhead estimates the bytes a list costs besides its ids: the
	// timelineList struct (about 90 bytes) and its map entry (key, pointer
	// and the table's slack). It is an estimate; the budget is one too.
	listOverhead = 128
	// minListCap is the first capacity a list's ids get, so that a list
	// growing from empty does not reallocate on each of its first pushes.
	minListCap = 8
)

// timelineShard holds the lists whose keys hash to it.
type timelineShard struct {
	mu    sync.Mutex
	lists map[starling.TimelineKey]*timelineList
	// lru strings the shard's lists by their last read: lru.next is the
	// most recent, lru.prev the least. It is a sentinel, not a list.
	lru          timelineList
	hits, misses uint64
	// The padding keeps each shard's lock and counters off the cache
	// lines of its neighbours, which other cores are writing.
	_ [64]byte
}

// timelineList is one cached or loading list.
type timelineList struct {
	key starling.TimelineKey
	// ids are newest first, strictly descending, at most length. While
	// the list loads they are what was pushed since the miss.
	ids []int64
	// complete is the list's Complete. While it loads, it says that no
	// pushed id has been dropped for the cap, which Fill then requires.
	complete bool
	lease    uint64 // the current lease while loading; 0 once filled
	read     uint64 // read clock at the last Range, for eviction
	bytes    int64  // what this list adds to TimelineCache.bytes

	prev, next *timelineList // neighbours in the shard's lru
}

// NewTimelineCache returns an empty cache that keeps at most length ids
// per list and evicts lists to keep its estimated memory within
// budgetBytes. It panics if length is below 1.
func NewTimelineCache(budgetBytes int64, length int) *TimelineCache {
	if length < 1 {
		panic("inmem: NewTimelineCache: length must be at least 1")
	}
	c := &TimelineCache{length: length, budget: budgetBytes}
	for i := range c.shards {
		s := &c.shards[i]
		s.lists = map[starling.TimelineKey]*timelineList{}
		s.lru.next, s.lru.prev = &s.lru, &s.lru
	}
	return c
}

// shard picks the shard of key by a multiplicative hash, so that
// consecutive account ids spread over every shard.
func (c *TimelineCache) shard(key starling.TimelineKey) *timelineShard {
	h := (uint64(key.ID) ^ uint64(key.Kind)<<56) * 0x9e3779b97f4a7c15
	return &c.shards[h>>(64-6)]
}

// Range implements starling.TimelineCache. A hit allocates only the
// returned ids, which are a copy: the caller may keep them.
func (c *TimelineCache) Range(_ context.Context, key starling.TimelineKey, maxID int64, limit int) (starling.TimelineRange, error) {
	stamp := c.reads.Add(1)
	s := c.shard(key)
	s.mu.Lock()
	l := s.lists[key]
	if l == nil {
		s.misses++
		l = &timelineList{key: key, complete: true, lease: c.leases.Add(1), read: stamp, bytes: listOverhead}
		s.lists[key] = l
		s.pushFront(l)
		c.lists.Add(1)
		c.bytes.Add(l.bytes)
		lease := l.lease
		s.mu.Unlock()
		c.evict()
		return starling.TimelineRange{Lease: lease}, nil
	}
	l.read = stamp
	if s.lru.next != l {
		s.unlink(l)
		s.pushFront(l)
	}
	if l.lease != 0 {
		s.misses++
		lease := l.lease
		s.mu.Unlock()
		return starling.TimelineRange{Lease: lease}, nil
	}
	s.hits++
	from := 0
	if maxID != 0 {
		from = atMost(l.ids, maxID)
		if from < len(l.ids) && l.ids[from] == maxID {
			from++
		}
	}
	var ids []int64
	if n := min(len(l.ids)-from, limit); n > 0 {
		ids = make([]int64, n)
		copy(ids, l.ids[from:])
	}
	complete := l.complete
	s.mu.Unlock()
	return starling.TimelineRange{IDs: ids, Cached: true, Complete: complete}, nil
}

// Fill implements starling.TimelineCache. ids are expected newest first
// without repeats; ids that are not are sorted and deduplicated, since
// Range's binary search relies on the order.
func (c *TimelineCache) Fill(_ context.Context, key starling.TimelineKey, lease uint64, ids []int64, complete bool) error {
	if !descending(ids) {
		ids = slices.Clone(ids)
		slices.SortFunc(ids, func(a, b int64) int { return cmp.Compare(b, a) })
		ids = slices.Compact(ids)
	}
	s := c.shard(key)
	s.mu.Lock()
	l := s.lists[key]
	if l == nil || l.lease == 0 || l.lease != lease {
		s.mu.Unlock()
		return nil
	}
	merged, dropped := mergeDescending(ids, l.ids, c.length)
	l.ids = merged
	l.complete = complete && l.complete && !dropped
	l.lease = 0
	grew := c.resize(l)
	s.mu.Unlock()
	if grew {
		c.evict()
	}
	return nil
}

// Push implements starling.TimelineCache.
func (c *TimelineCache) Push(_ context.Context, keys []starling.TimelineKey, id int64) error {
	grew := false
	for _, key := range keys {
		s := c.shard(key)
		s.mu.Lock()
		if l := s.lists[key]; l != nil && c.insert(l, id) {
			grew = true
		}
		s.mu.Unlock()
	}
	if grew {
		c.evict()
	}
	return nil
}

// Remove implements starling.TimelineCache. A list that is loading loses
// the id only if it was pushed: the database read may still bring it
// back, which the engine tolerates because it drops deleted statuses when
// it loads them. The list keeps its capacity, as pushes refill it.
func (c *TimelineCache) Remove(_ context.Context, keys []starling.TimelineKey, id int64) error {
	for _, key := range keys {
		s := c.shard(key)
		s.mu.Lock()
		if l := s.lists[key]; l != nil {
			if i := atMost(l.ids, id); i < len(l.ids) && l.ids[i] == id {
				l.ids = slices.Delete(l.ids, i, i+1)
			}
		}
		s.mu.Unlock()
	}
	return nil
}

// Drop implements starling.TimelineCache. Dropping a loading list also
// voids its lease.
func (c *TimelineCache) Drop(_ context.Context, key starling.TimelineKey) error {
	s := c.shard(key)
	s.mu.Lock()
	if l := s.lists[key]; l != nil {
		c.delete(s, l)
	}
	s.mu.Unlock()
	return nil
}

// Stats returns the cache's counters. The shards are read one after the
// other, so under load the figures are not one instant's.
func (c *TimelineCache) Stats() TimelineCacheStats {
	st := TimelineCacheStats{
		Lists:     int(c.lists.Load()),
		Bytes:     c.bytes.Load(),
		Evictions: c.evictions.Load(),
	}
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		st.Hits += s.hits
		st.Misses += s.misses
		s.mu.Unlock()
	}
	return st
}

// insert puts id into l in order, reporting whether l's memory grew; the
// shard's lock is held.
func (c *TimelineCache) insert(l *timelineList, id int64) bool {
	i := atMost(l.ids, id)
	if i < len(l.ids) && l.ids[i] == id {
		return false
	}
	if len(l.ids) == c.length {
		// Full: the oldest id goes, which is id itself when it is older
		// than all held. Either way the list no longer holds all there is.
		l.complete = false
		if i == len(l.ids) {
			return false
		}
		copy(l.ids[i+1:], l.ids[i:len(l.ids)-1])
		l.ids[i] = id
		return false
	}
	grew := false
	if len(l.ids) == cap(l.ids) {
		// Doubling up to the cap keeps short lists small and makes the
		// copies of a growing one cost O(1) per push, amortised.
		ids := make([]int64, len(l.ids), min(max(2*cap(l.ids), minListCap), c.length))
		copy(ids, l.ids)
		l.ids = ids
		grew = c.resize(l)
	}
	l.ids = slices.Insert(l.ids, i, id)
	return grew
}

// resize brings l.bytes and the total up to date with l's capacity,
// reporting whether they grew; the shard's lock is held.
func (c *TimelineCache) resize(l *timelineList) bool {
	n := listOverhead + 8*int64(cap(l.ids))
	d := n - l.bytes
	l.bytes = n
	c.bytes.Add(d)
	return d > 0
}

// delete forgets l; s's lock is held.
func (c *TimelineCache) delete(s *timelineShard, l *timelineList) {
	delete(s.lists, l.key)
	s.unlink(l)
	c.lists.Add(-1)
	c.bytes.Add(-l.bytes)
}

// evict removes the least recently read lists while the total is over the
// budget. It is called with no lock held, after an operation that added
// bytes, so that every such operation returns within the budget.
func (c *TimelineCache) evict() {
	for c.bytes.Load() > c.budget {
		// Each shard's least recently read list is the tail of its lru;
		// the oldest of those is the cache's least recently read.
		var oldest *timelineShard
		var stamp uint64
		for i := range c.shards {
			s := &c.shards[i]
			s.mu.Lock()
			if t := s.lru.prev; t != &s.lru && (oldest == nil || t.read < stamp) {
				oldest, stamp = s, t.read
			}
			s.mu.Unlock()
		}
		if oldest == nil {
			return
		}
		// The tail may have been read or dropped since the scan; evicting
		// the shard's tail as it is now stays close enough to LRU.
		oldest.mu.Lock()
		if t := oldest.lru.prev; t != &oldest.lru {
			c.delete(oldest, t)
			c.evictions.Add(1)
		}
		oldest.mu.Unlock()
	}
}

// pushFront makes l the shard's most recently read list.
func (s *timelineShard) pushFront(l *timelineList) {
	l.prev, l.next = &s.lru, s.lru.next
	s.lru.next.prev = l
	s.lru.next = l
}

// unlink takes l out of the shard's lru.
func (s *timelineShard) unlink(l *timelineList) {
	l.prev.next, l.next.prev = l.next, l.prev
	l.prev, l.next = nil, nil
}

// atMost returns the index of the first of ids (strictly descending) that
// is not above id, len(ids) when there is none.
func atMost(ids []int64, id int64) int {
	lo, hi := 0, len(ids)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if ids[m] > id {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// descending reports whether ids are strictly descending.
func descending(ids []int64) bool {
	for i := 1; i < len(ids); i++ {
		if ids[i] >= ids[i-1] {
			return false
		}
	}
	return true
}

// mergeDescending returns the union of a and b, both strictly descending,
// strictly descending and cut to the newest n, and whether the cut
// dropped any.
func mergeDescending(a, b []int64, n int) ([]int64, bool) {
	out := make([]int64, 0, min(len(a)+len(b), n))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var id int64
		switch {
		case j == len(b) || i < len(a) && a[i] > b[j]:
			id = a[i]
			i++
		case i == len(a) || b[j] > a[i]:
			id = b[j]
			j++
		default: // equal: one copy
			id = a[i]
			i++
			j++
		}
		if len(out) == n {
			return out, true
		}
		out = append(out, id)
	}
	return out, false
}
