package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/starling-social/starling"
)

// This file is the bulk load behind `starling bench seed` (package
// loadtest): millions of rows in one go, with shortcuts that normal
// writes never take, leaving what normal writes would have left.

// CountUsernamePrefix counts the accounts whose username starts with
// prefix, in lower case, by a range on the username index. Usernames are
// ASCII, so the range ends where the prefix's last byte is incremented.
func (db *DB) CountUsernamePrefix(ctx context.Context, prefix string) (int64, error) {
	lo, hi := prefixRange(strings.ToLower(prefix))
	var n int64
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE username_lower >= $1 AND username_lower < $2`,
		lo, hi).Scan(&n)
	if err != nil {
		return 0, starling.Internal(err, "count usernames")
	}
	return n, nil
}

// prefixRange returns the bounds [lo, hi) of the strings that start with
// the non-empty ASCII prefix p.
func prefixRange(p string) (lo, hi string) {
	if p == "" {
		return "", "\x7f"
	}
	return p, p[:len(p)-1] + string(rune(p[len(p)-1]+1))
}

// bulkIndexes are dropped for the load and built again after it from
// the SQL the schema holds: rows arrive in an order that would scatter
// their entries over these b-trees (followees and authors at random),
// while CREATE INDEX sorts once. The other indexes receive their entries
// in order, or are small.
var bulkIndexes = []string{"follows_followee_id_id_idx", "statuses_account_id_id_idx"}

// BulkLoad inserts accounts with their tokens, follows and statuses in
// one transaction on the writer connection, which nothing else may use
// meanwhile, so a failure or a crash leaves the database as it was.
//
// For the load only, the connection turns off foreign key checks (the
// caller builds every follow and status from the accounts it inserts),
// turns synchronous off (nothing is synced until the commit, which is
// then checkpointed into the database file before BulkLoad returns, so a
// successful return means the rows are on disk), and gets a large page
// cache; all three are restored before the connection goes back to the
// pool.
func (db *DB) BulkLoad(ctx context.Context, accounts iter.Seq2[*starling.Account, *starling.Token],
	follows iter.Seq2[int64, int64], followedAt time.Time,
	statuses iter.Seq[*starling.Status], progress func(stage string, rows int64)) (err error) {
	if progress == nil {
		progress = func(string, int64) {}
	}
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return starling.Internal(err, "bulk load")
	}
	defer conn.Close()
	// The pragmas are per connection; foreign_keys cannot change inside
	// a transaction.
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -524288`); err != nil {
		return starling.Internal(err, "bulk load")
	}
	defer func() {
		// Restored even when ctx is cancelled: the connection is reused.
		_, rerr := conn.ExecContext(context.Background(), `PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -16000`)
		if rerr != nil {
			err = errors.Join(err, starling.Internal(rerr, "bulk load: restore pragmas"))
			// A connection left without foreign keys must not serve
			// normal writes.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()

	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return starling.Internal(err, "bulk load")
	}
	if err := bulkLoad(ctx, tx, accounts, follows, followedAt, statuses, progress); err != nil {
		tx.Rollback()
		return starling.Internal(err, "bulk load")
	}
	if err := tx.Commit(); err != nil {
		return starling.Internal(err, "bulk load: commit")
	}
	// The commit is in the WAL, written but not synced: the checkpoint
	// syncs the WAL, copies it into the database file and syncs that, so
	// that a return means durable.
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = NORMAL; PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return starling.Internal(err, "bulk load: checkpoint")
	}
	progress("checkpoint", 0)
	return nil
}

