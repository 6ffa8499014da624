package storecache

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/snowflake"
	"github.com/starling-social/starling/sqlite/sqlitetest"
	"github.com/starling-social/starling/storetest"
)

// TestStore runs the Store suite over the cache on SQLite: caching must
// change nothing that the contracts say.
func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) starling.Store {
		return New(sqlitetest.Open(t), Options{})
	})
}

// spy is the inner store of the unit tests: SQLite, counting the calls of
// the reads the cache serves, and able to run a write in the middle of
// one, after it has read and before the cache stores what it read.
type spy struct {
	starling.Store
	reads atomic.Int64
	// during, when set, runs once, inside the next cached read.
	during func()
}

func (s *spy) read() {
	s.reads.Add(1)
	if f := s.during; f != nil {
		s.during = nil
		f()
	}
}

func (s *spy) TokenByAccessHash(ctx context.Context, hash string) (*starling.Token, error) {
	defer s.read()
	return s.Store.TokenByAccessHash(ctx, hash)
}

func (s *spy) AppByID(ctx context.Context, id int64) (*starling.App, error) {
	defer s.read()
	return s.Store.AppByID(ctx, id)
}

func (s *spy) AccountByID(ctx context.Context, id int64) (*starling.Account, error) {
	defer s.read()
	return s.Store.AccountByID(ctx, id)
}

func (s *spy) AccountsByIDs(ctx context.Context, ids []int64) ([]*starling.Account, error) {
	defer s.read()
	return s.Store.AccountsByIDs(ctx, ids)
}

func (s *spy) AccountsByUsernames(ctx context.Context, names []string) ([]*starling.Account, error) {
	defer s.read()
	return s.Store.AccountsByUsernames(ctx, names)
}

func (s *spy) StatusByID(ctx context.Context, id int64) (*starling.Status, error) {
	defer s.read()
	return s.Store.StatusByID(ctx, id)
}

func (s *spy) StatusesByIDs(ctx context.Context, ids []int64) ([]*starling.Status, error) {
	defer s.read()
	return s.Store.StatusesByIDs(ctx, ids)
}

// clock is a settable clock for Options.Now.
type clock struct{ ns atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// env is a cache over a spied SQLite store, with helpers.
type env struct {
	t     testing.TB
	ctx   context.Context
	c     *Store
	inner *spy
	clock *clock
	ids   *snowflake.Generator
}

func newEnv(t testing.TB, opts Options) *env {
	e := &env{t: t, ctx: context.Background(), inner: &spy{Store: sqlitetest.Open(t)}, clock: &clock{}, ids: sqlitetest.IDs(t)}
	e.clock.ns.Store(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano())
	opts.Now = e.clock.now
	e.c = New(e.inner, opts)
	return e
}

func (e *env) account(name string) *starling.Account {
	return sqlitetest.CreateAccount(e.t, e.inner, e.ids, name)
}

func (e *env) post(author *starling.Account, parent *starling.Status) *starling.Status {
	e.t.Helper()
	s := &starling.Status{ID: e.ids.Next(), AccountID: author.ID, Text: "hi", Content: "<p>hi</p>",
		Visibility: starling.VisibilityPublic, CreatedAt: time.Now()}
	if parent != nil {
		s.InReplyToID, s.InReplyToAccountID = parent.ID, parent.AccountID
	}
	got, err := e.c.CreateStatus(e.ctx, s, "")
	e.ok(err, "CreateStatus")
	return got
}

func (e *env) token(access, refresh string) *starling.Token {
	e.t.Helper()
	tok := &starling.Token{ID: e.ids.Next(), AccessHash: access, RefreshHash: refresh, Scopes: "read"}
	e.ok(e.c.CreateToken(e.ctx, tok), "CreateToken")
	return tok
}

func (e *env) ok(err error, what string) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
}

// cachedAccount reads the account through the cache.
func (e *env) cachedAccount(id int64) *starling.Account {
	e.t.Helper()
	a, err := e.c.AccountByID(e.ctx, id)
	e.ok(err, "AccountByID")
	return a
}

func (e *env) cachedStatus(id int64) *starling.Status {
	e.t.Helper()
	s, err := e.c.StatusByID(e.ctx, id)
	e.ok(err, "StatusByID")
	return s
}

