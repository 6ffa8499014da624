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
//
// The SQL and the query building it shares with the other adapter are in
// package sqlstore, with the reads that differ only by executor
// (sqlstore.Reads, embedded in DB); the SQL here is what its dialect writes
// differently, and the writes.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"embed"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a PostgreSQL-backed starling.Store.
type DB struct {
	// Reads are the reads whose SQL is the same in both dialects, run by
	// the statuses and edges executors below on the pool.
	sqlstore.Reads

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
	db := &DB{pool: pool}
	db.Reads = sqlstore.NewReads(db.statuses, db.edges, db.ints)
	return db, nil
}

// Migrate applies the embedded migrations that the database has not seen,
// in order, in one transaction. It holds a transaction-scoped advisory lock
// named after the schema, so that instances starting together take turns:
// the first applies the migrations, the others find them applied.
func (db *DB) Migrate(ctx context.Context) error {
	migs, err := sqlstore.Migrations(migrations)
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
		for _, m := range migs {
			var done bool
			if err := tx.QueryRow(ctx, sqlstore.MigrationApplied, m.Version).Scan(&done); err != nil {
				return err
			}
			if done {
				continue
			}
			// Without arguments Exec uses the simple protocol, which
			// runs a file of several statements.
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("%s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.Version); err != nil {
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
	return sqlstore.NormTime(*t)
}

// nullID stores the id 0 ("none") as NULL, for foreign keys.
func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// isNoRows reports whether err says a single-row query found nothing.
func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
