package timeline_test

import (
	"fmt"
	"log/slog"
	"testing"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/follows"
	"github.com/starling-social/starling/inmem"
	"github.com/starling-social/starling/sqlite/sqlitetest"
	"github.com/starling-social/starling/statuses"
	"github.com/starling-social/starling/storecache"
	"github.com/starling-social/starling/timeline"
)

// BenchmarkHome measures the engine's part of a home page: the cached
// list, the merged authors' lists, and the statuses read through the
// read-through cache, as in a running server once the page's statuses are
// cached; the HTTP and JSON work around it is not included. The reader
// follows 50 authors with 20 posts each (fanned out), or one author
// merged on read.
func BenchmarkHome(b *testing.B) {
	for _, merged := range []bool{false, true} {
		b.Run(fmt.Sprintf("merged=%v", merged), func(b *testing.B) {
			ctx := b.Context()
			db, ids := sqlitetest.Open(b), sqlitetest.IDs(b)
			store := storecache.New(db, storecache.Options{})
			threshold := int64(1000)
			if merged {
				threshold = 1 // the author, with two followers, is merged on read
			}
			e := timeline.NewEngine(store, inmem.NewTimelineCache(64<<20, 800),
				timeline.Config{Threshold: threshold}, slog.New(slog.DiscardHandler))
			svc := statuses.New(store, ids, "https://x.test", e)
			fw := follows.New(store, e)
			reader := sqlitetest.CreateAccount(b, db, ids, "reader")
			authors := 50
			if merged {
				authors = 1
			}
			for i := range authors {
				a := sqlitetest.CreateAccount(b, db, ids, fmt.Sprintf("author%d", i))
				if _, err := fw.Follow(ctx, reader, a.ID); err != nil {
					b.Fatal(err)
				}
				if merged {
					other := sqlitetest.CreateAccount(b, db, ids, "other")
					if _, err := fw.Follow(ctx, other, a.ID); err != nil {
						b.Fatal(err)
					}
				}
				a, _ = store.AccountByID(ctx, a.ID)
				for j := range 20 {
					if _, err := svc.Create(ctx, a, 0, statuses.CreateInput{Text: fmt.Sprintf("post %d", j)}); err != nil {
						b.Fatal(err)
					}
				}
			}
			if err := e.LoadMerged(ctx); err != nil {
				b.Fatal(err)
			}
			for {
				n, err := e.DeliverPending(ctx, 1000)
				if err != nil {
					b.Fatal(err)
				}
				if n == 0 {
					break
				}
			}
			page := starling.Page{Limit: 20}
			if got, err := e.Home(ctx, reader.ID, page); err != nil || len(got) != 20 {
				b.Fatalf("warm-up page: %d statuses, %v", len(got), err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := e.Home(ctx, reader.ID, page); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
