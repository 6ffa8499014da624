package loadtest_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/accounts"
	"github.com/starling-social/starling/loadtest"
	"github.com/starling-social/starling/oauth"
	"github.com/starling-social/starling/postgres"
	"github.com/starling-social/starling/postgres/pgtest"
	"github.com/starling-social/starling/snowflake"
	"github.com/starling-social/starling/sqlite"
)

// seedStore is a store that can be seeded and then read back.
type seedStore interface {
	starling.Store
	loadtest.BulkStore
}

// counter runs a COUNT(*)-like query that returns one number.
type counter func(t *testing.T, query string, args ...any) int64

var tinySeed = loadtest.SeedOptions{Accounts: 300, Follows: 3000, Celebrities: []int{100}, PostsPerAccount: 2, Seed: 3}

func TestSeedSQLite(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "starling.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// The checks read through a connection of their own: the store's
	// pools are its business. Package sqlite registered the driver.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	count := func(t *testing.T, query string, args ...any) int64 {
		t.Helper()
		var n int64
		err := raw.QueryRowContext(ctx, query, args...).Scan(&n)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	testSeed(t, db, count)
}

func TestSeedPostgres(t *testing.T) {
	u := pgtest.SchemaURL(t, pgtest.DatabaseURL(t))
	db, err := postgres.Open(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	count := func(t *testing.T, query string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := conn.QueryRow(t.Context(), query, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	testSeed(t, db, count)
}

func testSeed(t *testing.T, db seedStore, count counter) {
	ctx := t.Context()
	m, err := loadtest.Seed(ctx, db, tinySeed)
	if err != nil {
		t.Fatal(err)
	}
	if m.Accounts != 300 || m.Follows != 3000 || m.SeedSeconds <= 0 || len(m.Celebrities) != 1 {
		t.Errorf("manifest: %+v", m)
	}
	if snowflake.Node(m.FirstID) != 0 || snowflake.Sequence(m.FirstID) != 0 {
		t.Errorf("first id %d is not the start of a millisecond", m.FirstID)
	}

	// The rows are there, and every count is what the rows say.
	celebrity, firstFollower := m.AccountID(0), m.AccountID(1)
	for _, c := range []struct {
		query string
		args  []any
		want  int64
	}{
		{`SELECT count(*) FROM accounts`, nil, 300},
		{`SELECT count(*) FROM tokens`, nil, 300},
		{`SELECT count(*) FROM follows`, nil, 3000},
		{`SELECT count(*) FROM statuses`, nil, 600},
		{`SELECT count(*) FROM follows WHERE follower_id = followee_id`, nil, 0},
		{`SELECT count(*) FROM (SELECT 1 FROM follows GROUP BY follower_id, followee_id HAVING count(*) > 1) d`, nil, 0},
		{`SELECT count(*) FROM accounts a
			WHERE followers_count <> (SELECT count(*) FROM follows f WHERE f.followee_id = a.id)
			OR following_count <> (SELECT count(*) FROM follows f WHERE f.follower_id = a.id)
			OR statuses_count <> (SELECT count(*) FROM statuses s WHERE s.account_id = a.id)
			OR last_status_at IS NULL
			OR last_status_at <> (SELECT max(created_at) FROM statuses s WHERE s.account_id = a.id)`, nil, 0},
		{`SELECT count(*) FROM accounts WHERE approved AND username_lower = lower(username)`, nil, 300},
		{`SELECT count(*) FROM tokens t JOIN accounts a ON a.id = t.account_id
			WHERE t.id = a.id AND t.scopes = 'read write follow'`, nil, 300},
		// The celebrity's followers are exactly accounts 1..100.
		{`SELECT count(*) FROM follows WHERE followee_id = $1`, []any{celebrity}, 100},
		{`SELECT count(*) FROM follows WHERE followee_id = $1 AND follower_id BETWEEN $2 AND $3`,
			[]any{celebrity, firstFollower, m.AccountID(100)}, 100},
		// The posts are public, of the past day, and older than the
		// accounts' ids.
		{`SELECT count(*) FROM statuses WHERE visibility = 'public' AND id > $1 AND id < $2`,
			[]any{snowflake.FromTime(m.SeededAt.Add(-25 * time.Hour)), m.FirstID}, 600},
	} {
		if got := count(t, c.query, c.args...); got != c.want {
			t.Errorf("%s: %d, want %d", c.query, got, c.want)
		}
	}

	// A seeded account is usable: found by name, its token
	// authenticates, its password signs in.
	for _, i := range []int{0, 1, 299} {
		a, err := db.AccountByUsername(ctx, m.Username(i))
		if err != nil {
			t.Fatalf("account %d: %v", i, err)
		}
		if a.ID != m.AccountID(i) || !a.Approved || a.StatusesCount != 2 {
			t.Errorf("account %d: %+v", i, a)
		}
		tok, err := db.TokenByAccessHash(ctx, oauth.HashSecret(m.Token(i)))
		if err != nil {
			t.Fatalf("token %d: %v", i, err)
		}
		if tok.AccountID != a.ID || tok.Scopes != loadtest.TokenScopes {
			t.Errorf("token %d: %+v", i, tok)
		}
	}
	svc := accounts.New(db, nil, "http://localhost")
	if a, err := svc.Authenticate(ctx, m.Username(7), m.Password); err != nil || a.ID != m.AccountID(7) {
		t.Errorf("sign in as account 7: %v, %v", a, err)
	}

	// A second seed with the same prefix is refused before it writes.
	if _, err := loadtest.Seed(ctx, db, tinySeed); err == nil {
		t.Error("a second seed into the same database was accepted")
	}
}
