package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/sqlstore"
)

// field is the stored form of a starling.Field.
type field struct {
	Name       string `json:"name"`
	Value      string `json:"value"`
	ValueHTML  string `json:"value_html"`
	VerifiedAt int64  `json:"verified_at,omitempty"` // Unix ms; 0 when not verified
}

func encodeFields(fs []starling.Field) (string, error) {
	out := make([]field, len(fs))
	for i, f := range fs {
		out[i] = field{Name: f.Name, Value: f.Value, ValueHTML: f.ValueHTML}
		if !f.VerifiedAt.IsZero() {
			out[i].VerifiedAt = f.VerifiedAt.UnixMilli()
		}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func decodeFields(s string) ([]starling.Field, error) {
	var in []field
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, err
	}
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]starling.Field, len(in))
	for i, f := range in {
		out[i] = starling.Field{Name: f.Name, Value: f.Value, ValueHTML: f.ValueHTML}
		if f.VerifiedAt != 0 {
			out[i].VerifiedAt = fromMS(f.VerifiedAt)
		}
	}
	return out, nil
}

func scanAccount(row sqlstore.Scanner) (*starling.Account, error) {
	var (
		a                    starling.Account
		fields, role, vis    string
		createdAt, updatedAt int64
		lastStatusAt         sql.NullInt64
	)
	err := row.Scan(&a.ID, &a.Username, &a.Email, &a.PasswordHash, &a.DisplayName, &a.Note, &a.NoteHTML,
		&a.Locked, &a.Bot, &a.Discoverable, &fields, &role, &a.Approved, &a.SignUpReason, &a.Locale,
		&vis, &a.DefaultSensitive, &a.DefaultLanguage,
		&createdAt, &updatedAt, &lastStatusAt,
		&a.StatusesCount, &a.FollowersCount, &a.FollowingCount)
	if err != nil {
		return nil, err
	}
	if a.Fields, err = decodeFields(fields); err != nil {
		return nil, err
	}
	a.Role = starling.Role(role)
	a.DefaultVisibility = starling.Visibility(vis)
	a.CreatedAt, a.UpdatedAt, a.LastStatusAt = fromMS(createdAt), fromMS(updatedAt), fromNullMS(lastStatusAt)
	return &a, nil
}

// CreateAccountWithToken inserts a and, when t is not nil, t, in one
// transaction. A zero CreatedAt or UpdatedAt of a, or CreatedAt of t, is
// set to now.
func (db *DB) CreateAccountWithToken(ctx context.Context, a *starling.Account, t *starling.Token) error {
	sqlstore.PrepareAccount(a, t)
	fields, err := encodeFields(a.Fields)
	if err != nil {
		return starling.Internal(err, "create account")
	}
	err = db.write(ctx, func(tx wtx) error {
		_, err := tx.ExecContext(ctx, sqlstore.InsertAccount,
			a.ID, a.Username, strings.ToLower(a.Username), a.Email, strings.ToLower(a.Email),
			a.PasswordHash, a.DisplayName, strings.ToLower(a.DisplayName), a.Note, a.NoteHTML,
			a.Locked, a.Bot, a.Discoverable, fields,
			string(a.Role), a.Approved, a.SignUpReason, a.Locale,
			string(a.DefaultVisibility), a.DefaultSensitive, a.DefaultLanguage,
			ms(a.CreatedAt), ms(a.UpdatedAt), nullMS(a.LastStatusAt))
		if err != nil || t == nil {
			return err
		}
		_, err = tx.ExecContext(ctx, sqlstore.InsertToken, tokenArgs(t)...)
		return err
	})
	if err != nil {
		return dbError(err, "create account")
	}
	a.StatusesCount, a.FollowersCount, a.FollowingCount = 0, 0, 0
	return nil
}

