package follows_test

import (
	"context"
	"slices"
	"testing"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/follows"
	"github.com/starling-social/starling/snowflake"
	"github.com/starling-social/starling/sqlite"
	"github.com/starling-social/starling/sqlite/sqlitetest"
)

type env struct {
	store *sqlite.DB
	ids   *snowflake.Generator
	svc   *follows.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, ids := sqlitetest.Open(t), sqlitetest.IDs(t)
	return &env{store: db, ids: ids, svc: follows.New(db, nil)}
}

func (e *env) account(t *testing.T, username string, edit ...func(*starling.Account)) *starling.Account {
	t.Helper()
	return sqlitetest.CreateAccount(t, e.store, e.ids, username, edit...)
}

func locked(a *starling.Account) { a.Locked = true }

func code(err error) string { return starling.ErrorCode(err) }

func TestFollow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alice := e.account(t, "alice")
	bob := e.account(t, "bob")
	carol := e.account(t, "carol", locked)
	pending := e.account(t, "pending", func(a *starling.Account) { a.Approved = false })

	tests := []struct {
		name      string
		target    int64
		err       string
		following bool
		requested bool
	}{
		{"unlocked", bob.ID, "", true, false},
		{"unlocked again", bob.ID, "", true, false},
		{"locked asks", carol.ID, "", false, true},
		{"locked asks twice", carol.ID, "", false, true},
		{"oneself", alice.ID, starling.EFORBIDDEN, false, false},
		{"missing", e.ids.Next(), starling.ENOTFOUND, false, false},
		{"awaiting approval", pending.ID, starling.ENOTFOUND, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rel, err := e.svc.Follow(ctx, alice, tt.target)
			if code(err) != tt.err {
				t.Fatalf("err = %v, want %q", err, tt.err)
			}
			if err == nil && (rel.ID != tt.target || rel.Following != tt.following || rel.Requested != tt.requested) {
				t.Errorf("relationship = %+v, want following %v requested %v", rel, tt.following, tt.requested)
			}
		})
	}
	b, err := e.store.AccountByID(ctx, bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	if b.FollowersCount != 1 {
		t.Errorf("bob's followers_count = %d, want 1", b.FollowersCount)
	}

	rel, err := e.svc.Unfollow(ctx, alice.ID, bob.ID)
	if err != nil || rel.Following {
		t.Errorf("unfollow: %+v, %v", rel, err)
	}
	if rel, err = e.svc.Unfollow(ctx, alice.ID, bob.ID); err != nil || rel.Following {
		t.Errorf("unfollow again: %+v, %v", rel, err)
	}
	if _, err := e.svc.Unfollow(ctx, alice.ID, e.ids.Next()); code(err) != starling.ENOTFOUND {
		t.Errorf("unfollow a missing account: %v", err)
	}
	// Unfollowing withdraws a pending request.
	if rel, err = e.svc.Unfollow(ctx, alice.ID, carol.ID); err != nil || rel.Requested {
		t.Errorf("withdraw request: %+v, %v", rel, err)
	}
}