// wantFresh fails unless the cache serves what the database holds for
// each account and status, by every cached read.
func (e *env) wantFresh(what string, accounts []*starling.Account, statuses []*starling.Status) {
	e.t.Helper()
	for _, a := range accounts {
		want, err := e.inner.Store.AccountByID(e.ctx, a.ID)
		e.ok(err, "inner AccountByID")
		if got := e.cachedAccount(a.ID); !reflect.DeepEqual(got, want) {
			e.t.Errorf("%s: AccountByID(%s) = %+v, want %+v", what, a.Username, *got, *want)
		}
		got, err := e.c.AccountsByIDs(e.ctx, []int64{a.ID})
		e.ok(err, "AccountsByIDs")
		if len(got) != 1 {
			e.t.Errorf("%s: AccountsByIDs(%s) returned %d accounts, want 1", what, a.Username, len(got))
		} else if !reflect.DeepEqual(got[0], want) {
			e.t.Errorf("%s: AccountsByIDs(%s) = %+v, want %+v", what, a.Username, *got[0], *want)
		}
	}
	for _, s := range statuses {
		want, err := e.inner.Store.StatusByID(e.ctx, s.ID)
		if starling.ErrorCode(err) == starling.ENOTFOUND {
			if _, err := e.c.StatusByID(e.ctx, s.ID); starling.ErrorCode(err) != starling.ENOTFOUND {
				e.t.Errorf("%s: StatusByID(%d) of a deleted status: %v, want not found", what, s.ID, err)
			}
			if got, _ := e.c.StatusesByIDs(e.ctx, []int64{s.ID}); len(got) != 0 {
				e.t.Errorf("%s: StatusesByIDs(%d) of a deleted status returned it", what, s.ID)
			}
			continue
		}
		e.ok(err, "inner StatusByID")
		if got := e.cachedStatus(s.ID); !reflect.DeepEqual(got, want) {
			e.t.Errorf("%s: StatusByID(%d) = %+v, want %+v", what, s.ID, *got, *want)
		}
		got, err := e.c.StatusesByIDs(e.ctx, []int64{s.ID})
		e.ok(err, "StatusesByIDs")
		if len(got) != 1 {
			e.t.Errorf("%s: StatusesByIDs(%d) returned %d statuses, want 1", what, s.ID, len(got))
		} else if !reflect.DeepEqual(got[0], want) {
			e.t.Errorf("%s: StatusesByIDs(%d) = %+v, want %+v", what, s.ID, *got[0], *want)
		}
	}
}

