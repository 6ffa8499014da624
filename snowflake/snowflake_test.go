package snowflake

import (
	"sync"
	"testing"
	"time"
)

func TestDecodeKnownTweet(t *testing.T) {
	const id = 1120793199650463747
	want := time.Date(2019, 4, 23, 20, 54, 56, 784_000_000, time.UTC)
	if got := Time(id); !got.Equal(want) {
		t.Fatalf("Time(%d) = %s, want %s", id, got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
	}
	if got := Time(id).Format("2006-01-02T15:04:05.000Z"); got != "2019-04-23T20:54:56.784Z" {
		t.Fatalf("formatted = %s", got)
	}
}

func TestRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 25, 12, 0, 0, 123_000_000, time.UTC)
	g, err := newWithClock(777, func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	id := g.Next()
	if !Time(id).Equal(at) || Node(id) != 777 || Sequence(id) != 0 {
		t.Fatalf("decoded %s node %d seq %d", Time(id), Node(id), Sequence(id))
	}
	if FromTime(at) > id || FromTime(at.Add(time.Millisecond)) <= id {
		t.Fatalf("FromTime does not bracket the id")
	}
}

func TestNodeRange(t *testing.T) {
	for _, n := range []int{-1, MaxNode + 1} {
		if _, err := New(n); err == nil {
			t.Errorf("New(%d) accepted", n)
		}
	}
	for _, n := range []int{0, MaxNode} {
		if _, err := New(n); err != nil {
			t.Errorf("New(%d): %v", n, err)
		}
	}
}

// TestStrictlyIncreasing drives the generator with a clock that stands
// still, steps back by a second, and then recovers.
func TestStrictlyIncreasing(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := []time.Time{base, base, base.Add(-time.Second), base.Add(-time.Second), base.Add(time.Millisecond), base.Add(2 * time.Second)}
	i := 0
	g, _ := newWithClock(1, func() time.Time { return clock[min(i, len(clock)-1)] })
	var last int64
	for ; i < len(clock)+10000; i++ {
		id := g.Next()
		if id <= last {
			t.Fatalf("step %d: id %d not above %d", i, id, last)
		}
		last = id
	}
}

func TestSequenceOverflowBorrowsNextMillisecond(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g, _ := newWithClock(0, func() time.Time { return at })
	var id int64
	for range maxSequence + 2 {
		id = g.Next()
	}
	if !Time(id).Equal(at.Add(time.Millisecond)) || Sequence(id) != 0 {
		t.Fatalf("after overflow: %s seq %d", Time(id), Sequence(id))
	}
}

func TestConcurrentUnique(t *testing.T) {
	g, _ := New(3)
	const workers, each = 8, 5000
	ids := make(chan int64, workers*each)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				ids <- g.Next()
			}
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[int64]bool{}
	for id := range ids {
		if seen[id] {
			t.Fatalf("duplicate id %d", id)
		}
		seen[id] = true
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1120793199650463747", 1120793199650463747, true},
		{"1", 1, true},
		{"", 0, false},
		{"0", 0, false},
		{"01", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{"1e3", 0, false},
		{" 1", 0, false},
		{"9223372036854775807", 9223372036854775807, true},
		{"9223372036854775808", 0, false},
		{"99999999999999999999", 0, false},
	}
	for _, tt := range tests {
		got, ok := Parse(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Parse(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func BenchmarkNext(b *testing.B) {
	g, _ := New(1)
	b.ReportAllocs()
	for b.Loop() {
		g.Next()
	}
}
