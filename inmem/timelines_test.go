package inmem

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/starling-social/starling"
)

var (
	homeA   = starling.TimelineKey{Kind: starling.HomeList, ID: 1}
	homeB   = starling.TimelineKey{Kind: starling.HomeList, ID: 2}
	author1 = starling.TimelineKey{Kind: starling.AuthorList, ID: 1}
)

// tcOp is one call in a timeline cache script.
type tcOp int

const (
	opRange tcOp = iota
	opFill
	opPush
	opRemove
	opDrop
)

// tcStep is one call and, for a Range, what it must return.
type tcStep struct {
	op       tcOp
	key      starling.TimelineKey
	keys     []starling.TimelineKey // Push and Remove; [key] when nil
	maxID    int64                  // Range
	limit    int                    // Range; 0 means 100, use noLimit for 0
	ids      []int64                // Fill: what it installs; Range: what it returns
	id       int64                  // Push and Remove
	complete bool                   // Fill: passed; Range: expected
	// lease, for Fill, is which lease of the script to pass: the n-th that
	// a miss handed out, from 1, or the latest when 0. For a missing
	// Range, it is the earlier lease the miss must hand out again; 0 means
	// a fresh one.
	lease int
	miss  bool // Range: expect a miss
}

// noLimit asks a Range step for a limit of 0.
const noLimit = -1

// held reads key's list as it is, without counting a read.
func (c *TimelineCache) held(key starling.TimelineKey) (ids []int64, complete, loading, ok bool) {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.lists[key]
	if l == nil {
		return nil, false, false, false
	}
	return slices.Clone(l.ids), l.complete, l.lease != 0, true
}

