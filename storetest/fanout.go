package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/starling-social/starling"
)

// testFanoutJobs checks the outbox: CreateStatus and DeleteStatus record
// their job in their own transaction (an idempotent replay records none),
// a claim leases jobs oldest first and hides them from other claims until
// the lease runs out, and completing a job deletes it.
func testFanoutJobs(t *testing.T, w *world) {
	depth := func() int64 {
		t.Helper()
		n, _, err := w.s.FanoutQueue(w.ctx)
		w.ok(err, "FanoutQueue")
		return n
	}
	if n, oldest, err := w.s.FanoutQueue(w.ctx); err != nil || n != 0 || !oldest.IsZero() {
		t.Fatalf("empty FanoutQueue = %d, %v, %v; want 0, zero time", n, oldest, err)
	}
	if jobs, err := w.s.ClaimFanoutJobs(w.ctx, 10, time.Minute, time.Now().Add(time.Hour)); err != nil || len(jobs) != 0 {
		t.Fatalf("ClaimFanoutJobs on an empty queue = %v, %v", jobs, err)
	}

	// later is after every job this test writes (deletes are written at
	// the wall clock's time, posts at the test's).
	later := time.Now().Add(time.Hour)
	alice := w.account("alice")
	first := w.post(alice, starling.VisibilityPublic)
	keyed := &starling.Status{ID: w.id(), AccountID: alice.ID, Text: "once", Visibility: starling.VisibilityDirect, CreatedAt: w.tick()}
	if _, err := w.s.CreateStatus(w.ctx, keyed, "key"); err != nil {
		t.Fatal(err)
	}
	replay := &starling.Status{ID: w.id(), AccountID: alice.ID, Text: "once", Visibility: starling.VisibilityDirect, CreatedAt: w.tick()}
	if _, err := w.s.CreateStatus(w.ctx, replay, "key"); err != nil {
		t.Fatal(err)
	}
	w.ok(w.s.DeleteStatus(w.ctx, first.ID), "DeleteStatus")
	if got := depth(); got != 3 {
		t.Fatalf("after two posts (and a replay) and a delete, FanoutQueue depth = %d, want 3", got)
	}
	if _, oldest, _ := w.s.FanoutQueue(w.ctx); !oldest.Equal(first.CreatedAt) {
		t.Errorf("FanoutQueue oldest = %v, want the first status's time %v", oldest, first.CreatedAt)
	}

	// A claim takes only the jobs written before its time.
	if early, err := w.s.ClaimFanoutJobs(w.ctx, 10, time.Hour, first.CreatedAt); err != nil || len(early) != 0 {
		t.Fatalf("claim of the jobs written before the first = %+v, %v; want none", early, err)
	}
	jobs, err := w.s.ClaimFanoutJobs(w.ctx, 2, time.Hour, later)
	w.ok(err, "ClaimFanoutJobs")
	want := []starling.FanoutJob{
		{Kind: starling.FanoutPost, StatusID: first.ID, AuthorID: alice.ID, CreatedAt: first.CreatedAt},
		{Kind: starling.FanoutPost, StatusID: keyed.ID, AuthorID: alice.ID, CreatedAt: keyed.CreatedAt},
	}
	if len(jobs) != 2 {
		t.Fatalf("ClaimFanoutJobs(2) = %+v, want %d jobs", jobs, len(want))
	}
	for i := range want {
		want[i].ID = jobs[i].ID
		if got := jobs[i]; got.ID == 0 || got.Kind != want[i].Kind || got.StatusID != want[i].StatusID ||
			got.AuthorID != want[i].AuthorID || !got.CreatedAt.Equal(want[i].CreatedAt) {
			t.Errorf("job %d = %+v, want %+v", i, got, want[i])
		}
	}
	if jobs[0].ID >= jobs[1].ID {
		t.Errorf("jobs not in the order recorded: %+v", jobs)
	}

	// The two leased jobs are hidden; the delete is next.
	rest, err := w.s.ClaimFanoutJobs(w.ctx, 10, time.Hour, later)
	w.ok(err, "ClaimFanoutJobs")
	if len(rest) != 1 || rest[0].Kind != starling.FanoutDelete || rest[0].StatusID != first.ID || rest[0].AuthorID != alice.ID {
		t.Fatalf("second claim = %+v, want only the delete of %d", rest, first.ID)
	}
	if again, err := w.s.ClaimFanoutJobs(w.ctx, 10, time.Hour, later); err != nil || len(again) != 0 {
		t.Fatalf("claim while every job is leased = %+v, %v; want none", again, err)
	}

	// Completing deletes; completing twice is not an error.
	// Completing is by kind and status: the post job of first goes, its
	// delete job stays.
	w.ok(w.s.CompleteFanoutJobs(w.ctx, starling.FanoutPost, nil), "CompleteFanoutJobs of none")
	w.ok(w.s.CompleteFanoutJobs(w.ctx, starling.FanoutPost, []int64{first.ID}), "CompleteFanoutJobs of one")
	if got := depth(); got != 2 {
		t.Errorf("after completing the post job of one status, depth = %d, want 2 (its delete job stays)", got)
	}
	w.ok(w.s.CompleteFanoutJobs(w.ctx, starling.FanoutPost, []int64{first.ID, keyed.ID}), "CompleteFanoutJobs, one of them twice")
	w.ok(w.s.CompleteFanoutJobs(w.ctx, starling.FanoutDelete, []int64{first.ID}), "CompleteFanoutJobs of a delete")
	if got := depth(); got != 0 {
		t.Errorf("after completing every job, depth = %d", got)
	}

	// A lease that has run out (here: one of no length) lets the job be
	// claimed again, as after a crash.
	second := w.post(alice, starling.VisibilityPublic)
	crashed, err := w.s.ClaimFanoutJobs(w.ctx, 10, 0, later)
	w.ok(err, "ClaimFanoutJobs")
	reclaimed, err := w.s.ClaimFanoutJobs(w.ctx, 10, time.Hour, later)
	w.ok(err, "ClaimFanoutJobs")
	if len(crashed) != 1 || len(reclaimed) != 1 || reclaimed[0].ID != crashed[0].ID || reclaimed[0].StatusID != second.ID {
		t.Errorf("a job whose lease ran out: claimed %+v, then %+v; want the same job twice", crashed, reclaimed)
	}
}

