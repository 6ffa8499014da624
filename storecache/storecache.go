// Package storecache keeps the hot reads of a starling.Store in memory:
// the reads every authenticated request makes (the token, its app, its
// account) and the ones that render a page of statuses (the statuses and
// their authors). New wraps any Store; what it does not cache passes
// through to it.
//
// # What is cached, and how it stays right
//
// TokenByAccessHash, AppByID, AccountByID, AccountsByIDs, StatusByID and
// StatusesByIDs are served from memory when they can. Only what exists is
// cached: a lookup that finds nothing asks the inner store every time (a
// guessed token stays a database miss; guessing is rate-limited before it
// gets here).
//
// The writes of this process forget what they change, after calling the
// inner store and whether or not it succeeded (a failed write may still
// have committed):
//   - UpdateAccount: the account;
//   - CreateStatus: its author (counts) and the status it replies to (its
//     replies count);
//   - DeleteStatus: the status, its author and its parent, which it reads
//     first to know them;
//   - PinStatus, UnpinStatus: the status, whose PinnedAt changes (so that
//     its author's next read shows the pin at once);
//   - Follow, Unfollow, AuthorizeFollowRequest: both accounts (counts);
//   - RevokeToken and RotateToken: the token, which then stops
//     authenticating at once.
//
// Apps are never changed by the Store, so nothing forgets them.
// CreateAccountWithToken and CreateToken forget nothing: what they create
// was not cached, since not-found is not.
//
// A read that misses and reads the inner store might otherwise cache what
// a concurrent write has just made stale: read the old row, let the write
// commit and forget the key, then store the old row. Every shard therefore
// has a version that forgetting bumps; a read takes the version before it
// asks the inner store and stores what it got only if the version has not
// moved. A write in the same shard on another key also makes the fill skip
// storing, which costs one more read later, never a stale entry.
//
// # Staleness
//
// Writes made elsewhere (`starling admin` commands, a second instance over
// the same database) are not seen here until the entry expires. Tokens
// live Options.TTL (10s by default) from the read that filled them: that
// bounds how long a token revoked by another instance keeps authenticating
// on this one. Apps and accounts live Options.AccountTTL (a minute): how
// long counts shown here may lag a follow made there, or a role given by
// `starling admin`; every page of statuses shows twenty authors, and a
// life of seconds would send most of those reads to the database. Statuses
// live Options.StatusTTL (5
// minutes by default): they never change but for their counts of replies
// and favourites, and a delete, and a home page reads twenty of them, so a
// short life would send most page reads to the database. A status deleted
// through another instance may thus be shown here for that long; the
// event bus of the multi-instance setup (a later issue) is what tells
// every instance at once.
//
// # Shared values
//
// A value served from memory is the cache's own, handed to every caller
// that reads it: callers must not modify what a Store returns (as every
// Store's contract says). Copying each value instead cost more than the
// rest of a cached home page together: twenty statuses of pointer-holding
// fields allocated, copied and then scanned by the garbage collector on
// every read. The cache never modifies an entry either: a write forgets
// it, and the next read caches a new one.
package storecache

import (
	"context"
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/shardcache"
)

// Defaults of Options.
const (
	DefaultTTL        = 10 * time.Second
	DefaultAccountTTL = time.Minute
	DefaultStatusTTL  = 5 * time.Minute
	DefaultMaxEntries = 200_000
)

// Options tune a Store. The zero value gives the defaults.
type Options struct {
	// TTL is how long a token is served after the read that filled it
	// (DefaultTTL when zero or less). It bounds how stale an entry may be
	// after a write by another process, which cannot forget it here.
	TTL time.Duration
	// AccountTTL is TTL for accounts and apps (DefaultAccountTTL when
	// zero or less).
	AccountTTL time.Duration
	// StatusTTL is TTL for statuses (DefaultStatusTTL when zero or less).
	StatusTTL time.Duration
	// MaxEntries bounds the entries of each kind (tokens, apps, accounts,
	// statuses), DefaultMaxEntries when zero or less. Beyond it, random
	// entries are dropped.
	MaxEntries int
	// Now is the clock, time.Now when nil; tests set it.
	Now func() time.Time
}

// Store is a starling.Store that caches the hot reads of the store it
// wraps. It is safe for concurrent use.
type Store struct {
	starling.Store

	tokens   *shardcache.Cache[string, starling.Token]
	apps     *shardcache.Cache[int64, starling.App]
	accounts *shardcache.Cache[int64, starling.Account]
	statuses *shardcache.Cache[int64, starling.Status]
	// usernames maps lower-cased usernames to account ids, for the
	// mentions of every post; usernames never change.
	usernames *shardcache.Cache[string, int64]

	// Tokens are cached by access hash but revoked by id, and a revoke
	// cannot know which shard an unfinished fill of that token will store
	// into. So token fills store under tokenMu, and only when tokenGen,
	// which every token invalidation bumps under tokenMu, has not changed
	// since the fill began. tokenIDs maps the id of every cached token to
	// its access hash, so that a revoke finds the entry; it holds exactly
	// the cached tokens, since entries enter it under tokenMu and leave it
	// through eviction, which only happens in a put, under tokenMu too.
	tokenMu  sync.Mutex
	tokenGen atomic.Uint64
	tokenIDs map[int64]string
}

