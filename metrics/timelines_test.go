package metrics

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/starling-social/starling"
)

func TestTimelinesExposition(t *testing.T) {
	tests := []struct {
		name  string
		queue FanoutQueue
		want  []string
		not   []string
	}{
		{
			name: "a backlog",
			queue: func(context.Context) (int64, time.Time, error) {
				return 7, time.Now().Add(-time.Hour), nil
			},
			want: []string{"starling_fanout_queue_depth 7", "starling_fanout_oldest_job_age_seconds 3"},
		},
		{
			name:  "an empty queue",
			queue: func(context.Context) (int64, time.Time, error) { return 0, time.Time{}, nil },
			want:  []string{"starling_fanout_queue_depth 0", "starling_fanout_oldest_job_age_seconds 0"},
		},
		{
			// A failing database leaves the queue gauges out rather than
			// reporting an empty queue.
			name:  "a failing database",
			queue: func(context.Context) (int64, time.Time, error) { return 0, time.Time{}, errors.New("down") },
			not:   []string{"starling_fanout_queue_depth "},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(fixedPool{})
			tl := m.Timelines(tt.queue, func() CacheStats {
				return CacheStats{Lists: 3, Bytes: 4096, Evictions: 2, Hits: 10, Misses: 1}
			})
			tl.Delivered(starling.FanoutPost, false, 12, 20*time.Millisecond)
			tl.Delivered(starling.FanoutPost, true, 1, time.Millisecond)
			tl.Delivered(starling.FanoutDelete, false, 3, 2*time.Second)
			tl.Batch(1000)
			tl.Batch(2)
			tl.HomeRead(true)
			tl.HomeRead(true)
			tl.HomeRead(false)
			out := scrape(t, m)
			want := append([]string{
				`starling_fanout_jobs_total{kind="post",mode="fanout"} 1`,
				`starling_fanout_jobs_total{kind="post",mode="merge"} 1`,
				`starling_fanout_jobs_total{kind="delete",mode="fanout"} 1`,
				`starling_fanout_delivery_lag_seconds_bucket{le="0.025"} 2`,
				"starling_fanout_delivery_lag_seconds_count 3",
				"starling_fanout_batch_size_count 2",
				`starling_fanout_batch_size_bucket{le="4"} 1`,
				`starling_home_reads_total{source="cache"} 2`,
				`starling_home_reads_total{source="database"} 1`,
				"starling_timeline_cache_lists 3",
				"starling_timeline_cache_bytes 4096",
				"starling_timeline_cache_evictions_total 2",
				"starling_timeline_cache_hits_total 10",
				"starling_timeline_cache_misses_total 1",
			}, tt.want...)
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("exposition lacks %q", w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(out, n) {
					t.Errorf("exposition has %q", n)
				}
			}
		})
	}
}

func TestObjectCacheExposition(t *testing.T) {
	m := New(fixedPool{})
	m.ObjectCache(func() map[string]ObjectCacheStats {
		return map[string]ObjectCacheStats{
			"statuses": {Hits: 90, Misses: 10, Entries: 7},
			"tokens":   {},
		}
	})
	out := scrape(t, m)
	for _, w := range []string{
		`starling_object_cache_hits_total{kind="statuses"} 90`,
		`starling_object_cache_misses_total{kind="statuses"} 10`,
		`starling_object_cache_entries{kind="statuses"} 7`,
		`starling_object_cache_hits_total{kind="tokens"} 0`,
	} {
		if !strings.Contains(out, w) {
			t.Errorf("exposition lacks %q", w)
		}
	}
}
