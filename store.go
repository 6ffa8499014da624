package starling

import (
	"context"
	"time"
)

// Store is everything Starling keeps in its database. The sqlite and
// postgres packages implement it, and storetest checks both against the
// same suite, so the contracts written here are the ones tested.
//
// Every method takes a context first. Not-found is an *Error with code
// ENOTFOUND; a unique conflict on an account field is Taken(field). Each
// write method is one transaction: counters change together with the rows
// they count, or not at all.
//
// What a read returns is the caller's to read, not to modify: a Store may
// hand the same value to every caller (the read-through cache of package
// storecache does). A caller that needs a changed value copies it first.
type Store interface {
	AccountStore
	OAuthStore
	StatusStore
	FollowStore
	FanoutStore

	// Ping checks that the database answers (readiness).
	Ping(ctx context.Context) error
	// PoolStats reports the connection pool, for metrics.
	PoolStats() PoolStats
	// Close releases the connections.
	Close() error
}

// AccountStore keeps accounts.
type AccountStore interface {
	// CreateAccountWithToken inserts a (its ID is set by the caller) and,
	// when t is not nil, t, the account's first token (its AccountID is set
	// to a.ID), in the same transaction: a sign-up through the API either
	// gets its account and token or leaves nothing behind, so that a retry
	// is not refused with Taken("username") for an account nobody can sign
	// in to. Usernames and e-mail addresses are unique regardless of case:
	// Taken("username") or Taken("email") otherwise. Counts start at zero
	// whatever a holds.
	CreateAccountWithToken(ctx context.Context, a *Account, t *Token) error
	// UpdateAccount changes the account id in one transaction: it reads the
	// row, locking it against other writers (SQLite's single writer, a row
	// lock in PostgreSQL), calls update on it, and saves what update left
	// in every field except ID, Username, CreatedAt, LastStatusAt and the
	// counts, setting UpdatedAt. It returns the account as saved. Two
	// concurrent updates of different fields (a role change and a profile
	// edit) therefore both take effect, where reading the row, changing it
	// and writing it back as separate calls would let one undo the other.
	// When update returns an error nothing is written and that error is
	// returned as it is. update runs inside the transaction, so it must be
	// quick and must not call the Store (with SQLite that would wait
	// forever on the writer it holds).
	UpdateAccount(ctx context.Context, id int64, update func(*Account) error) (*Account, error)
	AccountByID(ctx context.Context, id int64) (*Account, error)
	// AccountByUsername matches regardless of case.
	AccountByUsername(ctx context.Context, username string) (*Account, error)
	// AccountByEmail matches regardless of case.
	AccountByEmail(ctx context.Context, email string) (*Account, error)
	// AccountsByIDs returns the accounts that exist, in any order.
	AccountsByIDs(ctx context.Context, ids []int64) ([]*Account, error)
	// AccountsByUsernames returns the accounts that exist, in any order,
	// matching regardless of case.
	AccountsByUsernames(ctx context.Context, usernames []string) ([]*Account, error)
	// SearchAccounts finds approved accounts whose username or display name
	// starts with query (regardless of case), exact username matches first,
	// then by followers count.
	SearchAccounts(ctx context.Context, query string, limit, offset int) ([]*Account, error)
	// CountAccounts counts approved accounts (for instance statistics).
	CountAccounts(ctx context.Context) (int64, error)
}

