package timeline_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/follows"
	"github.com/starling-social/starling/inmem"
	"github.com/starling-social/starling/snowflake"
	"github.com/starling-social/starling/sqlite"
	"github.com/starling-social/starling/sqlite/sqlitetest"
	"github.com/starling-social/starling/statuses"
	"github.com/starling-social/starling/timeline"
)

// The engine is checked against the store's HomeTimeline, the plain SQL
// that says what a home timeline is: whatever the engine keeps in its
// cache, once the outbox is delivered every page it serves must be the
// page the SQL serves. The configuration is tiny on purpose, so that the
// cap, the fan-out threshold and the delivery batches are crossed all the
// time, by a handful of accounts and a few hundred operations.
const (
	testLength    = 6 // ids per cached list: a few posts fill it
	testThreshold = 3 // an author with 4 followers is merged on read
	testAccounts  = 8
)

// cacheVariants are the caches the engine runs on: one large enough to
// keep every list, and one so small that lists are evicted and rebuilt
// on almost every read (128 bytes of overhead plus 8 per id each).
var cacheVariants = []struct {
	name   string
	budget int64
}{
	{"cache", 1 << 20},
	{"tiny-cache", 3 * (128 + 8*testLength)},
}

// world is a store with accounts, the services that write to it, and the
// engine they tell of their writes, which a restart replaces.
type world struct {
	t        *testing.T
	ctx      context.Context
	db       *sqlite.DB
	ids      *snowflake.Generator
	budget   int64
	engine   *timeline.Engine
	statuses *statuses.Service
	follows  *follows.Service
	accounts []*starling.Account
	byID     map[int64]*starling.Account
	posted   []int64         // every status id ever created, deleted ones too
	live     map[int64]int64 // status id → author, of those not deleted
	history  []string        // the operations so far, to show on failure
}

func newWorld(t *testing.T, budget int64) *world {
	w := &world{t: t, ctx: t.Context(), db: sqlitetest.Open(t), ids: sqlitetest.IDs(t), budget: budget,
		byID: map[int64]*starling.Account{}, live: map[int64]int64{}}
	for i := range testAccounts {
		a := sqlitetest.CreateAccount(t, w.db, w.ids, fmt.Sprintf("u%d", i))
		w.accounts = append(w.accounts, a)
		w.byID[a.ID] = a
	}
	w.restart()
	return w
}

// restart replaces the engine and its cache, as a new process would:
// nothing of the old one survives but the database, outbox included.
// The id generator is kept so that ids stay unique within a millisecond.
func (w *world) restart() {
	w.logf("restart")
	cache := inmem.NewTimelineCache(w.budget, testLength)
	w.engine = timeline.NewEngine(w.db, cache, timeline.Config{Length: testLength, Threshold: testThreshold,
		Workers: 2, Batch: 2}, slog.New(slog.DiscardHandler))
	if err := w.engine.LoadMerged(w.t.Context()); err != nil {
		w.t.Fatal(err)
	}
	w.statuses = statuses.New(w.db, w.ids, "https://x.test", w.engine)
	w.follows = follows.New(w.db, w.engine)
}

func (w *world) logf(format string, args ...any) {
	w.history = append(w.history, fmt.Sprintf(format, args...))
}

// fail stops the test with what led to the failure.
func (w *world) fail(format string, args ...any) {
	w.t.Helper()
	const shown = 60
	h := w.history[max(0, len(w.history)-shown):]
	w.t.Fatalf("%s\nlast %d of %d operations:\n  %s", fmt.Sprintf(format, args...), len(h), len(w.history),
		strings.Join(h, "\n  "))
}

func (w *world) name(id int64) string {
	if a := w.byID[id]; a != nil {
		return a.Username
	}
	return fmt.Sprint(id)
}

// account reads a afresh: the statuses service decides merging from the
// author's followers count, which the API reads with every request.
func (w *world) account(i int) *starling.Account {
	a, err := w.db.AccountByID(w.ctx, w.accounts[i].ID)
	if err != nil {
		w.fail("account: %v", err)
	}
	return a
}

