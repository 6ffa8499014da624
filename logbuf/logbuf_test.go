package logbuf

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a destination safe to read while Run writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestLevels checks that info lines wait in the buffer and that a warning
// goes out at once, with everything before it, in order.
func TestLevels(t *testing.T) {
	var dst lockedBuffer
	w := New(&dst)
	log := slog.New(Handler(slog.NewTextHandler(w, nil), w, slog.LevelWarn)).With("app", "x")
	log.Info("first")
	if got := dst.String(); got != "" {
		t.Fatalf("an info line went out at once: %q", got)
	}
	log.Warn("second")
	got := dst.String()
	if !strings.Contains(got, "msg=first app=x") || !strings.Contains(got, "msg=second app=x") ||
		strings.Index(got, "first") > strings.Index(got, "second") {
		t.Fatalf("after a warning the destination holds %q, want both lines in order", got)
	}
}

// TestWriteKeepsLinesWhole fills the buffer with lines of many sizes and
// checks that each reaches the destination whole, once, in order: at the
// edges of the buffer too, and for a line larger than the buffer.
func TestWriteKeepsLinesWhole(t *testing.T) {
	var dst lockedBuffer
	w := New(&dst)
	var want strings.Builder
	for i, n := range []int{0, 1, size - 1, 1, size, size + 1, 3 * size, 10, size - 10, 11} {
		line := strings.Repeat(string(rune('a'+i)), n) + "\n"
		want.WriteString(line)
		if _, err := w.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
		if got := dst.String(); !strings.HasPrefix(want.String(), got) || got != "" && !strings.HasSuffix(got, "\n") {
			t.Fatalf("line %d: the destination holds a partial line", i)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if dst.String() != want.String() {
		t.Fatal("the destination does not hold every line once, in order")
	}
}

// TestRun checks that a tick writes out what waits, and that the end of
// Run writes out the rest.
func TestRun(t *testing.T) {
	var dst lockedBuffer
	w := New(&dst)
	tick := make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		w.Run(ctx, tick)
		close(done)
	}()
	_, _ = w.Write([]byte("one\n"))
	tick <- time.Now()
	tick <- time.Now() // taken only once the first tick's flush is done
	if got := dst.String(); got != "one\n" {
		t.Fatalf("after a tick the destination holds %q", got)
	}
	_, _ = w.Write([]byte("two\n"))
	cancel()
	<-done
	if got := dst.String(); got != "one\ntwo\n" {
		t.Fatalf("after Run ended the destination holds %q", got)
	}
}

// failingOnce fails its first write and takes the others.
type failingOnce struct {
	lockedBuffer
	failed bool
}

func (f *failingOnce) Write(p []byte) (int, error) {
	if !f.failed {
		f.failed = true
		return 0, errors.New("write failed")
	}
	return f.lockedBuffer.Write(p)
}

// TestWriteFailureIsNotForever checks that a failed write loses the lines
// it carried, not every line after it.
func TestWriteFailureIsNotForever(t *testing.T) {
	dst := &failingOnce{}
	w := New(dst)
	_, _ = w.Write([]byte("lost\n"))
	if err := w.Flush(); err == nil {
		t.Fatal("the failed write was not reported")
	}
	if _, err := w.Write([]byte("kept\n")); err != nil {
		t.Fatalf("a write after a failed one: %v", err)
	}
	if err := w.Flush(); err != nil {
		t.Fatalf("a flush after a failed one: %v", err)
	}
	if got := dst.String(); got != "kept\n" {
		t.Fatalf("the destination holds %q, want the line written after the failure", got)
	}
}
