package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/policy"
)

// testVisibility builds a small world with statuses of every visibility,
// mention and reply target, and checks each timeline query against the
// policy functions evaluated over all statuses: the SQL must select exactly
// what policy.InHome, policy.InPublic and policy.CanView allow (the tag
// timeline: what CanView lets anyone see, public only; the pinned
// statuses: what CanView allows of the account's pins, each status that
// is not direct being pinned).
func testVisibility(t *testing.T, w *world) {
	author := w.account("author")
	follower := w.account("follower") // follows author
	stranger := w.account("stranger") // follows nobody, followed by nobody
	mentioned := w.account("mentioned")
	friend := w.account("friend") // followed by follower, not by author
	accounts := []*starling.Account{author, follower, stranger, mentioned, friend}

	follows := map[[2]int64]bool{} // {follower, followee}
	follow := func(a, b *starling.Account) {
		w.follow(a, b)
		follows[[2]int64{a.ID, b.ID}] = true
	}
	follow(follower, author)
	follow(follower, friend)
	follow(author, follower)
	follow(mentioned, stranger)

	var all []*starling.Status
	// Statuses carry #Birds, #birds and #Tea in turn, or no tag, so that
	// the tag queries see every kind of status too.
	tagSets := [][]string{{"Birds"}, {"birds", "Tea"}, {"TEA"}, nil}
	post := func(a *starling.Account, vis starling.Visibility, opts ...func(*starling.Status)) {
		opts = append(opts, tagged(tagSets[len(all)%len(tagSets)]...))
		all = append(all, w.post(a, vis, opts...))
	}
	// Every account's first status is the one the others reply to.
	base := map[int64]*starling.Status{}
	for _, a := range accounts {
		post(a, starling.VisibilityPublic)
		base[a.ID] = all[len(all)-1]
	}
	visibilities := []starling.Visibility{starling.VisibilityPublic, starling.VisibilityUnlisted,
		starling.VisibilityPrivate, starling.VisibilityDirect}
	type variant struct {
		mentions []*starling.Account
		replyTo  *starling.Account // nil: not a reply
	}
	variants := func(mentions [][]*starling.Account, replyTo []*starling.Account) []variant {
		var out []variant
		for _, m := range mentions {
			for _, r := range replyTo {
				out = append(out, variant{m, r})
			}
		}
		return out
	}
	plans := []struct {
		by       *starling.Account
		variants []variant
	}{
		{author, variants(
			[][]*starling.Account{nil, {mentioned}, {follower}, {mentioned, stranger}},
			[]*starling.Account{nil, author, stranger, follower, friend, mentioned})},
		{follower, variants(
			[][]*starling.Account{nil, {stranger}, {author}},
			[]*starling.Account{nil, follower, stranger, author})},
		{stranger, variants(
			[][]*starling.Account{nil, {follower}},
			[]*starling.Account{nil, follower, stranger})},
		{friend, variants(
			[][]*starling.Account{nil, {mentioned}},
			[]*starling.Account{nil, author, follower})},
	}
	for _, p := range plans {
		for _, vis := range visibilities {
			for _, v := range p.variants {
				opts := []func(*starling.Status){mentioning(v.mentions...)}
				if v.replyTo != nil {
					opts = append(opts, replyTo(base[v.replyTo.ID]))
				}
				post(p.by, vis, opts...)
			}
		}
	}

	// Replies to replies, below statuses of every visibility, so that the
	// threads hold visible statuses under hidden ones.
	var level1 []*starling.Status
	for _, s := range all {
		if s.AccountID == author.ID && s.InReplyToID == base[author.ID].ID && len(s.Mentions) == 0 {
			level1 = append(level1, s)
		}
	}
	for _, parent := range level1 {
		post(follower, starling.VisibilityPublic, replyTo(parent))
		post(stranger, starling.VisibilityPrivate, replyTo(parent))
		post(mentioned, starling.VisibilityDirect, replyTo(parent), mentioning(follower))
	}

	viewers := append([]*starling.Account{nil}, accounts...) // nil: anonymous
	check := func(stage string) {
		t.Helper()
		live := map[int64]*starling.Status{}
		for _, s := range all {
			live[s.ID] = s
		}
		expect := func(keep func(s *starling.Status) bool) []int64 {
			var out []int64
			for _, s := range all {
				if keep(s) {
					out = append(out, s.ID)
				}
			}
			return orEmpty(sortedIDs(out))
		}
		// got also checks that every listed status is complete.
		got := func(what string, ss []*starling.Status) []int64 {
			for _, s := range ss {
				if want, ok := live[s.ID]; !ok {
					t.Errorf("%s %s: lists %d, which is not a live status", stage, what, s.ID)
				} else if !slices.Equal(s.Mentions, want.Mentions) || !slices.Equal(s.Tags, want.Tags) || s.Visibility != want.Visibility ||
					s.InReplyToAccountID != want.InReplyToAccountID {
					t.Errorf("%s %s: status %s read as %s", stage, what, describe(want), describe(s))
				}
			}
			return ids(ss)
		}
		diff := func(what string, got, want []int64) {
			t.Helper()
			if slices.Equal(got, want) {
				return
			}
			wrongSet := false
			for _, id := range got {
				if !slices.Contains(want, id) {
					wrongSet = true
					if s, ok := live[id]; ok {
						t.Errorf("%s %s: lists %s, which policy does not allow", stage, what, describe(s))
					}
				}
			}
			for _, id := range want {
				if !slices.Contains(got, id) {
					wrongSet = true
					t.Errorf("%s %s: leaves out %s, which policy allows", stage, what, describe(live[id]))
				}
			}
			if !wrongSet {
				t.Errorf("%s %s: order or repeats %v, want %v", stage, what, got, want)
			}
		}

		public := expect(policy.InPublic)
		for _, q := range []starling.PublicTimelineQuery{{}, {LocalOnly: true}} {
			what := fmt.Sprintf("PublicTimeline(%+v)", q)
			diff(what, got(what, walk(t, func(p starling.Page) ([]*starling.Status, error) {
				return w.s.PublicTimeline(w.ctx, q, p)
			})), public)
		}

		// The tag timeline is what anyone may see that is public, replies
		// included, with the tag in any case.
		anyone := policy.Viewer{}
		for _, tag := range []string{"birds", "BIRDS", "tea", "nothing"} {
			want := expect(func(s *starling.Status) bool {
				return policy.CanView(anyone, s) && s.Visibility == starling.VisibilityPublic && hasTag(s, tag)
			})
			for _, q := range []starling.TagTimelineQuery{{Tag: tag}, {Tag: tag, LocalOnly: true}} {
				what := fmt.Sprintf("TagTimeline(%+v)", q)
				list := func(p starling.Page) ([]*starling.Status, error) { return w.s.TagTimeline(w.ctx, q, p) }
				diff(what, got(what, walk(t, list)), want)
				diff(what+" read upwards with min_id", got(what, walkUp(t, list)), want)
			}
		}

		for _, viewer := range viewers {
			v := policy.Viewer{}
			name := "anonymous"
			if viewer != nil {
				v.ID, name = viewer.ID, viewer.Username
				v.Follows = func(id int64) bool { return follows[[2]int64{viewer.ID, id}] }
			}

			home := expect(func(s *starling.Status) bool { return policy.InHome(v, s) })
			what := "HomeTimeline of " + name
			list := func(p starling.Page) ([]*starling.Status, error) { return w.s.HomeTimeline(w.ctx, v.ID, p) }
			diff(what, got(what, walk(t, list)), home)
			diff(what+" read upwards with min_id", got(what, walkUp(t, list)), home)
			if v.ID != 0 {
				what = "HomeTimelineIDs of " + name
				rebuilt, err := w.s.HomeTimelineIDs(w.ctx, v.ID, len(all)+1, nil)
				w.ok(err, what)
				diff(what, orEmpty(rebuilt), home)
				if len(home) > 1 {
					rebuilt, err = w.s.HomeTimelineIDs(w.ctx, v.ID, 1, nil)
					w.ok(err, what)
					diff(what+" limit 1", rebuilt, home[:1])
				}
				// Leaving followees out (and an account not followed, and
				// the viewer, whose own statuses stay) takes exactly their
				// statuses out.
				except := []int64{author.ID, friend.ID, stranger.ID, v.ID}
				rest := expect(func(s *starling.Status) bool {
					return policy.InHome(v, s) && (s.AccountID == v.ID || !slices.Contains(except, s.AccountID))
				})
				rebuilt, err = w.s.HomeTimelineIDs(w.ctx, v.ID, len(all)+1, except)
				w.ok(err, what)
				diff(what+" except author, friend and stranger", orEmpty(rebuilt), rest)
			}

			checkThreads(t, w, name, v, all, live, diff)

			for _, a := range accounts {
				for _, q := range []starling.AccountStatusesQuery{
					{AccountID: a.ID, ViewerID: v.ID},
					{AccountID: a.ID, ViewerID: v.ID, ExcludeReplies: true},
					{AccountID: a.ID, ViewerID: v.ID, OnlyMedia: true},
					{AccountID: a.ID, ViewerID: v.ID, Tagged: "BIRDS"},
					{AccountID: a.ID, ViewerID: v.ID, ExcludeReplies: true, Tagged: "tea"},
				} {
					want := expect(func(s *starling.Status) bool {
						return s.AccountID == a.ID && policy.CanView(v, s) &&
							(!q.ExcludeReplies || s.InReplyToAccountID == 0 || s.InReplyToAccountID == s.AccountID) &&
							!q.OnlyMedia && // no status has media yet
							(q.Tagged == "" || hasTag(s, q.Tagged))
					})
					what := fmt.Sprintf("AccountStatuses of %s seen by %s (exclude replies %v, only media %v, tagged %q)",
						a.Username, name, q.ExcludeReplies, q.OnlyMedia, q.Tagged)
					diff(what, got(what, walk(t, func(p starling.Page) ([]*starling.Status, error) {
						return w.s.AccountStatuses(w.ctx, q, p)
					})), want)
				}
				// Every status that is not direct is pinned, in the order
				// of posting, so the latest pinned is the newest.
				what := fmt.Sprintf("PinnedStatuses of %s seen by %s", a.Username, name)
				pins, err := w.s.PinnedStatuses(w.ctx, a.ID, v.ID)
				w.ok(err, what)
				diff(what, orEmpty(got(what, pins)), expect(func(s *starling.Status) bool {
					return s.AccountID == a.ID && policy.CanView(v, s) && s.Visibility != starling.VisibilityDirect
				}))
			}
		}
	}
	for _, s := range all {
		if s.Visibility != starling.VisibilityDirect {
			w.ok(w.s.PinStatus(w.ctx, s.AccountID, s.ID, len(all)), "PinStatus")
		}
	}
	check("initially")
	checkFanout(t, w, all, accounts, follows)

	// Deleting statuses, reply targets among them, takes them out of every
	// list and leaves the replies as they were.
	var kept []*starling.Status
	for i, s := range all {
		if i%4 == 1 || s.ID == base[stranger.ID].ID || s.ID == base[author.ID].ID {
			w.ok(w.s.DeleteStatus(w.ctx, s.ID), "DeleteStatus")
			continue
		}
		kept = append(kept, s)
	}
	all = kept
	check("after deletions")

	// Following changes what the home timeline shows.
	w.ok(w.s.Unfollow(w.ctx, follower.ID, friend.ID), "Unfollow")
	delete(follows, [2]int64{follower.ID, friend.ID})
	follow(stranger, author)
	follow(author, mentioned)
	check("after (un)follows")
	checkFanout(t, w, all, accounts, follows)
}

