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
// authentication, the timeline engine, rendering), as
// BenchmarkHomeHandler measures it; BENCHMARKS.md states it.
// TestHomeAllocationBudget fails when a change doubles it.
const homeAllocsBudget = 36

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

// discardWriter is the ResponseWriter of the benchmark: it keeps the
// status and size and drops the body, and its header is reused, so that
// what is measured is the handler's cost and not a recorder's buffer.
type discardWriter struct {
	header http.Header
	status int
	size   int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }
func (w *discardWriter) Write(b []byte) (int, error) { w.size += len(b); return len(b), nil }

// serveDiscarding serves the page into w, emptied first.
func (b *homeBench) serveDiscarding(w *discardWriter) {
	clear(w.header)
	w.status, w.size = 0, 0
	b.api.Server.ServeHTTP(w, b.request)
}

// BenchmarkHomeHandler is the whole handler of a warm home page: what a
// page costs the server beyond net/http's own reading and writing.
//
//	go test -run '^$' -bench BenchmarkHomeHandler -benchmem ./mastodon/
func BenchmarkHomeHandler(b *testing.B) {
	hb := newHomeBench(b)
	w := &discardWriter{header: http.Header{}}
	b.ReportAllocs()
	hb.serveDiscarding(w)
	b.SetBytes(int64(w.size))
	for b.Loop() {
		if hb.serveDiscarding(w); w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
}

// TestHomeAllocationBudget keeps the allocations of a warm home page
// within twice homeAllocsBudget. It counts allocations, which do not
// depend on the machine or its load, never time.
func TestHomeAllocationBudget(t *testing.T) {
	hb := newHomeBench(t)
	w := &discardWriter{header: http.Header{}}
	allocs := testing.AllocsPerRun(200, func() { hb.serveDiscarding(w) })
	t.Logf("a warm home page allocates %.0f objects (budget %d)", allocs, homeAllocsBudget)
	if allocs > 2*homeAllocsBudget {
		t.Errorf("a warm home page allocates %.0f objects, more than twice the budget of %d: "+
			"profile it (BenchmarkHomeHandler with -memprofile) before raising homeAllocsBudget", allocs, homeAllocsBudget)
	}
}