// post creates a status by account author; replyTo is 0 or a status id.
func (w *world) post(author int, v starling.Visibility, mentions []int, replyTo int64) int64 {
	w.t.Helper()
	a := w.account(author)
	var b strings.Builder
	b.WriteString("hello")
	for _, m := range mentions {
		b.WriteString(" @" + w.accounts[m].Username)
	}
	s, err := w.statuses.Create(w.ctx, a, 0, statuses.CreateInput{Text: b.String(), Visibility: string(v), InReplyToID: replyTo})
	if err != nil {
		w.fail("post by %s: %v", a.Username, err)
	}
	w.posted = append(w.posted, s.ID)
	w.live[s.ID] = s.AccountID
	w.logf("post %d by %s (%d followers) %s %q reply to %d (of %s)", s.ID, a.Username, a.FollowersCount, v, b.String(),
		replyTo, w.name(s.InReplyToAccountID))
	return s.ID
}

func (w *world) del(id int64) {
	w.t.Helper()
	author := w.live[id]
	if _, err := w.statuses.Delete(w.ctx, author, id); err != nil {
		w.fail("delete %d: %v", id, err)
	}
	delete(w.live, id)
	w.logf("delete %d by %s", id, w.name(author))
}

func (w *world) follow(follower, followee int) {
	w.t.Helper()
	if _, err := w.follows.Follow(w.ctx, w.accounts[follower], w.accounts[followee].ID); err != nil {
		w.fail("follow: %v", err)
	}
	w.logf("%s follows %s", w.accounts[follower].Username, w.accounts[followee].Username)
}

func (w *world) unfollow(follower, followee int) {
	w.t.Helper()
	if _, err := w.follows.Unfollow(w.ctx, w.accounts[follower].ID, w.accounts[followee].ID); err != nil {
		w.fail("unfollow: %v", err)
	}
	w.logf("%s unfollows %s", w.accounts[follower].Username, w.accounts[followee].Username)
}

// deliver delivers up to k jobs of the outbox, as the workers would.
func (w *world) deliver(k int) int {
	w.t.Helper()
	n, err := w.engine.DeliverPending(w.ctx, k)
	if err != nil {
		w.fail("deliver: %v", err)
	}
	w.logf("delivered %d of up to %d jobs", n, k)
	return n
}

func (w *world) deliverAll() {
	w.t.Helper()
	for w.deliver(1+len(w.posted)%5) > 0 {
	}
}

func idsOf(ss []*starling.Status) []int64 {
	out := make([]int64, 0, len(ss))
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}

// page reads p of viewer's home from the engine and the reference.
func (w *world) page(viewer int, p starling.Page) (got, want []int64) {
	w.t.Helper()
	id := w.accounts[viewer].ID
	g, err := w.engine.Home(w.ctx, id, p)
	if err != nil {
		w.fail("engine home %s %+v: %v", w.accounts[viewer].Username, p, err)
	}
	r, err := w.db.HomeTimeline(w.ctx, id, p)
	if err != nil {
		w.fail("reference home: %v", err)
	}
	return idsOf(g), idsOf(r)
}

// compare requires the engine's page to be the reference's. The outbox
// must have been delivered: until then the engine may lag.
func (w *world) compare(viewer int, p starling.Page) []int64 {
	w.t.Helper()
	got, want := w.page(viewer, p)
	w.logf("read %s %+v: %v", w.accounts[viewer].Username, p, got)
	if !slices.Equal(got, want) {
		w.fail("home of %s, page %+v:\n engine    %v\n reference %v\n whole     %v", w.accounts[viewer].Username, p,
			got, want, w.reference(viewer))
	}
	return got
}

// reference is viewer's whole home timeline by the SQL.
func (w *world) reference(viewer int) []int64 {
	w.t.Helper()
	r, err := w.db.HomeTimeline(w.ctx, w.accounts[viewer].ID, starling.Page{Limit: 1 << 20})
	if err != nil {
		w.fail("reference home: %v", err)
	}
	return idsOf(r)
}