// TestInvalidation checks that each write of this process is seen by the
// next read, although everything it changes was cached before it.
func TestInvalidation(t *testing.T) {
	type world struct {
		alice, bob *starling.Account
		root       *starling.Status
	}
	for _, tc := range []struct {
		name  string
		write func(e *env, w *world) []*starling.Status // returns statuses to check besides root
	}{
		{"Follow", func(e *env, w *world) []*starling.Status {
			e.ok(e.c.Follow(e.ctx, w.bob.ID, w.alice.ID), "Follow")
			return nil
		}},
		{"Unfollow", func(e *env, w *world) []*starling.Status {
			e.ok(e.c.Follow(e.ctx, w.bob.ID, w.alice.ID), "Follow")
			e.wantFresh("after the follow", []*starling.Account{w.alice, w.bob}, nil)
			e.ok(e.c.Unfollow(e.ctx, w.bob.ID, w.alice.ID), "Unfollow")
			return nil
		}},
		{"AuthorizeFollowRequest", func(e *env, w *world) []*starling.Status {
			e.ok(e.c.CreateFollowRequest(e.ctx, w.bob.ID, w.alice.ID), "CreateFollowRequest")
			e.ok(e.c.AuthorizeFollowRequest(e.ctx, w.bob.ID, w.alice.ID), "AuthorizeFollowRequest")
			return nil
		}},
		{"CreateStatus", func(e *env, w *world) []*starling.Status {
			return []*starling.Status{e.post(w.alice, nil)}
		}},
		{"CreateStatus reply", func(e *env, w *world) []*starling.Status {
			return []*starling.Status{e.post(w.bob, w.root)}
		}},
		{"DeleteStatus", func(e *env, w *world) []*starling.Status {
			e.ok(e.c.DeleteStatus(e.ctx, w.root.ID), "DeleteStatus")
			return nil
		}},
		{"DeleteStatus reply", func(e *env, w *world) []*starling.Status {
			reply := e.post(w.bob, w.root)
			e.wantFresh("after the reply", []*starling.Account{w.bob}, []*starling.Status{w.root, reply})
			e.ok(e.c.DeleteStatus(e.ctx, reply.ID), "DeleteStatus")
			return []*starling.Status{reply}
		}},
		{"DeleteStatus uncached", func(e *env, w *world) []*starling.Status {
			reply := e.post(w.bob, w.root)
			e.wantFresh("after the reply", []*starling.Account{w.bob}, []*starling.Status{w.root})
			e.ok(e.c.DeleteStatus(e.ctx, reply.ID), "DeleteStatus")
			return []*starling.Status{reply}
		}},
		{"PinStatus", func(e *env, w *world) []*starling.Status {
			e.ok(e.c.PinStatus(e.ctx, w.alice.ID, w.root.ID, 5), "PinStatus")
			return nil
		}},
		{"UnpinStatus", func(e *env, w *world) []*starling.Status {
			e.ok(e.c.PinStatus(e.ctx, w.alice.ID, w.root.ID, 5), "PinStatus")
			e.wantFresh("after the pin", nil, []*starling.Status{w.root})
			e.ok(e.c.UnpinStatus(e.ctx, w.alice.ID, w.root.ID), "UnpinStatus")
			return nil
		}},
		{"UpdateAccount", func(e *env, w *world) []*starling.Status {
			_, err := e.c.UpdateAccount(e.ctx, w.alice.ID, func(a *starling.Account) error {
				a.DisplayName = "Alice B."
				return nil
			})
			e.ok(err, "UpdateAccount")
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			w := &world{alice: e.account("alice"), bob: e.account("bob")}
			w.root = e.post(w.alice, nil)
			accounts := []*starling.Account{w.alice, w.bob}
			e.wantFresh("before", accounts, []*starling.Status{w.root}) // caches them all
			before := e.inner.reads.Load()
			e.wantFresh("cached", accounts, []*starling.Status{w.root})
			if n := e.inner.reads.Load() - before; n != 0 {
				t.Fatalf("%d reads of the inner store when everything is cached", n)
			}
			more := tc.write(e, w)
			e.wantFresh("after "+tc.name, accounts, append([]*starling.Status{w.root}, more...))
		})
	}
}

// TestTokens checks that a token revoked or rotated through the cache
// stops authenticating at once.
func TestTokens(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(e *env, tok *starling.Token) (gone []string, live []string)
	}{
		{"RevokeToken", func(e *env, tok *starling.Token) ([]string, []string) {
			e.ok(e.c.RevokeToken(e.ctx, tok.ID), "RevokeToken")
			return []string{tok.AccessHash}, []string{"other"}
		}},
		{"RotateToken", func(e *env, tok *starling.Token) ([]string, []string) {
			next := &starling.Token{ID: e.ids.Next(), AccessHash: "next", RefreshHash: "next-r", Scopes: "read"}
			old, err := e.c.RotateToken(e.ctx, tok.RefreshHash, next)
			e.ok(err, "RotateToken")
			if old.ID != tok.ID {
				e.t.Errorf("RotateToken returned token %d, want %d", old.ID, tok.ID)
			}
			return []string{tok.AccessHash}, []string{"next", "other"}
		}},
		{"RotateToken not found", func(e *env, tok *starling.Token) ([]string, []string) {
			_, err := e.c.RotateToken(e.ctx, "nope", &starling.Token{ID: e.ids.Next(), AccessHash: "next"})
			if starling.ErrorCode(err) != starling.ENOTFOUND {
				e.t.Errorf("RotateToken(unknown): %v, want not found", err)
			}
			return []string{"next"}, []string{tok.AccessHash, "other"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			tok := e.token("access", "refresh")
			e.token("other", "")
			for _, h := range []string{"access", "other", "access"} {
				_, err := e.c.TokenByAccessHash(e.ctx, h)
				e.ok(err, "TokenByAccessHash")
			}
			if n := e.inner.reads.Load(); n != 2 {
				t.Fatalf("%d reads of the inner store for two tokens, want 2", n)
			}
			gone, live := tc.write(e, tok)
			for _, h := range gone {
				if _, err := e.c.TokenByAccessHash(e.ctx, h); starling.ErrorCode(err) != starling.ENOTFOUND {
					t.Errorf("TokenByAccessHash(%s): %v, want not found", h, err)
				}
			}
			for _, h := range live {
				got, err := e.c.TokenByAccessHash(e.ctx, h)
				if err != nil || got.AccessHash != h {
					t.Errorf("TokenByAccessHash(%s) = %+v, %v, want the token", h, got, err)
				}
			}
			if n := e.c.Stats().Tokens.Entries; n != len(e.c.tokenIDs) {
				t.Errorf("%d tokens cached, %d in the index", n, len(e.c.tokenIDs))
			}
		})
	}
}

