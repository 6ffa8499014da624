package timeline

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/policy"
)

// Engine keeps home timelines materialised. It is the starling.HomeTimeline
// of a running server, and the starling.TimelineEvents the statuses and
// follows services tell of their writes.
//
// How a home timeline is made:
//   - Fan-out on write: every status created or deleted leaves a job in
//     the store's outbox, in the same transaction, and is handed to this
//     process's workers (Run) once written; the outbox is swept for jobs
//     left behind (deliver.go). A worker takes each job and pushes the status id into the cached home list of
//     every follower whose timeline policy.InHome puts it in, a batch of
//     followers at a time. Pushes are idempotent, so a job delivered twice
//     (after a crash) leaves each list as once.
//   - Merge on read: an author with more than Config.Threshold followers is
//     not fanned out. Its statuses go into its own author list, and reading
//     a home timeline merges the home list with the author lists of the
//     merged authors the reader follows, checking each merged status with
//     policy.InHome. A post by an account with millions of followers thus
//     costs one push, and every follower sees it at once. Whether a post is
//     merged is decided per post from the author's followers count at that
//     moment, so crossing the threshold in either direction needs no
//     migration: the authors who have ever been merged stay in the set
//     merged on read (it only grows, and only by big accounts; LoadMerged
//     starts it with the accounts above the threshold).
//   - Rebuild: a list not in the cache (a new reader, an eviction, a
//     restart, a follow or unfollow, which drop the reader's list) is read
//     from the database with one indexed query and installed under the
//     cache's lease, so that deliveries made meanwhile are kept.
//   - Paging: a page is served from the cache only when every list merged
//     is known down to the page's end; anything below the cached window
//     (past the cap, or past what was read) is served by the database's own
//     home timeline query, which is the reference, so there is no gap and
//     no duplicate at the seam.
//
// The merged-author set and each reader's followed subset of it are kept in
// this process. With the in-process cache that is all there is; a shared
// cache (Redis) must share the merged-author set too, which is why it is
// small and only grows.
type Engine struct {
	store  starling.Store
	cache  starling.TimelineCache
	cfg    Config
	log    *slog.Logger
	obs    Observer
	queue  chan starling.FanoutJob // handed over by this process's writes
	merged mergedAuthors
	// changes remembers whose follows changed lately (deliver.go).
	changes followChanges
}

// Config tunes the engine.
type Config struct {
	// Length is how many ids a cached list keeps (the cache's cap).
	Length int
	// Threshold is the followers count above which an author's posts
	// are merged on read rather than fanned out.
	Threshold int64
	// Workers is how many jobs are delivered at once.
	Workers int
	// Batch is how many followers one delivery step reads and pushes to.
	Batch int
	// Claim is how many jobs one claim takes. Claiming and completing
	// are writes, which on SQLite wait their turn behind every post being
	// written: taking many jobs per claim spreads those two waits over
	// all of them, so that delivery keeps up with thousands of posts a
	// second.
	Claim int
	// Lease is how long a claimed job stays hidden from other claims: a
	// delivery that crashed is retried after it.
	Lease time.Duration
	// Poll is how often the sweep looks for jobs left in the outbox.
	Poll time.Duration
	// Sweep is how long a job stays in the outbox before the sweep takes
	// it: the jobs this process writes are handed to its workers directly,
	// and normally deleted within milliseconds.
	Sweep time.Duration
	// Queue bounds the jobs handed over and waiting for a worker; beyond
	// it they wait in the outbox for the sweep.
	Queue int
	// Drain bounds how long Run goes on delivering the jobs handed over
	// once it is told to stop; the rest wait in the outbox.
	Drain time.Duration
}

