package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/starling-social/starling"
)

func testStatusRoundTrip(t *testing.T, w *world) {
	alice, bob, carol := w.account("alice"), w.account("bob"), w.account("carol")
	parent := w.post(bob, starling.VisibilityPublic)

	zone := time.FixedZone("UTC-5", -5*3600)
	created := time.Date(2026, 6, 7, 8, 9, 10, 123_456_789, zone)
	s := &starling.Status{
		ID:                 w.id(),
		AccountID:          alice.ID,
		Text:               "@bob @carol #Go #birds",
		Content:            "<p>@bob @carol #Go #birds</p>",
		SpoilerText:        "cw",
		Sensitive:          true,
		Visibility:         starling.VisibilityUnlisted,
		Language:           "en",
		InReplyToID:        parent.ID,
		InReplyToAccountID: bob.ID,
		ApplicationID:      w.id(),
		// The order the caller gives is kept.
		Mentions:  []starling.Mention{{AccountID: carol.ID, Username: "carol"}, {AccountID: bob.ID, Username: "bob"}},
		Tags:      []string{"Go", "birds"},
		CreatedAt: created,
		EditedAt:  created.Add(time.Minute),
	}
	want := *s
	want.Mentions = append([]starling.Mention(nil), s.Mentions...)
	want.Tags = append([]string(nil), s.Tags...)
	want.CreatedAt = created.UTC().Truncate(time.Millisecond)
	want.EditedAt = created.Add(time.Minute).UTC().Truncate(time.Millisecond)

	got, err := w.s.CreateStatus(w.ctx, s, "")
	w.ok(err, "CreateStatus")
	statusesEqual(t, "CreateStatus result", got, &want)
	statusesEqual(t, "StatusByID", w.status(s.ID), &want)
	if w.status(s.ID).CreatedAt.Location() != time.UTC {
		t.Error("CreatedAt not in UTC")
	}

	// The author's LastStatusAt is the time of the post.
	if got := w.reload(alice).LastStatusAt; !got.Equal(want.CreatedAt) {
		t.Errorf("LastStatusAt = %v, want %v", got, want.CreatedAt)
	}
	if got := w.reload(carol).LastStatusAt; !got.IsZero() {
		t.Errorf("LastStatusAt of an account that never posted = %v, want zero", got)
	}
	if got := w.status(parent.ID).RepliesCount; got != 1 {
		t.Errorf("parent RepliesCount = %d, want 1", got)
	}

	// A plain status: no mentions, tags or reply.
	plain := w.post(carol, starling.VisibilityPublic)
	want2 := *plain
	statusesEqual(t, "plain status", w.status(plain.ID), &want2)
	if plain.Mentions != nil || plain.Tags != nil || plain.InReplyToID != 0 || !plain.EditedAt.IsZero() {
		t.Errorf("plain status came back with %+v", plain)
	}
}

func testStatusesByIDs(t *testing.T, w *world) {
	alice, bob := w.account("alice"), w.account("bob")
	s1 := w.post(alice, starling.VisibilityPublic, mentioning(bob))
	s2 := w.post(bob, starling.VisibilityDirect, mentioning(alice), func(s *starling.Status) { s.Tags = []string{"x"} })
	s3 := w.post(alice, starling.VisibilityPrivate)
	missing := w.id()
	for _, tc := range []struct {
		name string
		ids  []int64
		want []*starling.Status
	}{
		{"none", nil, nil},
		{"one", []int64{s2.ID}, []*starling.Status{s2}},
		{"all with a missing one", []int64{s3.ID, missing, s1.ID, s2.ID}, []*starling.Status{s1, s2, s3}},
		{"repeated", []int64{s1.ID, s1.ID}, []*starling.Status{s1}},
	} {
		got, err := w.s.StatusesByIDs(w.ctx, tc.ids)
		if err != nil {
			t.Errorf("StatusesByIDs(%s): %v", tc.name, err)
			continue
		}
		byID := map[int64]*starling.Status{}
		for _, s := range got {
			byID[s.ID] = s
		}
		if len(byID) != len(got) || len(got) != len(tc.want) {
			t.Errorf("StatusesByIDs(%s) = %v, want %v", tc.name, ids(got), ids(tc.want))
			continue
		}
		for _, s := range tc.want {
			statusesEqual(t, "StatusesByIDs("+tc.name+")", byID[s.ID], s)
		}
	}
}

