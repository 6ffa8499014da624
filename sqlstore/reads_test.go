package sqlstore

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/starling-social/starling"
)

// fakeQueries records the queries Reads runs and answers with fixed rows.
type fakeQueries struct {
	ops, queries []string
	args         [][]any
	statuses     []*starling.Status
	edges        []starling.Edge
	ints         []int64
	err          error
}

func (f *fakeQueries) record(op, query string, args []any) {
	f.ops, f.queries, f.args = append(f.ops, op), append(f.queries, query), append(f.args, args)
}

func (f *fakeQueries) reads() Reads {
	return NewReads(
		func(_ context.Context, op, query string, args ...any) ([]*starling.Status, error) {
			f.record(op, query, args)
			return slices.Clone(f.statuses), f.err
		},
		func(_ context.Context, op, query string, args ...any) ([]starling.Edge, error) {
			f.record(op, query, args)
			return slices.Clone(f.edges), f.err
		},
		func(_ context.Context, op, query string, _ int, args ...any) ([]int64, error) {
			f.record(op, query, args)
			return slices.Clone(f.ints), f.err
		})
}

func statusIDs(ss []*starling.Status) []int64 {
	ids := make([]int64, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	return ids
}

func TestReadsStatusByID(t *testing.T) {
	ctx := context.Background()
	f := &fakeQueries{}
	if _, err := f.reads().StatusByID(ctx, 7); starling.ErrorCode(err) != starling.ENOTFOUND {
		t.Errorf("no row: err = %v, want ENOTFOUND", err)
	}
	f.statuses = []*starling.Status{{ID: 7}}
	s, err := f.reads().StatusByID(ctx, 7)
	if err != nil || s.ID != 7 {
		t.Errorf("got %v, %v", s, err)
	}
	if !slices.Equal(f.args[1], []any{int64(7)}) {
		t.Errorf("args %v", f.args[1])
	}
	f.err = errors.New("boom")
	if _, err := f.reads().StatusByID(ctx, 7); err != f.err {
		t.Errorf("err = %v, want the executor's", err)
	}
}

// A page read upwards (MinID) comes back newest first like any other.
func TestReadsPagesNewestFirst(t *testing.T) {
	ctx := context.Background()
	f := &fakeQueries{
		statuses: []*starling.Status{{ID: 1}, {ID: 2}, {ID: 3}},
		edges:    []starling.Edge{{Cursor: 1}, {Cursor: 2}},
	}
	r := f.reads()
	up, down := starling.Page{MinID: 1, Limit: 3}, starling.Page{MaxID: 9, Limit: 3}

	ss, _ := r.HomeTimeline(ctx, 5, up)
	if !slices.Equal(statusIDs(ss), []int64{3, 2, 1}) {
		t.Errorf("home, min_id: %v", statusIDs(ss))
	}
	ss, _ = r.PublicTimeline(ctx, starling.PublicTimelineQuery{}, down)
	if !slices.Equal(statusIDs(ss), []int64{1, 2, 3}) {
		t.Errorf("public, max_id: %v", statusIDs(ss))
	}
	es, _ := r.Followers(ctx, 5, up)
	if es[0].Cursor != 2 {
		t.Errorf("followers, min_id: %v", es)
	}
	es, _ = r.Following(ctx, 5, down)
	if es[0].Cursor != 1 {
		t.Errorf("following, max_id: %v", es)
	}
	if _, err := r.FollowRequests(ctx, 5, down); err != nil {
		t.Fatal(err)
	}

	wantOps := []string{"home timeline", "public timeline", "followers", "following", "follow requests"}
	if !slices.Equal(f.ops, wantOps) {
		t.Errorf("ops %v, want %v", f.ops, wantOps)
	}
	if !strings.Contains(f.queries[0], HomeTimeline) || !slices.Equal(f.args[0], []any{int64(5), int64(1), 3}) {
		t.Errorf("home query %s %v", f.queries[0], f.args[0])
	}
	for i, e := range []Edges{FollowerEdges, FollowingEdges, FollowRequestEdges} {
		if !strings.Contains(f.queries[2+i], e.From) {
			t.Errorf("%s: query %s", f.ops[2+i], f.queries[2+i])
		}
	}
}

// Ancestors come root first: the query returns them nearest first.
func TestReadsAncestors(t *testing.T) {
	f := &fakeQueries{statuses: []*starling.Status{{ID: 3}, {ID: 2}, {ID: 1}}}
	ss, err := f.reads().Ancestors(context.Background(), 5, 4, 10)
	if err != nil || !slices.Equal(statusIDs(ss), []int64{1, 2, 3}) {
		t.Errorf("got %v, %v", statusIDs(ss), err)
	}
	if f.queries[0] != Ancestors || !slices.Equal(f.args[0], []any{int64(5), int64(4), 10, starling.MaxThreadDepth}) {
		t.Errorf("query %s %v", f.queries[0], f.args[0])
	}
}

// FanoutRecipients returns the follower ids of its (follow id, follower
// id) rows, and the last follow id as the cursor only when the page is
// full: a short page is the last.
func TestReadsFanoutRecipients(t *testing.T) {
	target := starling.FanoutTarget{StatusID: 9, AuthorID: 5, Visibility: starling.VisibilityDirect, InReplyToAccountID: 6}
	tests := []struct {
		name     string
		rows     []int64
		limit    int
		ids      []int64
		wantNext int64
	}{
		{"none", nil, 2, []int64{}, 0},
		{"one, short page", []int64{11, 101}, 2, []int64{101}, 0},
		{"a full page", []int64{11, 101, 12, 102}, 2, []int64{101, 102}, 12},
	}
	for _, tt := range tests {
		f := &fakeQueries{ints: tt.rows}
		ids, next, err := f.reads().FanoutRecipients(context.Background(), target, 3, tt.limit)
		if err != nil || !slices.Equal(ids, tt.ids) || next != tt.wantNext {
			t.Errorf("%s: got %v, %d, %v; want %v, %d", tt.name, ids, next, err, tt.ids, tt.wantNext)
		}
		if f.queries[0] != FanoutRecipients ||
			!slices.Equal(f.args[0], []any{int64(5), int64(3), "direct", int64(9), int64(6), tt.limit}) {
			t.Errorf("%s: query %s %v", tt.name, f.queries[0], f.args[0])
		}
	}
}
