package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/starling-social/starling"
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
		p := db.w.DB
		if pool == "reader" {
			p = db.r.DB
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

// TestCountsMigration runs migration 0004 on counts kept the old way
// (direct statuses in statuses_count and last_status_at, private and
// direct replies in replies_count) and checks that it leaves them as
// CreateStatus keeps them now.
func TestCountsMigration(t *testing.T) {
	ctx := t.Context()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "starling.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var id int64 = 1000
	account := func(name string) *starling.Account {
		id++
		a := &starling.Account{ID: id, Username: name, Role: starling.RoleUser, Approved: true,
			DefaultVisibility: starling.VisibilityPublic, CreatedAt: at}
		if err := db.CreateAccountWithToken(ctx, a, nil); err != nil {
			t.Fatal(err)
		}
		return a
	}
	post := func(a *starling.Account, vis starling.Visibility, parent *starling.Status) *starling.Status {
		id++
		at = at.Add(time.Minute)
		s := &starling.Status{ID: id, AccountID: a.ID, Text: "x", Visibility: vis, CreatedAt: at}
		if parent != nil {
			s.InReplyToID, s.InReplyToAccountID = parent.ID, parent.AccountID
		}
		if _, err := db.CreateStatus(ctx, s, ""); err != nil {
			t.Fatal(err)
		}
		return s
	}
	alice, bob, carol := account("alice"), account("bob"), account("carol")
	root := post(alice, starling.VisibilityPublic, nil)
	post(bob, starling.VisibilityPublic, root)
	post(bob, starling.VisibilityPrivate, root)
	post(bob, starling.VisibilityDirect, root)
	lastShown := post(alice, starling.VisibilityUnlisted, root)
	post(alice, starling.VisibilityDirect, nil)
	post(carol, starling.VisibilityDirect, nil)
	want := map[int64][2]int64{} // statuses_count, last_status_at
	for _, a := range []*starling.Account{alice, bob, carol} {
		got, err := db.AccountByID(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		want[a.ID] = [2]int64{got.StatusesCount, nullMS0(got.LastStatusAt)}
	}
	if want[alice.ID] != [2]int64{2, lastShown.CreatedAt.UnixMilli()} || want[carol.ID] != [2]int64{0, 0} {
		t.Fatalf("counts before the migration ran again: %v", want)
	}

	// The counts as they were kept before.
	for _, q := range []string{
		`UPDATE accounts SET statuses_count = (SELECT count(*) FROM statuses s WHERE s.account_id = accounts.id),
			last_status_at = (SELECT max(created_at) FROM statuses s WHERE s.account_id = accounts.id)`,
		`UPDATE statuses SET replies_count = (SELECT count(*) FROM statuses r WHERE r.in_reply_to_id = statuses.id)`,
	} {
		if _, err := db.w.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	body, err := migrations.ReadFile("migrations/0004_counts_without_hidden_statuses.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.ExecContext(ctx, string(body)); err != nil {
		t.Fatal(err)
	}
	for _, a := range []*starling.Account{alice, bob, carol} {
		got, err := db.AccountByID(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c := [2]int64{got.StatusesCount, nullMS0(got.LastStatusAt)}; c != want[a.ID] {
			t.Errorf("%s: statuses_count and last_status_at %v after the migration, want %v", a.Username, c, want[a.ID])
		}
	}
	got, err := db.StatusByID(ctx, root.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.RepliesCount != 2 {
		t.Errorf("replies_count = %d after the migration, want 2 (public and unlisted)", got.RepliesCount)
	}
}

// nullMS0 is t in Unix milliseconds, 0 for the zero time.
func nullMS0(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
