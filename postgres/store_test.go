package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/postgres"
	"github.com/starling-social/starling/storetest"
)

// databaseURL returns the server to test against, or skips the test.
func databaseURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("STARLING_TEST_DATABASE_URL")
	if u == "" {
		t.Skip("STARLING_TEST_DATABASE_URL not set; skipping PostgreSQL store tests")
	}
	return u
}

// schemaURL creates a fresh schema, dropped when the test ends, and returns
// base with search_path pointing into it, so that every store under test
// has tables of its own.
func schemaURL(t *testing.T, base string) string {
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

func open(t *testing.T, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	// Registered after the schema's cleanup, so it runs before it.
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestStore(t *testing.T) {
	base := databaseURL(t)
	storetest.Run(t, func(t *testing.T) starling.Store {
		return open(t, schemaURL(t, base))
	})
}

// TestMigrateConcurrently starts several instances on one empty schema at
// once: the advisory lock must let exactly one apply each migration.
func TestMigrateConcurrently(t *testing.T) {
	url := schemaURL(t, databaseURL(t))
	const instances = 4
	dbs := make([]*postgres.DB, instances)
	for i := range dbs {
		db, err := postgres.Open(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	errs := make([]error, instances)
	var wg sync.WaitGroup
	for i, db := range dbs {
		wg.Go(func() { errs[i] = db.Migrate(t.Context()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: Migrate: %v", i, err)
		}
	}
	// And once more, now that there is nothing to do.
	if err := dbs[0].Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}

	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var versions, files int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			files++
		}
	}
	if versions != files {
		t.Errorf("%d migrations recorded, want %d", versions, files)
	}
}