// UpdateAccount reads, changes and saves the account in one write
// transaction. Write transactions begin IMMEDIATE on the single writer,
// so no other write can come between the read and the write.
// LastStatusAt is left alone like the counts: CreateStatus maintains it.
func (db *DB) UpdateAccount(ctx context.Context, id int64, update func(*starling.Account) error) (*starling.Account, error) {
	var (
		a         *starling.Account
		updateErr error
	)
	err := db.write(ctx, func(tx wtx) error {
		var err error
		a, err = scanAccount(tx.QueryRowContext(ctx, `SELECT `+sqlstore.AccountCols+` FROM accounts a WHERE a.id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return sqlstore.NotFound()
		}
		if err != nil {
			return err
		}
		if updateErr = update(a); updateErr != nil {
			return updateErr
		}
		sqlstore.NormFields(a.Fields)
		fields, err := encodeFields(a.Fields)
		if err != nil {
			return err
		}
		a.UpdatedAt = sqlstore.Now()
		_, err = tx.ExecContext(ctx, sqlstore.UpdateAccount,
			a.ID, a.Email, strings.ToLower(a.Email), a.PasswordHash,
			a.DisplayName, strings.ToLower(a.DisplayName), a.Note, a.NoteHTML,
			a.Locked, a.Bot, a.Discoverable, fields, string(a.Role), a.Approved,
			string(a.DefaultVisibility), a.DefaultSensitive, a.DefaultLanguage,
			ms(a.UpdatedAt), a.SignUpReason, a.Locale)
		return err
	})
	switch {
	case updateErr != nil:
		return nil, updateErr
	case err != nil:
		return nil, dbError(err, "update account")
	}
	return a, nil
}

func (db *DB) accountWhere(ctx context.Context, op, where string, args ...any) (*starling.Account, error) {
	a, err := scanAccount(db.r.QueryRowContext(ctx, `SELECT `+sqlstore.AccountCols+` FROM accounts a WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqlstore.NotFound()
	}
	if err != nil {
		return nil, starling.Internal(err, op)
	}
	return a, nil
}

func (db *DB) AccountByID(ctx context.Context, id int64) (*starling.Account, error) {
	return db.accountWhere(ctx, "account by id", `a.id = $1`, id)
}

func (db *DB) AccountByUsername(ctx context.Context, username string) (*starling.Account, error) {
	return db.accountWhere(ctx, "account by username", `a.username_lower = $1`, strings.ToLower(username))
}

// AccountByEmail never matches the empty address, which many accounts share.
func (db *DB) AccountByEmail(ctx context.Context, email string) (*starling.Account, error) {
	if email == "" {
		return nil, sqlstore.NotFound()
	}
	return db.accountWhere(ctx, "account by email", `a.email_lower = $1`, strings.ToLower(email))
}

func (db *DB) accounts(ctx context.Context, op, query string, args ...any) ([]*starling.Account, error) {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, starling.Internal(err, op)
	}
	defer rows.Close()
	var out []*starling.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, starling.Internal(err, op)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, starling.Internal(err, op)
	}
	return out, nil
}

func (db *DB) AccountsByIDs(ctx context.Context, ids []int64) ([]*starling.Account, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return db.accounts(ctx, "accounts by ids", `SELECT `+sqlstore.AccountCols+` FROM accounts a
		WHERE a.id IN (SELECT value FROM json_each($1))`, jsonIDs(ids))
}

func (db *DB) AccountsByUsernames(ctx context.Context, usernames []string) ([]*starling.Account, error) {
	if len(usernames) == 0 {
		return nil, nil
	}
	lower := make([]string, len(usernames))
	for i, u := range usernames {
		lower[i] = strings.ToLower(u)
	}
	b, err := json.Marshal(lower)
	if err != nil {
		return nil, starling.Internal(err, "accounts by usernames")
	}
	return db.accounts(ctx, "accounts by usernames", `SELECT `+sqlstore.AccountCols+` FROM accounts a
		WHERE a.username_lower IN (SELECT value FROM json_each($1))`, string(b))
}

// SearchAccounts matches prefixes with a range on the lower-cased columns,
// which their indexes answer: every string that starts with q sorts at or
// after q and before q followed by the largest code point.
func (db *DB) SearchAccounts(ctx context.Context, query string, limit, offset int) ([]*starling.Account, error) {
	q := strings.ToLower(query)
	if q == "" || !utf8.ValidString(q) {
		return nil, nil
	}
	return db.accounts(ctx, "search accounts", `SELECT `+sqlstore.AccountCols+` FROM accounts a
		WHERE a.approved = 1
		AND ((a.username_lower >= $1 AND a.username_lower < $2)
		  OR (a.display_name_lower >= $1 AND a.display_name_lower < $2))
		ORDER BY a.username_lower = $1 DESC, a.followers_count DESC, a.id
		LIMIT $3 OFFSET $4`, q, q+string(utf8.MaxRune), limit, offset)
}

// CountStatuses adds up the accounts' statuses counts, which count
// exactly the statuses that are not direct: reading one row per account is
// much cheaper than counting the statuses table. All are local until
// federation exists.
func (db *DB) CountStatuses(ctx context.Context) (int64, error) {
	var n int64
	if err := db.r.QueryRowContext(ctx, `SELECT coalesce(sum(statuses_count), 0) FROM accounts`).Scan(&n); err != nil {
		return 0, starling.Internal(err, "count statuses")
	}
	return n, nil
}

func (db *DB) CountAccounts(ctx context.Context) (int64, error) {
	var n int64
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE approved = 1`).Scan(&n); err != nil {
		return 0, starling.Internal(err, "count accounts")
	}
	return n, nil
}
