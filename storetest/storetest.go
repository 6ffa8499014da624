// Package storetest is the conformance suite of starling.Store. Every
// adapter runs the same Run from its own tests, so the contracts written on
// the Store interface, and the visibility rules of package policy that the
// timeline queries implement in SQL, are checked once for all of them.
package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/starling-social/starling"
)

// Run runs the suite. open must return a new, migrated, empty store for
// each call, and close it when the test ends (t.Cleanup); subtests run in
// parallel, each on its own store.
func Run(t *testing.T, open func(t *testing.T) starling.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, w *world)
	}{
		{"Ping", testPing},
		{"AccountRoundTrip", testAccountRoundTrip},
		{"AccountUniqueness", testAccountUniqueness},
		{"UpdateAccount", testUpdateAccount},
		{"ConcurrentUpdateAccount", testConcurrentUpdateAccount},
		{"CreateAccountWithToken", testCreateAccountWithToken},
		{"AccountsByIDsAndUsernames", testAccountsByIDsAndUsernames},
		{"SearchAccounts", testSearchAccounts},
		{"CountAccounts", testCountAccounts},
		{"CountStatuses", testCountStatuses},
		{"NotFound", testNotFound},
		{"Apps", testApps},
		{"Tokens", testTokens},
		{"RotateToken", testRotateToken},
		{"ConcurrentRotateToken", testConcurrentRotateToken},
		{"AuthCodes", testAuthCodes},
		{"StatusRoundTrip", testStatusRoundTrip},
		{"StatusesByIDs", testStatusesByIDs},
		{"StatusCounts", testStatusCounts},
		{"DeleteStatus", testDeleteStatus},
		{"Idempotency", testIdempotency},
		{"ConcurrentIdempotency", testConcurrentIdempotency},
		{"PruneIdempotencyKeys", testPruneIdempotencyKeys},
		{"ConcurrentDeletes", testConcurrentDeletes},
		{"Pins", testPins},
		{"ConcurrentPins", testConcurrentPins},
		{"StatusPaging", testStatusPaging},
		{"TagTimeline", testTagTimeline},
		{"Thread", testThread},
		{"ThreadBounds", testThreadBounds},
		{"FollowCounts", testFollowCounts},
		{"ConcurrentFollows", testConcurrentFollows},
		{"FollowRequests", testFollowRequests},
		{"EdgePaging", testEdgePaging},
		{"Relationships", testRelationships},
		{"Visibility", testVisibility},
		{"FanoutJobs", testFanoutJobs},
		{"FollowedAmong", testFollowedAmong},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newWorld(t, open(t)))
		})
	}
}

// world wraps a store under test with helpers that create what a test
// needs and fail the test on unexpected errors.
type world struct {
	t    *testing.T
	s    starling.Store
	ctx  context.Context
	next int64     // the last id handed out
	at   time.Time // the creation time of the next object
}

func newWorld(t *testing.T, s starling.Store) *world {
	return &world{
		t:    t,
		s:    s,
		ctx:  t.Context(),
		next: 1 << 40, // large enough to need 64 bits, like Snowflake ids
		at:   time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC),
	}
}

// id returns a new id, larger than all before it, as a Snowflake would be.
func (w *world) id() int64 {
	w.next += 1 + w.next%7 // uneven gaps: nothing may rely on consecutive ids
	return w.next
}

// tick returns a new creation time, one second after the previous one.
func (w *world) tick() time.Time {
	w.at = w.at.Add(time.Second)
	return w.at
}

// account creates an approved account named username, modified by opts.
func (w *world) account(username string, opts ...func(*starling.Account)) *starling.Account {
	w.t.Helper()
	a := &starling.Account{
		ID:                w.id(),
		Username:          username,
		Email:             username + "@example.com",
		PasswordHash:      "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA",
		DisplayName:       username,
		Role:              starling.RoleUser,
		Approved:          true,
		DefaultVisibility: starling.VisibilityPublic,
		CreatedAt:         w.tick(),
	}
	a.UpdatedAt = a.CreatedAt
	for _, o := range opts {
		o(a)
	}
	if err := w.s.CreateAccountWithToken(w.ctx, a, nil); err != nil {
		w.t.Fatalf("CreateAccountWithToken(%s): %v", username, err)
	}
	return a
}

// post creates a status by author, modified by opts.
func (w *world) post(author *starling.Account, vis starling.Visibility, opts ...func(*starling.Status)) *starling.Status {
	w.t.Helper()
	s := &starling.Status{
		ID:         w.id(),
		AccountID:  author.ID,
		Text:       "hello",
		Content:    "<p>hello</p>",
		Visibility: vis,
		CreatedAt:  w.tick(),
	}
	for _, o := range opts {
		o(s)
	}
	got, err := w.s.CreateStatus(w.ctx, s, "")
	if err != nil {
		w.t.Fatalf("CreateStatus: %v", err)
	}
	return got
}

