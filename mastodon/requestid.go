package mastodon

import (
	"context"
	"log/slog"

	"github.com/starling-social/starling/oauth"
)

// requestState is what the API learns about a request as it serves it:
// its id (set by the middleware) and the grant of its token (set by
// handle once authenticated). It goes into the request's context once, so
// that learning the grant later costs no second copy of the request.
type requestState struct {
	id    string
	grant *oauth.Grant
}

type requestStateKey struct{}

// withRequestID returns ctx carrying a new request state with the id.
func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestStateKey{}, &requestState{id: id})
}

// stateOf returns the request state of ctx, or nil.
func stateOf(ctx context.Context) *requestState {
	st, _ := ctx.Value(requestStateKey{}).(*requestState)
	return st
}

// RequestID returns the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	if st := stateOf(ctx); st != nil {
		return st.id
	}
	return ""
}

// WithRequestIDs wraps a log handler so that every record logged with a
// request's context (ErrorContext(r.Context(), …) in any handler, the web
// pages included) names the request it belongs to, and a log line can be
// matched to the X-Request-Id a user reports. Wrapping twice adds nothing.
func WithRequestIDs(h slog.Handler) slog.Handler {
	if _, done := h.(requestIDHandler); done {
		return h
	}
	return requestIDHandler{h}
}

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, rec slog.Record) error {
	if id := RequestID(ctx); id != "" {
		rec = rec.Clone()
		rec.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, rec)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
