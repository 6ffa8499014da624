package timeline_test

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/follows"
	"github.com/starling-social/starling/inmem"
	"github.com/starling-social/starling/snowflake"
	"github.com/starling-social/starling/sqlite/sqlitetest"
	"github.com/starling-social/starling/statuses"
	"github.com/starling-social/starling/timeline"
)

// signalObserver signals every delivered job, so that tests wait for
// deliveries rather than for time to pass.
type signalObserver struct{ delivered chan starling.FanoutKind }

func (o signalObserver) Delivered(kind starling.FanoutKind, _ bool, _ int, _ time.Duration) {
	o.delivered <- kind
}
func (signalObserver) Batch(int)     {}
func (signalObserver) HomeRead(bool) {}

// TestRun checks the two ways a job reaches Run's workers, and the drain
// at its stop: a post is handed over by the process that writes it; a job
// nobody handed over (written by another process, or left by a crash) is
// swept from the outbox; jobs handed over before a stop are delivered by
// it. In every case the follower's cached timeline gets the post and the
// outbox ends empty.
func TestRun(t *testing.T) {
	tests := []struct {
		name  string
		sweep time.Duration
		// post writes a status by author, handing it over or not.
		post func(t *testing.T, svc *statuses.Service, db starling.Store, ids *snowflake.Generator, author *starling.Account) int64
		// stopFirst stops Run before it starts: only the drain delivers.
		stopFirst bool
	}{
		{"handed over", time.Hour, postThroughService, false},
		{"left in the outbox", time.Nanosecond, postToStore, false},
		{"drained at stop", time.Hour, postThroughService, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			db, ids := sqlitetest.Open(t), sqlitetest.IDs(t)
			author := sqlitetest.CreateAccount(t, db, ids, "author")
			reader := sqlitetest.CreateAccount(t, db, ids, "reader")
			e := timeline.NewEngine(db, inmem.NewTimelineCache(1<<20, 50),
				timeline.Config{Length: 50, Poll: time.Millisecond, Sweep: tt.sweep}, slog.New(slog.DiscardHandler))
			obs := signalObserver{delivered: make(chan starling.FanoutKind, 16)}
			e.Observe(obs)
			if _, err := follows.New(db, e).Follow(ctx, reader, author.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Home(ctx, reader.ID, starling.Page{Limit: 20}); err != nil { // cached from now on
				t.Fatal(err)
			}

			runCtx, stop := context.WithCancel(ctx)
			ran := make(chan struct{})
			var id int64
			if tt.stopFirst {
				id = tt.post(t, statuses.New(db, ids, "https://x.test", e), db, ids, author)
				stop()
				go func() { defer close(ran); e.Run(runCtx) }()
				<-ran
				<-obs.delivered
			} else {
				go func() { defer close(ran); e.Run(runCtx) }()
				id = tt.post(t, statuses.New(db, ids, "https://x.test", e), db, ids, author)
				<-obs.delivered
				stop()
				<-ran
			}

			page, err := e.Home(ctx, reader.ID, starling.Page{Limit: 20})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(page, func(s *starling.Status) bool { return s.ID == id }) {
				t.Errorf("the follower's home timeline lacks the post")
			}
			if depth, _, err := db.FanoutQueue(ctx); err != nil || depth != 0 {
				t.Errorf("outbox after Run returned: %d jobs, %v; want none", depth, err)
			}
		})
	}
}

func postThroughService(t *testing.T, svc *statuses.Service, _ starling.Store, _ *snowflake.Generator, author *starling.Account) int64 {
	t.Helper()
	s, err := svc.Create(t.Context(), author, 0, statuses.CreateInput{Text: "handed over", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	return s.ID
}

// postToStore writes a status as another process would: its job is in
// the outbox, and nothing in this one hands it over.
func postToStore(t *testing.T, _ *statuses.Service, db starling.Store, ids *snowflake.Generator, author *starling.Account) int64 {
	t.Helper()
	id := ids.Next()
	s := &starling.Status{ID: id, AccountID: author.ID, Text: "elsewhere", Content: "<p>elsewhere</p>",
		Visibility: starling.VisibilityPublic, CreatedAt: snowflake.Time(id)}
	if _, err := db.CreateStatus(t.Context(), s, ""); err != nil {
		t.Fatal(err)
	}
	return id
}
