package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/sqlstore"
)

func scanStatus(row sqlstore.Scanner) (*starling.Status, error) {
	var (
		s         starling.Status
		vis       string
		createdAt time.Time
		editedAt  *time.Time
		pinnedAt  *time.Time
	)
	err := row.Scan(&s.ID, &s.AccountID, &s.Text, &s.Content, &s.SpoilerText, &s.Sensitive, &vis,
		&s.Language, &s.InReplyToID, &s.InReplyToAccountID, &s.ApplicationID, &createdAt, &editedAt,
		&s.RepliesCount, &s.ReblogsCount, &s.FavouritesCount, &pinnedAt)
	if err != nil {
		return nil, err
	}
	s.Visibility = starling.Visibility(vis)
	s.CreatedAt, s.EditedAt, s.PinnedAt = sqlstore.NormTime(createdAt), fromNullTime(editedAt), fromNullTime(pinnedAt)
	return &s, nil
}

// CreateStatus inserts s with its mentions and tags and updates the
// counters, in one transaction.
//
// The idempotency key is claimed first, by an upsert that only takes over
// an entry older than the window. When it claims nothing, a post with that
// key is less than an hour old and is returned instead. A concurrent post
// with the same key waits on the key's row lock and then finds it taken.
// The window is measured from s.CreatedAt, which the caller sets to the
// time of posting.
func (db *DB) CreateStatus(ctx context.Context, s *starling.Status, idempotencyKey string) (*starling.Status, error) {
	s.CreatedAt, s.EditedAt, s.PinnedAt = sqlstore.NormTime(s.CreatedAt), sqlstore.NormTime(s.EditedAt), time.Time{}
	var prior int64
	err := db.write(ctx, func(tx pgx.Tx) error {
		if idempotencyKey != "" {
			key := sqlstore.KeyDigest(idempotencyKey)
			var claimed int64
			err := tx.QueryRow(ctx, sqlstore.ClaimIdempotencyKey,
				s.AccountID, key, s.ID, s.CreatedAt, s.CreatedAt.Add(-starling.IdempotencyWindow)).Scan(&claimed)
			if isNoRows(err) {
				return tx.QueryRow(ctx, sqlstore.PriorIdempotencyKey, s.AccountID, key).Scan(&prior)
			}
			if err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, sqlstore.InsertStatus,
			s.ID, s.AccountID, s.Text, s.Content, s.SpoilerText, s.Sensitive,
			string(s.Visibility), s.Language, s.InReplyToID, s.InReplyToAccountID, s.ApplicationID,
			s.CreatedAt, nullTime(s.EditedAt))
		if err != nil {
			return err
		}
		if len(s.Mentions) > 0 {
			accounts := make([]int64, len(s.Mentions))
			usernames := make([]string, len(s.Mentions))
			for i, m := range s.Mentions {
				accounts[i], usernames[i] = m.AccountID, m.Username
			}
			_, err := tx.Exec(ctx, `INSERT INTO status_mentions (status_id, account_id, username, position)
				SELECT $1, m.account_id, m.username, m.position - 1
				FROM unnest($2::bigint[], $3::text[]) WITH ORDINALITY AS m (account_id, username, position)
				ON CONFLICT DO NOTHING`, s.ID, accounts, usernames)
			if err != nil {
				return err
			}
		}
		if len(s.Tags) > 0 {
			lower := make([]string, len(s.Tags))
			for i, name := range s.Tags {
				lower[i] = strings.ToLower(name)
			}
			_, err := tx.Exec(ctx, `INSERT INTO status_tags (status_id, name, name_lower, position)
				SELECT $1, t.name, t.name_lower, t.position - 1
				FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t (name, name_lower, position)
				ON CONFLICT DO NOTHING`, s.ID, s.Tags, lower)
			if err != nil {
				return err
			}
		}
		if s.Visibility != starling.VisibilityDirect {
			_, err = tx.Exec(ctx, `UPDATE accounts SET statuses_count = statuses_count + 1,
				last_status_at = greatest(last_status_at, $2) WHERE id = $1`, s.AccountID, s.CreatedAt)
			if err != nil {
				return err
			}
		}
		if s.InReplyToID != 0 && sqlstore.CountsAsReply(s.Visibility) {
			if _, err = tx.Exec(ctx, sqlstore.AddReply, s.InReplyToID); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, sqlstore.InsertFanoutJob, string(starling.FanoutPost), s.ID, s.AccountID, s.CreatedAt)
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
	return db.statuses(ctx, "statuses by ids", `SELECT `+sqlstore.StatusCols+` FROM statuses s WHERE s.id = ANY ($1)`, ids)
}

// DeleteStatus deletes the status; its mentions, tags and idempotency key
// go with it by cascade. The counts CreateStatus added for it are taken
// back: the author's row is locked before the status, the order
// CreateStatus takes them in. The parent's replies count drops only if the
// parent still exists, which the UPDATE finding no row takes care of. A
// FanoutDelete job takes it out of the timelines it was delivered to.
func (db *DB) DeleteStatus(ctx context.Context, id int64) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		var accountID, parentID int64
		var vis string
		err := tx.QueryRow(ctx, `SELECT account_id, in_reply_to_id, visibility FROM statuses WHERE id = $1`, id).
			Scan(&accountID, &parentID, &vis)
		if isNoRows(err) {
			return sqlstore.NotFound()
		}
		if err != nil {
			return err
		}
		if starling.Visibility(vis) != starling.VisibilityDirect {
			_, err = tx.Exec(ctx, `UPDATE accounts SET statuses_count = greatest(statuses_count - 1, 0) WHERE id = $1`,
				accountID)
			if err != nil {
				return err
			}
		}
		// A concurrent delete may have come first: then this one did not
		// happen, and the rollback takes back the count.
		tag, err := tx.Exec(ctx, `DELETE FROM statuses WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return sqlstore.NotFound()
		}
		_, err = tx.Exec(ctx, sqlstore.InsertFanoutJob, string(starling.FanoutDelete), id, accountID, time.Now())
		if err != nil {
			return err
		}
		if parentID != 0 && sqlstore.CountsAsReply(starling.Visibility(vis)) {
			_, err = tx.Exec(ctx, `UPDATE statuses SET replies_count = greatest(replies_count - 1, 0) WHERE id = $1`,
				parentID)
		}
		return err
	})
	if err != nil {
		return dbError(err, "delete status")
	}
	return nil
}

// PinStatus locks the author's row first, so that concurrent pins of one
// account take turns and each counts the pins the others made; the row
// is locked before the status, the order DeleteStatus takes them in.
func (db *DB) PinStatus(ctx context.Context, accountID, statusID int64, max int) error {
	err := db.write(ctx, func(tx pgx.Tx) error {
		var locked int64
		err := tx.QueryRow(ctx, `SELECT id FROM accounts WHERE id = $1 FOR UPDATE`, accountID).Scan(&locked)
		if isNoRows(err) {
			return sqlstore.NotFound()
		}
		if err != nil {
			return err
		}
		var pinned *time.Time
		err = tx.QueryRow(ctx, sqlstore.PinOf, accountID, statusID).Scan(&pinned)
		if isNoRows(err) {
			return sqlstore.NotFound()
		}
		if err != nil || pinned != nil {
			return err
		}
		var n int64
		var last *time.Time
		if err := tx.QueryRow(ctx, sqlstore.CountPins, accountID).Scan(&n, &last); err != nil {
			return err
		}
		if n >= int64(max) {
			return sqlstore.PinLimit(max)
		}
		_, err = tx.Exec(ctx, sqlstore.Pin, accountID, statusID, sqlstore.PinTime(time.Now(), fromNullTime(last)))
		return err
	})
	if err != nil {
		return dbError(err, "pin status")
	}
	return nil
}

func (db *DB) UnpinStatus(ctx context.Context, accountID, statusID int64) error {
	if _, err := db.pool.Exec(ctx, sqlstore.Unpin, accountID, statusID); err != nil {
		return starling.Internal(err, "unpin status")
	}
	return nil
}

// PruneIdempotencyKeys deletes expired keys a batch per statement (each
// its own transaction), so that a large backlog is never one long
// transaction holding many row locks. The created_at index finds each
// batch; SKIP LOCKED passes over keys a concurrent CreateStatus is
// claiming, which the next prune will find if they are still expired.
func (db *DB) PruneIdempotencyKeys(ctx context.Context, olderThan time.Time) (int64, error) {
	var total int64
	for {
		tag, err := db.pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE (account_id, key) IN (
			SELECT account_id, key FROM idempotency_keys WHERE created_at < $1
			LIMIT $2 FOR UPDATE SKIP LOCKED)`,
			olderThan, sqlstore.PruneBatch)
		if err != nil {
			return total, starling.Internal(err, "prune idempotency keys")
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < sqlstore.PruneBatch {
			return total, nil
		}
	}
}

// TagTimeline walks the tag's entries in the (name_lower, status_id)
// index newest first and joins each to its status, keeping the public
// ones: paging bounds and order are on t.status_id, which that index holds
// in order, so a page of a rare tag costs as little as one of a popular
// tag. LocalOnly changes nothing yet: every status is local.
func (db *DB) TagTimeline(ctx context.Context, q starling.TagTimelineQuery, p starling.Page) ([]*starling.Status, error) {
	return sqlstore.ReadStatusPage(ctx, db.statuses, "tag timeline", `status_tags t JOIN statuses s ON s.id = t.status_id`, "t.status_id",
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
		where += ` AND s.has_media`
	}
	if q.Tagged != "" {
		args = append(args, strings.ToLower(q.Tagged))
		where += ` AND ` + sqlstore.Tagged(len(args))
	}
	return sqlstore.ReadStatusPage(ctx, db.statuses, "account statuses", "statuses s", "s.id", where, p, args...)
}

// Descendants walks the reply tree down from the status, at most
// MaxThreadDepth levels. PostgreSQL allows no LIMIT inside a recursive
// CTE, but it evaluates one only as far as its reader fetches (a level at
// a time, so breadth first): the LIMIT on the walk subquery stops the walk
// itself after MaxThreadWalk replies. Each row carries the path of ids
// from the root, so that sorting the visible rows by path (arrays compare
// element by element) lists the tree depth first and siblings in posting
// order (ids grow with time). The walk ends even without the bounds: a
// status can only reply to one that existed before it, so the tree has
// no cycles.
func (db *DB) Descendants(ctx context.Context, viewerID, id int64, limit int) ([]*starling.Status, error) {
	return db.statuses(ctx, "descendants", `WITH RECURSIVE tree (id, path) AS (
			SELECT id, ARRAY[]::bigint[] FROM statuses WHERE id = $2
			UNION ALL
			SELECT s.id, t.path || s.id FROM tree t JOIN statuses s ON s.in_reply_to_id = t.id
			WHERE s.in_reply_to_id <> 0 -- lets the partial index serve
			AND cardinality(t.path) < $4
		)
		SELECT `+sqlstore.StatusCols+` FROM (SELECT * FROM tree WHERE id <> $2 LIMIT $5) t JOIN statuses s ON s.id = t.id
		WHERE `+sqlstore.VisibleTo+`
		ORDER BY t.path LIMIT $3`, viewerID, id, limit, starling.MaxThreadDepth, starling.MaxThreadWalk)
}

// statuses runs a query selecting sqlstore.StatusCols and fills in the
// mentions and tags of all the rows with one query each: the
// sqlstore.QueryStatuses of this adapter, which the shared reads run.
func (db *DB) statuses(ctx context.Context, op, query string, args ...any) ([]*starling.Status, error) {
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, starling.Internal(err, op)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*starling.Status, error) { return scanStatus(row) })
	if err != nil {
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

	var (
		id   int64
		m    starling.Mention
		name string
	)
	rows, err := db.pool.Query(ctx, `SELECT status_id, account_id, username FROM status_mentions
		WHERE status_id = ANY ($1) ORDER BY status_id, position`, ids)
	if err != nil {
		return err
	}
	_, err = pgx.ForEachRow(rows, []any{&id, &m.AccountID, &m.Username}, func() error {
		s := byID[id]
		s.Mentions = append(s.Mentions, m)
		return nil
	})
	if err != nil {
		return err
	}

	rows, err = db.pool.Query(ctx, `SELECT status_id, name FROM status_tags
		WHERE status_id = ANY ($1) ORDER BY status_id, position`, ids)
	if err != nil {
		return err
	}
	_, err = pgx.ForEachRow(rows, []any{&id, &name}, func() error {
		s := byID[id]
		s.Tags = append(s.Tags, name)
		return nil
	})
	return err
}