// testFollowedAmong checks FollowedAmong with none, some and all of the
// ids followed, unknown ids included, and AccountsWithFollowersOver.
func testFollowedAmong(t *testing.T, w *world) {
	alice, bob, carol, dave := w.account("alice"), w.account("bob"), w.account("carol"), w.account("dave")
	w.follow(alice, bob)
	w.follow(alice, carol)
	w.follow(dave, alice)
	tests := []struct {
		ids  []int64
		want []int64
	}{
		{nil, nil},
		{[]int64{dave.ID}, nil},
		{[]int64{bob.ID}, []int64{bob.ID}},
		{[]int64{bob.ID, carol.ID, dave.ID, 42}, []int64{bob.ID, carol.ID}},
	}
	// alice and bob have one follower each, carol two, dave none.
	w.follow(bob, carol)
	for _, tt := range []struct {
		over int64
		want []int64
	}{
		{0, []int64{alice.ID, bob.ID, carol.ID}},
		{1, []int64{carol.ID}},
		{2, nil},
	} {
		got, err := w.s.AccountsWithFollowersOver(w.ctx, tt.over)
		w.ok(err, "AccountsWithFollowersOver")
		slices.Sort(got)
		slices.Sort(tt.want)
		if !slices.Equal(got, tt.want) {
			t.Errorf("AccountsWithFollowersOver(%d) = %v, want %v", tt.over, got, tt.want)
		}
	}
	for _, tt := range tests {
		got, err := w.s.FollowedAmong(w.ctx, alice.ID, tt.ids)
		w.ok(err, "FollowedAmong")
		slices.Sort(got)
		slices.Sort(tt.want)
		if !slices.Equal(got, tt.want) {
			t.Errorf("FollowedAmong(alice, %v) = %v, want %v", tt.ids, got, tt.want)
		}
	}
}