// noLeak checks what holds even before delivery: the engine may lag, but
// every status it shows is one the reference has, newest first within
// the page's bounds. A status deleted, not visible to the reader or of an
// account unfollowed must never be shown, delivered or not.
func (w *world) noLeak(viewer int, p starling.Page) {
	w.t.Helper()
	got, _ := w.page(viewer, p)
	w.logf("read before delivery %s %+v: %v", w.accounts[viewer].Username, p, got)
	all := w.reference(viewer)
	lower := max(p.SinceID, p.MinID)
	for i, id := range got {
		if !slices.Contains(all, id) || (p.MaxID != 0 && id >= p.MaxID) || id <= lower || (i > 0 && id >= got[i-1]) {
			w.fail("home of %s before delivery, page %+v: %d does not belong in %v\n reference %v",
				w.accounts[viewer].Username, p, id, got, all)
		}
	}
	if len(got) > p.Limit {
		w.fail("home of %s, page %+v: %d statuses", w.accounts[viewer].Username, p, len(got))
	}
}

// walk pages through viewer's whole home, down with max_id from the
// newest and then up with min_id from the oldest, as a client does,
// comparing each page.
func (w *world) walk(viewer, limit int) {
	w.t.Helper()
	p := starling.Page{Limit: limit}
	for range 1000 {
		got := w.compare(viewer, p)
		if len(got) == 0 {
			break
		}
		p.MaxID = got[len(got)-1]
	}
	p = starling.Page{MinID: 1, Limit: limit}
	for range 1000 {
		got := w.compare(viewer, p)
		if len(got) == 0 {
			break
		}
		p.MinID = got[0]
	}
}

// checkAll compares viewer's home from every angle the scenarios need,
// once the outbox is delivered: first pages of sizes around the cap,
// pages from ids at the edge of the cached window, and whole walks.
func (w *world) checkAll(viewer int) {
	w.t.Helper()
	w.deliverAll()
	for _, limit := range []int{1, testLength, testLength + 1, starling.MaxPageLimit} {
		w.compare(viewer, starling.Page{Limit: limit})
	}
	ref := w.reference(viewer)
	for _, i := range []int{testLength - 1, testLength} {
		if i < len(ref) {
			for _, limit := range []int{1, 3} {
				w.compare(viewer, starling.Page{MaxID: ref[i], Limit: limit})
				w.compare(viewer, starling.Page{SinceID: ref[i], Limit: limit})
				w.compare(viewer, starling.Page{MinID: ref[i], Limit: limit})
			}
		}
	}
	w.walk(viewer, 3)
}

// checkEveryone compares every account's home, first page and walk, once
// the outbox is delivered.
func (w *world) checkEveryone() {
	w.t.Helper()
	w.deliverAll()
	for v := range testAccounts {
		w.compare(v, starling.Page{Limit: starling.MaxPageLimit})
		w.walk(v, testLength)
	}
}

// cursor picks an id to page from: none, any status ever posted
// (deleted ones too), one of the viewer's home at the edge of the cached
// window or anywhere, or one next to those.
func (w *world) cursor(rng *rand.Rand, ref []int64) int64 {
	var id int64
	switch rng.IntN(5) {
	case 0:
		return 0
	case 1:
		if len(w.posted) == 0 {
			return 0
		}
		id = w.posted[rng.IntN(len(w.posted))]
	case 2, 3:
		if len(ref) == 0 {
			return 0
		}
		i := testLength - 2 + rng.IntN(4) // around the cap
		if rng.IntN(2) == 0 {
			i = rng.IntN(len(ref))
		}
		id = ref[min(i, len(ref)-1)]
	case 4:
		if len(ref) == 0 {
			return 0
		}
		id = ref[len(ref)-1] // the oldest
	}
	return id + int64(rng.IntN(3)-1)
}