func TestTimelineCacheScript(t *testing.T) {
	const length = 4
	fill := func(ids []int64, complete bool) tcStep {
		return tcStep{op: opFill, key: homeA, ids: ids, complete: complete}
	}
	miss := tcStep{op: opRange, key: homeA, miss: true}
	read := func(ids []int64, complete bool) tcStep {
		return tcStep{op: opRange, key: homeA, ids: ids, complete: complete}
	}
	push := func(id int64) tcStep { return tcStep{op: opPush, key: homeA, id: id} }
	remove := func(id int64) tcStep { return tcStep{op: opRemove, key: homeA, id: id} }
	drop := tcStep{op: opDrop, key: homeA}
	list := []tcStep{miss, fill([]int64{10, 8, 6, 4}, true)}

	cases := []struct {
		name  string
		steps []tcStep
	}{
		{"zero items", []tcStep{miss, fill(nil, true), read(nil, true)}},
		{"zero items, incomplete", []tcStep{miss, fill(nil, false), read(nil, false)}},
		{"one item", []tcStep{
			miss, fill([]int64{5}, true),
			read([]int64{5}, true),
			{op: opRange, key: homeA, maxID: 6, ids: []int64{5}, complete: true},
			{op: opRange, key: homeA, maxID: 5, complete: true},
		}},
		{"at the cap, complete", []tcStep{miss, fill([]int64{8, 6, 4, 2}, true), read([]int64{8, 6, 4, 2}, true)}},
		{"fill beyond the cap keeps the newest, incomplete", []tcStep{
			miss, fill([]int64{9, 8, 6, 4, 2}, true), read([]int64{9, 8, 6, 4}, false),
		}},
		{"push beyond the cap drops the oldest", []tcStep{
			miss, fill([]int64{8, 6, 4, 2}, true), push(9), read([]int64{9, 8, 6, 4}, false),
		}},
		{"push older than a full list changes nothing but Complete", []tcStep{
			miss, fill([]int64{8, 6, 4, 2}, true), push(1), read([]int64{8, 6, 4, 2}, false),
		}},
		{"push into the middle of a full list", []tcStep{
			miss, fill([]int64{8, 6, 4, 2}, true), push(5), read([]int64{8, 6, 5, 4}, false),
		}},
		{"push of an id already there", []tcStep{
			miss, fill([]int64{8, 6}, true), push(6), push(8), read([]int64{8, 6}, true),
		}},
		{"push of an id already there in a full list keeps Complete", []tcStep{
			miss, fill([]int64{8, 6, 4, 2}, true), push(2), read([]int64{8, 6, 4, 2}, true),
		}},
		{"out-of-order pushes", []tcStep{
			miss, fill([]int64{10, 2}, true), push(5), push(7), read([]int64{10, 7, 5, 2}, true),
		}},
		{"pushes into an empty list", []tcStep{
			miss, fill(nil, true), push(3), push(1), push(2), read([]int64{3, 2, 1}, true),
		}},
		{"maxID above all", append(slices.Clone(list),
			tcStep{op: opRange, key: homeA, maxID: 11, ids: []int64{10, 8, 6, 4}, complete: true})},
		{"maxID at an id", append(slices.Clone(list),
			tcStep{op: opRange, key: homeA, maxID: 8, ids: []int64{6, 4}, complete: true})},
		{"maxID between ids", append(slices.Clone(list),
			tcStep{op: opRange, key: homeA, maxID: 7, ids: []int64{6, 4}, complete: true})},
		{"maxID at the oldest", append(slices.Clone(list),
			tcStep{op: opRange, key: homeA, maxID: 4, complete: true})},
		{"maxID below all", append(slices.Clone(list),
			tcStep{op: opRange, key: homeA, maxID: 3, complete: true})},
		{"limit 0", append(slices.Clone(list),
			tcStep{op: opRange, key: homeA, limit: noLimit, complete: true})},
		{"limit 1", append(slices.Clone(list),
			tcStep{op: opRange, key: homeA, limit: 1, ids: []int64{10}, complete: true})},
		{"limit 1 below maxID", append(slices.Clone(list),
			tcStep{op: opRange, key: homeA, maxID: 9, limit: 1, ids: []int64{8}, complete: true})},
		{"limit 0 on a miss still registers the list", []tcStep{
			{op: opRange, key: homeA, limit: noLimit, miss: true},
			push(3), fill([]int64{2}, true), read([]int64{3, 2}, true),
		}},
		{"miss, push, fill merges", []tcStep{
			miss, push(12), push(5), fill([]int64{10, 5, 3}, true), read([]int64{12, 10, 5, 3}, true),
		}},
		{"miss, push, fill beyond the cap is incomplete", []tcStep{
			miss, push(20), push(19), fill([]int64{10, 9, 8}, true), read([]int64{20, 19, 10, 9}, false),
		}},
		{"pushes that overflow a loading list make it incomplete", []tcStep{
			miss, push(1), push(2), push(3), push(4), push(5), fill(nil, true), read([]int64{5, 4, 3, 2}, false),
		}},
		{"push to an absent list is ignored", []tcStep{
			push(5), miss, fill([]int64{3}, true), read([]int64{3}, true),
		}},
		{"a second miss while loading hands out the same lease", []tcStep{
			miss, {op: opRange, key: homeA, miss: true, lease: 1}, fill([]int64{5}, true), read([]int64{5}, true),
		}},
		{"second fill ignored", []tcStep{
			miss, {op: opRange, key: homeA, miss: true, lease: 1}, fill([]int64{5}, true), fill([]int64{9, 7}, true), read([]int64{5}, true),
		}},
		{"fill with a wrong lease ignored", []tcStep{
			miss, {op: opRange, key: homeB, miss: true},
			{op: opFill, key: homeA, lease: 2, ids: []int64{5}, complete: true},
			{op: opRange, key: homeA, miss: true, lease: 1},
		}},
		{"stale lease ignored after drop", []tcStep{
			miss, drop, miss,
			{op: opFill, key: homeA, lease: 1, ids: []int64{5}, complete: true},
			{op: opRange, key: homeA, miss: true, lease: 2},
			fill([]int64{7}, true), read([]int64{7}, true),
		}},
		{"fill after drop ignored", []tcStep{
			miss, drop, fill([]int64{5}, true), miss,
		}},
		{"drop of a cached list", []tcStep{
			miss, fill([]int64{5}, true), drop, miss,
		}},
		{"drop of an absent list", []tcStep{drop, miss}},
		{"remove", []tcStep{
			miss, fill([]int64{8, 6, 4}, true), remove(6), read([]int64{8, 4}, true),
			remove(7), read([]int64{8, 4}, true),
			remove(8), remove(4), read(nil, true),
		}},
		{"remove from a loading list", []tcStep{
			miss, push(9), push(7), remove(9), fill([]int64{3}, true), read([]int64{7, 3}, true),
		}},
		{"remove from an absent list", []tcStep{remove(9), miss}},
		{"fill sorts and dedupes unordered ids", []tcStep{
			miss, fill([]int64{3, 9, 3, 5}, true), read([]int64{9, 5, 3}, true),
		}},
		{"kinds are distinct lists", []tcStep{
			miss, fill([]int64{5}, true),
			{op: opRange, key: author1, miss: true},
			{op: opPush, keys: []starling.TimelineKey{homeA, author1, homeB}, id: 6},
			{op: opFill, key: author1, ids: []int64{2}, complete: false},
			read([]int64{6, 5}, true),
			{op: opRange, key: author1, ids: []int64{6, 2}, complete: false},
			{op: opRange, key: homeB, miss: true},
		}},
		{"remove from several lists", []tcStep{
			miss, fill([]int64{5, 4}, true),
			{op: opRange, key: homeB, miss: true},
			{op: opFill, key: homeB, ids: []int64{5, 3}, complete: true},
			{op: opRemove, keys: []starling.TimelineKey{homeA, homeB}, id: 5},
			read([]int64{4}, true),
			{op: opRange, key: homeB, ids: []int64{3}, complete: true},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			c := NewTimelineCache(1<<20, length)
			var leases []uint64
			for i, st := range tc.steps {
				keys := st.keys
				if keys == nil {
					keys = []starling.TimelineKey{st.key}
				}
				var err error
				switch st.op {
				case opRange:
					limit := st.limit
					switch limit {
					case 0:
						limit = 100
					case noLimit:
						limit = 0
					}
					var r starling.TimelineRange
					r, err = c.Range(ctx, st.key, st.maxID, limit)
					want := starling.TimelineRange{IDs: st.ids, Cached: !st.miss, Complete: st.complete}
					if st.miss {
						switch {
						case st.lease > 0:
							want.Lease = leases[st.lease-1]
						case r.Lease == 0 || len(leases) > 0 && r.Lease <= leases[len(leases)-1]:
							t.Errorf("step %d: lease %d is not fresh after %v", i, r.Lease, leases)
						default:
							want.Lease = r.Lease
							leases = append(leases, r.Lease)
						}
					}
					if !slices.Equal(r.IDs, want.IDs) || r.Cached != want.Cached || r.Complete != want.Complete || r.Lease != want.Lease {
						t.Errorf("step %d: Range(%v, %d, %d) = %+v, want %+v", i, st.key, st.maxID, limit, r, want)
					}
				case opFill:
					lease := uint64(0)
					switch {
					case st.lease > 0:
						lease = leases[st.lease-1]
					case len(leases) > 0:
						lease = leases[len(leases)-1]
					}
					err = c.Fill(ctx, st.key, lease, st.ids, st.complete)
				case opPush:
					err = c.Push(ctx, keys, st.id)
				case opRemove:
					err = c.Remove(ctx, keys, st.id)
				case opDrop:
					err = c.Drop(ctx, st.key)
				}
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				checkTimelineCache(t, c)
			}
		})
	}
}