// TestTTL checks that a change the cache cannot see (another process's,
// here the inner store's directly) shows once the entry expires.
func TestTTL(t *testing.T) {
	const ttl = 5 * time.Second
	e := newEnv(t, Options{TTL: ttl, AccountTTL: ttl})
	alice := e.account("alice")
	tok := e.token("access", "")
	e.cachedAccount(alice.ID)
	_, err := e.c.TokenByAccessHash(e.ctx, tok.AccessHash)
	e.ok(err, "TokenByAccessHash")

	_, err = e.inner.Store.UpdateAccount(e.ctx, alice.ID, func(a *starling.Account) error {
		a.DisplayName = "changed elsewhere"
		return nil
	})
	e.ok(err, "inner UpdateAccount")
	e.ok(e.inner.Store.RevokeToken(e.ctx, tok.ID), "inner RevokeToken")

	e.clock.advance(ttl - 1)
	if got := e.cachedAccount(alice.ID); got.DisplayName != alice.DisplayName {
		t.Errorf("before the TTL: display name %q, want the cached %q", got.DisplayName, alice.DisplayName)
	}
	if _, err := e.c.TokenByAccessHash(e.ctx, tok.AccessHash); err != nil {
		t.Errorf("before the TTL: TokenByAccessHash: %v, want the cached token", err)
	}
	e.clock.advance(1)
	if got := e.cachedAccount(alice.ID); got.DisplayName != "changed elsewhere" {
		t.Errorf("after the TTL: display name %q, want the new one", got.DisplayName)
	}
	if _, err := e.c.TokenByAccessHash(e.ctx, tok.AccessHash); starling.ErrorCode(err) != starling.ENOTFOUND {
		t.Errorf("after the TTL: TokenByAccessHash: %v, want not found", err)
	}
}

// TestFillRace runs a write between a missing read's query and its
// storing the result: what it read is stale, and must not be cached.
func TestFillRace(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(e *env, alice, bob *starling.Account, root *starling.Status)
	}{
		{"AccountByID", func(e *env, alice, bob *starling.Account, _ *starling.Status) {
			e.inner.during = func() { e.ok(e.c.Follow(e.ctx, bob.ID, alice.ID), "Follow") }
			e.cachedAccount(alice.ID)
		}},
		{"AccountsByIDs", func(e *env, alice, bob *starling.Account, _ *starling.Status) {
			e.inner.during = func() { e.ok(e.c.Follow(e.ctx, bob.ID, alice.ID), "Follow") }
			_, err := e.c.AccountsByIDs(e.ctx, []int64{alice.ID, bob.ID})
			e.ok(err, "AccountsByIDs")
		}},
		{"StatusByID", func(e *env, _, bob *starling.Account, root *starling.Status) {
			e.inner.during = func() { e.post(bob, root) }
			e.cachedStatus(root.ID)
		}},
		{"StatusesByIDs", func(e *env, _, bob *starling.Account, root *starling.Status) {
			e.inner.during = func() { e.post(bob, root) }
			_, err := e.c.StatusesByIDs(e.ctx, []int64{root.ID})
			e.ok(err, "StatusesByIDs")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			alice, bob := e.account("alice"), e.account("bob")
			root := e.post(alice, nil)
			// CreateStatus cached the new status; the race is that of a
			// status read from the store.
			e.c.statuses.Forget(root.ID)
			tc.run(e, alice, bob, root)
			if e.inner.during != nil {
				t.Fatal("the write did not run during the read")
			}
			e.wantFresh("after the race", []*starling.Account{alice, bob}, []*starling.Status{root})
		})
	}

	t.Run("TokenByAccessHash", func(t *testing.T) {
		e := newEnv(t, Options{})
		tok := e.token("access", "")
		e.inner.during = func() { e.ok(e.c.RevokeToken(e.ctx, tok.ID), "RevokeToken") }
		_, err := e.c.TokenByAccessHash(e.ctx, tok.AccessHash)
		e.ok(err, "TokenByAccessHash (read before the revoke)")
		if _, err := e.c.TokenByAccessHash(e.ctx, tok.AccessHash); starling.ErrorCode(err) != starling.ENOTFOUND {
			t.Errorf("TokenByAccessHash after the revoke: %v, want not found", err)
		}
	})
}