func TestFollowRequests(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	owner := e.account(t, "owner", locked)
	asker := e.account(t, "asker")
	other := e.account(t, "other")
	for _, a := range []*starling.Account{asker, other} {
		if _, err := e.svc.Follow(ctx, a, owner.ID); err != nil {
			t.Fatal(err)
		}
	}
	reqs, err := e.svc.FollowRequests(ctx, owner.ID, starling.Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	if got := edgeIDs(reqs); !slices.Equal(got, []int64{other.ID, asker.ID}) {
		t.Errorf("requests = %v, want newest first [%d %d]", got, other.ID, asker.ID)
	}

	rel, err := e.svc.Authorize(ctx, owner.ID, asker.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !rel.FollowedBy || rel.RequestedBy || rel.ID != asker.ID {
		t.Errorf("after authorize: %+v", rel)
	}
	if _, err := e.svc.Authorize(ctx, owner.ID, asker.ID); code(err) != starling.ENOTFOUND {
		t.Errorf("authorize twice: %v, want ENOTFOUND", err)
	}
	rel, err = e.svc.Reject(ctx, owner.ID, other.ID)
	if err != nil || rel.FollowedBy || rel.RequestedBy {
		t.Errorf("after reject: %+v, %v", rel, err)
	}
	if _, err := e.svc.Reject(ctx, owner.ID, other.ID); code(err) != starling.ENOTFOUND {
		t.Errorf("reject twice: %v, want ENOTFOUND", err)
	}
	if reqs, err = e.svc.FollowRequests(ctx, owner.ID, starling.Page{Limit: 40}); err != nil || len(reqs) != 0 {
		t.Errorf("requests left: %v, %v", edgeIDs(reqs), err)
	}
	followers, err := e.svc.Followers(ctx, owner.ID, starling.Page{Limit: 40})
	if err != nil || !slices.Equal(edgeIDs(followers), []int64{asker.ID}) {
		t.Errorf("followers = %v, %v", edgeIDs(followers), err)
	}
}

func TestRelationships(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	me := e.account(t, "me")
	a := e.account(t, "a")
	b := e.account(t, "b")
	if _, err := e.svc.Follow(ctx, me, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Follow(ctx, a, me.ID); err != nil {
		t.Fatal(err)
	}
	missing := e.ids.Next()
	tests := []struct {
		name string
		ids  []int64
		want []flags
	}{
		{"none", nil, []flags{}},
		{"one", []int64{b.ID}, []flags{{ID: b.ID, Following: true}}},
		{"in the order asked, once each", []int64{b.ID, a.ID, b.ID, missing},
			[]flags{{ID: b.ID, Following: true}, {ID: a.ID, FollowedBy: true}, {ID: missing}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rels, err := e.svc.Relationships(ctx, me.ID, tt.ids)
			if err != nil {
				t.Fatal(err)
			}
			got := []flags{}
			for _, r := range rels {
				got = append(got, flags{r.ID, r.Following, r.FollowedBy, r.Requested, r.RequestedBy})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// flags are the parts of a Relationship that following changes.
type flags struct {
	ID                                            int64
	Following, FollowedBy, Requested, RequestedBy bool
}

func TestFollowerLists(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	star := e.account(t, "star")
	var fans []int64
	for _, name := range []string{"f1", "f2", "f3"} {
		f := e.account(t, name)
		if _, err := e.svc.Follow(ctx, f, star.ID); err != nil {
			t.Fatal(err)
		}
		fans = append([]int64{f.ID}, fans...) // most recent first
	}
	first, err := e.svc.Followers(ctx, star.ID, starling.Page{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(edgeIDs(first), fans[:2]) {
		t.Fatalf("first page = %v, want %v", edgeIDs(first), fans[:2])
	}
	rest, err := e.svc.Followers(ctx, star.ID, starling.Page{Limit: 2, MaxID: first[1].Cursor})
	if err != nil || !slices.Equal(edgeIDs(rest), fans[2:]) {
		t.Errorf("second page = %v, %v, want %v", edgeIDs(rest), err, fans[2:])
	}
	following, err := e.svc.Following(ctx, star.ID, starling.Page{Limit: 2})
	if err != nil || len(following) != 0 {
		t.Errorf("following = %v, %v, want none", edgeIDs(following), err)
	}
	if _, err := e.svc.Followers(ctx, e.ids.Next(), starling.Page{Limit: 2}); code(err) != starling.ENOTFOUND {
		t.Errorf("followers of a missing account: %v", err)
	}
	if _, err := e.svc.Following(ctx, e.ids.Next(), starling.Page{Limit: 2}); code(err) != starling.ENOTFOUND {
		t.Errorf("following of a missing account: %v", err)
	}
}

func edgeIDs(edges []starling.Edge) []int64 {
	var out []int64
	for _, e := range edges {
		out = append(out, e.Account.ID)
	}
	return out
}
