package postgres

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/starling-social/starling"
)

// This file is the bulk load behind `starling bench seed` (package
// loadtest): millions of rows in one go, with shortcuts that normal
// writes never take, leaving what normal writes would have left.

// CountUsernamePrefix counts the accounts whose username starts with
// prefix, in lower case, by a range on the username index (in the "C"
// collation, so a byte-wise range). Usernames are ASCII, so the range
// ends where the prefix's last byte is incremented.
func (db *DB) CountUsernamePrefix(ctx context.Context, prefix string) (int64, error) {
	p := strings.ToLower(prefix)
	hi := "\x7f"
	if p != "" {
		hi = p[:len(p)-1] + string(rune(p[len(p)-1]+1))
	}
	var n int64
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM accounts WHERE username_lower >= $1 AND username_lower < $2`,
		p, hi).Scan(&n)
	if err != nil {
		return 0, starling.Internal(err, "count usernames")
	}
	return n, nil
}

// bulkIndexes are dropped for the load and built again after it from
// their definitions in the catalog: rows arrive in an order that would
// scatter their entries over these b-trees, while CREATE INDEX sorts
// once.
var bulkIndexes = []string{"follows_followee_id_id_idx", "follows_follower_id_id_idx", "statuses_account_id_id_idx"}

// bulkForeignKeyTables are the tables whose foreign keys are dropped for
// the load and added back after it: added back, a key is checked by one
// join over the table instead of a lookup per row.
var bulkForeignKeyTables = []string{"tokens", "follows", "statuses"}

// BulkLoad inserts accounts with their tokens, follows and statuses by
// COPY, in one transaction, so a failure leaves the database as it was.
// Inside it, the secondary indexes that the rows would fill at random
// and the foreign keys of the loaded tables are dropped and then made
// again from their catalog definitions, which checks every key. The
// tables are analyzed after the commit, as autovacuum would do later.
// The tables are locked for the whole load: run it with no server up.
func (db *DB) BulkLoad(ctx context.Context, accounts iter.Seq2[*starling.Account, *starling.Token],
	follows iter.Seq2[int64, int64], followedAt time.Time,
	statuses iter.Seq[*starling.Status], progress func(stage string, rows int64)) error {
	if progress == nil {
		progress = func(string, int64) {}
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		return bulkLoad(ctx, tx, accounts, follows, followedAt, statuses, progress)
	})
	if err != nil {
		return starling.Internal(err, "bulk load")
	}
	if _, err := db.pool.Exec(ctx, `ANALYZE accounts, tokens, follows, statuses`); err != nil {
		return starling.Internal(err, "bulk load: analyze")
	}
	progress("analyze", 0)
	return nil
}

func bulkLoad(ctx context.Context, tx pgx.Tx, accounts iter.Seq2[*starling.Account, *starling.Token],
	follows iter.Seq2[int64, int64], followedAt time.Time,
	statuses iter.Seq[*starling.Status], progress func(stage string, rows int64)) error {
	// Index builds sort in memory up to this much.
	if _, err := tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '512MB'`); err != nil {
		return err
	}
	var restore []string
	rows, err := tx.Query(ctx, `SELECT indexname, indexdef FROM pg_indexes
		WHERE schemaname = current_schema() AND indexname = ANY($1) ORDER BY indexname`, bulkIndexes)
	if err != nil {
		return err
	}
	var drop []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return err
		}
		drop = append(drop, `DROP INDEX `+pgx.Identifier{name}.Sanitize())
		restore = append(restore, def)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.Query(ctx, `SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
		FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = ANY(
			SELECT (current_schema() || '.' || t)::regclass FROM unnest($1::text[]) t)
		ORDER BY 1, 2`, bulkForeignKeyTables)
	if err != nil {
		return err
	}
	for rows.Next() {
		var table, name, def string
		if err := rows.Scan(&table, &name, &def); err != nil {
			return err
		}
		drop = append(drop, `ALTER TABLE `+table+` DROP CONSTRAINT `+pgx.Identifier{name}.Sanitize())
		restore = append(restore, `ALTER TABLE `+table+` ADD CONSTRAINT `+pgx.Identifier{name}.Sanitize()+` `+def)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, s := range drop {
		if _, err := tx.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}

	// Accounts and tokens come together; the tokens wait in memory (a
	// million take about 150 MB) for the accounts' COPY to end.
	var tokens [][]any
	n, err := copyRows(ctx, tx, "accounts", []string{"id", "username", "username_lower", "email", "email_lower",
		"password_hash", "display_name", "display_name_lower", "note", "note_html", "locked", "bot", "discoverable",
		"fields", "role", "approved", "sign_up_reason", "locale", "default_visibility", "default_sensitive",
		"default_language", "created_at", "updated_at", "last_status_at", "statuses_count", "followers_count",
		"following_count"},
		func(yield func([]any, error) bool) {
			for a, t := range accounts {
				fields, err := encodeFields(a.Fields)
				row := []any{a.ID, a.Username, strings.ToLower(a.Username), a.Email, strings.ToLower(a.Email),
					a.PasswordHash, a.DisplayName, strings.ToLower(a.DisplayName), a.Note, a.NoteHTML,
					a.Locked, a.Bot, a.Discoverable, fields,
					string(a.Role), a.Approved, a.SignUpReason, a.Locale,
					string(a.DefaultVisibility), a.DefaultSensitive, a.DefaultLanguage,
					a.CreatedAt, a.UpdatedAt, nullTime(a.LastStatusAt),
					a.StatusesCount, a.FollowersCount, a.FollowingCount}
				if t != nil {
					tokens = append(tokens, tokenArgs(t))
				}
				if !yield(row, err) {
					return
				}
			}
		})
	if err != nil {
		return err
	}
	progress("accounts", n)
	n, err = tx.CopyFrom(ctx, pgx.Identifier{"tokens"},
		[]string{"id", "access_hash", "refresh_hash", "app_id", "account_id", "scopes", "created_at"},
		pgx.CopyFromRows(tokens))
	if err != nil {
		return fmt.Errorf("copy tokens: %w", err)
	}
	tokens = nil
	progress("tokens", n)

	n, err = copyRows(ctx, tx, "follows", []string{"follower_id", "followee_id", "created_at"},
		func(yield func([]any, error) bool) {
			row := make([]any, 3)
			row[2] = followedAt
			for follower, followee := range follows {
				// pgx encodes the row before asking for the next one,
				// so the slice is reused.
				row[0], row[1] = follower, followee
				if !yield(row, nil) {
					return
				}
			}
		})
	if err != nil {
		return err
	}
	progress("follows", n)

	n, err = copyRows(ctx, tx, "statuses", []string{"id", "account_id", "text", "content", "spoiler_text",
		"sensitive", "visibility", "language", "in_reply_to_id", "in_reply_to_account_id", "application_id",
		"created_at", "edited_at"},
		func(yield func([]any, error) bool) {
			for s := range statuses {
				row := []any{s.ID, s.AccountID, s.Text, s.Content, s.SpoilerText, s.Sensitive,
					string(s.Visibility), s.Language, s.InReplyToID, s.InReplyToAccountID, s.ApplicationID,
					s.CreatedAt, nullTime(s.EditedAt)}
				if !yield(row, nil) {
					return
				}
			}
		})
	if err != nil {
		return err
	}
	progress("statuses", n)

	for _, s := range restore {
		if _, err := tx.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
		progress(s, 0)
	}
	return nil
}

// copyRows copies the rows of seq into table.
func copyRows(ctx context.Context, tx pgx.Tx, table string, cols []string, seq iter.Seq2[[]any, error]) (int64, error) {
	next, stop := iter.Pull2(seq)
	defer stop()
	n, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
		row, err, ok := next()
		if !ok {
			return nil, nil
		}
		return row, err
	}))
	if err != nil {
		return n, fmt.Errorf("copy %s: %w", table, err)
	}
	return n, nil
}
