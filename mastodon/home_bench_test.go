package mastodon

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/starling-social/starling/accounts"
	"github.com/starling-social/starling/inmem"
	"github.com/starling-social/starling/oauth"
	"github.com/starling-social/starling/statuses"
	"github.com/starling-social/starling/storecache"
	"github.com/starling-social/starling/timeline"
)

// homeAllocsBudget is what a warm home page of 20 statuses by 20 authors
// may allocate, in objects, through the whole handler (middleware,
// authentication, the timeline engine, rendering, the httptest
// recorder), as BenchmarkHomeHandler measures it; BENCHMARKS.md states
// it. TestHomeAllocationBudget fails when a change doubles it.
const homeAllocsBudget = 45

// homeBench is the API wired as `starling serve` wires it for reads: the
// read-through cache over SQLite, the timeline engine over the in-process
// timeline cache, with a reader following 20 authors who posted 3 times
// each, and the reader's home timeline read once, so that every cache is
// warm.
type homeBench struct {
	api     *testAPI
	request *http.Request
}

func newHomeBench(t testing.TB) *homeBench {
	t.Helper()
	api := newTestAPI(t)
	store := storecache.New(api.Store, storecache.Options{})
	engine := timeline.NewEngine(store, inmem.NewTimelineCache(64<<20, 800), timeline.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	api.Svc.Store = store
	api.Svc.Accounts = accounts.New(store, api.IDs, api.Cfg.PublicURL.String())
	api.Svc.OAuth = oauth.New(store, api.IDs, api.Svc.Accounts)
	api.Svc.Statuses = statuses.New(store, api.IDs, api.Cfg.PublicURL.String(), engine)
	api.Svc.Timelines = timeline.New(store, engine)
	api.Server = New(api.Cfg, api.Svc, testLogger(t))

	reader, _ := api.signUp(t, "reader")
	for i := range 20 {
		token, id := api.signUp(t, fmt.Sprintf("author%d", i))
		api.follow(t, reader, id)
		for j := range 3 {
			api.post(t, token, url.Values{"status": {fmt.Sprintf("Post %d by @reader with a #tag and a link https://example.com/%d/%d", j, i, j)}})
		}
	}
	r := httptest.NewRequest(http.MethodGet, "/api/v1/timelines/home?limit=20", nil)
	r.Header.Set("Authorization", "Bearer "+reader)
	b := &homeBench{api: api, request: r}
	rec := b.serve()
	wantStatus(t, rec, http.StatusOK)
	if page := decode[[]Status](t, rec); len(page) != 20 {
		t.Fatalf("the home page has %d statuses, want 20", len(page))
	}
	return b
}

func (b *homeBench) serve() *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	b.api.Server.ServeHTTP(rec, b.request)
	return rec
}

// BenchmarkHomeHandler is the whole handler of a warm home page: what a
// page costs the server beyond net/http's own reading and writing.
//
//	go test -run '^$' -bench BenchmarkHomeHandler -benchmem ./mastodon/
func BenchmarkHomeHandler(b *testing.B) {
	hb := newHomeBench(b)
	b.ReportAllocs()
	b.SetBytes(int64(hb.serve().Body.Len()))
	for b.Loop() {
		if rec := hb.serve(); rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// TestHomeAllocationBudget keeps the allocations of a warm home page
// within twice homeAllocsBudget. It counts allocations, which do not
// depend on the machine or its load, never time.
func TestHomeAllocationBudget(t *testing.T) {
	hb := newHomeBench(t)
	allocs := testing.AllocsPerRun(200, func() { hb.serve() })
	t.Logf("a warm home page allocates %.0f objects (budget %d)", allocs, homeAllocsBudget)
	if allocs > 2*homeAllocsBudget {
		t.Errorf("a warm home page allocates %.0f objects, more than twice the budget of %d: "+
			"profile it (BenchmarkHomeHandler with -memprofile) before raising homeAllocsBudget", allocs, homeAllocsBudget)
	}
}
