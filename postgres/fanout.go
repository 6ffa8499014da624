package postgres

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/sqlstore"
)

// ClaimFanoutJobs leases the oldest jobs whose lease has run out. SKIP
// LOCKED lets instances claim side by side: each takes jobs the others
// are not taking at that moment, and the lease keeps them from taking
// those afterwards.
func (db *DB) ClaimFanoutJobs(ctx context.Context, limit int, lease time.Duration, before time.Time) ([]starling.FanoutJob, error) {
	now := time.Now()
	rows, err := db.pool.Query(ctx, `UPDATE fanout_jobs SET leased_until = $1
		WHERE id IN (SELECT id FROM fanout_jobs WHERE leased_until <= $2 AND created_at < $4
			ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
		RETURNING id, kind, status_id, author_id, created_at`, now.Add(lease), now, limit, before)
	if err != nil {
		return nil, starling.Internal(err, "claim fanout jobs")
	}
	jobs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (starling.FanoutJob, error) {
		var j starling.FanoutJob
		var kind string
		err := row.Scan(&j.ID, &kind, &j.StatusID, &j.AuthorID, &j.CreatedAt)
		j.Kind, j.CreatedAt = starling.FanoutKind(kind), sqlstore.NormTime(j.CreatedAt)
		return j, err
	})
	if err != nil {
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
	if _, err := db.pool.Exec(ctx, `DELETE FROM fanout_jobs WHERE kind = $1 AND status_id = ANY ($2)`, string(kind), statusIDs); err != nil {
		return starling.Internal(err, "complete fanout job")
	}
	return nil
}

func (db *DB) FanoutQueue(ctx context.Context) (int64, time.Time, error) {
	var n int64
	var oldest *time.Time
	err := db.pool.QueryRow(ctx, `SELECT count(*), min(created_at) FROM fanout_jobs`).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, starling.Internal(err, "fanout queue")
	}
	return n, fromNullTime(oldest), nil
}

// homeTimelineIDs is sqlstore.HomeTimelineIDs with the set as an array.
var homeTimelineIDs = sqlstore.HomeTimelineIDs(`(SELECT unnest($3::bigint[]))`)

func (db *DB) HomeTimelineIDs(ctx context.Context, viewerID int64, limit int, except []int64) ([]int64, error) {
	return db.ints(ctx, "home timeline ids", homeTimelineIDs, 1, viewerID, limit, except)
}

func (db *DB) FollowedAmong(ctx context.Context, followerID int64, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return db.ints(ctx, "followed among", `SELECT followee_id FROM follows
		WHERE follower_id = $1 AND followee_id = ANY ($2)`, 1, followerID, ids)
}

// ints runs a query of cols bigint columns: the sqlstore.QueryInts of
// this adapter.
func (db *DB) ints(ctx context.Context, op, query string, cols int, args ...any) ([]int64, error) {
	rows, err := db.pool.Query(ctx, query, args...)
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
