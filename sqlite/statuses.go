package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/sqlstore"
)

// The statements of CreateStatus that are this dialect's own.
const (
	insertMention = `INSERT INTO status_mentions (status_id, account_id, username, position)
		VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`
	insertTag = `INSERT INTO status_tags (status_id, name, name_lower, position)
		VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`
	countStatus = `UPDATE accounts SET statuses_count = statuses_count + 1,
		last_status_at = max(coalesce(last_status_at, 0), $2) WHERE id = $1`
)

func scanStatus(row sqlstore.Scanner) (*starling.Status, error) {
	var (
		s         starling.Status
		vis       string
		createdAt int64
		editedAt  sql.NullInt64
		pinnedAt  sql.NullInt64
	)
	err := row.Scan(&s.ID, &s.AccountID, &s.Text, &s.Content, &s.SpoilerText, &s.Sensitive, &vis,
		&s.Language, &s.InReplyToID, &s.InReplyToAccountID, &s.ApplicationID, &createdAt, &editedAt,
		&s.RepliesCount, &s.ReblogsCount, &s.FavouritesCount, &pinnedAt)
	if err != nil {
		return nil, err
	}
	s.Visibility = starling.Visibility(vis)
	s.CreatedAt, s.EditedAt, s.PinnedAt = fromMS(createdAt), fromNullMS(editedAt), fromNullMS(pinnedAt)
	return &s, nil
}

// CreateStatus inserts s with its mentions and tags and updates the
// counters, in one transaction.
//
// The idempotency key is claimed first, by an upsert that only takes over
// an entry older than the window. When it claims nothing, a post with that
// key is less than an hour old and is returned instead. The window is
// measured from s.CreatedAt, which the caller sets to the time of posting.
func (db *DB) CreateStatus(ctx context.Context, s *starling.Status, idempotencyKey string) (*starling.Status, error) {
	s.CreatedAt, s.EditedAt, s.PinnedAt = sqlstore.NormTime(s.CreatedAt), sqlstore.NormTime(s.EditedAt), time.Time{}
	var prior int64
	err := db.write(ctx, func(tx wtx) error {
		if idempotencyKey != "" {
			key := sqlstore.KeyDigest(idempotencyKey)
			var claimed int64
			err := tx.QueryRowContext(ctx, sqlstore.ClaimIdempotencyKey,
				s.AccountID, key, s.ID, ms(s.CreatedAt), ms(s.CreatedAt.Add(-starling.IdempotencyWindow))).Scan(&claimed)
			if errors.Is(err, sql.ErrNoRows) {
				return tx.QueryRowContext(ctx, sqlstore.PriorIdempotencyKey, s.AccountID, key).Scan(&prior)
			}
			if err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, sqlstore.InsertStatus,
			s.ID, s.AccountID, s.Text, s.Content, s.SpoilerText, s.Sensitive,
			string(s.Visibility), s.Language, s.InReplyToID, s.InReplyToAccountID, s.ApplicationID,
			ms(s.CreatedAt), nullMS(s.EditedAt))
		if err != nil {
			return err
		}
		for i, m := range s.Mentions {
			_, err := tx.ExecContext(ctx, insertMention, s.ID, m.AccountID, m.Username, i)
			if err != nil {
				return err
			}
		}
		for i, name := range s.Tags {
			_, err := tx.ExecContext(ctx, insertTag, s.ID, name, strings.ToLower(name), i)
			if err != nil {
				return err
			}
		}
		if s.Visibility != starling.VisibilityDirect {
			_, err = tx.ExecContext(ctx, countStatus, s.AccountID, ms(s.CreatedAt))
			if err != nil {
				return err
			}
		}
		if s.InReplyToID != 0 && sqlstore.CountsAsReply(s.Visibility) {
			if _, err = tx.ExecContext(ctx, sqlstore.AddReply, s.InReplyToID); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, sqlstore.InsertFanoutJob, string(starling.FanoutPost), s.ID, s.AccountID, ms(s.CreatedAt))
		return err
	})
	if err != nil {
		return nil, dbError(err, "create status")
	}
	if prior != 0 {
		return db.StatusByID(ctx, prior)
	}
	return s, nil
}

func (db *DB) StatusesByIDs(ctx context.Context, ids []int64) ([]*starling.Status, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return db.statuses(ctx, "statuses by ids", `SELECT `+sqlstore.StatusCols+` FROM statuses s
		WHERE s.id IN (SELECT value FROM json_each($1))`, jsonIDs(ids))
}