func testStatusCounts(t *testing.T, w *world) {
	alice, bob := w.account("alice"), w.account("bob")
	w.wantCounts(alice, counts{})
	root := w.post(alice, starling.VisibilityPublic)
	w.wantCounts(alice, counts{statuses: 1})
	if got := w.reload(alice).LastStatusAt; !got.Equal(root.CreatedAt) {
		t.Errorf("LastStatusAt = %v after posting, want %v", got, root.CreatedAt)
	}

	// What a reply of each visibility adds, and its deletion takes back:
	// only what everyone may learn exists counts (as in Mastodon).
	for _, tc := range []struct {
		vis              starling.Visibility
		statuses         int64 // added to the author's StatusesCount (and LastStatusAt set)
		replies          int64 // added to the parent's RepliesCount
		countsAsActivity bool
	}{
		{starling.VisibilityPublic, 1, 1, true},
		{starling.VisibilityUnlisted, 1, 1, true},
		{starling.VisibilityPrivate, 1, 0, true},
		{starling.VisibilityDirect, 0, 0, false},
	} {
		before, parentBefore := w.reload(bob), w.status(root.ID).RepliesCount
		r := w.post(bob, tc.vis, replyTo(root), mentioning(alice))
		after := w.reload(bob)
		if got := after.StatusesCount - before.StatusesCount; got != tc.statuses {
			t.Errorf("a %s reply added %d to StatusesCount, want %d", tc.vis, got, tc.statuses)
		}
		if got := w.status(root.ID).RepliesCount - parentBefore; got != tc.replies {
			t.Errorf("a %s reply added %d to the parent's RepliesCount, want %d", tc.vis, got, tc.replies)
		}
		wantLast := before.LastStatusAt
		if tc.countsAsActivity {
			wantLast = r.CreatedAt
		}
		if !after.LastStatusAt.Equal(wantLast) {
			t.Errorf("LastStatusAt = %v after a %s reply, want %v", after.LastStatusAt, tc.vis, wantLast)
		}
		w.ok(w.s.DeleteStatus(w.ctx, r.ID), "DeleteStatus")
		if got := w.reload(bob).StatusesCount; got != before.StatusesCount {
			t.Errorf("StatusesCount = %d after deleting a %s reply, want %d", got, tc.vis, before.StatusesCount)
		}
		if got := w.status(root.ID).RepliesCount; got != parentBefore {
			t.Errorf("RepliesCount = %d after deleting a %s reply, want %d", got, tc.vis, parentBefore)
		}
	}

	r1 := w.post(bob, starling.VisibilityPublic, replyTo(root))
	w.post(bob, starling.VisibilityDirect, replyTo(root), mentioning(alice))
	w.post(bob, starling.VisibilityPrivate, replyTo(root))
	self := w.post(alice, starling.VisibilityUnlisted, replyTo(root))
	w.post(alice, starling.VisibilityPublic, replyTo(r1))
	w.wantCounts(alice, counts{statuses: 3})
	w.wantCounts(bob, counts{statuses: 2})
	for _, tc := range []struct {
		s    *starling.Status
		want int64
	}{{root, 2}, {r1, 1}, {self, 0}} {
		if got := w.status(tc.s.ID).RepliesCount; got != tc.want {
			t.Errorf("RepliesCount of %d = %d, want %d", tc.s.ID, got, tc.want)
		}
	}
}

func testCountStatuses(t *testing.T, w *world) {
	count := func() int64 {
		t.Helper()
		n, err := w.s.CountStatuses(w.ctx)
		w.ok(err, "CountStatuses")
		return n
	}
	if n := count(); n != 0 {
		t.Errorf("CountStatuses() = %d on an empty store", n)
	}
	alice, bob := w.account("alice"), w.account("bob")
	w.post(alice, starling.VisibilityPublic)
	unlisted := w.post(alice, starling.VisibilityUnlisted)
	w.post(bob, starling.VisibilityPrivate)
	direct := w.post(bob, starling.VisibilityDirect, mentioning(alice))
	if n := count(); n != 3 {
		t.Errorf("CountStatuses() = %d, want 3 (direct statuses do not count)", n)
	}
	w.ok(w.s.DeleteStatus(w.ctx, unlisted.ID), "DeleteStatus")
	w.ok(w.s.DeleteStatus(w.ctx, direct.ID), "DeleteStatus")
	if n := count(); n != 2 {
		t.Errorf("CountStatuses() = %d after deletions, want 2", n)
	}
}

