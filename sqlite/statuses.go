package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/starling-social/starling"
)

// idempotencyWindow is how long an idempotency key stands for the status
// first posted with it.
const idempotencyWindow = starling.IdempotencyWindow

// pruneBatch is how many idempotency keys PruneIdempotencyKeys deletes per
// transaction.
const pruneBatch = 1000

// keyDigest is how an idempotency key is stored: the header that carries
// it may hold any bytes, of any length, and a digest fits the column and its
// index whatever they are.
func keyDigest(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

const statusCols = `s.id, s.account_id, s.text, s.content, s.spoiler_text, s.sensitive, s.visibility,
	s.language, s.in_reply_to_id, s.in_reply_to_account_id, s.application_id, s.created_at, s.edited_at,
	s.replies_count, s.reblogs_count, s.favourites_count`

func scanStatus(row scanner) (*starling.Status, error) {
	var (
		s         starling.Status
		vis       string
		createdAt int64
		editedAt  sql.NullInt64
	)
	err := row.Scan(&s.ID, &s.AccountID, &s.Text, &s.Content, &s.SpoilerText, &s.Sensitive, &vis,
		&s.Language, &s.InReplyToID, &s.InReplyToAccountID, &s.ApplicationID, &createdAt, &editedAt,
		&s.RepliesCount, &s.ReblogsCount, &s.FavouritesCount)
	if err != nil {
		return nil, err
	}
	s.Visibility = starling.Visibility(vis)
	s.CreatedAt, s.EditedAt = fromMS(createdAt), fromNullMS(editedAt)
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
	s.CreatedAt, s.EditedAt = normTime(s.CreatedAt), normTime(s.EditedAt)
	var prior int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		if idempotencyKey != "" {
			key := keyDigest(idempotencyKey)
			var claimed int64
			err := tx.QueryRowContext(ctx, `INSERT INTO idempotency_keys (account_id, key, status_id, created_at)
				VALUES ($1, $2, $3, $4)
				ON CONFLICT (account_id, key) DO UPDATE
				SET status_id = excluded.status_id, created_at = excluded.created_at
				WHERE idempotency_keys.created_at <= $5
				RETURNING status_id`,
				s.AccountID, key, s.ID, ms(s.CreatedAt), ms(s.CreatedAt.Add(-idempotencyWindow))).Scan(&claimed)
			if errors.Is(err, sql.ErrNoRows) {
				return tx.QueryRowContext(ctx, `SELECT status_id FROM idempotency_keys WHERE account_id = $1 AND key = $2`,
					s.AccountID, key).Scan(&prior)
			}
			if err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO statuses (id, account_id, text, content, spoiler_text, sensitive,
			visibility, language, in_reply_to_id, in_reply_to_account_id, application_id, created_at, edited_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			s.ID, s.AccountID, s.Text, s.Content, s.SpoilerText, s.Sensitive,
			string(s.Visibility), s.Language, s.InReplyToID, s.InReplyToAccountID, s.ApplicationID,
			ms(s.CreatedAt), nullMS(s.EditedAt))
		if err != nil {
			return err
		}
		for i, m := range s.Mentions {
			_, err := tx.ExecContext(ctx, `INSERT INTO status_mentions (status_id, account_id, username, position)
				VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, s.ID, m.AccountID, m.Username, i)
			if err != nil {
				return err
			}
		}
		for i, name := range s.Tags {
			_, err := tx.ExecContext(ctx, `INSERT INTO status_tags (status_id, name, name_lower, position)
				VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, s.ID, name, strings.ToLower(name), i)
			if err != nil {
				return err
			}
		}
		if s.Visibility != starling.VisibilityDirect {
			_, err = tx.ExecContext(ctx, `UPDATE accounts SET statuses_count = statuses_count + 1,
				last_status_at = max(coalesce(last_status_at, 0), $2) WHERE id = $1`, s.AccountID, ms(s.CreatedAt))
			if err != nil {
				return err
			}
		}
		if s.InReplyToID != 0 && countsAsReply(s.Visibility) {
			_, err = tx.ExecContext(ctx, `UPDATE statuses SET replies_count = replies_count + 1 WHERE id = $1`,
				s.InReplyToID)
		}
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

func (db *DB) StatusByID(ctx context.Context, id int64) (*starling.Status, error) {
	ss, err := db.statuses(ctx, "status by id", `SELECT `+statusCols+` FROM statuses s WHERE s.id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(ss) == 0 {
		return nil, notFound()
	}
	return ss[0], nil
}

func (db *DB) StatusesByIDs(ctx context.Context, ids []int64) ([]*starling.Status, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return db.statuses(ctx, "statuses by ids", `SELECT `+statusCols+` FROM statuses s
		WHERE s.id IN (SELECT value FROM json_each($1))`, jsonIDs(ids))
}

// DeleteStatus deletes the status; its mentions, tags and idempotency key
// go with it by cascade. The counts CreateStatus added for it are taken
// back; the parent's replies count drops only if the parent still exists,
// which the UPDATE finding no row takes care of.
func (db *DB) DeleteStatus(ctx context.Context, id int64) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		var accountID, parentID int64
		var vis string
		err := tx.QueryRowContext(ctx, `DELETE FROM statuses WHERE id = $1
			RETURNING account_id, in_reply_to_id, visibility`, id).Scan(&accountID, &parentID, &vis)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound()
		}
		if err != nil {
			return err
		}
		if starling.Visibility(vis) != starling.VisibilityDirect {
			_, err = tx.ExecContext(ctx, `UPDATE accounts SET statuses_count = max(statuses_count - 1, 0) WHERE id = $1`,
				accountID)
		}
		if err != nil || parentID == 0 || !countsAsReply(starling.Visibility(vis)) {
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

// PruneIdempotencyKeys deletes expired keys a batch per transaction, so
// that a large backlog never holds the single writer for long. The
// created_at index finds each batch.
func (db *DB) PruneIdempotencyKeys(ctx context.Context, olderThan time.Time) (int64, error) {
	var total int64
	for {
		res, err := db.w.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE (account_id, key) IN (
			SELECT account_id, key FROM idempotency_keys WHERE created_at < $1 LIMIT $2)`,
			ms(olderThan), pruneBatch)
		if err != nil {
			return total, starling.Internal(err, "prune idempotency keys")
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, starling.Internal(err, "prune idempotency keys")
		}
		total += n
		if n < pruneBatch {
			return total, nil
		}
	}
}

// visibleTo is the SQL form of policy.CanView for the viewer bound to
// parameter $1 (0 when anonymous).
const visibleTo = `(s.account_id = $1
	OR s.visibility IN ('public', 'unlisted')
	OR (s.visibility = 'private' AND EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = $1 AND f.followee_id = s.account_id))
	OR (s.visibility IN ('private', 'direct') AND EXISTS (SELECT 1 FROM status_mentions m WHERE m.status_id = s.id AND m.account_id = $1)))`

// HomeTimeline is policy.InHome in SQL. The account_id IN (…) condition
// comes first so that the planner walks the (account_id, id) index of the
// viewer and each followee; the rest filters those rows:
//   - the viewer's own statuses pass;
//   - a followee's status passes unless it is direct and does not mention
//     the viewer (private ones are visible to followers);
//   - and unless it replies to someone other than its author, the viewer
//     or an account the viewer follows.
func (db *DB) HomeTimeline(ctx context.Context, viewerID int64, p starling.Page) ([]*starling.Status, error) {
	where := `s.account_id IN (SELECT followee_id FROM follows WHERE follower_id = $1 UNION ALL SELECT $1)
		AND (s.account_id = $1 OR (
			(s.visibility <> 'direct'
			  OR EXISTS (SELECT 1 FROM status_mentions m WHERE m.status_id = s.id AND m.account_id = $1))
			AND (s.in_reply_to_account_id IN (0, s.account_id, $1)
			  OR s.in_reply_to_account_id IN (SELECT followee_id FROM follows WHERE follower_id = $1))))`
	return db.page(ctx, "home timeline", where, p, viewerID)
}

// PublicTimeline reads the partial index of public statuses. LocalOnly
// changes nothing yet: every status is local until federation exists.
func (db *DB) PublicTimeline(ctx context.Context, _ starling.PublicTimelineQuery, p starling.Page) ([]*starling.Status, error) {
	where := `s.visibility = 'public' AND s.in_reply_to_account_id IN (0, s.account_id)`
	return db.page(ctx, "public timeline", where, p)
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
	return db.pageFrom(ctx, "tag timeline", `status_tags t CROSS JOIN statuses s ON s.id = t.status_id`, "t.status_id",
		`t.name_lower = $1 AND s.visibility = 'public'`, p, strings.ToLower(q.Tag))
}

// AccountStatuses reads the account's (account_id, id) index; Tagged
// checks each status against the primary key of status_tags.
func (db *DB) AccountStatuses(ctx context.Context, q starling.AccountStatusesQuery, p starling.Page) ([]*starling.Status, error) {
	where := `s.account_id = $2 AND ` + visibleTo
	args := []any{q.ViewerID, q.AccountID}
	if q.ExcludeReplies {
		where += ` AND s.in_reply_to_account_id IN (0, s.account_id)`
	}
	if q.OnlyMedia {
		where += ` AND s.has_media = 1`
	}
	if q.Tagged != "" {
		args = append(args, strings.ToLower(q.Tagged))
		where += fmt.Sprintf(` AND EXISTS (SELECT 1 FROM status_tags t WHERE t.status_id = s.id AND t.name_lower = $%d)`, len(args))
	}
	return db.page(ctx, "account statuses", where, p, args...)
}

// page reads one page of statuses matching where, newest first.
func (db *DB) page(ctx context.Context, op, where string, p starling.Page, args ...any) ([]*starling.Status, error) {
	return db.pageFrom(ctx, op, "statuses s", "s.id", where, p, args...)
}

// pageFrom reads one page of statuses (aliased s) from the tables of from
// that match where, newest first by key: a column equal to s.id that an
// index on from holds in order.
func (db *DB) pageFrom(ctx context.Context, op, from, key, where string, p starling.Page, args ...any) ([]*starling.Status, error) {
	where, args, reversed := pageQuery(where, key, p, args)
	ss, err := db.statuses(ctx, op, `SELECT `+statusCols+` FROM `+from+` WHERE `+where, args...)
	if reversed {
		slices.Reverse(ss)
	}
	return ss, err
}

// countsAsReply reports whether a reply of visibility v counts in its
// parent's replies count: only replies everyone may see do.
func countsAsReply(v starling.Visibility) bool {
	return v == starling.VisibilityPublic || v == starling.VisibilityUnlisted
}

// Ancestors walks up the reply chain from the status, at most
// MaxThreadDepth steps and stopping at a parent that no longer exists,
// then keeps the nearest limit of the statuses the viewer may see. Each
// step reads one row by primary key, so the walk costs MaxThreadDepth
// lookups at most.
func (db *DB) Ancestors(ctx context.Context, viewerID, id int64, limit int) ([]*starling.Status, error) {
	ss, err := db.statuses(ctx, "ancestors", `WITH RECURSIVE chain (id, parent, depth) AS (
			SELECT id, in_reply_to_id, 0 FROM statuses WHERE id = $2
			UNION ALL
			SELECT s.id, s.in_reply_to_id, c.depth + 1 FROM chain c JOIN statuses s ON s.id = c.parent
			WHERE c.depth < $4
		)
		SELECT `+statusCols+` FROM chain c JOIN statuses s ON s.id = c.id
		WHERE c.depth > 0 AND `+visibleTo+`
		ORDER BY c.depth LIMIT $3`, viewerID, id, limit, starling.MaxThreadDepth)
	slices.Reverse(ss)
	return ss, err
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
		SELECT `+statusCols+` FROM tree t JOIN statuses s ON s.id = t.id
		WHERE t.depth > 0 AND `+visibleTo+`
		ORDER BY t.path LIMIT $3`, viewerID, id, limit, starling.MaxThreadDepth, starling.MaxThreadWalk)
}

// statuses runs a query selecting statusCols and fills in the mentions and
// tags of all the rows with one query each.
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
