// Package sqlite implements starling.Store on an SQLite database file, for
// single-node installations that want no database server. It uses the pure
// Go driver modernc.org/sqlite, so the binary needs no C toolchain.
//
// SQLite allows one writer at a time. Rather than letting concurrent
// writers collide on the file lock and retry, DB sends every write through
// a pool of exactly one connection, whose transactions begin IMMEDIATE (they
// take the write lock up front, so a transaction that reads and then writes
// can never fail halfway with SQLITE_BUSY). Reads go through a separate pool
// of several connections, which WAL mode lets run alongside the writer.
//
// The SQL and the query building it shares with the other adapter are in
// package sqlstore, with the reads that differ only by executor
// (sqlstore.Reads, embedded in DB); the SQL here is what its dialect writes
// differently, and the writes.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is an SQLite-backed starling.Store.
type DB struct {
	// Reads are the reads whose SQL is the same in both dialects, run by
	// the statuses and edges executors below on the readers.
	sqlstore.Reads

	w *writer  // the single writer
	r *readers // readers
}

// writer is the pool of the one writing connection. The statements of the
// writes made for every post (hotWrites) are prepared on it once the
// schema is in place (Migrate), and transactions run them through wtx;
// other writes are parsed as they come. They cannot be prepared on first
// use as the readers' are: inside a transaction the pool's one connection
// is taken, and preparing would wait for it forever.
type writer struct {
	*sql.DB
	stmts map[string]*sql.Stmt // written by Migrate only, before any use
}

// hotWrites are the statements prepared on the writer.
var hotWrites = []string{
	sqlstore.ClaimIdempotencyKey, sqlstore.InsertStatus, insertMention, insertTag, countStatus,
	sqlstore.AddReply, sqlstore.InsertFanoutJob, claimFanoutJobs, completeFanoutJobs,
}

// prepare prepares hotWrites, once; a statement that fails to prepare is
// left to be parsed as it comes, which reports its error where it runs.
func (w *writer) prepare(ctx context.Context) {
	if w.stmts != nil {
		return
	}
	w.stmts = map[string]*sql.Stmt{}
	for _, q := range hotWrites {
		if st, err := w.DB.PrepareContext(ctx, q); err == nil {
			w.stmts[q] = st
		}
	}
}

func (w *writer) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := w.stmts[query]; st != nil {
		return st.ExecContext(ctx, args...)
	}
	return w.DB.ExecContext(ctx, query, args...)
}

func (w *writer) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := w.stmts[query]; st != nil {
		return st.QueryContext(ctx, args...)
	}
	return w.DB.QueryContext(ctx, query, args...)
}

// wtx is a write transaction that runs the writer's prepared statements.
type wtx struct {
	*sql.Tx
	stmts map[string]*sql.Stmt
}

