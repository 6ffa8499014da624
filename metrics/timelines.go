package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/starling-social/starling"
)

// Timelines holds the instruments of the home-timeline engine: fan-out
// deliveries, their lag and batch sizes, home reads by source, and, read
// at each scrape, the outbox's depth and the timeline cache's size. It
// implements timeline.Observer.
type Timelines struct {
	delivered *prometheus.CounterVec
	lag       prometheus.Histogram
	batch     prometheus.Histogram
	reads     *prometheus.CounterVec
}

// FanoutQueue reports the outbox: starling.FanoutStore.FanoutQueue.
type FanoutQueue func(ctx context.Context) (depth int64, oldest time.Time, err error)

// CacheStats is what the timeline cache reports at a scrape.
type CacheStats struct {
	Lists     int
	Bytes     int64
	Evictions uint64
	Hits      uint64
	Misses    uint64
}

// queueTimeout bounds the outbox query of a scrape.
const queueTimeout = 2 * time.Second

// Timelines registers the engine's instruments, reading queue and cache at
// each scrape, and returns the observer to give the engine.
func (m *Metrics) Timelines(queue FanoutQueue, cache func() CacheStats) *Timelines {
	t := &Timelines{
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "starling_fanout_jobs_total",
			Help: "Fan-out jobs delivered, by kind (post, delete) and mode (fanout: pushed to followers; merge: merged on read).",
		}, []string{"kind", "mode"}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "starling_fanout_delivery_lag_seconds",
			Help:    "Time from a status being written to its fan-out job being delivered to every follower.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "starling_fanout_batch_size",
			Help:    "Home timelines pushed to per delivery step.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 7),
		}),
		reads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "starling_home_reads_total",
			Help: "Home timeline pages served, by source (cache, or database when the cache did not cover the page).",
		}, []string{"source"}),
	}
	m.reg.MustRegister(t.delivered, t.lag, t.batch, t.reads, timelineCollector{queue: queue, cache: cache})
	return t
}

// Delivered counts a delivered job and its lag.
func (t *Timelines) Delivered(kind starling.FanoutKind, merged bool, _ int, lag time.Duration) {
	mode := "fanout"
	if merged {
		mode = "merge"
	}
	t.delivered.WithLabelValues(string(kind), mode).Inc()
	t.lag.Observe(lag.Seconds())
}

// Batch records the size of one delivery step.
func (t *Timelines) Batch(size int) { t.batch.Observe(float64(size)) }

// HomeRead counts a home page by where it came from.
func (t *Timelines) HomeRead(fromCache bool) {
	source := "database"
	if fromCache {
		source = "cache"
	}
	t.reads.WithLabelValues(source).Inc()
}

type timelineCollector struct {
	queue FanoutQueue
	cache func() CacheStats
}

var (
	queueDepth = prometheus.NewDesc("starling_fanout_queue_depth",
		"Fan-out jobs waiting in the outbox.", nil, nil)
	queueAge = prometheus.NewDesc("starling_fanout_oldest_job_age_seconds",
		"Age of the oldest job waiting in the outbox (0 when none waits).", nil, nil)
	cacheLists = prometheus.NewDesc("starling_timeline_cache_lists",
		"Timelines held in the timeline cache.", nil, nil)
	cacheBytes = prometheus.NewDesc("starling_timeline_cache_bytes",
		"Memory the timeline cache accounts for, within its budget.", nil, nil)
	cacheEvictions = prometheus.NewDesc("starling_timeline_cache_evictions_total",
		"Timelines evicted to stay within the budget.", nil, nil)
	cacheHits = prometheus.NewDesc("starling_timeline_cache_hits_total",
		"Timeline reads the cache answered.", nil, nil)
	cacheMisses = prometheus.NewDesc("starling_timeline_cache_misses_total",
		"Timeline reads the cache did not hold, rebuilt from the database.", nil, nil)
)

func (timelineCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{queueDepth, queueAge, cacheLists, cacheBytes, cacheEvictions, cacheHits, cacheMisses} {
		ch <- d
	}
}

func (c timelineCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), queueTimeout)
	defer cancel()
	if depth, oldest, err := c.queue(ctx); err == nil {
		age := 0.0
		if !oldest.IsZero() {
			age = max(0, time.Since(oldest).Seconds())
		}
		ch <- prometheus.MustNewConstMetric(queueDepth, prometheus.GaugeValue, float64(depth))
		ch <- prometheus.MustNewConstMetric(queueAge, prometheus.GaugeValue, age)
	}
	st := c.cache()
	ch <- prometheus.MustNewConstMetric(cacheLists, prometheus.GaugeValue, float64(st.Lists))
	ch <- prometheus.MustNewConstMetric(cacheBytes, prometheus.GaugeValue, float64(st.Bytes))
	ch <- prometheus.MustNewConstMetric(cacheEvictions, prometheus.CounterValue, float64(st.Evictions))
	ch <- prometheus.MustNewConstMetric(cacheHits, prometheus.CounterValue, float64(st.Hits))
	ch <- prometheus.MustNewConstMetric(cacheMisses, prometheus.CounterValue, float64(st.Misses))
}