// New returns store with its hot reads cached as opts says.
func New(store starling.Store, opts Options) *Store {
	if opts.StatusTTL <= 0 {
		opts.StatusTTL = DefaultStatusTTL
	}
	if opts.AccountTTL <= 0 {
		opts.AccountTTL = DefaultAccountTTL
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultMaxEntries
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	seed := maphash.MakeSeed()
	s := &Store{
		Store: store,
		tokens: shardcache.New[string, starling.Token](opts.MaxEntries, opts.TTL, opts.Now,
			func(h string) uint64 { return maphash.String(seed, h) }),
		apps:     shardcache.New[int64, starling.App](opts.MaxEntries, opts.AccountTTL, opts.Now, shardcache.HashID),
		accounts: shardcache.New[int64, starling.Account](opts.MaxEntries, opts.AccountTTL, opts.Now, shardcache.HashID),
		statuses: shardcache.New[int64, starling.Status](opts.MaxEntries, opts.StatusTTL, opts.Now, shardcache.HashID),
		usernames: shardcache.New[string, int64](opts.MaxEntries, opts.AccountTTL, opts.Now,
			func(name string) uint64 { return maphash.String(seed, name) }),
		tokenIDs: make(map[int64]string),
	}
	s.tokens.OnEvict = func(_ string, t *starling.Token) { delete(s.tokenIDs, t.ID) }
	return s
}

// KindStats counts the lookups of one kind of entry since New.
type KindStats = shardcache.Stats

// Stats counts the lookups of each kind, for metrics.
type Stats struct {
	Tokens, Apps, Accounts, Statuses KindStats
}

// Stats returns the counts so far.
func (s *Store) Stats() Stats {
	return Stats{
		Tokens:   s.tokens.Stats(),
		Apps:     s.apps.Stats(),
		Accounts: s.accounts.Stats(),
		Statuses: s.statuses.Stats(),
	}
}

// TokenByAccessHash is cached; see Store.tokenMu for how a fill and a
// revoke of the same token are kept apart.
func (s *Store) TokenByAccessHash(ctx context.Context, hash string) (*starling.Token, error) {
	now := s.tokens.Now()
	if t, ok := s.tokens.Get(hash, now); ok {
		return t, nil
	}
	gen := s.tokenGen.Load()
	ver := s.tokens.Version(hash)
	t, err := s.Store.TokenByAccessHash(ctx, hash)
	if err != nil {
		return nil, err
	}
	s.tokenMu.Lock()
	if s.tokenGen.Load() == gen && s.tokens.Put(hash, t, ver, now) {
		s.tokenIDs[t.ID] = hash
	}
	s.tokenMu.Unlock()
	return t, nil
}

// RevokeToken revokes the token and forgets it, so it stops authenticating
// at once.
func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	err := s.Store.RevokeToken(ctx, id)
	s.forgetToken(id)
	return err
}

// RotateToken rotates the token and forgets the old one. When it fails
// with anything but not found (which writes nothing), the rotation may
// still have committed, and the old token is known only by its refresh
// hash, which the cache is not keyed by: every token is forgotten. Such
// failures are rare, and each cached token costs one read to get back.
func (s *Store) RotateToken(ctx context.Context, refreshHash string, next *starling.Token) (*starling.Token, error) {
	old, err := s.Store.RotateToken(ctx, refreshHash, next)
	switch {
	case err == nil:
		s.forgetToken(old.ID)
	case starling.ErrorCode(err) != starling.ENOTFOUND:
		s.tokenMu.Lock()
		s.tokenGen.Add(1)
		s.tokens.Clear()
		clear(s.tokenIDs)
		s.tokenMu.Unlock()
	}
	return old, err
}

// forgetToken drops the token id and stops fills under way from storing
// any token.
func (s *Store) forgetToken(id int64) {
	s.tokenMu.Lock()
	s.tokenGen.Add(1)
	if hash, ok := s.tokenIDs[id]; ok {
		delete(s.tokenIDs, id)
		s.tokens.Forget(hash)
	}
	s.tokenMu.Unlock()
}

// AppByID is cached; apps never change.
func (s *Store) AppByID(ctx context.Context, id int64) (*starling.App, error) {
	return s.apps.Load(ctx, id, s.Store.AppByID)
}

// AccountByID is cached.
func (s *Store) AccountByID(ctx context.Context, id int64) (*starling.Account, error) {
	return s.accounts.Load(ctx, id, s.Store.AccountByID)
}

// AccountsByIDs serves the cached accounts and reads the others with one
// call of the inner store.
func (s *Store) AccountsByIDs(ctx context.Context, ids []int64) ([]*starling.Account, error) {
	return shardcache.LoadMany(ctx, s.accounts, ids, s.Store.AccountsByIDs, func(a *starling.Account) int64 { return a.ID })
}

