package mastodon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/starling-social/starling"
)

// handlerFunc is an API handler: it writes a response or returns an error
// for writeError to turn into one.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// wrap adapts a handlerFunc to http.Handler.
func (s *Server) wrap(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// statusOf maps domain error codes to HTTP statuses: the one place that does.
var statusOf = map[string]int{
	starling.EBADREQUEST:   http.StatusBadRequest,
	starling.EUNAUTHORIZED: http.StatusUnauthorized,
	starling.EFORBIDDEN:    http.StatusForbidden,
	starling.ENOTFOUND:     http.StatusNotFound,
	starling.ECONFLICT:     http.StatusConflict,
	starling.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	starling.EINVALID:      http.StatusUnprocessableEntity,
	starling.ERATELIMITED:  http.StatusTooManyRequests,
	starling.EINTERNAL:     http.StatusInternalServerError,
	starling.EUNAVAILABLE:  http.StatusServiceUnavailable,
}

// OAuthError is an error in the shape RFC 6749 prescribes for the token
// endpoint: {"error": "invalid_grant", "error_description": "…"}.
type OAuthError struct {
	Status      int
	Code        string // invalid_request, invalid_client, invalid_grant, invalid_scope, unsupported_grant_type, …
	Description string
}

func (e *OAuthError) Error() string { return e.Code + ": " + e.Description }

// methodNotAllowed is the answer to a method a path does not take; allow
// lists the methods it does, for the Allow header.
type methodNotAllowed struct{ allow string }

func (e *methodNotAllowed) Error() string { return "method not allowed; allowed: " + e.allow }

// writeError writes err as Mastodon's JSON error. Internal errors are
// logged with their cause; the caller only sees a generic message.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var oe *OAuthError
	if errors.As(err, &oe) {
		writeJSON(w, oe.Status, map[string]string{"error": oe.Code, "error_description": oe.Description})
		return
	}
	var me *methodNotAllowed
	if errors.As(err, &me) {
		w.Header().Set("Allow", me.allow)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "Method not allowed"})
		return
	}
	code := starling.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status >= 500 && errors.Is(context.Cause(r.Context()), context.Canceled) {
		// The client went away and the work was cut short: nothing failed
		// on the server's side, and nobody reads the answer. nginx's 499
		// keeps it apart from real failures in the access log and metrics.
		s.log.DebugContext(r.Context(), "request cancelled by the client", slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Any("err", err))
		writeJSON(w, statusClientClosedRequest, map[string]string{"error": "Client closed the request"})
		return
	}
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	body := map[string]any{"error": starling.ErrorMessage(err)}
	var de *starling.Error
	if errors.As(err, &de) && len(de.Details) > 0 {
		body["details"] = de.Details
	}
	writeJSON(w, status, body)
}

// statusClientClosedRequest is nginx's status for a request whose client
// disconnected before the answer.
const statusClientClosedRequest = 499

// writeJSON writes v as the JSON body with the content type every Mastodon
// client insists on. The body is built whole in a pooled buffer and sent
// with its Content-Length in one write: net/http would otherwise send a
// large answer chunked, in pieces of its 4 KB buffer. Statuses and
// accounts, the bulk of the traffic, are rendered by render.go and
// encode.go, whose bytes are those encoding/json writes; everything else
// is encoded by encoding/json. It fails, having written nothing, only when
// encoding/json cannot encode v.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	buf := jsonBufs.Get().(*[]byte)
	defer releaseJSONBuf(buf)
	b, err := appendJSON((*buf)[:0], v)
	*buf = b
	if err != nil {
		return starling.Internal(err, "encoding the answer")
	}
	h := w.Header()
	h["Content-Type"] = headerJSON
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return nil
}

// jsonAppender is an answer that appends its own JSON: the statuses and
// accounts of render.go, assembled from kept bytes.
type jsonAppender interface {
	appendJSON(dst []byte) []byte
}

// appendJSON appends v's JSON and the newline that json.Encoder ends with.
func appendJSON(dst []byte, v any) ([]byte, error) {
	if a, ok := v.(jsonAppender); ok {
		return append(a.appendJSON(dst), '\n'), nil
	}
	if b, ok := appendEntity(dst, v); ok {
		return b, nil
	}
	out := bytes.NewBuffer(dst)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return dst, err
	}
	return out.Bytes(), nil
}

// ok writes v with 200.
func ok(w http.ResponseWriter, v any) error {
	return writeJSON(w, http.StatusOK, v)
}
