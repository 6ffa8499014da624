// Package postgres implements starling.Store on PostgreSQL, for
// installations that run several Starling instances against one database.
// It talks to the server through a pgx connection pool directly (not
// database/sql), which gives native arrays, timestamptz and error details.
//
// Transactions run at READ COMMITTED. Writes that could race are made safe
// by the statements themselves (INSERT … ON CONFLICT, DELETE … RETURNING,
// counters updated in place) rather than by a stricter isolation level that
// would need retries; rows are locked accounts first, then statuses, and
// accounts in id order, so that concurrent writers cannot deadlock.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"embed"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/starling-social/starling"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a PostgreSQL-backed starling.Store.
type DB struct {
	pool *pgxpool.Pool
}

var _ starling.Store = (*DB)(nil)

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string; pool settings such as pool_max_conns may be given in
// it, and other parameters, search_path say, are set on every connection).
// It does not change the schema: call Migrate.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &DB{pool: pool}, nil
}

// Migrate applies the embedded migrations that the database has not seen,
// in order, in one transaction. It holds a transaction-scoped advisory lock
// named after the schema, so that instances starting together take turns:
// the first applies the migrations, the others find them applied.
func (db *DB) Migrate(ctx context.Context) error {
	// Glob lists the files in name order, which is version order.
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('starling.migrate.' || current_schema(), 0))`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer     PRIMARY KEY,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
			return err
		}
		last := 0
		for _, name := range names {
			version, err := migrationVersion(name)
			if err != nil {
				return err
			}
			// Two files with one number would leave the second unapplied.
			if version == last {
				return fmt.Errorf("migration %s: version %d used twice", name, version)
			}
			last = version
			var done bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`,
				version).Scan(&done); err != nil {
				return err
			}
			if done {
				continue
			}
			body, err := migrations.ReadFile(name)
			if err != nil {
				return err
			}
			// Without arguments Exec uses the simple protocol, which
			// runs a file of several statements.
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, version); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// migrationVersion reads the number that starts a migration's file name.
func migrationVersion(name string) (int, error) {
	base := strings.TrimPrefix(name, "migrations/")
	digits, _, _ := strings.Cut(base, "_")
	v, err := strconv.Atoi(digits)
	if err != nil {
		return 0, fmt.Errorf("migration %s: name does not start with a version number", name)
	}
	return v, nil
}

func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return starling.Internal(err, "ping")
	}
	return nil
}

// PoolStats reports the pool. Waits are the acquisitions that found no
// idle connection.
func (db *DB) PoolStats() starling.PoolStats {
	s := db.pool.Stat()
	return starling.PoolStats{
		MaxOpen:      int(s.MaxConns()),
		Open:         int(s.TotalConns()),
		InUse:        int(s.AcquiredConns()),
		Idle:         int(s.IdleConns()),
		WaitCount:    s.EmptyAcquireCount(),
		WaitDuration: s.EmptyAcquireWaitTime(),
	}
}

func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// write runs fn in a transaction, committing when it returns nil.
func (db *DB) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, fn)
}

// dbError turns a driver error into the domain's: a broken unique
// constraint on an account field becomes Taken, anything else unexpected
// becomes EINTERNAL. Errors that already are *starling.Error pass through.
func dbError(err error, op string) error {
	var se *starling.Error
	if errors.As(err, &se) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" { // unique_violation
		switch pe.ConstraintName {
		case "accounts_username_lower_key":
			return starling.Taken("username")
		case "accounts_email_lower_key":
			return starling.Taken("email")
		}
	}
	return starling.Internal(err, op)
}

func notFound() error {
	return starling.Errorf(starling.ENOTFOUND, "Record not found")
}

// normTime is what a time becomes after a round trip through the
// database, as the adapters agree to return it: UTC, to the millisecond.
// Write methods store it back into the caller's struct so that it equals
// what later reads return.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Millisecond)
}

// now is the current time as the database will store it.
func now() time.Time { return normTime(time.Now()) }

// stamp sets a zero creation time to now and rounds it as stored.
func stamp(t *time.Time) {
	if t.IsZero() {
		*t = now()
	}
	*t = normTime(*t)
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// fromNullTime reads a nullable timestamptz.
func fromNullTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return normTime(*t)
}

// nullID stores the id 0 ("none") as NULL, for foreign keys.
func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// pageQuery appends to where (a condition on key, which is the column the
// list is ordered by) the bounds of p, and returns the ORDER BY and LIMIT
// clause. With MinID the query reads upwards from the cursor, so the rows
// come oldest first and the caller must reverse them (reversed is true).
func pageQuery(where, key string, p starling.Page, args []any) (string, []any, bool) {
	if p.MaxID > 0 {
		args = append(args, p.MaxID)
		where += fmt.Sprintf(" AND %s < $%d", key, len(args))
	}
	if p.SinceID > 0 {
		args = append(args, p.SinceID)
		where += fmt.Sprintf(" AND %s > $%d", key, len(args))
	}
	order := "DESC"
	if p.MinID > 0 {
		args = append(args, p.MinID)
		where += fmt.Sprintf(" AND %s > $%d", key, len(args))
		order = "ASC"
	}
	args = append(args, p.Limit)
	return fmt.Sprintf("%s ORDER BY %s %s LIMIT $%d", where, key, order, len(args)), args, order == "ASC"
}

// isNoRows reports whether err says a single-row query found nothing.
func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