func bulkLoad(ctx context.Context, tx *sql.Tx, accounts iter.Seq2[*starling.Account, *starling.Token],
	follows iter.Seq2[int64, int64], followedAt time.Time,
	statuses iter.Seq[*starling.Status], progress func(stage string, rows int64)) error {
	var indexSQL []string
	for _, name := range bulkIndexes {
		var s string
		if err := tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1`, name).Scan(&s); err != nil {
			return fmt.Errorf("index %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `DROP INDEX `+name); err != nil {
			return err
		}
		indexSQL = append(indexSQL, s)
	}

	acc, err := newBatch(ctx, tx, `INSERT INTO accounts (id, username, username_lower, email, email_lower,
		password_hash, display_name, display_name_lower, note, note_html, locked, bot, discoverable, fields,
		role, approved, sign_up_reason, locale, default_visibility, default_sensitive, default_language,
		created_at, updated_at, last_status_at, statuses_count, followers_count, following_count)`, 27)
	if err != nil {
		return err
	}
	tok, err := newBatch(ctx, tx, `INSERT INTO tokens (id, access_hash, refresh_hash, app_id, account_id, scopes, created_at)`, 7)
	if err != nil {
		return err
	}
	for a, t := range accounts {
		fields, err := encodeFields(a.Fields)
		if err != nil {
			return err
		}
		err = acc.add(a.ID, a.Username, strings.ToLower(a.Username), a.Email, strings.ToLower(a.Email),
			a.PasswordHash, a.DisplayName, strings.ToLower(a.DisplayName), a.Note, a.NoteHTML,
			a.Locked, a.Bot, a.Discoverable, fields,
			string(a.Role), a.Approved, a.SignUpReason, a.Locale,
			string(a.DefaultVisibility), a.DefaultSensitive, a.DefaultLanguage,
			ms(a.CreatedAt), ms(a.UpdatedAt), nullMS(a.LastStatusAt),
			a.StatusesCount, a.FollowersCount, a.FollowingCount)
		if err != nil {
			return err
		}
		if t != nil {
			err := tok.add(t.ID, t.AccessHash, t.RefreshHash, nullID(t.AppID), nullID(t.AccountID), t.Scopes, ms(t.CreatedAt))
			if err != nil {
				return err
			}
		}
	}
	if err := acc.close(); err != nil {
		return err
	}
	if err := tok.close(); err != nil {
		return err
	}
	progress("accounts", acc.total)

	fol, err := newBatch(ctx, tx, `INSERT INTO follows (follower_id, followee_id, created_at)`, 3)
	if err != nil {
		return err
	}
	at := ms(followedAt)
	for follower, followee := range follows {
		if err := fol.add(follower, followee, at); err != nil {
			return err
		}
		if fol.total%2_000_000 == 0 {
			progress("follows", fol.total)
		}
	}
	if err := fol.close(); err != nil {
		return err
	}
	progress("follows", fol.total)

	st, err := newBatch(ctx, tx, `INSERT INTO statuses (id, account_id, text, content, spoiler_text, sensitive,
		visibility, language, in_reply_to_id, in_reply_to_account_id, application_id, created_at, edited_at)`, 13)
	if err != nil {
		return err
	}
	for s := range statuses {
		err := st.add(s.ID, s.AccountID, s.Text, s.Content, s.SpoilerText, s.Sensitive,
			string(s.Visibility), s.Language, s.InReplyToID, s.InReplyToAccountID, s.ApplicationID,
			ms(s.CreatedAt), nullMS(s.EditedAt))
		if err != nil {
			return err
		}
	}
	if err := st.close(); err != nil {
		return err
	}
	progress("statuses", st.total)

	for i, s := range indexSQL {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("index %s: %w", bulkIndexes[i], err)
		}
		progress("index "+bulkIndexes[i], 0)
	}
	return ctx.Err()
}

// batchRows is how many rows one INSERT carries: a statement per row
// would spend most of the load in the driver, and SQLite allows 32766
// parameters a statement.
const batchRows = 256

// batch gathers rows into multi-row INSERTs through one prepared
// statement of batchRows rows; the remainder goes in a last statement of
// its own size.
type batch struct {
	ctx   context.Context
	tx    *sql.Tx
	head  string
	cols  int
	stmt  *sql.Stmt
	args  []any
	total int64
}

func newBatch(ctx context.Context, tx *sql.Tx, head string, cols int) (*batch, error) {
	b := &batch{ctx: ctx, tx: tx, head: head, cols: cols, args: make([]any, 0, cols*batchRows)}
	stmt, err := tx.PrepareContext(ctx, b.sql(batchRows))
	if err != nil {
		return nil, err
	}
	b.stmt = stmt
	return b, nil
}

// sql is the INSERT of rows rows.
func (b *batch) sql(rows int) string {
	var s strings.Builder
	s.WriteString(b.head)
	s.WriteString(" VALUES ")
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", b.cols), ",") + ")"
	for i := range rows {
		if i > 0 {
			s.WriteByte(',')
		}
		s.WriteString(row)
	}
	return s.String()
}

func (b *batch) add(vals ...any) error {
	b.args = append(b.args, vals...)
	b.total++
	if len(b.args) < b.cols*batchRows {
		return nil
	}
	_, err := b.stmt.ExecContext(b.ctx, b.args...)
	b.args = b.args[:0]
	return err
}

// close inserts the rows left and closes the statement.
func (b *batch) close() error {
	defer b.stmt.Close()
	if len(b.args) == 0 {
		return nil
	}
	_, err := b.tx.ExecContext(b.ctx, b.sql(len(b.args)/b.cols), b.args...)
	b.args = b.args[:0]
	return err
}