// checkTimelineCache checks the invariants of every list and that the
// totals add up; no operation may be running.
func checkTimelineCache(t *testing.T, c *TimelineCache) {
	t.Helper()
	var lists, bytes int64
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n := 0
		for l := s.lru.next; l != &s.lru; l = l.next {
			n++
			if s.lists[l.key] != l {
				t.Errorf("list %v is in the lru but not the map", l.key)
			}
			if !descending(l.ids) || len(l.ids) > c.length || cap(l.ids) > c.length {
				t.Errorf("list %v: ids %v (cap %d) break the invariants for length %d", l.key, l.ids, cap(l.ids), c.length)
			}
			if want := listOverhead + 8*int64(cap(l.ids)); l.bytes != want {
				t.Errorf("list %v: %d bytes accounted, want %d", l.key, l.bytes, want)
			}
			if l.next.prev != l || l.prev.next != l {
				t.Errorf("list %v: lru links broken", l.key)
			}
			bytes += l.bytes
		}
		if n != len(s.lists) {
			t.Errorf("shard %d: %d lists in the lru, %d in the map", i, n, len(s.lists))
		}
		lists += int64(n)
		s.mu.Unlock()
	}
	st := c.Stats()
	if int64(st.Lists) != lists || st.Bytes != bytes {
		t.Errorf("Stats() = %+v, but %d lists of %d bytes are held", st, lists, bytes)
	}
	if st.Bytes > c.budget {
		t.Errorf("Bytes %d over the budget %d", st.Bytes, c.budget)
	}
}

