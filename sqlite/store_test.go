package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/sqlite"
	"github.com/starling-social/starling/storetest"
)

func open(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) starling.Store {
		return open(t, filepath.Join(t.TempDir(), "starling.db"))
	})
}