func replyTo(parent *starling.Status) func(*starling.Status) {
	return func(s *starling.Status) {
		s.InReplyToID, s.InReplyToAccountID = parent.ID, parent.AccountID
	}
}

func mentioning(as ...*starling.Account) func(*starling.Status) {
	return func(s *starling.Status) {
		for _, a := range as {
			s.Mentions = append(s.Mentions, starling.Mention{AccountID: a.ID, Username: a.Username})
		}
	}
}

// tagged gives a status hashtags, as typed (the caller deduplicates them
// regardless of case, as package statuses does).
func tagged(names ...string) func(*starling.Status) {
	return func(s *starling.Status) { s.Tags = append(s.Tags, names...) }
}

// hasTag reports whether s carries the hashtag name, regardless of case,
// which is how the tag queries must match.
func hasTag(s *starling.Status, name string) bool {
	return slices.ContainsFunc(s.Tags, func(t string) bool { return strings.ToLower(t) == strings.ToLower(name) })
}

func (w *world) follow(follower, followee *starling.Account) {
	w.t.Helper()
	if err := w.s.Follow(w.ctx, follower.ID, followee.ID); err != nil {
		w.t.Fatalf("Follow: %v", err)
	}
}

func (w *world) reload(a *starling.Account) *starling.Account {
	w.t.Helper()
	got, err := w.s.AccountByID(w.ctx, a.ID)
	if err != nil {
		w.t.Fatalf("AccountByID(%d): %v", a.ID, err)
	}
	return got
}

func (w *world) status(id int64) *starling.Status {
	w.t.Helper()
	got, err := w.s.StatusByID(w.ctx, id)
	if err != nil {
		w.t.Fatalf("StatusByID(%d): %v", id, err)
	}
	return got
}

// counts is the three counters of an account.
type counts struct{ statuses, followers, following int64 }

func (w *world) counts(a *starling.Account) counts {
	w.t.Helper()
	got := w.reload(a)
	return counts{got.StatusesCount, got.FollowersCount, got.FollowingCount}
}

func (w *world) wantCounts(a *starling.Account, want counts) {
	w.t.Helper()
	if got := w.counts(a); got != want {
		w.t.Errorf("counts of %s = %+v, want %+v", a.Username, got, want)
	}
}

// ok fails the test when err is not nil.
func (w *world) ok(err error, what string) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("%s: %v", what, err)
	}
}

// wantCode fails the test unless err carries the code.
func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if got := starling.ErrorCode(err); got != code {
		t.Errorf("%s: error code %q (%v), want %q", what, got, err, code)
	}
}

// wantTaken fails the test unless err is starling.Taken(field).
func wantTaken(t *testing.T, err error, field, what string) {
	t.Helper()
	wantCode(t, err, starling.EINVALID, what)
	var e *starling.Error
	if !errors.As(err, &e) {
		return
	}
	if fe := e.Details[field]; len(fe) != 1 || fe[0].Error != starling.ErrTaken || len(e.Details) != 1 {
		t.Errorf("%s: details %+v, want only %s %s", what, e.Details, field, starling.ErrTaken)
	}
}

// equal fails the test unless got and want are deeply equal.
func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// ids lists the ids of statuses, in order.
func ids(ss []*starling.Status) []int64 {
	out := make([]int64, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	return out
}

// statusesEqual compares two statuses field by field, so that a
// difference names the field.
func statusesEqual(t *testing.T, what string, got, want *starling.Status) {
	t.Helper()
	if got == nil || want == nil {
		if got != want {
			t.Errorf("%s: got %v, want %v", what, got, want)
		}
		return
	}
	equal(t, what, *got, *want)
}

// sortedIDs returns ids sorted newest (largest) first.
func sortedIDs(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b int64) int { return cmp.Compare(b, a) })
	return out
}

func page(limit int) starling.Page { return starling.Page{Limit: limit} }

func describe(s *starling.Status) string {
	return fmt.Sprintf("%d(%s by %d, reply to %d, mentions %v)", s.ID, s.Visibility, s.AccountID, s.InReplyToAccountID, s.Mentions)
}

func testPing(t *testing.T, w *world) {
	w.ok(w.s.Ping(w.ctx), "Ping")
	if st := w.s.PoolStats(); st.MaxOpen < 1 || st.Open < 1 || st.InUse < 0 || st.Idle < 0 {
		t.Errorf("PoolStats() = %+v, want at least one connection allowed and open", st)
	}
}