// checkFanout checks the reads of delivery: FanoutRecipients of every
// status is exactly the author's followers whose home timeline policy.InHome
// puts it in (read in pages of two, so that the cursor is crossed), and
// all of them for a delete; AccountStatusIDs is every status of the
// account, newest first.
func checkFanout(t *testing.T, w *world, all []*starling.Status, accounts []*starling.Account, follows map[[2]int64]bool) {
	t.Helper()
	recipients := func(target starling.FanoutTarget) []int64 {
		var out []int64
		var after int64
		for range len(accounts) + 1 {
			ids, next, err := w.s.FanoutRecipients(w.ctx, target, after, 2)
			w.ok(err, "FanoutRecipients")
			out = append(out, ids...)
			if next == 0 {
				return orEmpty(sortedIDs(out))
			}
			after = next
		}
		t.Fatalf("FanoutRecipients(%+v): the cursor does not end", target)
		return nil
	}
	for _, s := range all {
		var want, followers []int64
		for _, a := range accounts {
			if !follows[[2]int64{a.ID, s.AccountID}] {
				continue
			}
			followers = append(followers, a.ID)
			v := policy.Viewer{ID: a.ID, Follows: func(id int64) bool { return follows[[2]int64{a.ID, id}] }}
			if policy.InHome(v, s) {
				want = append(want, a.ID)
			}
		}
		target := starling.FanoutTarget{StatusID: s.ID, AuthorID: s.AccountID, Visibility: s.Visibility,
			InReplyToAccountID: s.InReplyToAccountID}
		if got, want := recipients(target), orEmpty(sortedIDs(want)); !slices.Equal(got, want) {
			t.Errorf("FanoutRecipients of %s = %v, want %v", describe(s), got, want)
		}
		target.Visibility = ""
		if got, want := recipients(target), orEmpty(sortedIDs(followers)); !slices.Equal(got, want) {
			t.Errorf("FanoutRecipients of the delete of %s = %v, want every follower %v", describe(s), got, want)
		}
	}
	for _, a := range accounts {
		var want []int64
		for _, s := range all {
			if s.AccountID == a.ID {
				want = append(want, s.ID)
			}
		}
		got, err := w.s.AccountStatusIDs(w.ctx, a.ID, len(all)+1)
		w.ok(err, "AccountStatusIDs")
		if want := orEmpty(sortedIDs(want)); !slices.Equal(orEmpty(got), want) {
			t.Errorf("AccountStatusIDs(%s) = %v, want %v", a.Username, got, want)
		}
	}
}

