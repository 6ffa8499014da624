package sqlstore

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// Migration is one schema migration file.
type Migration struct {
	Version int    // the number that starts the file name
	Name    string // the path in the file system, for messages
	SQL     string // the file's statements
}

// Migrations reads the files migrations/*.sql of fsys (an adapter's embedded
// migrations), in name order, which is version order. Every name must start
// with a version number, followed by '_' and a description, and no two may
// share one (the second would never be applied); otherwise it returns an
// error and no migrations, so that none is applied from a broken set.
func Migrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	out := make([]Migration, 0, len(names))
	last := 0
	for _, name := range names {
		version, err := migrationVersion(name)
		if err != nil {
			return nil, err
		}
		if version == last {
			return nil, fmt.Errorf("migration %s: version %d used twice", name, version)
		}
		last = version
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: version, Name: name, SQL: string(body)})
	}
	return out, nil
}

// migrationVersion reads the number that starts a migration's file name.
func migrationVersion(name string) (int, error) {
	base := strings.TrimPrefix(name, "migrations/")
	digits, _, _ := strings.Cut(base, "_")
	v, err := strconv.Atoi(digits)
	if err != nil {
		return 0, fmt.Errorf("migration %s: name does not start with a version number", name)
	}
	return v, nil
}

// MigrationApplied asks whether the migration version $1 is recorded in
// schema_migrations (whose definition differs by dialect).
const MigrationApplied = `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`
