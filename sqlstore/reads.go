package sqlstore

import (
	"context"
	"slices"

	"github.com/starling-social/starling"
)

// QueryStatuses runs a SELECT of StatusCols and returns its rows as
// statuses, with their mentions and tags attached; op names the read in
// errors, which are starling.Internal. Each adapter has one, over its own
// driver and scanning.
type QueryStatuses func(ctx context.Context, op, query string, args ...any) ([]*starling.Status, error)

// QueryEdges runs a SELECT of an edge id followed by AccountCols (an
// Edges.Page query) and returns its rows as edges, the id as the cursor;
// op names the read in errors, which are starling.Internal.
type QueryEdges func(ctx context.Context, op, query string, args ...any) ([]starling.Edge, error)

// QueryInts runs a SELECT of cols integer columns and returns the values
// of all its rows one after the other; op names the read in errors, which
// are starling.Internal.
type QueryInts func(ctx context.Context, op, query string, cols int, args ...any) ([]int64, error)

// Reads implements the Store reads whose SQL both dialects write to the
// letter, so that they differ between the adapters only in the executor
// that runs the SELECT and scans its rows: each adapter embeds a Reads made
// over its own executors and gets these methods. Reads whose SQL differs
// by even a word (id sets, booleans, join hints, the reply-tree walk) and
// every write (their transactions and locking differ) stay in the adapters.
//
// The executors are functions rather than an interface the adapter's DB
// satisfies, so that running raw SQL does not become an exported method of
// the store.
type Reads struct {
	statuses QueryStatuses
	edges    QueryEdges
	ints     QueryInts
}

// NewReads returns the shared reads over an adapter's executors.
func NewReads(statuses QueryStatuses, edges QueryEdges, ints QueryInts) Reads {
	return Reads{statuses: statuses, edges: edges, ints: ints}
}

// FanoutRecipients reads the followers of the author in the order of
// their follows, the follow id being the cursor, keeping those whose home
// timeline the status belongs in (the FanoutRecipients condition).
func (r Reads) FanoutRecipients(ctx context.Context, t starling.FanoutTarget, after int64, limit int) ([]int64, int64, error) {
	pairs, err := r.ints(ctx, "fanout recipients", FanoutRecipients, 2,
		t.AuthorID, after, string(t.Visibility), t.StatusID, t.InReplyToAccountID, limit)
	if err != nil {
		return nil, 0, err
	}
	ids := make([]int64, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		ids = append(ids, pairs[i+1])
	}
	var next int64
	if len(ids) == limit {
		next = pairs[len(pairs)-2]
	}
	return ids, next, nil
}

func (r Reads) AccountsWithFollowersOver(ctx context.Context, n int64) ([]int64, error) {
	return r.ints(ctx, "accounts with followers over", `SELECT id FROM accounts WHERE followers_count > $1`, 1, n)
}

func (r Reads) AccountStatusIDs(ctx context.Context, accountID int64, limit int) ([]int64, error) {
	return r.ints(ctx, "account status ids", AccountStatusIDs, 1, accountID, limit)
}

func (r Reads) StatusByID(ctx context.Context, id int64) (*starling.Status, error) {
	ss, err := r.statuses(ctx, "status by id", `SELECT `+StatusCols+` FROM statuses s WHERE s.id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(ss) == 0 {
		return nil, NotFound()
	}
	return ss[0], nil
}

// PinnedStatuses reads the account's pins that the viewer may see (the
// PinnedStatuses query): at most a few rows, so not paged.
func (r Reads) PinnedStatuses(ctx context.Context, accountID, viewerID int64) ([]*starling.Status, error) {
	return r.statuses(ctx, "pinned statuses", PinnedStatuses, viewerID, accountID)
}

// HomeTimeline pages through the HomeTimeline condition, policy.InHome in
// SQL, which reads the (account_id, id) index of the viewer and each
// followee.
func (r Reads) HomeTimeline(ctx context.Context, viewerID int64, p starling.Page) ([]*starling.Status, error) {
	return ReadStatusPage(ctx, r.statuses, "home timeline", "statuses s", "s.id", HomeTimeline, p, viewerID)
}

// PublicTimeline reads the partial index of public statuses. LocalOnly
// changes nothing yet: every status is local until federation exists.
func (r Reads) PublicTimeline(ctx context.Context, _ starling.PublicTimelineQuery, p starling.Page) ([]*starling.Status, error) {
	return ReadStatusPage(ctx, r.statuses, "public timeline", "statuses s", "s.id", PublicTimeline, p)
}

// Ancestors walks up the reply chain from the status, at most
// MaxThreadDepth steps and stopping at a parent that no longer exists,
// then keeps the nearest limit of the statuses the viewer may see, and
// returns them root first. Each step reads one row by primary key, so the
// walk costs MaxThreadDepth lookups at most.
func (r Reads) Ancestors(ctx context.Context, viewerID, id int64, limit int) ([]*starling.Status, error) {
	ss, err := r.statuses(ctx, "ancestors", Ancestors, viewerID, id, limit, starling.MaxThreadDepth)
	slices.Reverse(ss)
	return ss, err
}

func (r Reads) FollowRequests(ctx context.Context, accountID int64, p starling.Page) ([]starling.Edge, error) {
	return r.edgePage(ctx, "follow requests", FollowRequestEdges, accountID, p)
}

func (r Reads) Followers(ctx context.Context, accountID int64, p starling.Page) ([]starling.Edge, error) {
	return r.edgePage(ctx, "followers", FollowerEdges, accountID, p)
}

func (r Reads) Following(ctx context.Context, accountID int64, p starling.Page) ([]starling.Edge, error) {
	return r.edgePage(ctx, "following", FollowingEdges, accountID, p)
}

// edgePage reads one page of the edge list e of accountID, newest first.
func (r Reads) edgePage(ctx context.Context, op string, e Edges, accountID int64, p starling.Page) ([]starling.Edge, error) {
	query, args, reversed := e.Page(accountID, p)
	out, err := r.edges(ctx, op, query, args...)
	if err != nil {
		return nil, err
	}
	if reversed {
		slices.Reverse(out)
	}
	return out, nil
}

// ReadStatusPage reads with run one page of statuses (aliased s) from
// the tables of from that match where, newest first by key: a column
// equal to s.id that an index on from holds in order (see StatusPage).
// The adapters call it for the timelines whose conditions they write in
// their own dialect.
func ReadStatusPage(ctx context.Context, run QueryStatuses, op, from, key, where string, p starling.Page, args ...any) ([]*starling.Status, error) {
	q, args, reversed := StatusPage(from, key, where, p, args)
	ss, err := run(ctx, op, q, args...)
	if reversed {
		slices.Reverse(ss)
	}
	return ss, err
}
