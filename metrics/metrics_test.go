package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/starling-social/starling"
)

type fixedPool starling.PoolStats

func (p fixedPool) PoolStats() starling.PoolStats { return starling.PoolStats(p) }

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("scrape status %d", rec.Code)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestExposition(t *testing.T) {
	m := New(fixedPool{MaxOpen: 8, Open: 3, InUse: 2, Idle: 1, WaitCount: 4, WaitDuration: 1500 * time.Millisecond})
	m.Observe("GET", "/api/v1/statuses/{id}", 200, 0.01)
	m.Observe("GET", "/api/v1/statuses/{id}", 200, 0.02)
	m.Observe("GET", "/api/v1/statuses/{id}", 404, 0.01)
	m.Observe("POST", "/api/v1/statuses", 422, 0.3)
	m.Observe("GET", "unmatched", 404, 0.001)
	out := scrape(t, m)
	for _, want := range []string{
		`http_requests_total{method="GET",route="/api/v1/statuses/{id}",status="200"} 2`,
		`http_requests_total{method="GET",route="/api/v1/statuses/{id}",status="404"} 1`,
		`http_requests_total{method="POST",route="/api/v1/statuses",status="422"} 1`,
		`http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`http_request_duration_seconds_count{method="GET",route="/api/v1/statuses/{id}"} 3`,
		`http_request_duration_seconds_bucket{method="POST",route="/api/v1/statuses",le="0.5"} 1`,
		`http_request_duration_seconds_bucket{method="POST",route="/api/v1/statuses",le="0.25"} 0`,
		"starling_db_pool_max_open_connections 8",
		"starling_db_pool_open_connections 3",
		"starling_db_pool_in_use_connections 2",
		"starling_db_pool_idle_connections 1",
		"starling_db_pool_waits_total 4",
		"starling_db_pool_wait_seconds_total 1.5",
		"go_goroutines ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
}

func TestEmptyRegistryHasNoRequestSeries(t *testing.T) {
	out := scrape(t, New(fixedPool{}))
	if strings.Contains(out, "http_requests_total{") {
		t.Errorf("series before any request:\n%s", out)
	}
	if !strings.Contains(out, "starling_db_pool_open_connections 0") {
		t.Errorf("pool gauges missing for an idle pool")
	}
}

func TestRegistriesAreIndependent(t *testing.T) {
	a, b := New(fixedPool{}), New(fixedPool{})
	a.Observe("GET", "/healthz", 200, 0.001)
	if strings.Contains(scrape(t, b), `route="/healthz"`) {
		t.Fatal("a request observed by one Metrics shows in another")
	}
}
