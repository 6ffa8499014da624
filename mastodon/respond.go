package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

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
// client insists on. Statuses and accounts, the bulk of the traffic, take
// the hand-written encoding in encode.go, which writes the same bytes.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if buf, ok := encodeEntity(v); ok {
		_, _ = w.Write(*buf)
		releaseJSONBuf(buf)
		return
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// ok writes v with 200.
func ok(w http.ResponseWriter, v any) error {
	writeJSON(w, http.StatusOK, v)
	return nil
}