func testDeleteStatus(t *testing.T, w *world) {
	alice, bob := w.account("alice"), w.account("bob")
	w.follow(bob, alice)
	root := w.post(alice, starling.VisibilityPublic, func(s *starling.Status) { s.Tags = []string{"t"} })
	reply := w.post(bob, starling.VisibilityPublic, replyTo(root), mentioning(alice))
	other := w.post(alice, starling.VisibilityPublic)

	w.ok(w.s.DeleteStatus(w.ctx, root.ID), "DeleteStatus")
	_, err := w.s.StatusByID(w.ctx, root.ID)
	wantCode(t, err, starling.ENOTFOUND, "StatusByID after delete")
	wantCode(t, w.s.DeleteStatus(w.ctx, root.ID), starling.ENOTFOUND, "DeleteStatus twice")
	w.wantCounts(alice, counts{statuses: 1, followers: 1})

	// The reply stays and still names its parent.
	got := w.status(reply.ID)
	if got.InReplyToID != root.ID || got.InReplyToAccountID != alice.ID {
		t.Errorf("reply after its parent was deleted: in reply to %d/%d, want %d/%d",
			got.InReplyToID, got.InReplyToAccountID, root.ID, alice.ID)
	}

	// Gone from every list.
	lists := map[string]func() ([]*starling.Status, error){
		"HomeTimeline(author)": func() ([]*starling.Status, error) { return w.s.HomeTimeline(w.ctx, alice.ID, page(40)) },
		"HomeTimeline(follower)": func() ([]*starling.Status, error) {
			return w.s.HomeTimeline(w.ctx, bob.ID, page(40))
		},
		"PublicTimeline": func() ([]*starling.Status, error) {
			return w.s.PublicTimeline(w.ctx, starling.PublicTimelineQuery{LocalOnly: true}, page(40))
		},
		"AccountStatuses": func() ([]*starling.Status, error) {
			return w.s.AccountStatuses(w.ctx, starling.AccountStatusesQuery{AccountID: alice.ID}, page(40))
		},
		"StatusesByIDs": func() ([]*starling.Status, error) {
			return w.s.StatusesByIDs(w.ctx, []int64{root.ID, other.ID})
		},
		"Ancestors": func() ([]*starling.Status, error) { return w.s.Ancestors(w.ctx, bob.ID, reply.ID, 10) },
	}
	for name, list := range lists {
		ss, err := list()
		w.ok(err, name)
		for _, s := range ss {
			if s.ID == root.ID {
				t.Errorf("%s still lists the deleted status", name)
			}
		}
	}

	// Deleting the reply now that its parent is gone is fine.
	w.ok(w.s.DeleteStatus(w.ctx, reply.ID), "DeleteStatus(orphaned reply)")
	w.wantCounts(bob, counts{statuses: 0, following: 1})

	// A reply's deletion gives back the parent's count.
	r2 := w.post(bob, starling.VisibilityPublic, replyTo(other))
	if got := w.status(other.ID).RepliesCount; got != 1 {
		t.Errorf("RepliesCount = %d after a reply, want 1", got)
	}
	w.ok(w.s.DeleteStatus(w.ctx, r2.ID), "DeleteStatus(reply)")
	if got := w.status(other.ID).RepliesCount; got != 0 {
		t.Errorf("RepliesCount = %d after the reply was deleted, want 0", got)
	}
}

func testIdempotency(t *testing.T, w *world) {
	alice, bob := w.account("alice"), w.account("bob")
	create := func(a *starling.Account, key string, at time.Time) (*starling.Status, *starling.Status) {
		t.Helper()
		s := &starling.Status{ID: w.id(), AccountID: a.ID, Text: "hi", Content: "<p>hi</p>",
			Visibility: starling.VisibilityPublic, CreatedAt: at,
			Mentions: []starling.Mention{{AccountID: bob.ID, Username: "bob"}}, Tags: []string{"k"}}
		got, err := w.s.CreateStatus(w.ctx, s, key)
		w.ok(err, "CreateStatus")
		return s, got
	}

	t0 := w.tick()
	first, got := create(alice, "key-1", t0)
	statusesEqual(t, "first post with a key", got, first)

	// The same key within the hour: the first status, nothing written.
	for _, at := range []time.Time{t0.Add(time.Second), t0.Add(59 * time.Minute)} {
		retry, got := create(alice, "key-1", at)
		statusesEqual(t, "retried post", got, first)
		_, err := w.s.StatusByID(w.ctx, retry.ID)
		wantCode(t, err, starling.ENOTFOUND, "StatusByID(retry)")
	}
	w.wantCounts(alice, counts{statuses: 1})

	for _, tc := range []struct {
		name    string
		account *starling.Account
		key     string
		at      time.Time
	}{
		{"another key", alice, "key-2", t0.Add(time.Minute)},
		{"the same key of another account", bob, "key-1", t0.Add(time.Minute)},
		{"no key", alice, "", t0.Add(time.Minute)},
		{"no key again", alice, "", t0.Add(time.Minute)},
		{"the same key after an hour", alice, "key-1", t0.Add(61 * time.Minute)},
	} {
		s, got := create(tc.account, tc.key, tc.at)
		if got.ID != s.ID {
			t.Errorf("%s: returned status %d, want the new %d", tc.name, got.ID, s.ID)
		}
	}
	w.wantCounts(alice, counts{statuses: 5})

	// Keys are opaque bytes, of any length.
	for _, key := range []string{"\xff\xfe not UTF-8", "with\x00NUL", strings.Repeat("long", 2000)} {
		s, got := create(alice, key, t0.Add(time.Minute))
		if got.ID != s.ID {
			t.Errorf("first post with key %.20q returned %d, want %d", key, got.ID, s.ID)
		}
		_, got = create(alice, key, t0.Add(2*time.Minute))
		if got.ID != s.ID {
			t.Errorf("retry with key %.20q returned %d, want %d", key, got.ID, s.ID)
		}
	}
	w.wantCounts(alice, counts{statuses: 8})

	// After the hour the key names the new status.
	renewed, _ := create(alice, "key-x", t0.Add(2*time.Hour))
	_, got = create(alice, "key-x", t0.Add(2*time.Hour+time.Minute))
	if got.ID != renewed.ID {
		t.Errorf("key reused after the window returned %d, want %d", got.ID, renewed.ID)
	}

	// Once its status is deleted, a key no longer stands for it.
	w.ok(w.s.DeleteStatus(w.ctx, renewed.ID), "DeleteStatus")
	again, got := create(alice, "key-x", t0.Add(2*time.Hour+2*time.Minute))
	if got.ID != again.ID {
		t.Errorf("key of a deleted status returned %d, want the new %d", got.ID, again.ID)
	}
}

