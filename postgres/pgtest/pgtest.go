// Package pgtest holds test helpers for code that runs against a real
// PostgreSQL server: the server's URL from the environment (or a skip),
// and a schema of the test's own on it, dropped when the test ends.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// DatabaseURL returns the server to test against, from
// STARLING_TEST_DATABASE_URL, or skips the test when it is not set, so
// that `go test ./...` passes on a machine with no PostgreSQL.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("STARLING_TEST_DATABASE_URL")
	if u == "" {
		t.Skip("STARLING_TEST_DATABASE_URL not set; skipping PostgreSQL tests")
	}
	return u
}

// SchemaURL creates a fresh schema, dropped when the test ends, and
// returns base with search_path pointing into it, so that every store
// under test has tables of its own and tests running at once on one
// database do not disturb each other.
func SchemaURL(t testing.TB, base string) string {
	t.Helper()
	b := make([]byte, 8)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)

	conn, err := pgx.Connect(t.Context(), base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// t.Context is done by now.
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Error(err)
		}
	})

	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
