package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/starling-social/starling"
)

// edgeAccounts lists the account ids of edges, in order.
func edgeAccounts(es []starling.Edge) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.Account.ID
	}
	return out
}

func testFollowCounts(t *testing.T, w *world) {
	alice, bob, carol := w.account("alice"), w.account("bob"), w.account("carol")
	steps := []struct {
		name              string
		do                func() error
		alice, bob, carol counts
		aliceFollowers    []int64 // newest follow first
		bobFollowing      []int64
	}{
		{
			name: "unfollow when not following",
			do:   func() error { return w.s.Unfollow(w.ctx, bob.ID, alice.ID) },
		},
		{
			name:           "follow",
			do:             func() error { return w.s.Follow(w.ctx, bob.ID, alice.ID) },
			alice:          counts{followers: 1},
			bob:            counts{following: 1},
			aliceFollowers: []int64{bob.ID},
			bobFollowing:   []int64{alice.ID},
		},
		{
			name:           "follow twice",
			do:             func() error { return w.s.Follow(w.ctx, bob.ID, alice.ID) },
			alice:          counts{followers: 1},
			bob:            counts{following: 1},
			aliceFollowers: []int64{bob.ID},
			bobFollowing:   []int64{alice.ID},
		},
		{
			name: "a second follower and a second followee",
			do: func() error {
				return firstErr(w.s.Follow(w.ctx, carol.ID, alice.ID), w.s.Follow(w.ctx, bob.ID, carol.ID))
			},
			alice:          counts{followers: 2},
			bob:            counts{following: 2},
			carol:          counts{followers: 1, following: 1},
			aliceFollowers: []int64{carol.ID, bob.ID},
			bobFollowing:   []int64{carol.ID, alice.ID},
		},
		{
			name:           "unfollow",
			do:             func() error { return w.s.Unfollow(w.ctx, bob.ID, alice.ID) },
			alice:          counts{followers: 1},
			bob:            counts{following: 1},
			carol:          counts{followers: 1, following: 1},
			aliceFollowers: []int64{carol.ID},
			bobFollowing:   []int64{carol.ID},
		},
		{
			name:           "unfollow twice",
			do:             func() error { return w.s.Unfollow(w.ctx, bob.ID, alice.ID) },
			alice:          counts{followers: 1},
			bob:            counts{following: 1},
			carol:          counts{followers: 1, following: 1},
			aliceFollowers: []int64{carol.ID},
			bobFollowing:   []int64{carol.ID},
		},
		{
			name:           "follow again: newest first",
			do:             func() error { return w.s.Follow(w.ctx, bob.ID, alice.ID) },
			alice:          counts{followers: 2},
			bob:            counts{following: 2},
			carol:          counts{followers: 1, following: 1},
			aliceFollowers: []int64{bob.ID, carol.ID},
			bobFollowing:   []int64{alice.ID, carol.ID},
		},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		w.wantCounts(alice, st.alice)
		w.wantCounts(bob, st.bob)
		w.wantCounts(carol, st.carol)
		followers, err := w.s.Followers(w.ctx, alice.ID, page(40))
		w.ok(err, "Followers")
		equal(t, st.name+": Followers(alice)", edgeAccounts(followers), orEmpty(st.aliceFollowers))
		following, err := w.s.Following(w.ctx, bob.ID, page(40))
		w.ok(err, "Following")
		equal(t, st.name+": Following(bob)", edgeAccounts(following), orEmpty(st.bobFollowing))
		// Edges carry the current account, counts included.
		for _, e := range followers {
			equal(t, st.name+": follower account", *e.Account, *w.reload(e.Account))
		}
	}
}

