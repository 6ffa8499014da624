// Package sqlitetest sets up what tests of the services and handlers share:
// a fresh, migrated SQLite store in a temporary directory, an id generator,
// and accounts written straight to the store. It is for tests only.
package sqlitetest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/snowflake"
	"github.com/starling-social/starling/sqlite"
)

// Open opens a new SQLite database in t's temporary directory, migrates it
// to the current schema and closes it when the test ends.
func Open(t testing.TB) *sqlite.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "starling.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// IDs returns a new id generator for node 1.
func IDs(t testing.TB) *snowflake.Generator {
	t.Helper()
	ids, err := snowflake.New(1)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// CreateAccount stores a local account named username with a new id from
// ids and returns it. The account is an approved, unlocked user with
// public posts by default, created now, before edit changes it (for
// example to lock it); it has no e-mail address or password, so it cannot
// sign in: tests that need that sign up through the accounts service.
func CreateAccount(t testing.TB, store starling.AccountStore, ids *snowflake.Generator, username string,
	edit ...func(*starling.Account)) *starling.Account {
	t.Helper()
	now := time.Now()
	a := &starling.Account{ID: ids.Next(), Username: username, Role: starling.RoleUser, Approved: true,
		DefaultVisibility: starling.VisibilityPublic, CreatedAt: now, UpdatedAt: now}
	for _, f := range edit {
		f(a)
	}
	if err := store.CreateAccountWithToken(context.Background(), a, nil); err != nil {
		t.Fatalf("create account %s: %v", username, err)
	}
	return a
}
