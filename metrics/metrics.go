// Package metrics exposes Starling's Prometheus metrics: HTTP requests by
// route, method and status, their durations, the database connection pool,
// the home-timeline engine (fan-out queue, delivery lag, batch sizes, the
// timeline cache), the read-through cache of objects, and the Go runtime
// and process. It keeps its own registry rather than the
// client library's global one, so tests and several servers in one process
// never share counters.
package metrics

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/starling-social/starling"
)

// Pool is what reports the database connection pool; starling.Store is one.
type Pool interface {
	PoolStats() starling.PoolStats
}

// Metrics holds the registry and the instruments fed by the HTTP layer.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// New registers the HTTP instruments, a collector of pool's statistics
// (read at each scrape) and the Go and process collectors.
func New(pool Pool) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests served, by matched route pattern, method and status code.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by matched route pattern and method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"}),
	}
	m.reg.MustRegister(
		m.requests,
		m.duration,
		poolCollector{pool},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Observe records one finished request: its method, and route, the
// pattern that matched it without its method ("/api/v1/statuses/{id}").
// The pattern, not the path, keeps the number of series bounded whatever
// ids are requested. Its signature is that of mastodon.Services.Observe.
func (m *Metrics) Observe(method, route string, status int, seconds float64) {
	m.requests.WithLabelValues(route, method, statusLabel(status)).Inc()
	m.duration.WithLabelValues(route, method).Observe(seconds)
}

// statusLabels are the status codes as label values, made once rather
// than on every request.
var statusLabels = func() (labels [600]string) {
	for code := range labels {
		labels[code] = strconv.Itoa(code)
	}
	return labels
}()

func statusLabel(code int) string {
	if code >= 0 && code < len(statusLabels) {
		return statusLabels[code]
	}
	return strconv.Itoa(code)
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// poolCollector reads the pool statistics at scrape time, so the numbers
// are current without a background goroutine polling them.
type poolCollector struct{ pool Pool }

var (
	poolMaxOpen = prometheus.NewDesc("starling_db_pool_max_open_connections",
		"Maximum number of open connections the pool allows (0: unlimited).", nil, nil)
	poolOpen = prometheus.NewDesc("starling_db_pool_open_connections",
		"Connections open, in use or idle.", nil, nil)
	poolInUse = prometheus.NewDesc("starling_db_pool_in_use_connections",
		"Connections running a query.", nil, nil)
	poolIdle = prometheus.NewDesc("starling_db_pool_idle_connections",
		"Connections open and idle.", nil, nil)
	poolWaits = prometheus.NewDesc("starling_db_pool_waits_total",
		"Times a query had to wait for a free connection.", nil, nil)
	poolWaitSeconds = prometheus.NewDesc("starling_db_pool_wait_seconds_total",
		"Total time queries waited for a free connection.", nil, nil)
)

func (poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolMaxOpen, poolOpen, poolInUse, poolIdle, poolWaits, poolWaitSeconds} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.pool.PoolStats()
	ch <- prometheus.MustNewConstMetric(poolMaxOpen, prometheus.GaugeValue, float64(st.MaxOpen))
	ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(st.Open))
	ch <- prometheus.MustNewConstMetric(poolInUse, prometheus.GaugeValue, float64(st.InUse))
	ch <- prometheus.MustNewConstMetric(poolIdle, prometheus.GaugeValue, float64(st.Idle))
	ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(st.WaitCount))
	ch <- prometheus.MustNewConstMetric(poolWaitSeconds, prometheus.CounterValue, st.WaitDuration.Seconds())
}
