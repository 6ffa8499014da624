// Package snowflake makes and reads Twitter-format Snowflake ids: 41 bits of
// milliseconds since the Twitter epoch, 10 bits of node id and 12 bits of
// sequence. Ids from one Generator strictly increase, even when the wall
// clock steps back, so newer objects always sort after older ones.
package snowflake

import (
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Epoch is Twitter's epoch, 2010-11-04T01:42:54.657Z, in Unix milliseconds.
const Epoch int64 = 1288834974657

const (
	nodeBits     = 10
	sequenceBits = 12
	// MaxNode is the largest node id.
	MaxNode     = 1<<nodeBits - 1
	maxSequence = 1<<sequenceBits - 1
	timeShift   = nodeBits + sequenceBits
)

// Generator hands out ids for one node. It is safe for concurrent use.
type Generator struct {
	node int64
	now  func() time.Time

	mu   sync.Mutex
	last int64 // milliseconds since Epoch of the last id
	seq  int64
}

// New returns a Generator for node (0..MaxNode).
func New(node int) (*Generator, error) {
	return newWithClock(node, time.Now)
}

func newWithClock(node int, now func() time.Time) (*Generator, error) {
	if node < 0 || node > MaxNode {
		return nil, fmt.Errorf("snowflake: node id %d outside 0..%d", node, MaxNode)
	}
	return &Generator{node: int64(node), now: now}, nil
}

// Next returns a new id, larger than every id this Generator returned
// before. When the clock stands still or steps back, it keeps counting from
// the last millisecond it used, borrowing from the future when a
// millisecond's 4096 sequence numbers run out; real time catches up.
func (g *Generator) Next() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms := g.now().UnixMilli() - Epoch
	if ms > g.last {
		g.last, g.seq = ms, 0
	} else {
		g.seq++
		if g.seq > maxSequence {
			g.last++
			g.seq = 0
		}
	}
	return g.last<<timeShift | g.node<<sequenceBits | g.seq
}

// Time returns the moment an id was made, to the millisecond.
func Time(id int64) time.Time {
	return time.UnixMilli(id>>timeShift + Epoch).UTC()
}

// Node returns the node id an id was made on.
func Node(id int64) int { return int(id >> sequenceBits & MaxNode) }

// Sequence returns the sequence number of an id within its millisecond.
func Sequence(id int64) int { return int(id & maxSequence) }

// FromTime returns the smallest id that could have been made at t: ids made
// before t are smaller. Useful as a paging cursor for a point in time.
func FromTime(t time.Time) int64 {
	ms := t.UnixMilli() - Epoch
	if ms < 0 {
		return 0
	}
	return ms << timeShift
}

// Parse reads an id written in decimal, as ids appear in JSON and URLs.
// It accepts only positive numbers without sign, spaces or leading zeros.
func Parse(s string) (int64, bool) {
	if s == "" || len(s) > 19 || s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false
	}
	return id, true
}

// Format writes an id in decimal.
func Format(id int64) string { return strconv.FormatInt(id, 10) }
