// Package sqlstore holds the SQL and the query building that the sqlite and
// postgres adapters of starling.Store share: column lists, statements and
// conditions that both dialects accept to the letter, the building of a
// page query from a starling.Page, the listing of migration files, and the
// rules (which replies count, how times round) that both must apply alike.
//
// It opens no connection and runs no statement itself. Each adapter keeps
// its driver (database/sql for SQLite, pgx for PostgreSQL), executes the
// queries, scans the rows into its own types, and keeps the SQL its dialect
// writes differently: id sets (json_each against arrays), booleans, time
// types, locking, upserts of several rows, and the reply-tree walk. Where the two would differ in even
// one word the SQL stays in the adapters, written out in full, rather than
// being shared here with a hole for the dialect.
//
// The reads that then differ between the adapters only in which executor
// runs the SELECT (a status by id, the home and public timelines,
// ancestors, the follow edge lists) are written once, as Reads, over two
// functions each adapter supplies: QueryStatuses and QueryEdges. Writes are
// never shared: their transactions and locking differ by driver.
//
// Parameters are numbered ($1, $2, …), which both drivers accept; each
// statement's comment says what it binds.
package sqlstore
