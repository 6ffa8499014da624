// Package logbuf buffers a log's output, so that a busy server does not
// pay a write system call for every line of its access log: lines go out
// when the buffer fills, a moment after they are written (Interval), and
// at once for warnings and errors (Handler), which must not wait or be
// lost in a crash. nginx's access_log buffer and flush settings are the
// same idea.
package logbuf

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Interval is the longest a line waits in the buffer, when Run runs.
const Interval = 100 * time.Millisecond

// size is the buffer's size: lines go out when it fills.
const size = 32 << 10

// Writer buffers what is written to it before writing to its destination.
// It is safe for concurrent use; each Write is kept whole.
type Writer struct {
	mu  sync.Mutex
	dst io.Writer
	buf *bufio.Writer
}

// New returns a Writer that writes to w.
func New(w io.Writer) *Writer { return &Writer{dst: w, buf: bufio.NewWriterSize(w, size)} }

// Write buffers p, writing out what was buffered first when p does not fit.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(p) > w.buf.Available() && w.buf.Buffered() > 0 {
		if err := w.flush(); err != nil {
			return 0, err
		}
	}
	n, err := w.buf.Write(p)
	if err != nil {
		w.buf.Reset(w.dst)
	}
	return n, err
}

// Flush writes out what is buffered.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flush()
}

// flush writes out what is buffered. A failed write loses what was
// buffered, not the log: bufio.Writer would otherwise refuse every later
// write, and one hiccup of standard error would silence the server for
// good. w.mu is held.
func (w *Writer) flush() error {
	err := w.buf.Flush()
	if err != nil {
		w.buf.Reset(w.dst)
	}
	return err
}

// Run flushes the buffer each time tick delivers, until ctx is done, and
// once more then. A server runs it for its lifetime with a ticker of
// Interval.
func (w *Writer) Run(ctx context.Context, tick <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			_ = w.Flush()
			return
		case <-tick:
			_ = w.Flush()
		}
	}
}

// Handler wraps h, which writes to w, so that every record at level or
// above is written out at once.
func Handler(h slog.Handler, w *Writer, level slog.Level) slog.Handler {
	return flushing{Handler: h, w: w, level: level}
}

type flushing struct {
	slog.Handler
	w     *Writer
	level slog.Level
}

func (h flushing) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= h.level {
		if ferr := h.w.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (h flushing) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushing{Handler: h.Handler.WithAttrs(attrs), w: h.w, level: h.level}
}

func (h flushing) WithGroup(name string) slog.Handler {
	return flushing{Handler: h.Handler.WithGroup(name), w: h.w, level: h.level}
}
