package timeline_test

// Races between the engine's reads and deliveries and the follows that
// change them, set up by stores that pause at the moment that matters.

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/follows"
	"github.com/starling-social/starling/inmem"
	"github.com/starling-social/starling/sqlite"
	"github.com/starling-social/starling/sqlite/sqlitetest"
	"github.com/starling-social/starling/statuses"
	"github.com/starling-social/starling/timeline"
)

// pausingAmong is a store whose FollowedAmong for reader stops, once,
// after reading and before returning, until release is closed.
type pausingAmong struct {
	*sqlite.DB
	once    sync.Once
	reader  int64
	entered chan struct{}
	release chan struct{}
}

func (h *pausingAmong) FollowedAmong(ctx context.Context, f int64, ids []int64) ([]int64, error) {
	out, err := h.DB.FollowedAmong(ctx, f, ids)
	if f == h.reader {
		h.once.Do(func() { close(h.entered); <-h.release })
	}
	return out, err
}

// TestFollowDuringReadKeepsMergedPosts: a home read that asks which
// merged authors the reader follows while the reader follows one must not
// keep its answer, or that author's posts would stay out of the reader's
// home timeline.
func TestFollowDuringReadKeepsMergedPosts(t *testing.T) {
	ctx := t.Context()
	db, ids := sqlitetest.Open(t), sqlitetest.IDs(t)
	big := sqlitetest.CreateAccount(t, db, ids, "big")
	r := sqlitetest.CreateAccount(t, db, ids, "reader")
	var fans []*starling.Account
	for _, n := range []string{"f1", "f2", "f3"} {
		fans = append(fans, sqlitetest.CreateAccount(t, db, ids, n))
	}
	fsvc := follows.New(db, nil)
	for _, f := range fans {
		if _, err := fsvc.Follow(ctx, f, big.ID); err != nil {
			t.Fatal(err)
		}
	}
	h := &pausingAmong{DB: db, reader: r.ID, entered: make(chan struct{}), release: make(chan struct{})}
	e := timeline.NewEngine(h, inmem.NewTimelineCache(1<<20, 50), timeline.Config{Length: 50, Threshold: 2}, slog.New(slog.DiscardHandler))
	if err := e.LoadMerged(ctx); err != nil {
		t.Fatal(err)
	}
	st := statuses.New(h, ids, "https://x.test", e)
	fw := follows.New(h, e)

	done := make(chan struct{})
	go func() { defer close(done); e.Home(ctx, r.ID, starling.Page{Limit: 20}) }()
	<-h.entered
	if _, err := fw.Follow(ctx, r, big.ID); err != nil {
		t.Fatal(err)
	}
	close(h.release)
	<-done

	bigNow, _ := db.AccountByID(ctx, big.ID)
	s, err := st.Create(ctx, bigNow, 0, statuses.CreateInput{Text: "after the follow", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	for {
		n, err := e.DeliverPending(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	got, _ := e.Home(ctx, r.ID, starling.Page{Limit: 20})
	want, _ := db.HomeTimeline(ctx, r.ID, starling.Page{Limit: 20})
	var g, w []int64
	for _, x := range got {
		g = append(g, x.ID)
	}
	for _, x := range want {
		w = append(w, x.ID)
	}
	if !slices.Equal(g, w) {
		t.Fatalf("engine %v, reference %v (new post %d)", g, w, s.ID)
	}
}

// pausingRecipients is a store whose first FanoutRecipients with
// recipients stops after reading them until release is closed.
type pausingRecipients struct {
	*sqlite.DB
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func (h *pausingRecipients) FanoutRecipients(ctx context.Context, t starling.FanoutTarget, after int64, limit int) ([]int64, int64, error) {
	ids, next, err := h.DB.FanoutRecipients(ctx, t, after, limit)
	if len(ids) > 0 {
		h.once.Do(func() { close(h.entered); <-h.release })
	}
	return ids, next, err
}

// TestUnfollowDuringDeliveryHidesPrivate: a follower who unfollows
// between a delivery reading them as a recipient and pushing to them, and
// whose timeline is rebuilt meanwhile, must not be left with the private
// post pushed after the rebuild.
func TestUnfollowDuringDeliveryHidesPrivate(t *testing.T) {
	ctx := t.Context()
	db, ids := sqlitetest.Open(t), sqlitetest.IDs(t)
	a := sqlitetest.CreateAccount(t, db, ids, "author")
	f := sqlitetest.CreateAccount(t, db, ids, "follower")
	h := &pausingRecipients{DB: db, entered: make(chan struct{}), release: make(chan struct{})}
	e := timeline.NewEngine(h, inmem.NewTimelineCache(1<<20, 50), timeline.Config{Length: 50}, slog.New(slog.DiscardHandler))
	st := statuses.New(h, ids, "https://x.test", e)
	fw := follows.New(h, e)
	if _, err := fw.Follow(ctx, f, a.ID); err != nil {
		t.Fatal(err)
	}
	e.Home(ctx, f.ID, starling.Page{Limit: 20}) // f's list is cached
	if _, err := st.Create(ctx, a, 0, statuses.CreateInput{Text: "followers only", Visibility: "private"}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); e.DeliverPending(ctx, 10) }()
	<-h.entered
	if _, err := fw.Unfollow(ctx, f.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	e.Home(ctx, f.ID, starling.Page{Limit: 20}) // rebuilt without a's posts
	close(h.release)
	<-done
	got, _ := e.Home(ctx, f.ID, starling.Page{Limit: 20})
	want, _ := db.HomeTimeline(ctx, f.ID, starling.Page{Limit: 20})
	if len(got) != len(want) {
		t.Fatalf("engine shows %d statuses, reference %d: a private post of an unfollowed account", len(got), len(want))
	}
}
