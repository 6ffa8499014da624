package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// TestConnections checks the settings of both pools: every connection must
// have the pragmas, the writer must be alone, and the readers must not write.
func TestConnections(t *testing.T) {
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "starling.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}

	want := map[string]string{
		"journal_mode": "wal",
		"busy_timeout": "5000",
		"foreign_keys": "1",
		"synchronous":  "1", // NORMAL
		"cache_size":   "-16000",
		"temp_store":   "2", // MEMORY
	}
	for pool, conns := range map[string]int{"writer": 1, "reader": db.r.Stats().MaxOpenConnections} {
		p := db.w
		if pool == "reader" {
			p = db.r
		}
		// Hold every connection of the pool at once, so that each is checked.
		held := make([]*sql.Conn, conns)
		for i := range held {
			conn, err := p.Conn(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			held[i] = conn
			for pragma, value := range want {
				var got string
				if err := conn.QueryRowContext(t.Context(), "PRAGMA "+pragma).Scan(&got); err != nil {
					t.Fatalf("%s %d: PRAGMA %s: %v", pool, i, pragma, err)
				}
				if got != value {
					t.Errorf("%s connection %d: %s = %s, want %s", pool, i, pragma, got, value)
				}
			}
		}
		for _, conn := range held {
			conn.Close()
		}
	}
	if n := db.w.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("writer pool allows %d connections, want 1", n)
	}
	if n := db.r.Stats().MaxOpenConnections; n < 2 {
		t.Errorf("reader pool allows %d connections, want several", n)
	}
	if _, err := db.r.ExecContext(t.Context(), `DELETE FROM accounts`); err == nil {
		t.Error("a write through the reader pool succeeded")
	}
}

// TestMigrate checks that migrating again, and reopening the file, keeps
// the schema and the data.
func TestMigrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "starling.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := db.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.w.ExecContext(t.Context(), `INSERT INTO apps (id, name, client_id, client_secret_hash, created_at)
		VALUES (1, 'a', 'c', 'h', 0)`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	names, err := migrations.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var applied, apps int
	if err := db.r.QueryRowContext(t.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != len(names) {
		t.Errorf("%d migrations recorded, want %d", applied, len(names))
	}
	if err := db.r.QueryRowContext(t.Context(), `SELECT count(*) FROM apps`).Scan(&apps); err != nil {
		t.Fatal(err)
	}
	if apps != 1 {
		t.Errorf("%d apps after reopening, want 1", apps)
	}
}
