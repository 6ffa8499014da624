package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/sqlstore"
)

// Follow inserts the follow unless it exists, and moves the counters only
// when it inserted one. Of two concurrent follows of the same pair, the
// second waits for the first to commit and then inserts nothing.
func (db *DB) Follow(ctx context.Context, followerID, followeeID int64) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, sqlstore.DeleteFollowRequest, followerID, followeeID); err != nil {
			return err
		}
		return follow(ctx, tx, followerID, followeeID)
	})
	if err != nil {
		return dbError(err, "follow")
	}
	return nil
}

func follow(ctx context.Context, tx pgx.Tx, followerID, followeeID int64) error {
	tag, err := tx.Exec(ctx, sqlstore.InsertFollow, followerID, followeeID, sqlstore.Now())
	if err != nil {
		return err
	}
	return addFollowCounts(ctx, tx, tag, followerID, followeeID, 1)
}

// addFollowCounts adds delta to both sides' counters when tag reports a
// changed follow row. The two rows are updated in id order, whichever side
// each is on, so that two follows in opposite directions lock them in the
// same order and cannot deadlock. (One UPDATE of both rows is not enough:
// a sequential scan meets them in whatever order their latest versions lie
// in the table.)
func addFollowCounts(ctx context.Context, tx pgx.Tx, tag pgconn.CommandTag, followerID, followeeID, delta int64) error {
	if tag.RowsAffected() == 0 {
		return nil
	}
	following := `UPDATE accounts SET following_count = greatest(following_count + $2, 0) WHERE id = $1`
	followers := `UPDATE accounts SET followers_count = greatest(followers_count + $2, 0) WHERE id = $1`
	first, second := following, followers
	firstID, secondID := followerID, followeeID
	if followeeID < followerID {
		first, second = second, first
		firstID, secondID = secondID, firstID
	}
	if _, err := tx.Exec(ctx, first, firstID, delta); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, second, secondID, delta)
	return err
}

func (db *DB) Unfollow(ctx context.Context, followerID, followeeID int64) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, sqlstore.DeleteFollowRequest, followerID, followeeID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, sqlstore.DeleteFollow, followerID, followeeID)
		if err != nil {
			return err
		}
		return addFollowCounts(ctx, tx, tag, followerID, followeeID, -1)
	})
	if err != nil {
		return dbError(err, "unfollow")
	}
	return nil
}

func (db *DB) CreateFollowRequest(ctx context.Context, followerID, followeeID int64) error {
	_, err := db.pool.Exec(ctx, sqlstore.InsertFollowRequest, followerID, followeeID, sqlstore.Now())
	if err != nil {
		return dbError(err, "create follow request")
	}
	return nil
}

func (db *DB) AuthorizeFollowRequest(ctx context.Context, followerID, followeeID int64) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		if err := deleteRequest(ctx, tx, followerID, followeeID); err != nil {
			return err
		}
		return follow(ctx, tx, followerID, followeeID)
	})
	if err != nil {
		return dbError(err, "authorize follow request")
	}
	return nil
}

func (db *DB) RejectFollowRequest(ctx context.Context, followerID, followeeID int64) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		return deleteRequest(ctx, tx, followerID, followeeID)
	})
	if err != nil {
		return dbError(err, "reject follow request")
	}
	return nil
}

// deleteRequest deletes the request, ENOTFOUND when there was none.
func deleteRequest(ctx context.Context, tx pgx.Tx, followerID, followeeID int64) error {
	tag, err := tx.Exec(ctx, sqlstore.DeleteFollowRequest, followerID, followeeID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return sqlstore.NotFound()
	}
	return nil
}

// CountFollowRequests counts with the (followee_id, id) index alone.
func (db *DB) CountFollowRequests(ctx context.Context, accountID int64) (int64, error) {
	var n int64
	err := db.pool.QueryRow(ctx, sqlstore.CountFollowRequests, accountID).Scan(&n)
	if err != nil {
		return 0, starling.Internal(err, "count follow requests")
	}
	return n, nil
}

// edges runs a query selecting an edge id and then sqlstore.AccountCols:
// the sqlstore.QueryEdges of this adapter, which the shared edge lists
// (Followers, Following, FollowRequests) page through.
func (db *DB) edges(ctx context.Context, op, query string, args ...any) ([]starling.Edge, error) {
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, starling.Internal(err, op)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (starling.Edge, error) {
		var cursor int64
		a, err := scanAccount(sqlstore.Prefixed{Row: row, First: &cursor})
		return starling.Edge{Cursor: cursor, Account: a}, err
	})
	if err != nil {
		return nil, starling.Internal(err, op)
	}
	return out, nil
}

// Relationships reads every flag for all the ids in one query; ids of
// missing accounts are absent from its rows and keep the zero value.
func (db *DB) Relationships(ctx context.Context, viewerID int64, ids []int64) ([]starling.Relationship, error) {
	out := make([]starling.Relationship, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT a.id,
		EXISTS (SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = a.id),
		EXISTS (SELECT 1 FROM follows WHERE follower_id = a.id AND followee_id = $1),
		EXISTS (SELECT 1 FROM follow_requests WHERE follower_id = $1 AND followee_id = a.id),
		EXISTS (SELECT 1 FROM follow_requests WHERE follower_id = a.id AND followee_id = $1)
		FROM accounts a WHERE a.id = ANY ($2)`, viewerID, ids)
	if err != nil {
		return nil, starling.Internal(err, "relationships")
	}
	found := make(map[int64]starling.Relationship, len(ids))
	var r starling.Relationship
	_, err = pgx.ForEachRow(rows, []any{&r.ID, &r.Following, &r.FollowedBy, &r.Requested, &r.RequestedBy}, func() error {
		// Reblogs are shown by default once following (or asking to).
		r.ShowingReblogs = r.Following || r.Requested
		found[r.ID] = r
		return nil
	})
	if err != nil {
		return nil, starling.Internal(err, "relationships")
	}
	for i, id := range ids {
		out[i] = found[id]
		out[i].ID = id
	}
	return out, nil
}
