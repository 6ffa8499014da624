package postgres_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/postgres"
	"github.com/starling-social/starling/postgres/pgtest"
	"github.com/starling-social/starling/storetest"
)

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
	base := pgtest.DatabaseURL(t)
	storetest.Run(t, func(t *testing.T) starling.Store {
		return open(t, pgtest.SchemaURL(t, base))
	})
}

// TestMigrateConcurrently starts several instances on one empty schema at
// once: the advisory lock must let exactly one apply each migration.
func TestMigrateConcurrently(t *testing.T) {
	url := pgtest.SchemaURL(t, pgtest.DatabaseURL(t))
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