// AccountsByUsernames finds the accounts of the usernames seen before
// through the accounts cache, and asks the inner store for the rest.
func (s *Store) AccountsByUsernames(ctx context.Context, usernames []string) ([]*starling.Account, error) {
	now := s.usernames.Now()
	var ids []int64
	var missing []string
	for _, name := range usernames {
		if id, ok := s.usernames.Get(strings.ToLower(name), now); ok {
			ids = append(ids, *id)
		} else {
			missing = append(missing, name)
		}
	}
	out, err := s.AccountsByIDs(ctx, ids)
	if err != nil || len(missing) == 0 {
		return out, err
	}
	found, err := s.Store.AccountsByUsernames(ctx, missing)
	if err != nil {
		return nil, err
	}
	for _, a := range found {
		name := strings.ToLower(a.Username)
		s.usernames.Put(name, &a.ID, s.usernames.Version(name), now)
		if !slices.ContainsFunc(out, func(b *starling.Account) bool { return b.ID == a.ID }) {
			out = append(out, a)
		}
	}
	return out, nil
}

// StatusByID is cached.
func (s *Store) StatusByID(ctx context.Context, id int64) (*starling.Status, error) {
	return s.statuses.Load(ctx, id, s.Store.StatusByID)
}

// StatusesByIDs serves the cached statuses and reads the others with one
// call of the inner store.
func (s *Store) StatusesByIDs(ctx context.Context, ids []int64) ([]*starling.Status, error) {
	return shardcache.LoadMany(ctx, s.statuses, ids, s.Store.StatusesByIDs, func(st *starling.Status) int64 { return st.ID })
}

// UpdateAccount forgets the account.
func (s *Store) UpdateAccount(ctx context.Context, id int64, update func(*starling.Account) error) (*starling.Account, error) {
	a, err := s.Store.UpdateAccount(ctx, id, update)
	s.accounts.Forget(id)
	return a, err
}

// CreateStatus forgets the author, whose counts change, and the status
// replied to, whose replies count may, and caches the new status: it is
// read at once, by the fan-out that delivers it and by every follower's
// next page. The shard's version is taken before the write, so that a
// delete racing with it wins.
func (s *Store) CreateStatus(ctx context.Context, st *starling.Status, idempotencyKey string) (*starling.Status, error) {
	ver := s.statuses.Version(st.ID)
	now := s.statuses.Now()
	got, err := s.Store.CreateStatus(ctx, st, idempotencyKey)
	s.accounts.Forget(st.AccountID)
	if st.InReplyToID != 0 {
		s.statuses.Forget(st.InReplyToID)
	}
	if err == nil && got.ID == st.ID {
		s.statuses.Put(got.ID, got, ver, now)
	}
	return got, err
}

// DeleteStatus forgets the status, its author and the status it replied
// to. It reads the status first (from the cache when there) to know them;
// when that read fails other than with not found, the delete would most
// likely fail too, and is not attempted: its error is returned.
func (s *Store) DeleteStatus(ctx context.Context, id int64) error {
	st, err := s.StatusByID(ctx, id)
	if err != nil && starling.ErrorCode(err) != starling.ENOTFOUND {
		return err
	}
	err = s.Store.DeleteStatus(ctx, id)
	s.statuses.Forget(id)
	if st != nil {
		s.accounts.Forget(st.AccountID)
		if st.InReplyToID != 0 {
			s.statuses.Forget(st.InReplyToID)
		}
	}
	return err
}

// PinStatus forgets the status, whose PinnedAt changes.
func (s *Store) PinStatus(ctx context.Context, accountID, statusID int64, max int) error {
	err := s.Store.PinStatus(ctx, accountID, statusID, max)
	s.statuses.Forget(statusID)
	return err
}

// UnpinStatus forgets the status, whose PinnedAt changes.
func (s *Store) UnpinStatus(ctx context.Context, accountID, statusID int64) error {
	err := s.Store.UnpinStatus(ctx, accountID, statusID)
	s.statuses.Forget(statusID)
	return err
}

// Follow forgets both accounts, whose counts change.
func (s *Store) Follow(ctx context.Context, followerID, followeeID int64) error {
	err := s.Store.Follow(ctx, followerID, followeeID)
	s.forgetPair(followerID, followeeID)
	return err
}

// Unfollow forgets both accounts, whose counts change.
func (s *Store) Unfollow(ctx context.Context, followerID, followeeID int64) error {
	err := s.Store.Unfollow(ctx, followerID, followeeID)
	s.forgetPair(followerID, followeeID)
	return err
}

// AuthorizeFollowRequest forgets both accounts, whose counts change.
func (s *Store) AuthorizeFollowRequest(ctx context.Context, followerID, followeeID int64) error {
	err := s.Store.AuthorizeFollowRequest(ctx, followerID, followeeID)
	s.forgetPair(followerID, followeeID)
	return err
}

func (s *Store) forgetPair(a, b int64) {
	s.accounts.Forget(a)
	s.accounts.Forget(b)
}

var _ starling.Store = (*Store)(nil)