// OAuthStore keeps OAuth apps, tokens and authorization codes.
type OAuthStore interface {
	CreateApp(ctx context.Context, app *App) error
	AppByID(ctx context.Context, id int64) (*App, error)
	AppByClientID(ctx context.Context, clientID string) (*App, error)

	CreateToken(ctx context.Context, t *Token) error
	// TokenByAccessHash finds a live token by the hash of its access token.
	TokenByAccessHash(ctx context.Context, hash string) (*Token, error)
	// TokenByRefreshHash finds a live token by the hash of its refresh token.
	TokenByRefreshHash(ctx context.Context, hash string) (*Token, error)
	// RevokeToken deletes the token; revoking a missing token is not an error.
	RevokeToken(ctx context.Context, id int64) error
	// RotateToken is the refresh grant's write: in one transaction it
	// deletes the live token whose refresh hash is refreshHash and inserts
	// next (a zero CreatedAt is set to now), and returns the deleted token.
	// It is ENOTFOUND, and writes nothing, when no live token has that hash
	// (the empty hash never matches). Looking the token up, revoking it and
	// issuing another as three calls would let two concurrent refreshes with
	// one refresh token both get a new pair; here the delete decides, so of
	// two concurrent rotations of one token exactly one succeeds and a
	// leaked refresh token works at most once. Tokens are never modified,
	// so a caller may check the old token (its app, its scopes) with
	// TokenByRefreshHash first and build next from what it read.
	RotateToken(ctx context.Context, refreshHash string, next *Token) (*Token, error)

	CreateAuthCode(ctx context.Context, c *AuthCode) error
	// TakeAuthCode returns the code with that hash and deletes it, so a code
	// works once; ENOTFOUND when missing or already taken. Expiry is the
	// caller's to check.
	TakeAuthCode(ctx context.Context, hash string) (*AuthCode, error)
}