// DeleteStatus deletes the status; its mentions, tags and idempotency key
// go with it by cascade. The counts CreateStatus added for it are taken
// back; the parent's replies count drops only if the parent still exists,
// which the UPDATE finding no row takes care of. A FanoutDelete job takes
// it out of the timelines it was delivered to.
func (db *DB) DeleteStatus(ctx context.Context, id int64) error {
	err := db.write(ctx, func(tx wtx) error {
		var accountID, parentID int64
		var vis string
		err := tx.QueryRowContext(ctx, `DELETE FROM statuses WHERE id = $1
			RETURNING account_id, in_reply_to_id, visibility`, id).Scan(&accountID, &parentID, &vis)
		if errors.Is(err, sql.ErrNoRows) {
			return sqlstore.NotFound()
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, sqlstore.InsertFanoutJob, string(starling.FanoutDelete), id, accountID, ms(time.Now()))
		if err == nil && starling.Visibility(vis) != starling.VisibilityDirect {
			_, err = tx.ExecContext(ctx, `UPDATE accounts SET statuses_count = max(statuses_count - 1, 0) WHERE id = $1`,
				accountID)
		}
		if err != nil || parentID == 0 || !sqlstore.CountsAsReply(starling.Visibility(vis)) {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE statuses SET replies_count = max(replies_count - 1, 0) WHERE id = $1`,
			parentID)
		return err
	})
	if err != nil {
		return dbError(err, "delete status")
	}
	return nil
}

// PinStatus pins the status in the single writer's transaction, which
// no other write interleaves with, so the count it reads stays true until
// it commits.
func (db *DB) PinStatus(ctx context.Context, accountID, statusID int64, max int) error {
	err := db.write(ctx, func(tx wtx) error {
		var pinned sql.NullInt64
		err := tx.QueryRowContext(ctx, sqlstore.PinOf, accountID, statusID).Scan(&pinned)
		if errors.Is(err, sql.ErrNoRows) {
			return sqlstore.NotFound()
		}
		if err != nil || pinned.Valid {
			return err
		}
		var n int64
		var last sql.NullInt64
		if err := tx.QueryRowContext(ctx, sqlstore.CountPins, accountID).Scan(&n, &last); err != nil {
			return err
		}
		if n >= int64(max) {
			return sqlstore.PinLimit(max)
		}
		_, err = tx.ExecContext(ctx, sqlstore.Pin, accountID, statusID, ms(sqlstore.PinTime(time.Now(), fromNullMS(last))))
		return err
	})
	if err != nil {
		return dbError(err, "pin status")
	}
	return nil
}

func (db *DB) UnpinStatus(ctx context.Context, accountID, statusID int64) error {
	if _, err := db.w.ExecContext(ctx, sqlstore.Unpin, accountID, statusID); err != nil {
		return starling.Internal(err, "unpin status")
	}
	return nil
}

// PruneIdempotencyKeys deletes expired keys a batch per transaction, so
// that a large backlog never holds the single writer for long. The
// created_at index finds each batch.
func (db *DB) PruneIdempotencyKeys(ctx context.Context, olderThan time.Time) (int64, error) {
	var total int64
	for {
		res, err := db.w.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE (account_id, key) IN (
			SELECT account_id, key FROM idempotency_keys WHERE created_at < $1 LIMIT $2)`,
			ms(olderThan), sqlstore.PruneBatch)
		if err != nil {
			return total, starling.Internal(err, "prune idempotency keys")
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, starling.Internal(err, "prune idempotency keys")
		}
		total += n
		if n < sqlstore.PruneBatch {
			return total, nil
		}
	}
}

// TagTimeline walks the tag's entries in the (name_lower, status_id)
// index newest first and joins each to its status, keeping the public
// ones: paging bounds and order are on t.status_id, which that index holds
// in order, so a page of a rare tag costs as little as one of a popular
// tag. CROSS JOIN makes SQLite take status_tags as the outer loop whatever
// its statistics say: walking the public statuses and looking each one's
// tags up instead would read the whole public timeline to find a rare tag.
// LocalOnly changes nothing yet: every status is local.
func (db *DB) TagTimeline(ctx context.Context, q starling.TagTimelineQuery, p starling.Page) ([]*starling.Status, error) {
	return sqlstore.ReadStatusPage(ctx, db.statuses, "tag timeline", `status_tags t CROSS JOIN statuses s ON s.id = t.status_id`, "t.status_id",
		`t.name_lower = $1 AND s.visibility = 'public'`, p, strings.ToLower(q.Tag))
}

// AccountStatuses reads the account's (account_id, id) index; Tagged
// checks each status against the primary key of status_tags.
func (db *DB) AccountStatuses(ctx context.Context, q starling.AccountStatusesQuery, p starling.Page) ([]*starling.Status, error) {
	where := `s.account_id = $2 AND ` + sqlstore.VisibleTo
	args := []any{q.ViewerID, q.AccountID}
	if q.ExcludeReplies {
		where += ` AND ` + sqlstore.NotReplyToOthers
	}
	if q.OnlyMedia {
		where += ` AND s.has_media = 1`
	}
	if q.Tagged != "" {
		args = append(args, strings.ToLower(q.Tagged))
		where += ` AND ` + sqlstore.Tagged(len(args))
	}
	return sqlstore.ReadStatusPage(ctx, db.statuses, "account statuses", "statuses s", "s.id", where, p, args...)
}

// Descendants walks the reply tree down from the status, breadth first
// (the recursive table is a queue), at most MaxThreadDepth levels and
// MaxThreadWalk replies: the LIMIT inside the recursive CTE stops the walk
// itself, not just its output. Each row carries the path of zero-padded
// ids from the root, so that sorting the visible rows by path lists the
// tree depth first and siblings in posting order (ids grow with time).
// The walk ends even without the bounds: a status can only reply to one
// that existed before it, so the tree has no cycles.
func (db *DB) Descendants(ctx context.Context, viewerID, id int64, limit int) ([]*starling.Status, error) {
	return db.statuses(ctx, "descendants", `WITH RECURSIVE tree (id, path, depth) AS (
			SELECT id, '', 0 FROM statuses WHERE id = $2
			UNION ALL
			SELECT s.id, t.path || printf('%020d', s.id), t.depth + 1 FROM tree t JOIN statuses s ON s.in_reply_to_id = t.id
			WHERE s.in_reply_to_id <> 0 -- lets the partial index serve
			AND t.depth < $4
			LIMIT $5 + 1 -- counts the root row too
		)
		SELECT `+sqlstore.StatusCols+` FROM tree t JOIN statuses s ON s.id = t.id
		WHERE t.depth > 0 AND `+sqlstore.VisibleTo+`
		ORDER BY t.path LIMIT $3`, viewerID, id, limit, starling.MaxThreadDepth, starling.MaxThreadWalk)
}

// statuses runs a query selecting sqlstore.StatusCols and fills in the
// mentions and tags of all the rows with one query each: the
// sqlstore.QueryStatuses of this adapter, which the shared reads run.
func (db *DB) statuses(ctx context.Context, op, query string, args ...any) ([]*starling.Status, error) {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, starling.Internal(err, op)
	}
	defer rows.Close()
	var out []*starling.Status
	for rows.Next() {
		s, err := scanStatus(rows)
		if err != nil {
			return nil, starling.Internal(err, op)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, starling.Internal(err, op)
	}
	if err := db.attach(ctx, out); err != nil {
		return nil, starling.Internal(err, op)
	}
	return out, nil
}

// attach loads the mentions and tags of ss.
func (db *DB) attach(ctx context.Context, ss []*starling.Status) error {
	if len(ss) == 0 {
		return nil
	}
	byID := make(map[int64]*starling.Status, len(ss))
	ids := make([]int64, len(ss))
	for i, s := range ss {
		byID[s.ID], ids[i] = s, s.ID
	}
	set := jsonIDs(ids)

	rows, err := db.r.QueryContext(ctx, `SELECT status_id, account_id, username FROM status_mentions
		WHERE status_id IN (SELECT value FROM json_each($1)) ORDER BY status_id, position`, set)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var m starling.Mention
		if err := rows.Scan(&id, &m.AccountID, &m.Username); err != nil {
			return err
		}
		s := byID[id]
		s.Mentions = append(s.Mentions, m)
	}
	if err := rows.Err(); err != nil {
		return err
	}

	rows, err = db.r.QueryContext(ctx, `SELECT status_id, name FROM status_tags
		WHERE status_id IN (SELECT value FROM json_each($1)) ORDER BY status_id, position`, set)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		s := byID[id]
		s.Tags = append(s.Tags, name)
	}
	return rows.Err()
}