// checkThreads checks Ancestors and Descendants of every status against
// the reply tree of the live statuses filtered by policy.CanView: with a
// limit that lets everything through, and with a small one that must
// still be filled with visible statuses.
func checkThreads(t *testing.T, w *world, viewer string, v policy.Viewer, all []*starling.Status,
	live map[int64]*starling.Status, diff func(what string, got, want []int64)) {
	t.Helper()
	children := map[int64][]*starling.Status{} // in posting order, as all is
	for _, s := range all {
		if s.InReplyToID != 0 {
			children[s.InReplyToID] = append(children[s.InReplyToID], s)
		}
	}
	var below func(id int64, out []int64) []int64
	below = func(id int64, out []int64) []int64 {
		for _, c := range children[id] {
			if policy.CanView(v, c) {
				out = append(out, c.ID)
			}
			out = below(c.ID, out)
		}
		return out
	}
	const small = 2
	for _, s := range all {
		// Only the statuses with replies, and the replies to replies, are
		// read: the others add thousands of queries and no case.
		if parent, ok := live[s.InReplyToID]; len(children[s.ID]) == 0 && (!ok || parent.InReplyToID == 0) {
			continue
		}
		var above []int64
		for p, ok := live[s.InReplyToID]; ok; p, ok = live[p.InReplyToID] {
			if policy.CanView(v, p) {
				above = append([]int64{p.ID}, above...)
			}
		}
		want := orEmpty(above)
		got, err := w.s.Ancestors(w.ctx, v.ID, s.ID, 100)
		w.ok(err, "Ancestors")
		diff(fmt.Sprintf("Ancestors(%s) seen by %s", describe(s), viewer), ids(got), want)
		got, err = w.s.Ancestors(w.ctx, v.ID, s.ID, small)
		w.ok(err, "Ancestors")
		diff(fmt.Sprintf("Ancestors(%s, limit %d) seen by %s", describe(s), small, viewer), ids(got), want[max(len(want)-small, 0):])

		want = orEmpty(below(s.ID, nil))
		got, err = w.s.Descendants(w.ctx, v.ID, s.ID, 100)
		w.ok(err, "Descendants")
		diff(fmt.Sprintf("Descendants(%s) seen by %s", describe(s), viewer), ids(got), want)
		got, err = w.s.Descendants(w.ctx, v.ID, s.ID, small)
		w.ok(err, "Descendants")
		diff(fmt.Sprintf("Descendants(%s, limit %d) seen by %s", describe(s), small, viewer), ids(got), want[:min(len(want), small)])
	}
}

// walk reads a whole list page by page with max_id, newest first.
func walk(t *testing.T, list func(p starling.Page) ([]*starling.Status, error)) []*starling.Status {
	t.Helper()
	var out []*starling.Status
	p := starling.Page{Limit: 7}
	for {
		ss, err := list(p)
		if err != nil {
			t.Fatalf("walk: %v", err)
		}
		out = append(out, ss...)
		if len(ss) < p.Limit {
			return out
		}
		p.MaxID = ss[len(ss)-1].ID
	}
}

// walkUp reads a whole list page by page with min_id, from the oldest,
// and returns it newest first.
func walkUp(t *testing.T, list func(p starling.Page) ([]*starling.Status, error)) []*starling.Status {
	t.Helper()
	var out []*starling.Status
	p := starling.Page{MinID: 1, Limit: 7}
	for {
		ss, err := list(p)
		if err != nil {
			t.Fatalf("walk up: %v", err)
		}
		out = append(slices.Clone(ss), out...)
		if len(ss) < p.Limit {
			return out
		}
		p.MinID = ss[0].ID
	}
}
