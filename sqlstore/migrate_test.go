package sqlstore

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name     string
		fs       fstest.MapFS
		versions []int
		err      string
	}{{
		name: "none",
		fs:   fstest.MapFS{},
	}, {
		name: "in name order",
		fs: fstest.MapFS{
			"migrations/0002_b.sql":  file("B"),
			"migrations/0001_a.sql":  file("A"),
			"migrations/0010_c.sql":  file("C"),
			"migrations/README.md":   file("not a migration"),
			"other/0003_ignored.sql": file("X"),
		},
		versions: []int{1, 2, 10},
	}, {
		name: "no version",
		fs:   fstest.MapFS{"migrations/0001_a.sql": file("A"), "migrations/init.sql": file("B")},
		err:  "migration migrations/init.sql: name does not start with a version number",
	}, {
		name: "version used twice",
		fs:   fstest.MapFS{"migrations/0001_a.sql": file("A"), "migrations/0001_b.sql": file("B")},
		err:  "migration migrations/0001_b.sql: version 1 used twice",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := Migrations(tt.fs)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %s", err, tt.err)
				}
				if ms != nil {
					t.Errorf("returned %d migrations with the error", len(ms))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != len(tt.versions) {
				t.Fatalf("got %d migrations, want %d", len(ms), len(tt.versions))
			}
			for i, m := range ms {
				if m.Version != tt.versions[i] {
					t.Errorf("migration %d: version %d, want %d", i, m.Version, tt.versions[i])
				}
				if string(tt.fs[m.Name].Data) != m.SQL || !strings.HasPrefix(m.Name, "migrations/") {
					t.Errorf("migration %d: name %s, SQL %q", i, m.Name, m.SQL)
				}
			}
		})
	}
}
