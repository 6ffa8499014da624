package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/starling-social/starling"
)

// maxPins is the limit the pin tests pass to PinStatus, Mastodon's.
const maxPins = 5

// pinned reads the account's pins as its author sees them, checking that
// each carries the PinnedAt that StatusByID and StatusesByIDs read too,
// and that the list is ordered by it, latest first.
func (w *world) pinned(a *starling.Account) []int64 {
	w.t.Helper()
	list, err := w.s.PinnedStatuses(w.ctx, a.ID, a.ID)
	w.ok(err, "PinnedStatuses")
	for i, s := range list {
		if s.PinnedAt.IsZero() {
			w.t.Errorf("PinnedStatuses lists %d with a zero PinnedAt", s.ID)
		}
		if i > 0 && !s.PinnedAt.Before(list[i-1].PinnedAt) {
			w.t.Errorf("PinnedStatuses: %d pinned at %v is not before %d pinned at %v",
				s.ID, s.PinnedAt, list[i-1].ID, list[i-1].PinnedAt)
		}
		byIDs, err := w.s.StatusesByIDs(w.ctx, []int64{s.ID})
		w.ok(err, "StatusesByIDs")
		if len(byIDs) != 1 || !byIDs[0].PinnedAt.Equal(s.PinnedAt) || !w.status(s.ID).PinnedAt.Equal(s.PinnedAt) {
			w.t.Errorf("status %d: PinnedStatuses, StatusByID and StatusesByIDs disagree on PinnedAt", s.ID)
		}
	}
	return orEmpty(ids(list))
}

// wantPinnedAt fails the test unless the status reads as pinned or not,
// by StatusByID and StatusesByIDs alike, and otherwise as it was posted.
func (w *world) wantPinnedAt(posted *starling.Status, pinned bool) time.Time {
	w.t.Helper()
	got := w.status(posted.ID)
	byIDs, err := w.s.StatusesByIDs(w.ctx, []int64{posted.ID})
	w.ok(err, "StatusesByIDs")
	if len(byIDs) != 1 {
		w.t.Fatalf("StatusesByIDs(%d) returned %d statuses", posted.ID, len(byIDs))
	}
	for _, s := range []*starling.Status{got, byIDs[0]} {
		if s.PinnedAt.IsZero() == pinned {
			w.t.Errorf("status %d: PinnedAt %v, want pinned %v", posted.ID, s.PinnedAt, pinned)
		}
		rest := *s
		rest.PinnedAt = time.Time{}
		statusesEqual(w.t, fmt.Sprintf("status %d but for PinnedAt", posted.ID), &rest, posted)
	}
	return got.PinnedAt
}