// StatusStore keeps statuses and reads the timelines built from them.
//
// Timeline queries return statuses newest first, selected by Page, and
// apply the visibility rules of package policy in SQL: the storetest suite
// checks that each query agrees with policy.CanView.
type StatusStore interface {
	// CreateStatus inserts s (its ID, CreatedAt, Content, Mentions and Tags
	// are set by the caller; it starts unpinned, whatever its PinnedAt
	// says) with its mentions and tags and updates the
	// counts, all in one transaction. As in Mastodon, the counts show only
	// what anyone may learn exists: a status that is not direct adds one to
	// the author's StatusesCount and sets LastStatusAt, and a public or
	// unlisted reply adds one to the RepliesCount of the status it replies
	// to (a private reply would otherwise announce "1 reply" to visitors
	// who cannot see it).
	//
	// The same transaction records a FanoutPost job (the outbox), so
	// that every status acknowledged is delivered to home timelines.
	//
	// When idempotencyKey is not empty and the author already posted with
	// the same key within IdempotencyWindow (an hour), nothing is written
	// and the status posted then is returned instead.
	CreateStatus(ctx context.Context, s *Status, idempotencyKey string) (*Status, error)
	StatusByID(ctx context.Context, id int64) (*Status, error)
	// StatusesByIDs returns the statuses that exist, in any order.
	StatusesByIDs(ctx context.Context, ids []int64) ([]*Status, error)
	// DeleteStatus deletes the status, and its pin with it, and reverses
	// the counts it added (LastStatusAt stays), and records a FanoutDelete job in the same
	// transaction.
	// Replies to it stay, with InReplyToID still naming it.
	DeleteStatus(ctx context.Context, id int64) error
	// PinStatus pins the status statusID to the profile of accountID, its
	// author, at the current time, unless it is pinned already (pinning
	// twice is not an error and keeps the first PinnedAt). PinnedAt is
	// later than that of every other status the account has pinned, so
	// that the pins keep the order they were made in even within one
	// clock tick. It is ENOTFOUND when accountID wrote no status statusID,
	// and ECONFLICT, writing nothing, when the account already has max
	// statuses pinned: the count is taken in the write transaction, with
	// the author's row locked, so that concurrent pins never exceed max.
	// Which statuses may be pinned (not direct ones) is the caller's rule.
	PinStatus(ctx context.Context, accountID, statusID int64, max int) error
	// UnpinStatus unpins the status statusID if accountID wrote it and
	// pinned it; otherwise it does nothing and is not an error.
	UnpinStatus(ctx context.Context, accountID, statusID int64) error
	// PinnedStatuses is the statuses accountID has pinned that viewerID (0
	// when anonymous) may see (policy.CanView), most recently pinned first.
	// There is no paging: an account pins only a few.
	PinnedStatuses(ctx context.Context, accountID, viewerID int64) ([]*Status, error)
	// PruneIdempotencyKeys deletes the idempotency keys claimed before
	// olderThan and returns how many it deleted. CreateStatus ignores keys
	// older than IdempotencyWindow but never deletes them, so without
	// pruning the table only grows: something (a periodic job) must call
	// this, with olderThan at least IdempotencyWindow in the past so that
	// no key still in force is lost. Unlike other writes it may delete in
	// several short transactions, so that a large backlog does not hold up
	// other writers (SQLite has only one); an interrupted prune has still
	// deleted only expired keys and can simply run again.
	PruneIdempotencyKeys(ctx context.Context, olderThan time.Time) (int64, error)

	// HomeTimeline is the viewer's own statuses and those of the accounts
	// the viewer follows that the viewer may see (policy.CanView), except
	// replies to accounts the viewer does not follow (policy.InHome).
	HomeTimeline(ctx context.Context, viewerID int64, p Page) ([]*Status, error)
	// PublicTimeline is every public status that is not a reply to
	// another account, optionally only local ones (all are local until
	// federation exists).
	PublicTimeline(ctx context.Context, q PublicTimelineQuery, p Page) ([]*Status, error)
	// TagTimeline is every public status (replies included, unlisted ones
	// not, as in Mastodon) that carries the hashtag q.Tag, regardless of
	// case: the name is lower-cased with strings.ToLower, as CreateStatus
	// does for the stored name_lower. The caller passes a valid hashtag name
	// in Unicode NFC (text.Normalize), the form tags are stored in.
	TagTimeline(ctx context.Context, q TagTimelineQuery, p Page) ([]*Status, error)
	// AccountStatuses is one account's statuses that the viewer may see
	// (viewerID 0 is an anonymous viewer).
	AccountStatuses(ctx context.Context, q AccountStatusesQuery, p Page) ([]*Status, error)
	// Ancestors returns the statuses that the status id replies to, up the
	// chain, that viewerID (0 when anonymous) may see: the nearest limit of
	// them, oldest first. The walk stops at a deleted status and after
	// MaxThreadDepth steps. Hidden statuses are skipped before the limit
	// is applied, so they cannot push visible ones out.
	Ancestors(ctx context.Context, viewerID, id int64, limit int) ([]*Status, error)
	// Descendants returns the replies to the status id, and their replies,
	// that viewerID (0 when anonymous) may see: depth first, siblings in
	// posting order, at most limit of them, hidden ones skipped before the
	// limit is applied. Hidden statuses are skipped, not their replies: a
	// visible reply to a hidden one is listed. The walk is bounded so that
	// no thread makes a read expensive: it goes at most MaxThreadDepth
	// levels down and reads at most MaxThreadWalk replies, nearest levels
	// first, so in a larger thread the deepest replies are left out.
	Descendants(ctx context.Context, viewerID, id int64, limit int) ([]*Status, error)
	// CountStatuses counts the local statuses that are not direct (for
	// instance statistics, which, like StatusesCount, do not reveal
	// direct messages).
	CountStatuses(ctx context.Context) (int64, error)
}

// Bounds on the reply walks of Ancestors and Descendants. Walking a reply
// tree costs, per reply, work proportional to its depth (the path that
// orders it), so an unbounded walk of a chain thousands of replies deep
// is quadratic, and a thread is built by anyone who can reply. Mastodon
// bounds threads too (it shows 40 ancestors and 60 descendants); 60
// levels is deeper than any conversation people read in one page, and
// 1000 replies is far more than the 60 shown, leaving room for hidden
// replies the viewer may not see.
const (
	MaxThreadDepth = 60
	MaxThreadWalk  = 1000
)