// TestConcurrent reads and writes from many goroutines at once: when all
// is done, nothing stale may be left in the cache.
func TestConcurrent(t *testing.T) {
	e := newEnv(t, Options{MaxEntries: 8}) // small, so that eviction runs too
	var accounts []*starling.Account
	var ids []int64
	for i := range 6 {
		a := e.account(fmt.Sprintf("user%d", i))
		accounts, ids = append(accounts, a), append(ids, a.ID)
	}
	root := e.post(accounts[0], nil)
	var toks []*starling.Token
	for i := range 6 {
		toks = append(toks, e.token(fmt.Sprintf("access%d", i), ""))
	}
	// Fatalf may not be called from the goroutines.
	check := func(err error, what string) {
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() { // readers
			for range 50 {
				_, err := e.c.AccountsByIDs(e.ctx, ids)
				check(err, "AccountsByIDs")
				_, err = e.c.StatusByID(e.ctx, root.ID)
				check(err, "StatusByID")
				_, err = e.c.TokenByAccessHash(e.ctx, toks[g].AccessHash)
				if err != nil && starling.ErrorCode(err) != starling.ENOTFOUND {
					t.Errorf("TokenByAccessHash: %v", err)
				}
			}
		})
	}
	for g := range 2 {
		wg.Go(func() { // writers
			for i := range 10 {
				a, b := accounts[(g+i)%len(accounts)], accounts[(g+i+1)%len(accounts)]
				check(e.c.Follow(e.ctx, a.ID, b.ID), "Follow")
				_, err := e.c.CreateStatus(e.ctx, &starling.Status{ID: e.ids.Next(), AccountID: a.ID, Text: "re",
					Visibility: starling.VisibilityPublic, InReplyToID: root.ID, InReplyToAccountID: root.AccountID,
					CreatedAt: time.Now()}, "")
				check(err, "CreateStatus")
				if i%2 == 0 {
					check(e.c.Unfollow(e.ctx, a.ID, b.ID), "Unfollow")
				}
			}
			check(e.c.RevokeToken(e.ctx, toks[g].ID), "RevokeToken")
		})
	}
	wg.Wait()
	e.wantFresh("after the storm", accounts, []*starling.Status{root})
	for _, tok := range toks[:2] {
		if _, err := e.c.TokenByAccessHash(e.ctx, tok.AccessHash); starling.ErrorCode(err) != starling.ENOTFOUND {
			t.Errorf("TokenByAccessHash of a revoked token: %v, want not found", err)
		}
	}
}