// randomPage picks a page: a limit from 1 to 40, mostly small, and any
// combination of cursors.
func (w *world) randomPage(rng *rand.Rand, viewer int) starling.Page {
	ref := w.reference(viewer)
	p := starling.Page{Limit: 1 + rng.IntN(testLength+2)}
	if rng.IntN(4) == 0 {
		p.Limit = 1 + rng.IntN(starling.MaxPageLimit)
	}
	switch rng.IntN(6) {
	case 1:
		p.MaxID = w.cursor(rng, ref)
	case 2:
		p.SinceID = w.cursor(rng, ref)
	case 3:
		p.MinID = w.cursor(rng, ref)
	case 4:
		p.MaxID, p.SinceID = w.cursor(rng, ref), w.cursor(rng, ref)
	case 5:
		p.MaxID, p.MinID = w.cursor(rng, ref), w.cursor(rng, ref)
	}
	return p
}

var visibilities = []starling.Visibility{starling.VisibilityPublic, starling.VisibilityUnlisted,
	starling.VisibilityPrivate, starling.VisibilityDirect}

// randomPost posts as a random account: any visibility, mentioning up to
// two accounts (direct messages mostly mention someone, or they would
// reach nobody), sometimes replying to a status the author can see.
func (w *world) randomPost(rng *rand.Rand) {
	author := w.popular(rng)
	v := visibilities[rng.IntN(len(visibilities))]
	var mentions []int
	for range rng.IntN(3) {
		mentions = append(mentions, rng.IntN(testAccounts))
	}
	if v == starling.VisibilityDirect && len(mentions) == 0 && rng.IntN(4) != 0 {
		mentions = append(mentions, rng.IntN(testAccounts))
	}
	var replyTo int64
	if len(w.posted) > 0 && rng.IntN(3) == 0 {
		// Any status, deleted or hidden ones too: those the author may
		// not reply to are skipped.
		replyTo = w.posted[rng.IntN(len(w.posted))]
		if _, err := w.statuses.Get(w.ctx, w.accounts[author].ID, replyTo); err != nil {
			replyTo = 0
		}
	}
	w.post(author, v, mentions, replyTo)
}

// popular picks an account, the first two more often than the others, so
// that they gather followers and cross the threshold back and forth.
func (w *world) popular(rng *rand.Rand) int {
	if rng.IntN(3) == 0 {
		return rng.IntN(2)
	}
	return rng.IntN(testAccounts)
}

// TestHomeMatchesReference runs random sequences of posts, deletes,
// follows, unfollows, partial deliveries, restarts and reads against the
// engine, and requires every page read once the outbox is delivered to be
// the reference's page, and every page read before to show nothing the
// reference would not. A failure names the seed in the subtest, which
// -run can select alone. Eight seeds on each of the two caches, 300
// operations each, take a few seconds of CPU (a few minutes with -race,
// which slows the SQLite driver most); -short runs three.
func TestHomeMatchesReference(t *testing.T) {
	seeds, ops := 8, 300
	if testing.Short() {
		seeds = 3
	}
	for _, cv := range cacheVariants {
		t.Run(cv.name, func(t *testing.T) {
			for seed := range uint64(seeds) {
				t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
					t.Parallel()
					rng := rand.New(rand.NewPCG(seed, 0x5eed))
					w := newWorld(t, cv.budget)
					for op := range ops {
						w.logf("-- op %d", op)
						w.randomOp(rng)
					}
					w.checkEveryone()
				})
			}
		})
	}
}

