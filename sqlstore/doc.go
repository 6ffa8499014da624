// Package sqlstore holds the SQL and the query building that the sqlite and
// postgres adapters of starling.Store share: column lists, statements and
// conditions that both dialects accept to the letter, the building of a
// page query from a starling.Page, the listing of migration files, and the
// rules (which replies count, how times round) that both must apply alike.
//
// It runs nothing. Each adapter keeps its driver (database/sql for SQLite,
// pgx for PostgreSQL), executes these queries itself, scans the rows into
// its own types, and keeps the SQL its dialect writes differently: id sets
// (json_each against arrays), booleans, time types, locking, upserts of
// several rows, and the reply-tree walk. Where the two would differ in even
// one word the SQL stays in the adapters, written out in full, rather than
// being shared here with a hole for the dialect.
//
// Parameters are numbered ($1, $2, …), which both drivers accept; each
// statement's comment says what it binds.
package sqlstore