// TestSharedValues checks that a hit hands out the cache's own value, the
// same one every time, so that a page of twenty statuses costs no copy,
// and that the value a filling read returns is not the one it cached, so
// that nothing read before the fill aliases the cache.
func TestSharedValues(t *testing.T) {
	e := newEnv(t, Options{})
	alice := e.account("alice")
	root := e.post(alice, nil)
	app := &starling.App{ID: e.ids.Next(), Name: "app", ClientID: "client"}
	e.ok(e.c.CreateApp(e.ctx, app), "CreateApp")
	tok := e.token("access", "")

	type reads struct {
		a, as *starling.Account
		s, ss *starling.Status
		ap    *starling.App
		tk    *starling.Token
	}
	read := func() reads {
		var r reads
		var err error
		r.a = e.cachedAccount(alice.ID)
		as, err := e.c.AccountsByIDs(e.ctx, []int64{alice.ID})
		e.ok(err, "AccountsByIDs")
		r.as = as[0]
		r.s = e.cachedStatus(root.ID)
		ss, err := e.c.StatusesByIDs(e.ctx, []int64{root.ID})
		e.ok(err, "StatusesByIDs")
		r.ss = ss[0]
		r.ap, err = e.c.AppByID(e.ctx, app.ID)
		e.ok(err, "AppByID")
		r.tk, err = e.c.TokenByAccessHash(e.ctx, tok.AccessHash)
		e.ok(err, "TokenByAccessHash")
		return r
	}
	fill, hit, again := read(), read(), read()
	if hit != again {
		t.Errorf("two hits returned different values: %+v and %+v", hit, again)
	}
	// (The status was cached when it was posted: its first read hits.)
	if fill.a == hit.a || fill.ap == hit.ap || fill.tk == hit.tk {
		t.Errorf("a filling read returned the value it cached")
	}
	if hit.a.Username != "alice" || hit.s.Text != "hi" || hit.ap.Name != "app" || hit.tk.Scopes != "read" {
		t.Errorf("hits read %+v", hit)
	}
}

// TestNotFoundNotCached checks that a miss of the inner store is asked
// again, so that what is created later is found.
func TestNotFoundNotCached(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.ids.Next()
	for range 2 {
		if _, err := e.c.AccountByID(e.ctx, id); starling.ErrorCode(err) != starling.ENOTFOUND {
			t.Fatalf("AccountByID(missing): %v, want not found", err)
		}
		if _, err := e.c.TokenByAccessHash(e.ctx, "guess"); starling.ErrorCode(err) != starling.ENOTFOUND {
			t.Fatalf("TokenByAccessHash(guess): %v, want not found", err)
		}
	}
	if n := e.inner.reads.Load(); n != 4 {
		t.Errorf("%d reads of the inner store for two misses each of two lookups, want 4", n)
	}
	a := &starling.Account{ID: id, Username: "late", Role: starling.RoleUser, Approved: true,
		DefaultVisibility: starling.VisibilityPublic}
	e.ok(e.c.CreateAccountWithToken(e.ctx, a, &starling.Token{ID: e.ids.Next(), AccessHash: "guess"}), "CreateAccountWithToken")
	e.cachedAccount(id)
	_, err := e.c.TokenByAccessHash(e.ctx, "guess")
	e.ok(err, "TokenByAccessHash after creating it")
	if st := e.c.Stats(); st.Accounts.Misses != 3 || st.Tokens.Misses != 3 || st.Accounts.Hits != 0 {
		t.Errorf("Stats() = %+v, want 3 misses each and no hits", st)
	}
}

// TestMaxEntries checks that no kind holds more entries than allowed,
// however many are read, and that the tokens' index follows evictions.
func TestMaxEntries(t *testing.T) {
	for _, max := range []int{1, 7, 64, 100} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			e := newEnv(t, Options{MaxEntries: max})
			var ids []int64
			for i := range 150 {
				a := e.account(fmt.Sprintf("user%d", i))
				ids = append(ids, a.ID)
				e.cachedAccount(a.ID)
				e.token(fmt.Sprintf("access%d", i), "")
				_, err := e.c.TokenByAccessHash(e.ctx, fmt.Sprintf("access%d", i))
				e.ok(err, "TokenByAccessHash")
			}
			got, err := e.c.AccountsByIDs(e.ctx, ids)
			e.ok(err, "AccountsByIDs")
			if len(got) != len(ids) {
				t.Errorf("AccountsByIDs returned %d accounts, want %d", len(got), len(ids))
			}
			st := e.c.Stats()
			if st.Accounts.Entries > max || st.Accounts.Entries == 0 {
				t.Errorf("%d accounts cached, want 1 to %d", st.Accounts.Entries, max)
			}
			if st.Tokens.Entries > max || st.Tokens.Entries != len(e.c.tokenIDs) {
				t.Errorf("%d tokens cached, %d in the index, want at most %d and equal",
					st.Tokens.Entries, len(e.c.tokenIDs), max)
			}
		})
	}
}