func TestTimelineCacheStats(t *testing.T) {
	ctx := context.Background()
	c := NewTimelineCache(1<<20, 800)
	r, _ := c.Range(ctx, homeA, 0, 20) // miss
	c.Range(ctx, homeA, 0, 20)         // miss: loading
	c.Fill(ctx, homeA, r.Lease, []int64{3, 2, 1}, true)
	c.Range(ctx, homeA, 0, 20) // hit
	c.Range(ctx, homeB, 0, 20) // miss
	got := c.Stats()
	want := TimelineCacheStats{Lists: 2, Bytes: 2*listOverhead + 8*3, Hits: 1, Misses: 3}
	if got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
}

// fillList makes key a cached list of n ids.
func fillList(t *testing.T, c *TimelineCache, key starling.TimelineKey, n int) {
	t.Helper()
	ctx := context.Background()
	r, _ := c.Range(ctx, key, 0, 1)
	if r.Cached {
		t.Fatalf("%v already cached", key)
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(n - i)
	}
	c.Fill(ctx, key, r.Lease, ids, true)
}

func TestTimelineCacheEviction(t *testing.T) {
	const length = 4
	const full = listOverhead + 8*length // a full list's bytes
	home := func(id int64) starling.TimelineKey { return starling.TimelineKey{Kind: starling.HomeList, ID: id} }
	cases := []struct {
		name string
		// lists full lists are made, 1 to lists, in that order, within a
		// budget of budget bytes; then reads are read; then add more are
		// made, each after the one before.
		lists  int
		budget int64
		reads  []int64
		add    int
		kept   []int64
	}{
		{"within the budget", 3, 3 * full, nil, 0, []int64{1, 2, 3}},
		{"the least recently made goes", 3, 3 * full, nil, 1, []int64{2, 3, 4}},
		{"a read keeps a list", 3, 3 * full, []int64{1}, 1, []int64{1, 3, 4}},
		{"reads order the eviction", 3, 3 * full, []int64{2, 1, 3}, 2, []int64{3, 4, 5}},
		{"the latest read survives", 4, 4 * full, []int64{1, 2, 3, 4, 1}, 3, []int64{1, 5, 6, 7}},
		{"room for a partial list", 3, 3*full + listOverhead, []int64{1}, 1, []int64{1, 3, 4}},
		{"a budget below one list keeps nothing", 2, full - 1, nil, 1, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			c := NewTimelineCache(tc.budget, length)
			for id := int64(1); id <= int64(tc.lists); id++ {
				fillList(t, c, home(id), length)
				checkTimelineCache(t, c)
			}
			for _, id := range tc.reads {
				c.Range(ctx, home(id), 0, 1)
			}
			for id := int64(tc.lists + 1); id <= int64(tc.lists+tc.add); id++ {
				fillList(t, c, home(id), length)
				checkTimelineCache(t, c)
			}
			var kept []int64
			for id := int64(1); id <= int64(tc.lists+tc.add); id++ {
				if _, _, loading, ok := c.held(home(id)); ok && !loading {
					kept = append(kept, id)
				}
			}
			if !slices.Equal(kept, tc.kept) {
				t.Errorf("kept %v, want %v", kept, tc.kept)
			}
			st := c.Stats()
			if want := uint64(tc.lists + tc.add - len(tc.kept)); st.Evictions != want {
				t.Errorf("Evictions = %d, want %d", st.Evictions, want)
			}
		})
	}
}