func orEmpty(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func testConcurrentFollows(t *testing.T, w *world) {
	star := w.account("star")
	fans := make([]*starling.Account, 8)
	for i := range fans {
		fans[i] = w.account(fmt.Sprintf("fan%d", i))
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	do := func(follow func(a, b int64) error, a, b int64) {
		wg.Go(func() {
			if err := follow(a, b); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	// Every fan follows twice at once, each follow counting once, while the
	// star follows them back: the same rows change in both directions.
	for _, f := range fans {
		do(func(a, b int64) error { return w.s.Follow(w.ctx, a, b) }, f.ID, star.ID)
		do(func(a, b int64) error { return w.s.Follow(w.ctx, a, b) }, f.ID, star.ID)
		do(func(a, b int64) error { return w.s.Follow(w.ctx, a, b) }, star.ID, f.ID)
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent Follow: %v", errs)
	}
	w.wantCounts(star, counts{followers: int64(len(fans)), following: int64(len(fans))})
	for _, f := range fans {
		w.wantCounts(f, counts{followers: 1, following: 1})
	}

	// Unfollowing twice at once counts once too.
	for _, f := range fans {
		do(func(a, b int64) error { return w.s.Unfollow(w.ctx, a, b) }, f.ID, star.ID)
		do(func(a, b int64) error { return w.s.Unfollow(w.ctx, a, b) }, f.ID, star.ID)
		do(func(a, b int64) error { return w.s.Unfollow(w.ctx, a, b) }, star.ID, f.ID)
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent Unfollow: %v", errs)
	}
	w.wantCounts(star, counts{})
	for _, f := range fans {
		w.wantCounts(f, counts{})
	}
}

func testFollowRequests(t *testing.T, w *world) {
	locked := w.account("locked", func(a *starling.Account) { a.Locked = true })
	bob, carol, dave := w.account("bob"), w.account("carol"), w.account("dave")

	// requests lists the pending requests and checks that
	// CountFollowRequests agrees with the list at every step.
	requests := func() []int64 {
		t.Helper()
		es, err := w.s.FollowRequests(w.ctx, locked.ID, page(40))
		w.ok(err, "FollowRequests")
		n, err := w.s.CountFollowRequests(w.ctx, locked.ID)
		w.ok(err, "CountFollowRequests")
		if n != int64(len(es)) {
			t.Errorf("CountFollowRequests = %d, but %d requests are listed", n, len(es))
		}
		return edgeAccounts(es)
	}
	equal(t, "no requests", requests(), []int64{})

	w.ok(w.s.CreateFollowRequest(w.ctx, bob.ID, locked.ID), "CreateFollowRequest")
	w.ok(w.s.CreateFollowRequest(w.ctx, bob.ID, locked.ID), "CreateFollowRequest twice")
	w.ok(w.s.CreateFollowRequest(w.ctx, carol.ID, locked.ID), "CreateFollowRequest")
	w.ok(w.s.CreateFollowRequest(w.ctx, dave.ID, locked.ID), "CreateFollowRequest")
	equal(t, "requests, newest first", requests(), []int64{dave.ID, carol.ID, bob.ID})
	w.wantCounts(locked, counts{})

	// Authorizing makes the follow and removes the request.
	w.ok(w.s.AuthorizeFollowRequest(w.ctx, bob.ID, locked.ID), "AuthorizeFollowRequest")
	equal(t, "requests after authorizing", requests(), []int64{dave.ID, carol.ID})
	w.wantCounts(locked, counts{followers: 1})
	w.wantCounts(bob, counts{following: 1})
	wantCode(t, w.s.AuthorizeFollowRequest(w.ctx, bob.ID, locked.ID), starling.ENOTFOUND, "AuthorizeFollowRequest twice")
	w.wantCounts(locked, counts{followers: 1})

	// Rejecting removes it and follows nothing.
	w.ok(w.s.RejectFollowRequest(w.ctx, carol.ID, locked.ID), "RejectFollowRequest")
	wantCode(t, w.s.RejectFollowRequest(w.ctx, carol.ID, locked.ID), starling.ENOTFOUND, "RejectFollowRequest twice")
	wantCode(t, w.s.AuthorizeFollowRequest(w.ctx, carol.ID, locked.ID), starling.ENOTFOUND, "AuthorizeFollowRequest after reject")
	equal(t, "requests after rejecting", requests(), []int64{dave.ID})
	w.wantCounts(carol, counts{})

	// Unfollow withdraws a pending request; Follow fulfils one.
	w.ok(w.s.Unfollow(w.ctx, dave.ID, locked.ID), "Unfollow(pending)")
	equal(t, "requests after withdrawal", requests(), []int64{})
	w.wantCounts(dave, counts{})
	w.ok(w.s.CreateFollowRequest(w.ctx, carol.ID, locked.ID), "CreateFollowRequest")
	w.ok(w.s.Follow(w.ctx, carol.ID, locked.ID), "Follow(requested)")
	equal(t, "requests after a direct follow", requests(), []int64{})
	w.wantCounts(locked, counts{followers: 2})
	wantCode(t, w.s.RejectFollowRequest(w.ctx, carol.ID, locked.ID), starling.ENOTFOUND, "RejectFollowRequest after follow")

	// Requests are listed for the account asked only.
	es, err := w.s.FollowRequests(w.ctx, bob.ID, page(40))
	w.ok(err, "FollowRequests(bob)")
	equal(t, "requests of an account nobody asked", edgeAccounts(es), []int64{})
	for _, id := range []int64{bob.ID, dave.ID, w.id()} {
		if n, err := w.s.CountFollowRequests(w.ctx, id); err != nil || n != 0 {
			t.Errorf("CountFollowRequests(%d) = %d, %v; want 0 (nobody asked, or no such account)", id, n, err)
		}
	}
	// Many requests count beyond a page.
	asked := w.account("popular", func(a *starling.Account) { a.Locked = true })
	for i := range starling.MaxAccountPageLimit + 3 {
		fan := w.account(fmt.Sprintf("fan%d", i))
		w.ok(w.s.CreateFollowRequest(w.ctx, fan.ID, asked.ID), "CreateFollowRequest")
	}
	if n, err := w.s.CountFollowRequests(w.ctx, asked.ID); err != nil || n != starling.MaxAccountPageLimit+3 {
		t.Errorf("CountFollowRequests(popular) = %d, %v; want %d", n, err, starling.MaxAccountPageLimit+3)
	}
}

func testEdgePaging(t *testing.T, w *world) {
	star := w.account("star")
	var fans []int64 // in follow order
	for i := range 5 {
		f := w.account(fmt.Sprintf("fan%d", i))
		w.follow(f, star)
		w.ok(w.s.CreateFollowRequest(w.ctx, f.ID, w.account(fmt.Sprintf("locked%d", i)).ID), "CreateFollowRequest")
		fans = append(fans, f.ID)
	}
	all, err := w.s.Followers(w.ctx, star.ID, page(80))
	w.ok(err, "Followers")
	equal(t, "all followers, newest follow first", edgeAccounts(all), []int64{fans[4], fans[3], fans[2], fans[1], fans[0]})
	cur := make([]int64, len(all)) // cur[i] is the cursor of fans[i]
	for i, e := range all {
		cur[len(all)-1-i] = e.Cursor
		if i > 0 && e.Cursor >= all[i-1].Cursor {
			t.Fatalf("cursors not decreasing: %+v", all)
		}
	}
	for _, tc := range []struct {
		name string
		page starling.Page
		want []int64
	}{
		{"first page", page(2), []int64{fans[4], fans[3]}},
		{"max_id", starling.Page{MaxID: cur[3], Limit: 2}, []int64{fans[2], fans[1]}},
		{"max_id last", starling.Page{MaxID: cur[0], Limit: 2}, []int64{}},
		{"since_id", starling.Page{SinceID: cur[1], Limit: 2}, []int64{fans[4], fans[3]}},
		{"min_id", starling.Page{MinID: cur[1], Limit: 2}, []int64{fans[3], fans[2]}},
		{"min_id top", starling.Page{MinID: cur[4], Limit: 2}, []int64{}},
		{"min_id and max_id", starling.Page{MinID: cur[0], MaxID: cur[4], Limit: 10}, []int64{fans[3], fans[2], fans[1]}},
	} {
		es, err := w.s.Followers(w.ctx, star.ID, tc.page)
		w.ok(err, "Followers")
		equal(t, "Followers "+tc.name, edgeAccounts(es), tc.want)
	}

	// Following and follow requests page the same way, by their own cursors.
	following, err := w.s.Following(w.ctx, fans[0], page(1))
	w.ok(err, "Following")
	equal(t, "Following", edgeAccounts(following), []int64{star.ID})
	if len(following) == 1 && following[0].Cursor != cur[0] {
		t.Errorf("Following cursor %d, want the follow's %d", following[0].Cursor, cur[0])
	}
}

func testRelationships(t *testing.T, w *world) {
	me := w.account("me")
	friend, fan, idol, asked, asker, stranger := w.account("friend"), w.account("fan"), w.account("idol"),
		w.account("asked"), w.account("asker"), w.account("stranger")
	w.follow(me, friend)
	w.follow(friend, me)
	w.follow(fan, me)
	w.follow(me, idol)
	w.ok(w.s.CreateFollowRequest(w.ctx, me.ID, asked.ID), "CreateFollowRequest")
	w.ok(w.s.CreateFollowRequest(w.ctx, asker.ID, me.ID), "CreateFollowRequest")
	missing := w.id()

	rel := func(a *starling.Account, following, followedBy, requested, requestedBy bool) starling.Relationship {
		return starling.Relationship{ID: a.ID, Following: following, FollowedBy: followedBy,
			Requested: requested, RequestedBy: requestedBy, ShowingReblogs: following || requested}
	}
	got, err := w.s.Relationships(w.ctx, me.ID, []int64{stranger.ID, missing, asker.ID, friend.ID, asked.ID, idol.ID, fan.ID, friend.ID})
	w.ok(err, "Relationships")
	equal(t, "Relationships, in the order asked", got, []starling.Relationship{
		rel(stranger, false, false, false, false),
		{ID: missing},
		rel(asker, false, false, false, true),
		rel(friend, true, true, false, false),
		rel(asked, false, false, true, false),
		rel(idol, true, false, false, false),
		rel(fan, false, true, false, false),
		rel(friend, true, true, false, false),
	})

	got, err = w.s.Relationships(w.ctx, me.ID, nil)
	w.ok(err, "Relationships(none)")
	if len(got) != 0 {
		t.Errorf("Relationships(none) = %+v", got)
	}
	got, err = w.s.Relationships(w.ctx, me.ID, []int64{me.ID})
	w.ok(err, "Relationships(self)")
	equal(t, "Relationships(self)", got, []starling.Relationship{rel(me, false, false, false, false)})
}