// BenchmarkAccountsByIDsHit reads the authors of a page of 20 statuses,
// all cached, from every core.
func BenchmarkAccountsByIDsHit(b *testing.B) {
	e := newEnv(b, Options{})
	ids := make([]int64, 20)
	for i := range ids {
		ids[i] = e.account(fmt.Sprintf("user%d", i)).ID
	}
	if _, err := e.c.AccountsByIDs(e.ctx, ids); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			as, err := e.c.AccountsByIDs(e.ctx, ids)
			if err != nil || len(as) != len(ids) {
				b.Fatal(len(as), err)
			}
		}
	})
	if n := e.inner.reads.Load(); n != 1 {
		b.Fatalf("%d reads of the inner store, want 1", n)
	}
}

// BenchmarkTokenByAccessHashHit is the authentication of a request.
func BenchmarkTokenByAccessHashHit(b *testing.B) {
	e := newEnv(b, Options{})
	hash := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	e.token(hash, "")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.c.TokenByAccessHash(e.ctx, hash); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestNewStatusCached checks that a status just created is served without
// a read, and that deleting it right after forgets it.
func TestNewStatusCached(t *testing.T) {
	e := newEnv(t, Options{})
	alice := e.account("alice")
	st := e.post(alice, nil)
	before := e.inner.reads.Load()
	got, err := e.c.StatusByID(e.ctx, st.ID)
	e.ok(err, "StatusByID")
	if got.ID != st.ID || got.Text != st.Text {
		t.Errorf("StatusByID = %+v, want the status created", got)
	}
	if n := e.inner.reads.Load() - before; n != 0 {
		t.Errorf("reading a status just created read the store %d times, want 0", n)
	}
	e.ok(e.c.DeleteStatus(e.ctx, st.ID), "DeleteStatus")
	if _, err := e.c.StatusByID(e.ctx, st.ID); starling.ErrorCode(err) != starling.ENOTFOUND {
		t.Errorf("StatusByID after the delete: %v, want not found", err)
	}
}

// TestAccountsByUsernames checks the usernames cache: names in any case,
// repeated, known and unknown, and counts as fresh as AccountByID's.
func TestAccountsByUsernames(t *testing.T) {
	e := newEnv(t, Options{})
	alice, bob := e.account("alice"), e.account("bob")
	usernames := func(names ...string) []string {
		t.Helper()
		got, err := e.c.AccountsByUsernames(e.ctx, names)
		e.ok(err, "AccountsByUsernames")
		var out []string
		for _, a := range got {
			out = append(out, a.Username)
		}
		slices.Sort(out)
		return out
	}
	tests := []struct {
		names []string
		want  []string
	}{
		{nil, nil},
		{[]string{"nobody"}, nil},
		{[]string{"alice"}, []string{"alice"}},
		{[]string{"ALICE", "alice", "Bob", "nobody"}, []string{"alice", "bob"}},
		{[]string{"BOB", "bob"}, []string{"bob"}},
	}
	for _, tt := range tests {
		if got := usernames(tt.names...); !slices.Equal(got, tt.want) {
			t.Errorf("AccountsByUsernames(%q) = %q, want %q", tt.names, got, tt.want)
		}
	}
	// Once known, a name costs no read of the store, and the account
	// carries the counts of the follow just made.
	e.ok(e.c.Follow(e.ctx, bob.ID, alice.ID), "Follow")
	e.c.AccountByID(e.ctx, alice.ID)
	before := e.inner.reads.Load()
	got, err := e.c.AccountsByUsernames(e.ctx, []string{"Alice"})
	e.ok(err, "AccountsByUsernames")
	if len(got) != 1 || got[0].FollowersCount != 1 {
		t.Errorf("AccountsByUsernames(Alice) after a follow = %+v, want alice with 1 follower", got)
	}
	if n := e.inner.reads.Load() - before; n != 0 {
		t.Errorf("a known username read the store %d times, want 0", n)
	}
}
