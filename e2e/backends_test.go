package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// testDatabaseEnv names the PostgreSQL server the tests may create
// databases on; .ci/run sets it.
const testDatabaseEnv = "STARLING_TEST_DATABASE_URL"

// backend is a store the binary can run on. dbURL returns the value of
// --database-url for a fresh, empty database ("" for SQLite in --data).
type backend struct {
	name  string
	dbURL func(t *testing.T) string
}

// backends are SQLite always, and PostgreSQL when a server is configured.
func backends(t *testing.T) []backend {
	list := []backend{{"sqlite", func(*testing.T) string { return "" }}}
	if base := os.Getenv(testDatabaseEnv); base != "" {
		list = append(list, backend{"postgres", func(t *testing.T) string { return freshDatabase(t, base) }})
	} else {
		t.Logf("e2e: %s is not set; PostgreSQL is not tested", testDatabaseEnv)
	}
	return list
}

// freshDatabase creates an empty database named starling_e2e_<random> on
// the server of base and returns its URL; the database is dropped when the
// test ends. The binary migrates it itself, as in production.
func freshDatabase(t *testing.T, base string) string {
	t.Helper()
	ctx := context.Background()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "starling_e2e_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", testDatabaseEnv, err)
	}
	defer conn.Close(ctx)
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("connect to drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		// FORCE ends connections a killed server may have left behind.
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", testDatabaseEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}