func (w *world) randomOp(rng *rand.Rand) {
	w.t.Helper()
	switch r := rng.IntN(100); {
	case r < 28:
		w.randomPost(rng)
	case r < 40: // deletes keep timelines a few times the cap long
		if len(w.live) > 0 {
			ids := make([]int64, 0, len(w.live))
			for id := range w.live {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			w.del(ids[rng.IntN(len(ids))])
		}
	case r < 54:
		a, b := rng.IntN(testAccounts), w.popular(rng)
		if a != b {
			w.follow(a, b)
		}
	case r < 63:
		w.unfollow(rng.IntN(testAccounts), w.popular(rng))
	case r < 73:
		w.deliver(1 + rng.IntN(3))
	case r < 79:
		w.noLeak(rng.IntN(testAccounts), w.randomPage(rng, rng.IntN(testAccounts)))
	case r < 93:
		v := rng.IntN(testAccounts)
		p := w.randomPage(rng, v)
		w.deliverAll()
		w.compare(v, p)
	case r < 95:
		w.deliverAll()
		w.walk(rng.IntN(testAccounts), 2+rng.IntN(testLength+1))
	default:
		if rng.IntN(2) == 0 {
			w.deliver(1 + rng.IntN(3)) // leave some jobs for the new engine
		}
		w.restart()
	}
}

// TestHomeEdges runs the cases the random test reaches only by chance.
// Account 0 is the reader, 1 an ordinary author, 2 an author the tests
// make cross the threshold, the others followers and bystanders.
func TestHomeEdges(t *testing.T) {
	const reader, author, big = 0, 1, 2
	pub := starling.VisibilityPublic
	// gather makes big followed by n accounts besides the reader (who
	// follows it too), so that its followers count is n+1.
	gather := func(w *world, n int) {
		for i := 3; i < testAccounts; i++ {
			if i < 3+n {
				w.follow(i, big)
			} else {
				w.unfollow(i, big)
			}
		}
	}
	tests := []struct {
		name string
		run  func(w *world)
	}{
		{"zero posts, then one arrives", func(w *world) {
			w.follow(reader, author)
			w.checkAll(reader) // caches the empty list
			w.post(author, pub, nil, 0)
			w.checkAll(reader)
			w.post(author, pub, nil, 0)
			w.checkAll(reader)
		}},
		{"zero posts, then one arrives before the list is read again", func(w *world) {
			w.follow(reader, author)
			w.checkAll(reader)
			w.post(author, pub, nil, 0)
			w.noLeak(reader, starling.Page{Limit: 5}) // read before delivery
			w.checkAll(reader)
		}},
		{"one post, then more", func(w *world) {
			w.follow(reader, author)
			w.post(author, pub, nil, 0)
			w.checkAll(reader)
			for range 3 {
				w.post(author, pub, nil, 0)
			}
			w.checkAll(reader)
		}},
		{"the reader's own post into an empty timeline", func(w *world) {
			w.checkAll(reader)
			w.post(reader, starling.VisibilityDirect, nil, 0)
			w.checkAll(reader)
		}},
		{"exactly at the cap, then one more", func(w *world) {
			w.follow(reader, author)
			for range testLength {
				w.post(author, pub, nil, 0)
			}
			w.checkAll(reader)
			w.post(author, pub, nil, 0)
			w.checkAll(reader)
		}},
		{"one over the cap, then more", func(w *world) {
			w.follow(reader, author)
			for range testLength + 1 {
				w.post(author, pub, nil, 0)
			}
			w.checkAll(reader)
			for range testLength + 1 {
				w.post(author, pub, nil, 0)
			}
			w.checkAll(reader)
		}},
		{"at the cap, deletes make room, older posts delivered late", func(w *world) {
			w.follow(reader, author)
			w.follow(reader, big)
			old := w.post(big, pub, nil, 0)
			w.deliverAll()
			w.post(author, pub, nil, 0) // left in the outbox
			var mine []int64
			for range testLength + 1 {
				mine = append(mine, w.post(reader, pub, nil, 0))
			}
			w.compare(reader, starling.Page{Limit: 3}) // caches the newest, the author's cut
			w.del(mine[len(mine)-1])
			w.del(mine[len(mine)-2])
			w.checkAll(reader)
			w.del(old)
			w.checkAll(reader)
		}},
		{"crossing the threshold up and down", func(w *world) {
			w.follow(reader, big)
			gather(w, testThreshold-1) // at the threshold: fanned out
			w.post(big, pub, nil, 0)
			w.post(big, starling.VisibilityPrivate, nil, 0)
			w.checkAll(reader)
			gather(w, testThreshold) // above: merged on read
			w.checkAll(reader)
			w.post(big, pub, nil, 0)
			w.post(big, starling.VisibilityPrivate, nil, 0)
			w.checkEveryone()
			gather(w, testThreshold-1) // back to fanned out
			w.post(big, pub, nil, 0)
			w.checkAll(reader)
			gather(w, testThreshold)
			w.post(big, pub, nil, 0)
			w.checkAll(reader)
			w.checkEveryone()
		}},
		{"crossing the threshold between post and delivery", func(w *world) {
			w.follow(reader, big)
			gather(w, testThreshold-1)
			w.checkAll(reader)
			w.post(big, pub, nil, 0) // fanned out when posted, merged when delivered
			gather(w, testThreshold)
			w.checkAll(reader)
			w.post(big, pub, nil, 0) // merged when posted, fanned out when delivered
			gather(w, testThreshold-1)
			w.checkAll(reader)
			w.checkEveryone()
		}},
		{"a merged author's direct messages and replies", func(w *world) {
			w.follow(reader, big)
			w.follow(reader, author)
			gather(w, testThreshold)
			w.checkAll(reader)
			friend := w.post(author, pub, nil, 0)
			stranger := w.post(7, pub, nil, 0)
			own := w.post(reader, pub, nil, 0)
			w.post(big, starling.VisibilityDirect, []int{reader}, 0)
			w.post(big, starling.VisibilityDirect, []int{author}, 0)
			w.post(big, starling.VisibilityDirect, nil, 0)
			w.post(big, starling.VisibilityPrivate, []int{7}, 0)
			w.post(big, pub, nil, friend)   // a reply to someone the reader follows
			w.post(big, pub, nil, stranger) // and to someone not
			w.post(big, pub, nil, own)      // and to the reader
			w.post(big, starling.VisibilityDirect, nil, own)
			w.post(big, starling.VisibilityPrivate, nil, stranger)
			w.checkAll(reader)
			w.follow(reader, 7) // the reply to the stranger comes in
			w.checkAll(reader)
			w.unfollow(reader, author) // and the reply to the author goes
			w.checkAll(reader)
			w.checkEveryone()
		}},
		{"following an author already merged, who posts again", func(w *world) {
			// The reader's view of which merged authors it follows is
			// kept between reads; a follow must renew it, since a post by
			// an author already merged changes nothing else.
			gather(w, testThreshold+1)
			w.post(big, pub, nil, 0)
			w.checkAll(reader)
			w.follow(reader, big)
			w.checkAll(reader)
			w.post(big, pub, nil, 0)
			w.checkAll(reader)
			w.unfollow(reader, big)
			w.post(big, pub, nil, 0)
			w.checkAll(reader)
		}},
		{"deleting a status already delivered", func(w *world) {
			w.follow(reader, author)
			w.follow(reader, big)
			gather(w, testThreshold)
			a := w.post(author, pub, nil, 0)
			b := w.post(big, pub, nil, 0)
			w.post(author, pub, nil, 0)
			w.checkAll(reader)
			w.del(a)
			w.del(b)
			w.noLeak(reader, starling.Page{Limit: 5}) // before the delete is delivered
			w.noLeak(reader, starling.Page{Limit: 1})
			w.checkAll(reader)
		}},
		{"unfollowing removes the author's posts", func(w *world) {
			w.follow(reader, author)
			w.follow(reader, big)
			gather(w, testThreshold)
			w.post(author, pub, nil, 0)
			w.post(big, pub, nil, 0)
			w.post(author, starling.VisibilityPrivate, nil, 0)
			w.checkAll(reader)
			w.unfollow(reader, author)
			w.noLeak(reader, starling.Page{Limit: 5})
			w.checkAll(reader)
			w.unfollow(reader, big)
			w.noLeak(reader, starling.Page{Limit: 5})
			w.checkAll(reader)
		}},
		{"restart with jobs in the outbox", func(w *world) {
			w.follow(reader, author)
			w.follow(reader, big)
			gather(w, testThreshold)
			w.post(author, pub, nil, 0)
			w.post(big, pub, nil, 0)
			w.checkAll(reader)
			a := w.post(author, pub, nil, 0)
			w.post(big, pub, nil, 0)
			w.del(a)
			w.restart()
			w.checkAll(reader)
			gather(w, testThreshold-1)
			w.post(big, pub, nil, 0)
			w.restart()
			w.post(author, pub, nil, 0)
			w.checkEveryone()
		}},
	}
	for _, cv := range cacheVariants {
		t.Run(cv.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					t.Parallel()
					tt.run(newWorld(t, cv.budget))
				})
			}
		})
	}
}