// TestTimelineCacheEvictionOnPush checks that a list growing by pushes
// evicts the least recently read one, here a loading list, whose Fill is
// then ignored.
func TestTimelineCacheEvictionOnPush(t *testing.T) {
	ctx := context.Background()
	// Room for two lists of minListCap ids and the overhead of a third.
	c := NewTimelineCache(3*listOverhead+2*8*minListCap, 64)
	r, _ := c.Range(ctx, author1, 0, 1) // loading, the least recently read
	fillList(t, c, homeA, minListCap)
	fillList(t, c, homeB, minListCap)
	c.Range(ctx, homeA, 0, 1)
	checkTimelineCache(t, c)
	// homeA's ids double to make room for the push: author1 goes.
	c.Push(ctx, []starling.TimelineKey{homeA}, 100)
	checkTimelineCache(t, c)
	if _, _, _, ok := c.held(author1); ok {
		t.Error("author1, the least recently read, was kept")
	}
	if _, _, _, ok := c.held(homeB); !ok {
		t.Error("homeB was evicted")
	}
	if ids, _, _, _ := c.held(homeA); len(ids) != minListCap+1 || ids[0] != 100 {
		t.Errorf("homeA holds %v", ids)
	}
	c.Fill(ctx, author1, r.Lease, []int64{1}, true)
	if _, _, _, ok := c.held(author1); ok {
		t.Error("the Fill of an evicted list installed it")
	}
	if st := c.Stats(); st.Evictions != 1 {
		t.Errorf("Evictions = %d, want 1", st.Evictions)
	}
}

// TestTimelineCacheConcurrent hammers a few lists from several goroutines
// under a budget that forces evictions; run it with -race.
func TestTimelineCacheConcurrent(t *testing.T) {
	const (
		workers = 8
		ops     = 3000
		length  = 50
		keys    = 16
	)
	c := NewTimelineCache(6*(listOverhead+8*length), length)
	var nextID atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			rnd := rand.New(rand.NewPCG(uint64(w), 1))
			for range ops {
				key := starling.TimelineKey{Kind: starling.TimelineKind(1 + rnd.IntN(2)), ID: int64(rnd.IntN(keys / 2))}
				n := rnd.IntN(100)
				switch {
				case n < 60:
					r, _ := c.Range(ctx, key, rnd.Int64N(nextID.Load()+2), 20)
					if !descending(r.IDs) || len(r.IDs) > 20 {
						t.Errorf("Range returned %v", r.IDs)
					}
					if !r.Cached {
						db := make([]int64, rnd.IntN(2*length))
						for i := range db {
							db[i] = rnd.Int64N(nextID.Load() + 1)
						}
						c.Fill(ctx, key, r.Lease, db, rnd.IntN(2) == 0)
					}
				case n < 85:
					c.Push(ctx, []starling.TimelineKey{key, {Kind: starling.HomeList, ID: int64(rnd.IntN(keys / 2))}}, nextID.Add(1))
				case n < 95:
					c.Remove(ctx, []starling.TimelineKey{key}, rnd.Int64N(nextID.Load()+1))
				default:
					c.Drop(ctx, key)
				}
				if n%10 == 0 {
					c.Stats()
				}
			}
		}()
	}
	wg.Wait()
	checkTimelineCache(t, c)
	if st := c.Stats(); st.Evictions == 0 || st.Hits == 0 || st.Misses == 0 {
		t.Errorf("Stats() = %+v: the test did not exercise eviction, hits and misses", st)
	}
}

