package sqlstore

import (
	"slices"
	"strings"
	"testing"

	"github.com/starling-social/starling"
)

func TestPageQuery(t *testing.T) {
	tests := []struct {
		name     string
		where    string
		p        starling.Page
		args     []any
		want     string
		wantArgs []any
		reversed bool
	}{{
		name:     "zero page",
		where:    "x = $1",
		args:     []any{7},
		want:     "x = $1 ORDER BY s.id DESC LIMIT $2",
		wantArgs: []any{7, 0},
	}, {
		name:     "limit only, no args before",
		where:    "true",
		p:        starling.Page{Limit: 20},
		want:     "true ORDER BY s.id DESC LIMIT $1",
		wantArgs: []any{20},
	}, {
		name:     "max",
		where:    "x = $1",
		p:        starling.Page{MaxID: 100, Limit: 20},
		args:     []any{7},
		want:     "x = $1 AND s.id < $2 ORDER BY s.id DESC LIMIT $3",
		wantArgs: []any{7, int64(100), 20},
	}, {
		name:     "since",
		where:    "x = $1",
		p:        starling.Page{SinceID: 50, Limit: 20},
		args:     []any{7},
		want:     "x = $1 AND s.id > $2 ORDER BY s.id DESC LIMIT $3",
		wantArgs: []any{7, int64(50), 20},
	}, {
		name:     "max and since",
		where:    "x = $1",
		p:        starling.Page{MaxID: 100, SinceID: 50, Limit: 20},
		args:     []any{7},
		want:     "x = $1 AND s.id < $2 AND s.id > $3 ORDER BY s.id DESC LIMIT $4",
		wantArgs: []any{7, int64(100), int64(50), 20},
	}, {
		name:     "min reads upwards",
		where:    "x = $1",
		p:        starling.Page{MinID: 50, Limit: 20},
		args:     []any{7},
		want:     "x = $1 AND s.id > $2 ORDER BY s.id ASC LIMIT $3",
		wantArgs: []any{7, int64(50), 20},
		reversed: true,
	}, {
		name:     "max and min",
		where:    "x = $1",
		p:        starling.Page{MaxID: 100, MinID: 50, Limit: 20},
		args:     []any{7},
		want:     "x = $1 AND s.id < $2 AND s.id > $3 ORDER BY s.id ASC LIMIT $4",
		wantArgs: []any{7, int64(100), int64(50), 20},
		reversed: true,
	}, {
		name:     "all bounds",
		where:    "x = $1 AND y = $2",
		p:        starling.Page{MaxID: 100, SinceID: 40, MinID: 50, Limit: 5},
		args:     []any{7, "y"},
		want:     "x = $1 AND y = $2 AND s.id < $3 AND s.id > $4 AND s.id > $5 ORDER BY s.id ASC LIMIT $6",
		wantArgs: []any{7, "y", int64(100), int64(40), int64(50), 5},
		reversed: true,
	}, {
		name:     "negative ids are no bounds",
		where:    "x = $1",
		p:        starling.Page{MaxID: -1, SinceID: -1, MinID: -1, Limit: 20},
		args:     []any{7},
		want:     "x = $1 ORDER BY s.id DESC LIMIT $2",
		wantArgs: []any{7, 20},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, args, reversed := PageQuery(tt.where, "s.id", tt.p, tt.args)
			if got != tt.want {
				t.Errorf("query\n got %s\nwant %s", got, tt.want)
			}
			if !slices.Equal(args, tt.wantArgs) {
				t.Errorf("args = %v, want %v", args, tt.wantArgs)
			}
			if reversed != tt.reversed {
				t.Errorf("reversed = %v, want %v", reversed, tt.reversed)
			}
		})
	}
}

func TestStatusPage(t *testing.T) {
	q, args, reversed := StatusPage("status_tags t JOIN statuses s ON s.id = t.status_id", "t.status_id",
		"t.name_lower = $1", starling.Page{MinID: 9, Limit: 3}, []any{"go"})
	want := "SELECT " + StatusCols + " FROM status_tags t JOIN statuses s ON s.id = t.status_id" +
		" WHERE t.name_lower = $1 AND t.status_id > $2 ORDER BY t.status_id ASC LIMIT $3"
	if q != want {
		t.Errorf("query\n got %s\nwant %s", q, want)
	}
	if !slices.Equal(args, []any{"go", int64(9), 3}) || !reversed {
		t.Errorf("args %v, reversed %v", args, reversed)
	}
}

func TestEdgesPage(t *testing.T) {
	for _, e := range []Edges{FollowRequestEdges, FollowerEdges, FollowingEdges} {
		q, args, reversed := e.Page(42, starling.Page{MaxID: 10, Limit: 40})
		want := "SELECT e.id, " + AccountCols + " FROM " + e.From + " WHERE " + e.Where +
			" AND e.id < $2 ORDER BY e.id DESC LIMIT $3"
		if q != want {
			t.Errorf("query\n got %s\nwant %s", q, want)
		}
		if !slices.Equal(args, []any{int64(42), int64(10), 40}) || reversed {
			t.Errorf("%s: args %v, reversed %v", e.From, args, reversed)
		}
		if !strings.Contains(e.Where, "$1") {
			t.Errorf("%s: condition %q does not bind the account as $1", e.From, e.Where)
		}
	}
}

func TestTagged(t *testing.T) {
	want := `EXISTS (SELECT 1 FROM status_tags t WHERE t.status_id = s.id AND t.name_lower = $3)`
	if got := Tagged(3); got != want {
		t.Errorf("Tagged(3) = %s, want %s", got, want)
	}
}
