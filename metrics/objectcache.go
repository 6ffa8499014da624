package metrics

import "github.com/prometheus/client_golang/prometheus"

// ObjectCacheStats is one kind of object (tokens, accounts, …) of the
// read-through cache at a scrape.
type ObjectCacheStats struct {
	Hits    uint64
	Misses  uint64
	Entries int
}

var (
	objectHits = prometheus.NewDesc("starling_object_cache_hits_total",
		"Lookups the read-through cache answered, by kind of object.", []string{"kind"}, nil)
	objectMisses = prometheus.NewDesc("starling_object_cache_misses_total",
		"Lookups the read-through cache sent to the database, by kind of object.", []string{"kind"}, nil)
	objectEntries = prometheus.NewDesc("starling_object_cache_entries",
		"Objects the read-through cache holds, by kind.", []string{"kind"}, nil)
)

// ObjectCache registers the read-through cache's figures, read from stats
// at each scrape: a falling hit ratio says that --cache-entries is too
// small for the pages being read.
func (m *Metrics) ObjectCache(stats func() map[string]ObjectCacheStats) {
	m.reg.MustRegister(objectCollector{stats})
}

type objectCollector struct {
	stats func() map[string]ObjectCacheStats
}

func (objectCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- objectHits
	ch <- objectMisses
	ch <- objectEntries
}

func (c objectCollector) Collect(ch chan<- prometheus.Metric) {
	for kind, st := range c.stats() {
		ch <- prometheus.MustNewConstMetric(objectHits, prometheus.CounterValue, float64(st.Hits), kind)
		ch <- prometheus.MustNewConstMetric(objectMisses, prometheus.CounterValue, float64(st.Misses), kind)
		ch <- prometheus.MustNewConstMetric(objectEntries, prometheus.GaugeValue, float64(st.Entries), kind)
	}
}
