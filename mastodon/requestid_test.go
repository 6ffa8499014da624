package mastodon

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestLogsCarryRequestID checks that a line a handler logs with the
// request's context names the same request id the response reports.
func TestLogsCarryRequestID(t *testing.T) {
	var buf bytes.Buffer
	s := &Server{cfg: Config{MaxBodyBytes: 1 << 20}, log: slog.New(WithRequestIDs(slog.NewTextHandler(&buf, nil)))}
	h := s.middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.InfoContext(r.Context(), "inside the handler")
	}))
	tests := []struct {
		name, given string
		keep        bool
	}{
		{"client id kept", "abc-123", true},
		{"no id given", "", false},
		{"unsafe id replaced", "a b<script>", false},
	}
	for _, tt := range tests {
		buf.Reset()
		req := httptest.NewRequest("GET", "/x", nil)
		if tt.given != "" {
			req.Header.Set("X-Request-Id", tt.given)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		id := rec.Header().Get("X-Request-Id")
		if id == "" || (tt.keep && id != tt.given) || (!tt.keep && id == tt.given) {
			t.Errorf("%s: response id %q", tt.name, id)
		}
		var inside string
		for _, line := range strings.Split(buf.String(), "\n") {
			if strings.Contains(line, "inside the handler") {
				inside = line
			}
		}
		if !strings.Contains(inside, "request_id="+id) {
			t.Errorf("%s: handler's log line lacks request_id=%s: %q", tt.name, id, inside)
		}
	}
}