func (c Config) withDefaults() Config {
	if c.Length <= 0 {
		c.Length = 800
	}
	if c.Threshold <= 0 {
		c.Threshold = 10_000
	}
	if c.Workers <= 0 {
		c.Workers = 2
	}
	if c.Batch <= 0 {
		c.Batch = 1000
	}
	if c.Claim <= 0 {
		c.Claim = 256
	}
	if c.Lease <= 0 {
		c.Lease = time.Minute
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.Sweep <= 0 {
		c.Sweep = 10 * time.Second
	}
	if c.Queue <= 0 {
		c.Queue = 4096
	}
	if c.Drain <= 0 {
		c.Drain = 10 * time.Second
	}
	return c
}

// Observer is told what the engine does, for metrics. Its methods must be
// quick and safe for concurrent use.
type Observer interface {
	// Delivered: a job was delivered to recipients timelines (merged: the
	// author's posts are merged on read, so there were none to push to),
	// lag after its status was written.
	Delivered(kind starling.FanoutKind, merged bool, recipients int, lag time.Duration)
	// Batch: one delivery step pushed to size timelines.
	Batch(size int)
	// HomeRead: a home page was served from the cache or, when it was not
	// (or not wholly) there, by the database.
	HomeRead(fromCache bool)
}

type noObserver struct{}

func (noObserver) Delivered(starling.FanoutKind, bool, int, time.Duration) {}
func (noObserver) Batch(int)                                               {}
func (noObserver) HomeRead(bool)                                           {}

// NewEngine returns an engine over store and cache. Nothing observes it
// until Observe is called.
func NewEngine(store starling.Store, cache starling.TimelineCache, cfg Config, log *slog.Logger) *Engine {
	return &Engine{
		store:   store,
		cache:   cache,
		cfg:     cfg.withDefaults(),
		log:     log,
		obs:     noObserver{},
		queue:   make(chan starling.FanoutJob, cfg.withDefaults().Queue),
		merged:  mergedAuthors{set: map[int64]bool{}, readers: map[int64]readerMerged{}},
		changes: followChanges{at: map[int64]followChange{}},
	}
}

// Observe makes obs the engine's observer. It must be called before the
// engine is used: the metrics that observe it are built from the store
// the engine's services are built on, so it cannot be a constructor
// argument.
func (e *Engine) Observe(obs Observer) { e.obs = obs }

var (
	_ starling.HomeTimeline   = (*Engine)(nil)
	_ starling.TimelineEvents = (*Engine)(nil)
)

func homeKey(id int64) starling.TimelineKey {
	return starling.TimelineKey{Kind: starling.HomeList, ID: id}
}
func authorKey(id int64) starling.TimelineKey {
	return starling.TimelineKey{Kind: starling.AuthorList, ID: id}
}

// isMerged reports whether a's posts are merged on read.
func (e *Engine) isMerged(a *starling.Account) bool { return a.FollowersCount > e.cfg.Threshold }

// StatusPosted shows the status to its author at once and, when the
// author's posts are merged on read, to every follower, then hands its
// delivery to the workers.
func (e *Engine) StatusPosted(ctx context.Context, s *starling.Status, author *starling.Account) {
	keys := []starling.TimelineKey{homeKey(s.AccountID), authorKey(s.AccountID)}
	if e.isMerged(author) {
		e.merged.add(s.AccountID)
	}
	if err := e.cache.Push(ctx, keys, s.ID); err != nil {
		e.log.WarnContext(ctx, "timeline cache push failed; delivery will retry", slog.Any("err", err))
	}
	e.queued(starling.FanoutJob{Kind: starling.FanoutPost, StatusID: s.ID, AuthorID: s.AccountID, CreatedAt: s.CreatedAt})
}

// StatusDeleted takes the status out of its author's lists at once;
// delivery takes it out of the followers'. Until then, reads leave it out
// anyway, since it no longer exists.
func (e *Engine) StatusDeleted(ctx context.Context, s *starling.Status) {
	keys := []starling.TimelineKey{homeKey(s.AccountID), authorKey(s.AccountID)}
	if err := e.cache.Remove(ctx, keys, s.ID); err != nil {
		e.log.WarnContext(ctx, "timeline cache remove failed", slog.Any("err", err))
	}
	e.queued(starling.FanoutJob{Kind: starling.FanoutDelete, StatusID: s.ID, AuthorID: s.AccountID, CreatedAt: time.Now()})
}

// FollowsChanged drops the follower's home list, which the next read
// rebuilds from the database: a follow brings the new account's posts in,
// an unfollow takes the old one's out, and the replies that policy.InHome
// shows depend on follows too, so rebuilding is the one exact answer.
func (e *Engine) FollowsChanged(ctx context.Context, followerID int64) {
	e.changes.note(followerID)
	e.merged.forget(followerID)
	if err := e.cache.Drop(ctx, homeKey(followerID)); err != nil {
		e.log.WarnContext(ctx, "timeline cache drop failed", slog.Any("err", err))
	}
}

// LoadMerged adds the accounts with more followers than the threshold to
// the set of authors merged on read: their posts from before this process
// started are then left out of rebuilt home timelines too, and read from
// their own lists, like those they post from now on. Without it, every
// rebuild after a restart would sort all the posts of every big account
// the reader follows. Call it before the engine serves reads; the
// engine is correct without it, only slower.
func (e *Engine) LoadMerged(ctx context.Context) error {
	ids, err := e.store.AccountsWithFollowersOver(ctx, e.cfg.Threshold)
	if err != nil {
		return err
	}
	for _, id := range ids {
		e.merged.add(id)
	}
	return nil
}

// Home is viewerID's home timeline: from the cache when every list merged
// is known down to the page's end, else from the database.
func (e *Engine) Home(ctx context.Context, viewerID int64, p starling.Page) ([]*starling.Status, error) {
	if viewerID == 0 {
		return nil, nil
	}
	page, ok, err := e.cachedHome(ctx, viewerID, p)
	if err != nil {
		return nil, err
	}
	e.obs.HomeRead(ok)
	if ok {
		return page, nil
	}
	return e.store.HomeTimeline(ctx, viewerID, p)
}

// window is what was read of one list: ids below the page's max_id,
// newest first, and the floor: every id of the list at or above it was
// read (0 when the list was read to its true end).
type window struct {
	ids     []int64
	floor   int64
	trusted bool // a home list: its ids passed policy.InHome when delivered
}

// cachedHome builds the page from the cached lists; ok is false when they
// do not cover it.
func (e *Engine) cachedHome(ctx context.Context, viewerID int64, p starling.Page) ([]*starling.Status, bool, error) {
	// A page read upwards from min_id needs every id above it, so the
	// whole window is read; a page read downwards needs its limit, with
	// room for statuses deleted or left out by policy.
	n := 2*p.Limit + 16
	if p.MinID != 0 {
		n = e.cfg.Length
	}
	authors, err := e.merged.followedBy(ctx, e.store, viewerID)
	if err != nil {
		return nil, false, err
	}
	home, err := e.read(ctx, homeKey(viewerID), viewerID, p.MaxID, n, authors)
	if err != nil {
		return nil, false, err
	}
	windows := make([]window, 1, 1+len(authors))
	windows[0] = home
	for _, a := range authors {
		w, err := e.read(ctx, authorKey(a), 0, p.MaxID, n, nil)
		if err != nil {
			return nil, false, err
		}
		windows = append(windows, w)
	}

	var floor int64
	for _, w := range windows {
		floor = max(floor, w.floor)
	}
	lower := max(p.SinceID, p.MinID)
	if p.MinID != 0 && p.MinID < floor {
		return nil, false, nil // ids just above min_id are not all known
	}
	m := newMerger(windows, floor, lower)
	var all []candidate // paging up from min_id: every candidate, the oldest first
	if p.MinID != 0 {
		all = m.next(nil, m.size)
		slices.Reverse(all)
	}

	page := make([]*starling.Status, 0, p.Limit)
	chunk := make([]candidate, 0, p.Limit+4)
	for len(page) < p.Limit {
		// A page's worth and a few more, for statuses deleted or left out
		// by policy; most pages need one chunk.
		want := p.Limit - len(page) + 4
		if p.MinID != 0 {
			n := min(len(all), want)
			chunk, all = all[:n], all[n:]
		} else {
			chunk = m.next(chunk[:0], want)
		}
		if len(chunk) == 0 {
			break
		}
		found, err := e.visible(ctx, viewerID, chunk, authors)
		if err != nil {
			return nil, false, err
		}
		page = append(page, found[:min(len(found), p.Limit-len(page))]...)
	}
	if len(page) < p.Limit && floor > lower {
		return nil, false, nil // the lists end above the page's lower bound
	}
	if p.MinID != 0 {
		slices.Reverse(page)
	}
	return page, true, nil
}

// candidate is a status id a page may show; trusted when a home list holds
// it, whose ids passed policy.InHome when they were delivered.
type candidate struct {
	id      int64
	trusted bool
}

// merger merges windows, each newest first, into candidates newest first
// and once each, trusted when any trusted window holds them: rather than
// sorted whole, they are merged as far as a page needs, which is mostly
// the first two dozen of hundreds.
type merger struct {
	windows []window
	size    int // how many ids the windows hold at the start: the most next can give
}

// newMerger merges the ids of windows at or above floor and above lower.
func newMerger(windows []window, floor, lower int64) *merger {
	cut := max(floor, lower+1)
	m := &merger{windows: windows}
	for i, w := range windows {
		n, _ := slices.BinarySearchFunc(w.ids, cut-1, newestFirst) // the ids at or above cut
		windows[i].ids = w.ids[:n]
		m.size += n
	}
	return m
}

// next appends up to n more candidates to dst.
func (m *merger) next(dst []candidate, n int) []candidate {
	for range n {
		// The newest id at the head of any window, trusted if any window
		// holding it is; every window holding it moves past it.
		c := candidate{id: -1}
		for _, w := range m.windows {
			if len(w.ids) > 0 && w.ids[0] > c.id {
				c.id = w.ids[0]
			}
		}
		if c.id < 0 {
			break
		}
		for i, w := range m.windows {
			if len(w.ids) > 0 && w.ids[0] == c.id {
				c.trusted = c.trusted || w.trusted
				m.windows[i].ids = w.ids[1:]
			}
		}
		dst = append(dst, c)
	}
	return dst
}

// visible reads the statuses of candidates (newest first, or oldest
// first when paging up from min_id) and keeps, in that order, those that
// exist and belong in the viewer's home: the trusted ones, and those of
// author lists that policy.InHome allows, asking the store about the
// follows it needs beyond followed, the merged authors the viewer follows.
// A chunk is a page's worth, so slices searched in turn cost less than
// maps.
func (e *Engine) visible(ctx context.Context, viewerID int64, candidates []candidate, followed []int64) ([]*starling.Status, error) {
	ids := make([]int64, len(candidates))
	for i, c := range candidates {
		ids[i] = c.id
	}
	found, err := e.store.StatusesByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	// The merged authors the viewer follows are known (followedBy), so
	// the store is asked only about the accounts that merged statuses
	// reply to, which few do.
	var ask []int64
	found = matchFound(candidates, found, func(c candidate, s *starling.Status) bool {
		if !c.trusted {
			if !slices.Contains(followed, s.AccountID) {
				ask = append(ask, s.AccountID)
			}
			if to := s.InReplyToAccountID; to != 0 && to != s.AccountID && to != viewerID && !slices.Contains(followed, to) {
				ask = append(ask, to)
			}
		}
		return true
	})
	follows := followed
	if len(ask) > 0 {
		slices.Sort(ask)
		got, err := e.store.FollowedAmong(ctx, viewerID, slices.Compact(ask))
		if err != nil {
			return nil, err
		}
		follows = append(slices.Clip(followed), got...)
	}
	v := policy.Viewer{ID: viewerID, Follows: func(id int64) bool { return slices.Contains(follows, id) }}
	return matchFound(candidates, found, func(c candidate, s *starling.Status) bool {
		return c.trusted || policy.InHome(v, s)
	}), nil
}

// matchFound returns, in the order of candidates, the statuses of found
// (read for their ids, in any order) for which keep, called with each and
// its candidate, is true. It reorders found and reuses it for the answer.
func matchFound(candidates []candidate, found []*starling.Status, keep func(candidate, *starling.Status) bool) []*starling.Status {
	order := newestFirst
	if len(candidates) > 1 && candidates[0].id < candidates[1].id {
		order = cmp.Compare[int64]
	}
	slices.SortFunc(found, func(a, b *starling.Status) int { return order(a.ID, b.ID) })
	out := found[:0]
	for i, j := 0, 0; i < len(candidates) && j < len(found); {
		switch c, s := candidates[i], found[j]; order(c.id, s.ID) {
		case -1:
			i++ // not found: deleted
		case 1:
			j++ // not asked for
		default:
			if keep(c, s) {
				out = append(out, s)
			}
			i, j = i+1, j+1
		}
	}
	return out
}

// read reads up to n ids below maxID of the list key, rebuilding it from
// the database when the cache does not hold it. For a home list viewerID
// is its reader, and merged the merged authors the reader follows, left
// out of a rebuild: their statuses are read from their own lists. The
// merged set only grows, so a list rebuilt without an author is never
// read without that author's list. For an author list both are zero.
func (e *Engine) read(ctx context.Context, key starling.TimelineKey, viewerID, maxID int64, n int, merged []int64) (window, error) {
	w := window{trusted: key.Kind == starling.HomeList}
	r, err := e.cache.Range(ctx, key, maxID, n)
	if err != nil {
		return w, err
	}
	complete := r.Complete
	if r.Cached {
		w.ids = r.IDs
	} else {
		var all []int64
		if key.Kind == starling.HomeList {
			all, err = e.store.HomeTimelineIDs(ctx, viewerID, e.cfg.Length, merged)
		} else {
			all, err = e.store.AccountStatusIDs(ctx, key.ID, e.cfg.Length)
		}
		if err != nil {
			return w, err
		}
		complete = len(all) < e.cfg.Length
		if err := e.cache.Fill(ctx, key, r.Lease, all, complete); err != nil {
			return w, err
		}
		w.ids = below(all, maxID, n)
	}
	switch {
	case complete && len(w.ids) < n:
		w.floor = 0 // read to the true end
	case len(w.ids) > 0:
		w.floor = w.ids[len(w.ids)-1]
	default:
		w.floor = maxID // nothing known below max_id
		if maxID == 0 {
			w.floor = 1<<63 - 1
		}
	}
	return w, nil
}

// newestFirst orders ids newest (largest) first.
func newestFirst(a, b int64) int { return cmp.Compare(b, a) }

// below returns up to n of ids (newest first) that are below maxID (all
// when 0).
func below(ids []int64, maxID int64, n int) []int64 {
	if maxID != 0 {
		i, found := slices.BinarySearchFunc(ids, maxID, newestFirst)
		if found {
			i++
		}
		ids = ids[i:]
	}
	return ids[:min(len(ids), n)]
}

// mergedAuthors is the set of authors whose posts have been merged on read
// since the process started, and, per reader, the subset the reader
// follows, computed once per change of the set.
type mergedAuthors struct {
	mu      sync.RWMutex
	set     map[int64]bool
	list    []int64
	gen     atomic.Uint64
	readers map[int64]readerMerged
	// forgets counts the readers forgotten (their follows changed), so
	// that an answer read across a change is not kept.
	forgets atomic.Uint64
}

type readerMerged struct {
	gen     uint64
	authors []int64
}

// maxMergedReaders bounds the per-reader memo: past it the memo starts
// afresh, which costs each active reader one indexed query.
const maxMergedReaders = 1 << 20

func (m *mergedAuthors) add(id int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.set[id] {
		return
	}
	m.set[id] = true
	m.list = append(m.list, id)
	m.gen.Add(1)
}

func (m *mergedAuthors) forget(reader int64) {
	m.mu.Lock()
	delete(m.readers, reader)
	m.forgets.Add(1)
	m.mu.Unlock()
}

// followedBy returns the merged authors reader follows.
func (m *mergedAuthors) followedBy(ctx context.Context, store starling.Store, reader int64) ([]int64, error) {
	gen, forgets := m.gen.Load(), m.forgets.Load()
	m.mu.RLock()
	r, ok := m.readers[reader]
	all := m.list
	m.mu.RUnlock()
	if ok && r.gen == gen {
		return r.authors, nil
	}
	var authors []int64
	if len(all) > 0 {
		var err error
		if authors, err = store.FollowedAmong(ctx, reader, all); err != nil {
			return nil, err
		}
	}
	m.mu.Lock()
	// A follow or unfollow made while FollowedAmong ran may not be in its
	// answer: keeping it would hide a merged author's posts until the
	// reader's follows change again.
	if m.forgets.Load() == forgets {
		if len(m.readers) >= maxMergedReaders {
			m.readers = map[int64]readerMerged{}
		}
		m.readers[reader] = readerMerged{gen: gen, authors: authors}
	}
	m.mu.Unlock()
	return authors, nil
}
