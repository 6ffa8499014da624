package starling

import (
	"context"
	"time"
)

// The home timeline is kept materialised: each reader's is a list of
// status ids, newest first and capped, in a TimelineCache. Fan-out on
// write fills it for ordinary authors; the posts of authors with more
// followers than a threshold are not copied but kept in one list per
// author and merged in when a home timeline is read. Package timeline
// runs the engine; this file holds the contracts it shares with the
// store and the cache implementations.

// TimelineKind says what a cached list holds.
type TimelineKind uint8

const (
	// HomeList is a reader's home timeline: the statuses delivered to it.
	HomeList TimelineKind = iota + 1
	// AuthorList is one author's statuses, newest first, all visibilities:
	// the list that home timelines merge in on read for the authors whose
	// posts are not fanned out.
	AuthorList
)

// TimelineKey names one cached list: a home timeline by its reader's
// account id, or an author list by its author's.
type TimelineKey struct {
	Kind TimelineKind
	ID   int64
}

// TimelineRange is what TimelineCache.Range read.
type TimelineRange struct {
	// IDs are the ids read, newest first.
	IDs []int64
	// Cached is false when the list is not in the cache (never read,
	// evicted, dropped, or the process restarted). The caller then reads
	// it from the database and hands it to Fill with Lease.
	Cached bool
	// Complete means the list holds every id it should, not only the
	// newest ones up to the cap: reading below its oldest id finds
	// nothing more in the database either.
	Complete bool
	// Lease, when Cached is false, is the ticket for Fill. The miss
	// registered the list as loading: Push and Remove apply to it from
	// then on, so that what is delivered while the caller reads the
	// database is not lost when it fills the list.
	Lease uint64
}

// TimelineCache keeps capped lists of status ids, newest first. The
// in-process implementation is in package inmem; a networked one (Redis
// sorted sets keyed by list) shares the lists between instances.
//
// Every method is safe for concurrent use. Lists may be evicted at any
// time; the engine rebuilds them from the database, so the cache holds
// nothing that cannot be lost.
type TimelineCache interface {
	// Range returns up to limit ids of the list key that are below maxID
	// (all when maxID is 0), newest first. On a miss it registers the list
	// as loading and returns a lease for Fill.
	Range(ctx context.Context, key TimelineKey, maxID int64, limit int) (TimelineRange, error)
	// Fill installs ids (newest first, as read from the database), merged
	// with whatever was pushed since the miss that gave lease, keeping the
	// newest up to the cap. complete says that ids are all there are. A
	// lease that is no longer current (the list was dropped, evicted or
	// filled since) makes Fill do nothing, so that a list read before a
	// Drop is never installed after it.
	Fill(ctx context.Context, key TimelineKey, lease uint64, ids []int64, complete bool) error
	// Push inserts id into each listed list that is cached or loading, in
	// order and once (pushing an id already there changes nothing); a list
	// that grows beyond the cap loses its oldest ids and is no longer
	// complete. Lists that are not cached are left alone: they are read
	// from the database when next needed.
	Push(ctx context.Context, keys []TimelineKey, id int64) error
	// Remove deletes id from each listed list that holds it.
	Remove(ctx context.Context, keys []TimelineKey, id int64) error
	// Drop forgets the list, so that the next read rebuilds it.
	Drop(ctx context.Context, key TimelineKey) error
}

// FanoutKind says what a fan-out job delivers.
type FanoutKind string

const (
	FanoutPost   FanoutKind = "post"   // deliver a new status
	FanoutDelete FanoutKind = "delete" // take a deleted status out of the lists
)

// FanoutJob is one entry of the fan-out outbox: written in the
// transaction that creates or deletes the status, so that a status is
// never acknowledged without its delivery being recorded, and deleted once
// delivered.
type FanoutJob struct {
	ID        int64 // the job's own id, in the order jobs were recorded
	Kind      FanoutKind
	StatusID  int64
	AuthorID  int64
	CreatedAt time.Time // when the status was written: delivery lag is measured from here
}

// FanoutTarget is what choosing the recipients of a status depends on.
type FanoutTarget struct {
	StatusID           int64
	AuthorID           int64
	Visibility         Visibility // empty for a delete: every follower is a recipient
	InReplyToAccountID int64
}

// FanoutStore is the durable outbox of fan-out and the reads that
// delivery and timeline rebuilds need.
type FanoutStore interface {
	// ClaimFanoutJobs leases up to limit jobs written before before,
	// oldest first, for lease: another claim (by this or another instance)
	// skips them until the lease runs out, after which an unfinished job
	// is claimed again, so a crash mid-delivery only delays it.
	ClaimFanoutJobs(ctx context.Context, limit int, lease time.Duration, before time.Time) ([]FanoutJob, error)
	// CompleteFanoutJobs deletes the delivered jobs of kind for the
	// statuses statusIDs (a status has at most one job of each kind), in
	// one write, so that delivering costs one write per batch rather than
	// one per job; missing jobs are not an error.
	CompleteFanoutJobs(ctx context.Context, kind FanoutKind, statusIDs []int64) error
	// FanoutQueue reports how many jobs wait and when the oldest was
	// recorded (zero when none wait).
	FanoutQueue(ctx context.Context) (depth int64, oldest time.Time, err error)
	// FanoutRecipients returns up to limit followers of t.AuthorID, in the
	// order of their follows after the follow cursor after (0 to start),
	// whose home timelines t belongs in by policy.InHome, with the cursor
	// to pass next (0 when there are no more). The author is not among
	// them: the caller delivers to the author's own timeline itself.
	FanoutRecipients(ctx context.Context, t FanoutTarget, after int64, limit int) (ids []int64, next int64, err error)
	// HomeTimelineIDs is the ids of the newest limit statuses of
	// viewerID's HomeTimeline, newest first, leaving out those of the
	// followees in except (the authors merged on read, which the engine
	// reads from their own lists): the indexed query that rebuilds a home
	// list the cache does not hold.
	HomeTimelineIDs(ctx context.Context, viewerID int64, limit int, except []int64) ([]int64, error)
	// AccountStatusIDs is the ids of the newest limit statuses of the
	// account, of any visibility, newest first: an author list.
	AccountStatusIDs(ctx context.Context, accountID int64, limit int) ([]int64, error)
	// AccountsWithFollowersOver returns the ids of the accounts with more
	// than n followers.
	AccountsWithFollowersOver(ctx context.Context, n int64) ([]int64, error)
	// FollowedAmong returns those of ids that followerID follows.
	FollowedAmong(ctx context.Context, followerID int64, ids []int64) ([]int64, error)
}

// TimelineEvents is told of the writes that change home timelines, right
// after they are stored, so that the engine can act at once: show a post
// to its author and, for an author whose posts are merged on read, to
// every follower, and forget a home timeline whose follows changed. The
// outbox makes delivery durable whether or not this is called; it is a
// shortcut, never the record.
type TimelineEvents interface {
	StatusPosted(ctx context.Context, s *Status, author *Account)
	StatusDeleted(ctx context.Context, s *Status)
	// FollowsChanged says that followerID followed or unfollowed someone.
	FollowsChanged(ctx context.Context, followerID int64)
}
