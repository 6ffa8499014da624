package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/sqlstore"
)

// The outbox's own statements.
const (
	claimFanoutJobs = `UPDATE fanout_jobs SET leased_until = $1
		WHERE id IN (SELECT id FROM fanout_jobs WHERE leased_until <= $2 AND created_at < $4 ORDER BY id LIMIT $3)
		RETURNING id, kind, status_id, author_id, created_at`
	completeFanoutJobs = `DELETE FROM fanout_jobs WHERE kind = $1 AND status_id IN (SELECT value FROM json_each($2))`
)

// ClaimFanoutJobs leases the oldest jobs whose lease has run out. The
// single writer makes the claim atomic: two claims never take one job.
func (db *DB) ClaimFanoutJobs(ctx context.Context, limit int, lease time.Duration, before time.Time) ([]starling.FanoutJob, error) {
	now := time.Now()
	rows, err := db.w.QueryContext(ctx, claimFanoutJobs, ms(now.Add(lease)), ms(now), limit, ms(before))
	if err != nil {
		return nil, starling.Internal(err, "claim fanout jobs")
	}
	defer rows.Close()
	var jobs []starling.FanoutJob
	for rows.Next() {
		var j starling.FanoutJob
		var kind string
		var created int64
		if err := rows.Scan(&j.ID, &kind, &j.StatusID, &j.AuthorID, &created); err != nil {
			return nil, starling.Internal(err, "claim fanout jobs")
		}
		j.Kind, j.CreatedAt = starling.FanoutKind(kind), fromMS(created)
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, starling.Internal(err, "claim fanout jobs")
	}
	// RETURNING gives no order.
	slices.SortFunc(jobs, func(a, b starling.FanoutJob) int { return cmp.Compare(a.ID, b.ID) })
	return jobs, nil
}

func (db *DB) CompleteFanoutJobs(ctx context.Context, kind starling.FanoutKind, statusIDs []int64) error {
	if len(statusIDs) == 0 {
		return nil
	}
	_, err := db.w.ExecContext(ctx, completeFanoutJobs, string(kind), jsonIDs(statusIDs))
	if err != nil {
		return starling.Internal(err, "complete fanout job")
	}
	return nil
}

func (db *DB) FanoutQueue(ctx context.Context) (int64, time.Time, error) {
	var n int64
	var oldest sql.NullInt64
	err := db.r.QueryRowContext(ctx, `SELECT count(*), min(created_at) FROM fanout_jobs`).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, starling.Internal(err, "fanout queue")
	}
	return n, fromNullMS(oldest), nil
}

// homeTimelineIDs is sqlstore.HomeTimelineIDs with the set as a JSON
// array.
var homeTimelineIDs = sqlstore.HomeTimelineIDs(`(SELECT value FROM json_each($3))`)

func (db *DB) HomeTimelineIDs(ctx context.Context, viewerID int64, limit int, except []int64) ([]int64, error) {
	return db.ints(ctx, "home timeline ids", homeTimelineIDs, 1, viewerID, limit, jsonIDs(except))
}

func (db *DB) FollowedAmong(ctx context.Context, followerID int64, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return db.ints(ctx, "followed among", `SELECT followee_id FROM follows
		WHERE follower_id = $1 AND followee_id IN (SELECT value FROM json_each($2))`, 1, followerID, jsonIDs(ids))
}

// ints runs a query of cols integer columns on the readers: the
// sqlstore.QueryInts of this adapter.
func (db *DB) ints(ctx context.Context, op, query string, cols int, args ...any) ([]int64, error) {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, starling.Internal(err, op)
	}
	defer rows.Close()
	var out []int64
	row := make([]int64, cols)
	dest := make([]any, cols)
	for i := range row {
		dest[i] = &row[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, starling.Internal(err, op)
		}
		out = append(out, row...)
	}
	if err := rows.Err(); err != nil {
		return nil, starling.Internal(err, op)
	}
	return out, nil
}