func testConcurrentIdempotency(t *testing.T, w *world) {
	alice := w.account("alice")
	at := w.tick()
	const n = 8
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen = map[int64]int{}
		errs []error
	)
	for i := range n {
		id := w.id()
		wg.Go(func() {
			s := &starling.Status{ID: id, AccountID: alice.ID, Text: fmt.Sprint(i),
				Visibility: starling.VisibilityPublic, CreatedAt: at}
			got, err := w.s.CreateStatus(w.ctx, s, "same-key")
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			seen[got.ID]++
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent CreateStatus: %v", errs)
	}
	if len(seen) != 1 {
		t.Errorf("concurrent posts with one key returned statuses %v, want one", seen)
	}
	w.wantCounts(alice, counts{statuses: 1})
}

func testConcurrentDeletes(t *testing.T, w *world) {
	alice, bob := w.account("alice"), w.account("bob")
	parent := w.post(bob, starling.VisibilityPublic)
	var doomed []*starling.Status
	for range 4 {
		doomed = append(doomed, w.post(alice, starling.VisibilityPublic, replyTo(parent)))
	}
	w.post(alice, starling.VisibilityPublic)

	// Each status is deleted three times at once, while alice posts more
	// replies: exactly one delete of each succeeds.
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		deleted  = map[int64]int{}
		failures []error
	)
	for _, s := range doomed {
		for range 3 {
			wg.Go(func() {
				err := w.s.DeleteStatus(w.ctx, s.ID)
				mu.Lock()
				defer mu.Unlock()
				switch starling.ErrorCode(err) {
				case "":
					deleted[s.ID]++
				case starling.ENOTFOUND:
				default:
					failures = append(failures, err)
				}
			})
		}
	}
	for range 3 {
		s := &starling.Status{ID: w.id(), AccountID: alice.ID, Visibility: starling.VisibilityPublic,
			InReplyToID: parent.ID, InReplyToAccountID: bob.ID, CreatedAt: w.tick()}
		wg.Go(func() {
			if _, err := w.s.CreateStatus(w.ctx, s, ""); err != nil {
				mu.Lock()
				failures = append(failures, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("concurrent DeleteStatus and CreateStatus: %v", failures)
	}
	for _, s := range doomed {
		if deleted[s.ID] != 1 {
			t.Errorf("status %d deleted %d times, want once", s.ID, deleted[s.ID])
		}
	}
	w.wantCounts(alice, counts{statuses: 4})
	if got := w.status(parent.ID).RepliesCount; got != 3 {
		t.Errorf("RepliesCount = %d, want 3", got)
	}
}

func testStatusPaging(t *testing.T, w *world) {
	alice := w.account("alice")
	var s []int64 // s[0] oldest
	type lister func(p starling.Page) ([]*starling.Status, error)
	// Every status is tagged #Paging, so that the tag queries list them all.
	post := func() int64 { return w.post(alice, starling.VisibilityPublic, tagged("Paging")).ID }
	listers := map[string]lister{
		"AccountStatuses": func(p starling.Page) ([]*starling.Status, error) {
			return w.s.AccountStatuses(w.ctx, starling.AccountStatusesQuery{AccountID: alice.ID, ViewerID: alice.ID}, p)
		},
		"AccountStatuses tagged": func(p starling.Page) ([]*starling.Status, error) {
			return w.s.AccountStatuses(w.ctx, starling.AccountStatusesQuery{AccountID: alice.ID, Tagged: "paging"}, p)
		},
		"TagTimeline": func(p starling.Page) ([]*starling.Status, error) {
			return w.s.TagTimeline(w.ctx, starling.TagTimelineQuery{Tag: "PAGING"}, p)
		},
		"PublicTimeline": func(p starling.Page) ([]*starling.Status, error) {
			return w.s.PublicTimeline(w.ctx, starling.PublicTimelineQuery{}, p)
		},
		"HomeTimeline": func(p starling.Page) ([]*starling.Status, error) {
			return w.s.HomeTimeline(w.ctx, alice.ID, p)
		},
	}
	check := func(stage string, cases []pageCase) {
		t.Helper()
		for name, list := range listers {
			for _, tc := range cases {
				got, err := list(tc.page)
				if err != nil {
					t.Errorf("%s %s %s: %v", stage, name, tc.name, err)
					continue
				}
				equal(t, fmt.Sprintf("%s %s %s %+v", stage, name, tc.name, tc.page), ids(got), tc.want)
			}
		}
	}
	check("empty", []pageCase{
		{"first page", page(20), []int64{}},
		{"max_id", starling.Page{MaxID: 1 << 62, Limit: 20}, []int64{}},
		{"min_id", starling.Page{MinID: 1, Limit: 20}, []int64{}},
	})

	s = append(s, post())
	check("one", []pageCase{
		{"first page", page(20), []int64{s[0]}},
		{"limit 1", page(1), []int64{s[0]}},
		{"max_id is the item", starling.Page{MaxID: s[0], Limit: 20}, []int64{}},
		{"max_id above", starling.Page{MaxID: s[0] + 1, Limit: 20}, []int64{s[0]}},
		{"since_id is the item", starling.Page{SinceID: s[0], Limit: 20}, []int64{}},
		{"since_id below", starling.Page{SinceID: s[0] - 1, Limit: 20}, []int64{s[0]}},
		{"min_id is the item", starling.Page{MinID: s[0], Limit: 20}, []int64{}},
		{"min_id below", starling.Page{MinID: s[0] - 1, Limit: 20}, []int64{s[0]}},
	})

	for range 5 {
		s = append(s, post())
	}
	// s[0] … s[5], newest last.
	check("six", []pageCase{
		{"all", page(20), []int64{s[5], s[4], s[3], s[2], s[1], s[0]}},
		{"exactly all", page(6), []int64{s[5], s[4], s[3], s[2], s[1], s[0]}},
		{"first page", page(2), []int64{s[5], s[4]}},
		{"next page", starling.Page{MaxID: s[4], Limit: 2}, []int64{s[3], s[2]}},
		{"last page", starling.Page{MaxID: s[2], Limit: 2}, []int64{s[1], s[0]}},
		{"after the last page", starling.Page{MaxID: s[0], Limit: 2}, []int64{}},
		{"max_id between ids", starling.Page{MaxID: s[3] + 1, Limit: 2}, []int64{s[3], s[2]}},
		// since_id: the newest items above the cursor.
		{"since_id", starling.Page{SinceID: s[1], Limit: 2}, []int64{s[5], s[4]}},
		{"since_id all newer", starling.Page{SinceID: s[3], Limit: 20}, []int64{s[5], s[4]}},
		{"since_id newest", starling.Page{SinceID: s[5], Limit: 20}, []int64{}},
		// min_id: the items just above the cursor, still newest first.
		{"min_id", starling.Page{MinID: s[1], Limit: 2}, []int64{s[3], s[2]}},
		{"min_id next", starling.Page{MinID: s[3], Limit: 2}, []int64{s[5], s[4]}},
		{"min_id near the top", starling.Page{MinID: s[4], Limit: 2}, []int64{s[5]}},
		{"min_id newest", starling.Page{MinID: s[5], Limit: 2}, []int64{}},
		{"min_id below all", starling.Page{MinID: 1, Limit: 3}, []int64{s[2], s[1], s[0]}},
		// Bounds together.
		{"since_id and max_id", starling.Page{SinceID: s[0], MaxID: s[5], Limit: 20}, []int64{s[4], s[3], s[2], s[1]}},
		{"since_id and max_id limited", starling.Page{SinceID: s[0], MaxID: s[5], Limit: 2}, []int64{s[4], s[3]}},
		{"min_id and max_id limited", starling.Page{MinID: s[0], MaxID: s[5], Limit: 2}, []int64{s[2], s[1]}},
		{"empty range", starling.Page{SinceID: s[3], MaxID: s[4], Limit: 20}, []int64{}},
	})

	// Walking with max_id visits every item once, whatever the page size.
	for name, list := range listers {
		for _, limit := range []int{1, 4, 5, 6, starling.MaxPageLimit} {
			var all []int64
			p := page(limit)
			for {
				got, err := list(p)
				w.ok(err, name)
				if len(got) == 0 {
					break
				}
				if len(got) > limit {
					t.Fatalf("%s returned %d items for limit %d", name, len(got), limit)
				}
				all = append(all, ids(got)...)
				p.MaxID = got[len(got)-1].ID
			}
			equal(t, fmt.Sprintf("%s walked with limit %d", name, limit), all, []int64{s[5], s[4], s[3], s[2], s[1], s[0]})
		}
	}
}

// testTagTimeline checks how the tag queries match names; which
// statuses they let through is checked against policy in testVisibility,
// and their paging in testStatusPaging.
func testTagTimeline(t *testing.T, w *world) {
	alice, bob := w.account("alice"), w.account("bob")
	birds := w.post(alice, starling.VisibilityPublic, tagged("Birds"))
	both := w.post(bob, starling.VisibilityPublic, tagged("birdwatching", "BIRDS"))
	reply := w.post(bob, starling.VisibilityPublic, tagged("birds"), replyTo(birds))
	unicode := w.post(alice, starling.VisibilityPublic, tagged("Ärger"))
	unlisted := w.post(alice, starling.VisibilityUnlisted, tagged("birds"))
	w.post(bob, starling.VisibilityPrivate, tagged("birds"))
	bird := w.post(alice, starling.VisibilityPublic, tagged("Bird"))
	deleted := w.post(alice, starling.VisibilityPublic, tagged("birds"))
	w.ok(w.s.DeleteStatus(w.ctx, deleted.ID), "DeleteStatus")

	tests := []struct {
		tag     string
		account *starling.Account // for AccountStatuses with Tagged
		want    []int64
	}{
		{"birds", nil, []int64{reply.ID, both.ID, birds.ID}},
		{"BiRdS", nil, []int64{reply.ID, both.ID, birds.ID}},
		{"birds", alice, []int64{unlisted.ID, birds.ID}}, // a profile lists unlisted ones
		{"birds", bob, []int64{reply.ID, both.ID}},
		{"birdwatching", nil, []int64{both.ID}},
		{"bird", nil, []int64{bird.ID}},
		{"ärger", nil, []int64{unicode.ID}},
		{"ÄRGER", alice, []int64{unicode.ID}},
		{"bir", nil, []int64{}},    // a prefix is another tag
		{"birds%", nil, []int64{}}, // no pattern matching
		{"nothing", nil, []int64{}},
		{"nothing", alice, []int64{}},
	}
	for _, tc := range tests {
		var got []*starling.Status
		var err error
		what := fmt.Sprintf("TagTimeline(%q)", tc.tag)
		if tc.account == nil {
			got, err = w.s.TagTimeline(w.ctx, starling.TagTimelineQuery{Tag: tc.tag}, page(20))
		} else {
			what = fmt.Sprintf("AccountStatuses of %s tagged %q", tc.account.Username, tc.tag)
			got, err = w.s.AccountStatuses(w.ctx, starling.AccountStatusesQuery{AccountID: tc.account.ID, Tagged: tc.tag}, page(20))
		}
		w.ok(err, what)
		equal(t, what, ids(got), tc.want)
	}
}

// pageCase is one page of a list and the item ids expected on it.
type pageCase struct {
	name string
	page starling.Page
	want []int64
}

func testThread(t *testing.T, w *world) {
	alice, bob := w.account("alice"), w.account("bob")
	root := w.post(alice, starling.VisibilityPublic)
	a1 := w.post(bob, starling.VisibilityPublic, replyTo(root))
	b1 := w.post(alice, starling.VisibilityPublic, replyTo(root))
	a2 := w.post(alice, starling.VisibilityUnlisted, replyTo(a1))
	a3 := w.post(bob, starling.VisibilityDirect, replyTo(a2), mentioning(alice))
	b2 := w.post(bob, starling.VisibilityPublic, replyTo(b1))
	a2b := w.post(bob, starling.VisibilityPublic, replyTo(a1))
	w.post(bob, starling.VisibilityPublic) // not in the thread

	list := func(name string, ss []*starling.Status, err error) []int64 {
		t.Helper()
		w.ok(err, name)
		return ids(ss)
	}
	// alice sees the whole thread: a3 mentions her.
	anc := func(s *starling.Status, limit int) []int64 {
		ss, err := w.s.Ancestors(w.ctx, alice.ID, s.ID, limit)
		return list("Ancestors", ss, err)
	}
	desc := func(s *starling.Status, limit int) []int64 {
		ss, err := w.s.Descendants(w.ctx, alice.ID, s.ID, limit)
		return list("Descendants", ss, err)
	}
	for _, tc := range []struct {
		name string
		got  []int64
		want []int64
	}{
		{"ancestors of the root", anc(root, 10), []int64{}},
		{"ancestors of a reply", anc(a1, 10), []int64{root.ID}},
		{"ancestors, oldest first", anc(a3, 10), []int64{root.ID, a1.ID, a2.ID}},
		{"ancestors, the nearest within the limit", anc(a3, 2), []int64{a1.ID, a2.ID}},
		{"ancestors, limit 1", anc(a3, 1), []int64{a2.ID}},
		// Depth first, siblings in posting order.
		{"descendants of the root", desc(root, 20), []int64{a1.ID, a2.ID, a3.ID, a2b.ID, b1.ID, b2.ID}},
		{"descendants, limited", desc(root, 4), []int64{a1.ID, a2.ID, a3.ID, a2b.ID}},
		{"descendants of a reply", desc(a1, 20), []int64{a2.ID, a3.ID, a2b.ID}},
		{"descendants of a leaf", desc(a3, 20), []int64{}},
	} {
		equal(t, tc.name, tc.got, tc.want)
	}

	// Statuses in a thread come with their mentions.
	ss, err := w.s.Descendants(w.ctx, alice.ID, a2.ID, 10)
	w.ok(err, "Descendants")
	if len(ss) != 1 || !ss[0].MentionsAccount(alice.ID) {
		t.Errorf("Descendants(a2) = %+v, want a3 mentioning alice", ss)
	}

	// Hidden statuses are left out before the limit, so they cannot push
	// visible ones out; the replies below a hidden one still show.
	carol := w.account("carol")
	top := w.post(carol, starling.VisibilityPublic)
	var hidden []*starling.Status
	for range 3 {
		hidden = append(hidden, w.post(carol, starling.VisibilityDirect, replyTo(top), mentioning(bob)))
	}
	under := w.post(carol, starling.VisibilityPublic, replyTo(hidden[0]))
	shown := w.post(carol, starling.VisibilityPublic, replyTo(top))
	chain := w.post(carol, starling.VisibilityDirect, replyTo(shown), mentioning(bob))
	chain = w.post(carol, starling.VisibilityDirect, replyTo(chain), mentioning(bob))
	leaf := w.post(carol, starling.VisibilityPublic, replyTo(chain))
	for _, tc := range []struct {
		name string
		got  func() ([]*starling.Status, error)
		want []int64
	}{
		{"descendants, anonymous, limit 2", func() ([]*starling.Status, error) {
			return w.s.Descendants(w.ctx, 0, top.ID, 2)
		}, []int64{under.ID, shown.ID}},
		{"descendants, a stranger, limit 3", func() ([]*starling.Status, error) {
			return w.s.Descendants(w.ctx, alice.ID, top.ID, 3)
		}, []int64{under.ID, shown.ID, leaf.ID}},
		{"descendants, a recipient, limit 2", func() ([]*starling.Status, error) {
			return w.s.Descendants(w.ctx, bob.ID, top.ID, 2)
		}, []int64{hidden[0].ID, under.ID}},
		{"ancestors, anonymous, limit 1", func() ([]*starling.Status, error) {
			return w.s.Ancestors(w.ctx, 0, leaf.ID, 1)
		}, []int64{shown.ID}},
		{"ancestors, anonymous", func() ([]*starling.Status, error) {
			return w.s.Ancestors(w.ctx, 0, leaf.ID, 10)
		}, []int64{top.ID, shown.ID}},
		{"ancestors, a recipient, limit 2", func() ([]*starling.Status, error) {
			return w.s.Ancestors(w.ctx, bob.ID, leaf.ID, 2)
		}, []int64{chain.InReplyToID, chain.ID}},
	} {
		ss, err := tc.got()
		equal(t, tc.name, list(tc.name, ss, err), tc.want)
	}

	// A deleted status cuts the chain, but its replies stay.
	w.ok(w.s.DeleteStatus(w.ctx, a1.ID), "DeleteStatus")
	equal(t, "ancestors stop at a deleted status", anc(a3, 10), []int64{a2.ID})
	equal(t, "descendants lose the deleted branch", desc(root, 20), []int64{b1.ID, b2.ID})
	equal(t, "descendants of the orphan", desc(a2, 20), []int64{a3.ID})
}

// testThreadBounds checks that the reply walks stop at
// starling.MaxThreadDepth levels and starling.MaxThreadWalk replies, however
// large the limit asked for: a thread is built by anyone who can reply,
// and an unbounded walk of a deep one costs quadratic time.
func testThreadBounds(t *testing.T, w *world) {
	alice := w.account("alice")
	const extra = 5
	// A chain deeper than the bound.
	chain := []*starling.Status{w.post(alice, starling.VisibilityPublic)}
	for range starling.MaxThreadDepth + extra {
		chain = append(chain, w.post(alice, starling.VisibilityPublic, replyTo(chain[len(chain)-1])))
	}
	// A status with more direct replies than the walk reads, posted from
	// several goroutines (ids are made here, not in them).
	wide := w.post(alice, starling.VisibilityPublic)
	n := starling.MaxThreadWalk + extra
	first := w.id()
	w.next += int64(n)
	at := w.tick()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := g; i < n; i += 8 {
				s := &starling.Status{ID: first + int64(i), AccountID: alice.ID, Text: "hi", Content: "<p>hi</p>",
					Visibility: starling.VisibilityPublic, InReplyToID: wide.ID, InReplyToAccountID: alice.ID,
					CreatedAt: at.Add(time.Duration(i) * time.Millisecond)}
				_, errs[i] = w.s.CreateStatus(w.ctx, s, "")
			}
		})
	}
	wg.Wait()
	w.ok(errors.Join(errs...), "CreateStatus(wide replies)")

	const unlimited = 10 * starling.MaxThreadWalk
	desc, err := w.s.Descendants(w.ctx, 0, chain[0].ID, unlimited)
	w.ok(err, "Descendants(chain)")
	equal(t, "descendants of a deep chain", ids(desc), ids(chain[1:1+starling.MaxThreadDepth]))
	anc, err := w.s.Ancestors(w.ctx, 0, chain[len(chain)-1].ID, unlimited)
	w.ok(err, "Ancestors(chain)")
	equal(t, "ancestors of a deep chain", ids(anc), ids(chain[extra:len(chain)-1]))
	desc, err = w.s.Descendants(w.ctx, 0, wide.ID, unlimited)
	w.ok(err, "Descendants(wide)")
	if len(desc) != starling.MaxThreadWalk {
		t.Errorf("Descendants of a status with %d replies listed %d, want the bound %d", n, len(desc), starling.MaxThreadWalk)
	}
}

func testPruneIdempotencyKeys(t *testing.T, w *world) {
	alice := w.account("alice")
	post := func(key string, at time.Time) (*starling.Status, *starling.Status) {
		t.Helper()
		s := &starling.Status{ID: w.id(), AccountID: alice.ID, Text: "hi", Content: "<p>hi</p>",
			Visibility: starling.VisibilityPublic, CreatedAt: at}
		got, err := w.s.CreateStatus(w.ctx, s, key)
		w.ok(err, "CreateStatus")
		return s, got
	}
	prune := func(olderThan time.Time, want int64) {
		t.Helper()
		n, err := w.s.PruneIdempotencyKeys(w.ctx, olderThan)
		w.ok(err, "PruneIdempotencyKeys")
		if n != want {
			t.Errorf("PruneIdempotencyKeys(%v) = %d, want %d", olderThan, n, want)
		}
	}

	t0 := w.tick()
	prune(t0, 0) // nothing to prune
	// More keys than one batch of the adapters, claimed before t0.
	const stale = 1003
	// Posted from several goroutines, which a server database runs at once.
	staleErrs := make([]error, stale)
	var wg sync.WaitGroup
	first := w.id() // ids are made here, not in the goroutines
	w.next += stale // and later ones stay above them
	for g := range 8 {
		wg.Go(func() {
			for i := g; i < stale; i += 8 {
				s := &starling.Status{ID: first + int64(i), AccountID: alice.ID, Text: "hi", Content: "<p>hi</p>",
					Visibility: starling.VisibilityPublic, CreatedAt: t0.Add(-2*time.Hour + time.Duration(i)*time.Millisecond)}
				_, staleErrs[i] = w.s.CreateStatus(w.ctx, s, fmt.Sprintf("stale-%d", i))
			}
		})
	}
	wg.Wait()
	w.ok(errors.Join(staleErrs...), "CreateStatus(stale keys)")
	old, _ := post("old", t0)
	young, _ := post("young", t0.Add(30*time.Minute))
	post("", t0) // no key, nothing to prune

	// Only keys claimed strictly before olderThan go.
	prune(t0, stale)
	prune(t0, 0)
	prune(t0.Add(time.Minute), 1)
	w.wantCounts(alice, counts{statuses: stale + 3}) // pruning deletes keys, not statuses
	if got := w.status(old.ID); got.ID != old.ID {
		t.Errorf("the status of a pruned key is gone")
	}

	// A pruned key no longer stands for its status, even within the hour;
	// a kept one still does.
	at := t0.Add(40 * time.Minute)
	if s, got := post("old", at); got.ID != s.ID {
		t.Errorf("post with a pruned key returned %d, want the new %d", got.ID, s.ID)
	}
	if _, got := post("young", at); got.ID != young.ID {
		t.Errorf("retry with a kept key returned %d, want %d", got.ID, young.ID)
	}
}