func (t wtx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmts[query]; st != nil {
		return t.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

func (t wtx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmts[query]; st != nil {
		return t.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

// readers is the pool of reading connections, whose queries run as
// prepared statements kept for reuse. The driver otherwise parses every
// query's SQL anew, which on a hot read path (a page of statuses, its
// authors, a token) costs as much as running it. database/sql prepares a
// Stmt on each connection the first time it runs there and keeps it.
type readers struct {
	*sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

// maxStatements bounds the statements kept. Queries are built from fixed
// fragments (sets of ids are one JSON parameter), so there are far fewer;
// the bound only keeps a mistake from growing the map without end.
const maxStatements = 512

// stmt returns the prepared statement of query, preparing it once; nil
// when it cannot be kept (the caller then runs the query unprepared,
// which reports any error in it).
func (r *readers) stmt(ctx context.Context, query string) *sql.Stmt {
	r.mu.RLock()
	st := r.stmts[query]
	r.mu.RUnlock()
	if st != nil {
		return st
	}
	// Preparing takes a connection, which may mean waiting for one: it is
	// done outside the lock, so that reads whose statements are kept do
	// not wait behind it. Two first uses may both prepare; one is kept.
	r.mu.RLock()
	full := len(r.stmts) >= maxStatements
	r.mu.RUnlock()
	if full {
		return nil
	}
	st, err := r.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if kept := r.stmts[query]; kept != nil {
		st.Close()
		return kept
	}
	r.stmts[query] = st
	return st
}

func (r *readers) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := r.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return r.DB.QueryContext(ctx, query, args...)
}

func (r *readers) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := r.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return r.DB.QueryRowContext(ctx, query, args...)
}

var _ starling.Store = (*DB)(nil)

// pragmas are applied by the driver to every new connection of both pools.
//
// synchronous=NORMAL is safe against a crash of the process (kill -9
// included) in WAL mode: a commit is complete once its frames are written
// to the WAL file, which is in the operating system's page cache and
// survives the process. Only a power loss or kernel crash can lose the last
// few commits, and even then the database stays consistent: WAL frames
// carry checksums, so recovery replays the log up to the last intact
// commit, and the WAL is synced before a checkpoint copies it into the
// database file. FULL would fsync on every commit for that last bit of
// durability, at a large cost in write throughput.
var pragmas = []string{
	"busy_timeout(5000)", // wait, rather than fail, for a lock another connection or process holds
	"journal_mode(WAL)",  // readers do not block the writer, nor it them
	"foreign_keys(ON)",   // off by default in SQLite, per connection
	"synchronous(NORMAL)",
	"cache_size(-16000)", // 16 MB of page cache per connection, not the 2 MB default
	"temp_store(MEMORY)", // sorts and temporary b-trees of timeline queries stay off disk
}

// Open opens (creating when missing) the database file at path. It does not
// change the schema: call Migrate.
func Open(ctx context.Context, path string) (*DB, error) {
	// The driver reads its parameters after the first '?' of the name.
	if strings.Contains(path, "?") {
		return nil, fmt.Errorf("sqlite: open %s: the path must not contain '?'", path)
	}
	q := url.Values{"_pragma": pragmas}
	q.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	// The writer connects first so that the switch to WAL, which needs an
	// exclusive lock once per file, does not race with the readers.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}

	// query_only makes a write sent to the wrong pool fail loudly instead
	// of competing with the writer for the lock.
	q = url.Values{"_pragma": append(pragmas[:len(pragmas):len(pragmas)], "query_only(1)")}
	r, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// Idle readers are kept (database/sql keeps two by default) because
	// each holds a warm page cache.
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db := &DB{w: &writer{DB: w}, r: &readers{DB: r, stmts: map[string]*sql.Stmt{}}}
	db.Reads = sqlstore.NewReads(db.statuses, db.edges, db.ints)
	return db, nil
}

// Migrate applies the embedded migrations that the database has not seen,
// in order, each in its own transaction. Running it again does nothing;
// several processes running it at once take turns on the write lock.
func (db *DB) Migrate(ctx context.Context) error {
	migs, err := sqlstore.Migrations(migrations)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	for _, m := range migs {
		err := db.write(ctx, func(tx wtx) error {
			var done bool
			err := tx.QueryRowContext(ctx, sqlstore.MigrationApplied, m.Version).Scan(&done)
			if err != nil || done {
				return err
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
				m.Version, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
		}
	}
	db.w.prepare(ctx)
	return nil
}

// Ping checks that both pools answer.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.w.PingContext(ctx); err != nil {
		return starling.Internal(err, "ping")
	}
	if err := db.r.PingContext(ctx); err != nil {
		return starling.Internal(err, "ping")
	}
	return nil
}

// PoolStats sums the reader and writer pools.
func (db *DB) PoolStats() starling.PoolStats {
	r, w := db.r.Stats(), db.w.Stats()
	return starling.PoolStats{
		MaxOpen:      r.MaxOpenConnections + w.MaxOpenConnections,
		Open:         r.OpenConnections + w.OpenConnections,
		InUse:        r.InUse + w.InUse,
		Idle:         r.Idle + w.Idle,
		WaitCount:    r.WaitCount + w.WaitCount,
		WaitDuration: r.WaitDuration + w.WaitDuration,
	}
}

// Close closes both pools.
func (db *DB) Close() error {
	return errors.Join(db.r.Close(), db.w.Close())
}

// write runs fn in a write transaction (BEGIN IMMEDIATE, through _txlock),
// committing when it returns nil.
func (db *DB) write(ctx context.Context, fn func(tx wtx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(wtx{tx, db.w.stmts}); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// dbError turns a driver error into the domain's: a broken unique
// constraint on an account field becomes Taken, anything else unexpected
// becomes EINTERNAL. Errors that already are *starling.Error pass through.
func dbError(err error, op string) error {
	var se *starling.Error
	if errors.As(err, &se) {
		return err
	}
	var e *sqlite.Error
	if errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE {
		// The message names the columns: "UNIQUE constraint failed:
		// accounts.username_lower".
		switch msg := e.Error(); {
		case strings.Contains(msg, "accounts.username_lower"):
			return starling.Taken("username")
		case strings.Contains(msg, "accounts.email_lower"):
			return starling.Taken("email")
		}
	}
	return starling.Internal(err, op)
}

// Times are stored as Unix milliseconds.

func ms(t time.Time) int64 { return t.UnixMilli() }

// nullMS stores the zero time as NULL.
func nullMS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

// nullID stores the id 0 ("none") as NULL, for foreign keys.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// jsonIDs encodes ids as a JSON array, which queries expand with json_each:
// one parameter whatever the number of ids, so one cached statement.
func jsonIDs(ids []int64) string {
	b := make([]byte, 0, 2+len(ids)*20)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}
