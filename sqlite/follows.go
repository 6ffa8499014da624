package sqlite

import (
	"context"
	"database/sql"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/sqlstore"
)

// Follow inserts the follow unless it exists, and moves the counters only
// when it inserted one.
func (db *DB) Follow(ctx context.Context, followerID, followeeID int64) error {
	err := db.write(ctx, func(tx wtx) error {
		if _, err := tx.ExecContext(ctx, sqlstore.DeleteFollowRequest, followerID, followeeID); err != nil {
			return err
		}
		return follow(ctx, tx, followerID, followeeID)
	})
	if err != nil {
		return dbError(err, "follow")
	}
	return nil
}

func follow(ctx context.Context, tx wtx, followerID, followeeID int64) error {
	res, err := tx.ExecContext(ctx, sqlstore.InsertFollow, followerID, followeeID, ms(sqlstore.Now()))
	if err != nil {
		return err
	}
	return addFollowCounts(ctx, tx, res, followerID, followeeID, 1)
}

// addFollowCounts adds delta to both sides' counters when res changed a
// follow row.
func addFollowCounts(ctx context.Context, tx wtx, res sql.Result, followerID, followeeID, delta int64) error {
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE accounts SET following_count = max(following_count + $2, 0) WHERE id = $1`,
		followerID, delta); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE accounts SET followers_count = max(followers_count + $2, 0) WHERE id = $1`,
		followeeID, delta)
	return err
}

func (db *DB) Unfollow(ctx context.Context, followerID, followeeID int64) error {
	err := db.write(ctx, func(tx wtx) error {
		if _, err := tx.ExecContext(ctx, sqlstore.DeleteFollowRequest, followerID, followeeID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, sqlstore.DeleteFollow, followerID, followeeID)
		if err != nil {
			return err
		}
		return addFollowCounts(ctx, tx, res, followerID, followeeID, -1)
	})
	if err != nil {
		return dbError(err, "unfollow")
	}
	return nil
}

func (db *DB) CreateFollowRequest(ctx context.Context, followerID, followeeID int64) error {
	_, err := db.w.ExecContext(ctx, sqlstore.InsertFollowRequest, followerID, followeeID, ms(sqlstore.Now()))
	if err != nil {
		return dbError(err, "create follow request")
	}
	return nil
}

func (db *DB) AuthorizeFollowRequest(ctx context.Context, followerID, followeeID int64) error {
	err := db.write(ctx, func(tx wtx) error {
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
	err := db.write(ctx, func(tx wtx) error {
		return deleteRequest(ctx, tx, followerID, followeeID)
	})
	if err != nil {
		return dbError(err, "reject follow request")
	}
	return nil
}

// deleteRequest deletes the request, ENOTFOUND when there was none.
func deleteRequest(ctx context.Context, tx wtx, followerID, followeeID int64) error {
	res, err := tx.ExecContext(ctx, sqlstore.DeleteFollowRequest, followerID, followeeID)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return sqlstore.NotFound()
	}
	return nil
}

// CountFollowRequests counts with the (followee_id, id) index alone.
func (db *DB) CountFollowRequests(ctx context.Context, accountID int64) (int64, error) {
	var n int64
	err := db.r.QueryRowContext(ctx, sqlstore.CountFollowRequests, accountID).Scan(&n)
	if err != nil {
		return 0, starling.Internal(err, "count follow requests")
	}
	return n, nil
}

// edges runs a query selecting an edge id and then sqlstore.AccountCols:
// the sqlstore.QueryEdges of this adapter, which the shared edge lists
// (Followers, Following, FollowRequests) page through.
func (db *DB) edges(ctx context.Context, op, query string, args ...any) ([]starling.Edge, error) {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, starling.Internal(err, op)
	}
	defer rows.Close()
	var out []starling.Edge
	for rows.Next() {
		var cursor int64
		a, err := scanAccount(sqlstore.Prefixed{Row: rows, First: &cursor})
		if err != nil {
			return nil, starling.Internal(err, op)
		}
		out = append(out, starling.Edge{Cursor: cursor, Account: a})
	}
	if err := rows.Err(); err != nil {
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
	rows, err := db.r.QueryContext(ctx, `SELECT a.id,
		EXISTS (SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = a.id),
		EXISTS (SELECT 1 FROM follows WHERE follower_id = a.id AND followee_id = $1),
		EXISTS (SELECT 1 FROM follow_requests WHERE follower_id = $1 AND followee_id = a.id),
		EXISTS (SELECT 1 FROM follow_requests WHERE follower_id = a.id AND followee_id = $1)
		FROM accounts a WHERE a.id IN (SELECT value FROM json_each($2))`, viewerID, jsonIDs(ids))
	if err != nil {
		return nil, starling.Internal(err, "relationships")
	}
	defer rows.Close()
	found := make(map[int64]starling.Relationship, len(ids))
	for rows.Next() {
		var r starling.Relationship
		if err := rows.Scan(&r.ID, &r.Following, &r.FollowedBy, &r.Requested, &r.RequestedBy); err != nil {
			return nil, starling.Internal(err, "relationships")
		}
		// Reblogs are shown by default once following (or asking to).
		r.ShowingReblogs = r.Following || r.Requested
		found[r.ID] = r
	}
	if err := rows.Err(); err != nil {
		return nil, starling.Internal(err, "relationships")
	}
	for i, id := range ids {
		out[i] = found[id]
		out[i].ID = id
	}
	return out, nil
}