// IdempotencyWindow is how long an idempotency key given to CreateStatus
// stands for the status posted with it. A retry within the window returns
// that status; after it the key may be used again, and may be pruned.
const IdempotencyWindow = time.Hour

// PublicTimelineQuery narrows the public timeline.
type PublicTimelineQuery struct {
	LocalOnly bool
}

// TagTimelineQuery selects the statuses of one hashtag.
type TagTimelineQuery struct {
	Tag       string // the name without '#', in any case
	LocalOnly bool   // changes nothing until federation exists
}

// AccountStatusesQuery selects an account's statuses.
type AccountStatusesQuery struct {
	AccountID      int64
	ViewerID       int64  // 0 when anonymous
	ExcludeReplies bool   // replies to others are left out; self-replies (threads) stay
	OnlyMedia      bool   // statuses with media attachments only (none exist yet)
	Tagged         string // when set, only statuses with this hashtag, regardless of case (as TagTimeline)
}

// FollowStore keeps follows and follow requests.
type FollowStore interface {
	// Follow makes followerID follow followeeID and deletes any request
	// between them; following twice is not an error and counts once.
	Follow(ctx context.Context, followerID, followeeID int64) error
	// Unfollow removes the follow and any pending request; unfollowing
	// when not following is not an error.
	Unfollow(ctx context.Context, followerID, followeeID int64) error
	// CreateFollowRequest records a request to follow a locked account;
	// asking twice is not an error.
	CreateFollowRequest(ctx context.Context, followerID, followeeID int64) error
	// AuthorizeFollowRequest turns the request into a follow in one
	// transaction; ENOTFOUND when there is no such request.
	AuthorizeFollowRequest(ctx context.Context, followerID, followeeID int64) error
	// RejectFollowRequest deletes the request; ENOTFOUND when there is none.
	RejectFollowRequest(ctx context.Context, followerID, followeeID int64) error
	// FollowRequests lists who asked to follow accountID, newest first.
	FollowRequests(ctx context.Context, accountID int64, p Page) ([]Edge, error)
	// CountFollowRequests counts the requests pending for accountID. There
	// is no stored counter as for followers: the count is only shown to
	// the account itself (the follow_requests_count of its credentials),
	// and the index that lists requests answers it.
	CountFollowRequests(ctx context.Context, accountID int64) (int64, error)
	// Followers lists who follows accountID, most recent follow first.
	Followers(ctx context.Context, accountID int64, p Page) ([]Edge, error)
	// Following lists whom accountID follows, most recent follow first.
	Following(ctx context.Context, accountID int64, p Page) ([]Edge, error)
	// Relationships returns, for each id in order, how viewerID relates
	// to it. Ids of missing accounts get an all-false Relationship.
	Relationships(ctx context.Context, viewerID int64, ids []int64) ([]Relationship, error)
}

// HomeTimeline produces home timelines. timeline.NewStoreHome reads the
// Store on every request (the reference); timeline.Engine keeps them
// materialised (fan-out on write, merge on read).
type HomeTimeline interface {
	Home(ctx context.Context, viewerID int64, p Page) ([]*Status, error)
}

// RateLimiter counts requests per key in fixed windows. The in-process
// implementation is in package inmem; a networked one can share counts
// between instances.
type RateLimiter interface {
	// Take counts one request against key, allowing limit per window.
	Take(ctx context.Context, key string, limit int, window time.Duration) (RateLimit, error)
}

// RateLimit is the state of one key after a Take.
type RateLimit struct {
	Allowed   bool
	Limit     int
	Remaining int
	Reset     time.Time
}

// PoolStats describes a database connection pool at one moment.
type PoolStats struct {
	MaxOpen      int
	Open         int
	InUse        int
	Idle         int
	WaitCount    int64
	WaitDuration time.Duration
}