// testPins walks an account through pinning: the limit, pinning twice,
// unpinning, pins of others' statuses, and deletes.
func testPins(t *testing.T, w *world) {
	alice, bob := w.account("alice"), w.account("bob")
	vis := []starling.Visibility{starling.VisibilityPublic, starling.VisibilityUnlisted, starling.VisibilityPrivate}
	var p []*starling.Status
	for i := range 8 {
		p = append(p, w.post(alice, vis[i%len(vis)]))
	}
	theirs := w.post(bob, starling.VisibilityPublic)
	pin := func(a *starling.Account, s *starling.Status) error { return w.s.PinStatus(w.ctx, a.ID, s.ID, maxPins) }

	equal(t, "pins at first", w.pinned(alice), []int64{})
	w.wantPinnedAt(p[0], false)

	w.ok(pin(alice, p[0]), "PinStatus")
	first := w.wantPinnedAt(p[0], true)
	w.ok(pin(alice, p[0]), "PinStatus twice")
	if again := w.wantPinnedAt(p[0], true); !again.Equal(first) {
		t.Errorf("pinning twice moved PinnedAt from %v to %v", first, again)
	}
	equal(t, "pins after pinning one twice", w.pinned(alice), []int64{p[0].ID})

	for _, s := range p[1:maxPins] {
		w.ok(pin(alice, s), "PinStatus")
	}
	full := []int64{p[4].ID, p[3].ID, p[2].ID, p[1].ID, p[0].ID}
	equal(t, "five pins, latest first", w.pinned(alice), full)

	wantCode(t, pin(alice, p[5]), starling.ECONFLICT, "a sixth pin")
	w.wantPinnedAt(p[5], false)
	w.ok(pin(alice, p[2]), "pinning a pinned status at the limit")
	equal(t, "pins after refusals", w.pinned(alice), full)

	// Others' statuses, and missing ones, cannot be pinned or unpinned.
	wantCode(t, pin(bob, p[6]), starling.ENOTFOUND, "a pin of another's status")
	wantCode(t, pin(alice, theirs), starling.ENOTFOUND, "a pin of another's status")
	wantCode(t, w.s.PinStatus(w.ctx, alice.ID, w.id(), maxPins), starling.ENOTFOUND, "a pin of a missing status")
	w.wantPinnedAt(p[6], false)
	w.wantPinnedAt(theirs, false)
	w.ok(w.s.UnpinStatus(w.ctx, bob.ID, p[0].ID), "UnpinStatus of another's status")
	w.wantPinnedAt(p[0], true)
	equal(t, "bob's pins", w.pinned(bob), []int64{})

	w.ok(w.s.UnpinStatus(w.ctx, alice.ID, p[2].ID), "UnpinStatus")
	w.wantPinnedAt(p[2], false)
	w.ok(w.s.UnpinStatus(w.ctx, alice.ID, p[2].ID), "UnpinStatus twice")
	w.ok(w.s.UnpinStatus(w.ctx, alice.ID, p[7].ID), "UnpinStatus of a status never pinned")
	w.ok(w.s.UnpinStatus(w.ctx, alice.ID, w.id()), "UnpinStatus of a missing status")
	equal(t, "pins after an unpin", w.pinned(alice), []int64{p[4].ID, p[3].ID, p[1].ID, p[0].ID})

	// The room an unpin makes is taken by the next pin, which goes first.
	w.ok(pin(alice, p[5]), "PinStatus after an unpin")
	wantCode(t, pin(alice, p[6]), starling.ECONFLICT, "a pin beyond the limit again")
	equal(t, "pins after pinning again", w.pinned(alice), []int64{p[5].ID, p[4].ID, p[3].ID, p[1].ID, p[0].ID})

	// Deleting a pinned status takes its pin with it, and frees its room.
	w.ok(w.s.DeleteStatus(w.ctx, p[4].ID), "DeleteStatus")
	equal(t, "pins after a delete", w.pinned(alice), []int64{p[5].ID, p[3].ID, p[1].ID, p[0].ID})
	w.ok(pin(alice, p[6]), "PinStatus after a delete")
	equal(t, "pins after pinning in the room", w.pinned(alice), []int64{p[6].ID, p[5].ID, p[3].ID, p[1].ID, p[0].ID})

	// A limit is the caller's: a smaller one refuses what a larger allowed.
	wantCode(t, w.s.PinStatus(w.ctx, alice.ID, p[7].ID, 1), starling.ECONFLICT, "a pin beyond a limit of 1")
	w.ok(w.s.PinStatus(w.ctx, bob.ID, theirs.ID, 1), "bob's first pin, limit 1")
	equal(t, "bob's pins", w.pinned(bob), []int64{theirs.ID})
}

// testConcurrentPins pins many statuses of one account at once, each
// twice, while another account pins its own: the limit holds and each pin
// counts once.
func testConcurrentPins(t *testing.T, w *world) {
	alice, bob := w.account("alice"), w.account("bob")
	var mine, theirs []*starling.Status
	for range 3 * maxPins {
		mine = append(mine, w.post(alice, starling.VisibilityPublic))
	}
	for range maxPins - 1 {
		theirs = append(theirs, w.post(bob, starling.VisibilityPrivate))
	}
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		refused   int
		unexpects []error
	)
	pin := func(a *starling.Account, s *starling.Status) {
		wg.Go(func() {
			err := w.s.PinStatus(w.ctx, a.ID, s.ID, maxPins)
			mu.Lock()
			defer mu.Unlock()
			switch starling.ErrorCode(err) {
			case "":
			case starling.ECONFLICT:
				refused++
			default:
				unexpects = append(unexpects, err)
			}
		})
	}
	for _, s := range mine {
		pin(alice, s)
		pin(alice, s)
	}
	for _, s := range theirs {
		pin(bob, s)
	}
	wg.Wait()
	if len(unexpects) > 0 {
		t.Fatalf("concurrent PinStatus: %v", unexpects)
	}
	got := w.pinned(alice)
	if len(got) != maxPins {
		t.Errorf("%d statuses pinned at once, with a limit of %d: %v", len(got), maxPins, got)
	}
	// Each status was pinned twice: both attempts succeed (whichever comes
	// second finds it pinned) or, for the statuses left out, both fail.
	if want := 2 * (len(mine) - maxPins); refused != want {
		t.Errorf("%d pins refused, want %d", refused, want)
	}
	want := orEmpty(sortedIDs(ids(theirs)))
	gotBob := slices.Clone(w.pinned(bob))
	slices.Sort(gotBob)
	slices.Reverse(gotBob)
	equal(t, "bob's pins, made beside alice's", gotBob, want)
}