func TestAtMost(t *testing.T) {
	ids := []int64{9, 7, 5}
	cases := []struct {
		id   int64
		want int
	}{{10, 0}, {9, 0}, {8, 1}, {7, 1}, {6, 2}, {5, 2}, {4, 3}, {0, 3}}
	for _, tc := range cases {
		if got := atMost(ids, tc.id); got != tc.want {
			t.Errorf("atMost(%v, %d) = %d, want %d", ids, tc.id, got, tc.want)
		}
	}
	if got := atMost(nil, 3); got != 0 {
		t.Errorf("atMost(nil, 3) = %d, want 0", got)
	}
}

func TestMergeDescending(t *testing.T) {
	cases := []struct {
		a, b    []int64
		n       int
		want    []int64
		dropped bool
	}{
		{nil, nil, 3, []int64{}, false},
		{[]int64{5, 3}, nil, 3, []int64{5, 3}, false},
		{nil, []int64{5, 3}, 3, []int64{5, 3}, false},
		{[]int64{6, 4, 2}, []int64{5, 4, 1}, 10, []int64{6, 5, 4, 2, 1}, false},
		{[]int64{6, 4, 2}, []int64{5, 4, 1}, 5, []int64{6, 5, 4, 2, 1}, false},
		{[]int64{6, 4, 2}, []int64{5, 4, 1}, 4, []int64{6, 5, 4, 2}, true},
		{[]int64{3, 2, 1}, []int64{3, 2, 1}, 3, []int64{3, 2, 1}, false},
	}
	for _, tc := range cases {
		got, dropped := mergeDescending(tc.a, tc.b, tc.n)
		if !slices.Equal(got, tc.want) || dropped != tc.dropped {
			t.Errorf("mergeDescending(%v, %v, %d) = %v, %v, want %v, %v", tc.a, tc.b, tc.n, got, dropped, tc.want, tc.dropped)
		}
	}
}

func TestNewTimelineCacheLength(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewTimelineCache(_, 0) did not panic")
		}
	}()
	NewTimelineCache(1<<20, 0)
}

// benchCache returns a cache of lists home timelines of 800 ids each.
func benchCache(b *testing.B, lists int) *TimelineCache {
	ctx := context.Background()
	c := NewTimelineCache(1<<30, 800)
	ids := make([]int64, 800)
	for i := range ids {
		ids[i] = int64(2 * (800 - i))
	}
	for id := range lists {
		key := starling.TimelineKey{Kind: starling.HomeList, ID: int64(id)}
		r, _ := c.Range(ctx, key, 0, 1)
		c.Fill(ctx, key, r.Lease, ids, true)
	}
	if st := c.Stats(); st.Lists != lists {
		b.Fatalf("%d lists made, want %d", st.Lists, lists)
	}
	return c
}

// BenchmarkTimelineCacheRange reads pages of 20 from 800-id lists, from
// the top and from below a maxID, in parallel.
func BenchmarkTimelineCacheRange(b *testing.B) {
	const lists = 1000
	for _, maxID := range []int64{0, 801} {
		b.Run(fmt.Sprintf("maxID=%d", maxID), func(b *testing.B) {
			c := benchCache(b, lists)
			var seed atomic.Uint64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				rnd := rand.New(rand.NewPCG(seed.Add(1), 0))
				for pb.Next() {
					key := starling.TimelineKey{Kind: starling.HomeList, ID: int64(rnd.IntN(lists))}
					if r, _ := c.Range(ctx, key, maxID, 20); len(r.IDs) != 20 {
						b.Fatalf("Range read %d ids", len(r.IDs))
					}
				}
			})
		})
	}
}

// BenchmarkTimelineCachePush pushes new, newest ids into full 800-id
// lists, one list per push, in parallel: the fan-out's write.
func BenchmarkTimelineCachePush(b *testing.B) {
	const lists = 1000
	c := benchCache(b, lists)
	var nextID atomic.Int64
	nextID.Store(1 << 20)
	var seed atomic.Uint64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		rnd := rand.New(rand.NewPCG(seed.Add(1), 0))
		keys := make([]starling.TimelineKey, 1)
		for pb.Next() {
			keys[0] = starling.TimelineKey{Kind: starling.HomeList, ID: int64(rnd.IntN(lists))}
			c.Push(ctx, keys, nextID.Add(1))
		}
	})
}
