package mastodon

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/starling-social/starling"
)

func TestParsePage(t *testing.T) {
	tests := []struct {
		query string
		want  starling.Page
		code  string
	}{
		{"", starling.Page{Limit: 20}, ""},
		{"limit=1", starling.Page{Limit: 1}, ""},
		{"limit=0", starling.Page{Limit: 1}, ""},
		{"limit=-5", starling.Page{Limit: 1}, ""},
		{"limit=40", starling.Page{Limit: 40}, ""},
		{"limit=1000", starling.Page{Limit: 40}, ""},
		{"limit=ten", starling.Page{}, starling.EBADREQUEST},
		{"max_id=10&since_id=3&min_id=4", starling.Page{Limit: 20, MaxID: 10, SinceID: 3, MinID: 4}, ""},
		{"max_id=", starling.Page{Limit: 20}, ""},
		{"max_id=abc", starling.Page{}, starling.EBADREQUEST},
		{"min_id=-1", starling.Page{}, starling.EBADREQUEST},
	}
	for _, tt := range tests {
		p, err := parseParams(httptest.NewRecorder(), newRequest(t, "GET", "/x?"+tt.query, "", ""), 1024)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parsePage(p, starling.MaxPageLimit)
		if code := starling.ErrorCode(err); code != tt.code {
			t.Errorf("%q: code %q, want %q", tt.query, code, tt.code)
			continue
		}
		if tt.code == "" && got != tt.want {
			t.Errorf("%q: %+v, want %+v", tt.query, got, tt.want)
		}
	}
}

func TestSetLink(t *testing.T) {
	base, _ := url.Parse("https://starling.test")
	s := &Server{cfg: Config{PublicURL: base}, publicBase: starling.AbsURL(base, ""), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	tests := []struct {
		name   string
		target string
		n      int
		want   string
	}{
		{"empty page has no header", "/api/v1/timelines/home", 0, ""},
		{"non-ASCII path stays escaped", "/api/v1/timelines/tag/caf%C3%A9", 1,
			`<https://starling.test/api/v1/timelines/tag/caf%C3%A9?max_id=10>; rel="next", ` +
				`<https://starling.test/api/v1/timelines/tag/caf%C3%A9?min_id=20>; rel="prev"`},
		{"keeps other parameters, drops old cursors", "/api/v1/timelines/home?limit=2&max_id=99&local=true", 2,
			`<https://starling.test/api/v1/timelines/home?limit=2&local=true&max_id=10>; rel="next", ` +
				`<https://starling.test/api/v1/timelines/home?limit=2&local=true&min_id=20>; rel="prev"`},
	}
	// Keys before, between and after the cursors, repeated ones, ones that
	// need escaping, and the token that must not spread: as
	// url.Values.Encode writes them.
	odd := "/api/v1/timelines/home?z=1&a=2&a=1&m%26x=%C3%A9+%2F&maxi=3&min=4&access_token=secret&since_id=5"
	want := func(cursor, v string) string {
		q := url.Values{"z": {"1"}, "a": {"2", "1"}, "m&x": {"é /"}, "maxi": {"3"}, "min": {"4"}, cursor: {v}}
		return "<https://starling.test/api/v1/timelines/home?" + q.Encode() + ">"
	}
	tests = append(tests, struct {
		name   string
		target string
		n      int
		want   string
	}{"orders and escapes as url.Values", odd, 3, want("max_id", "10") + `; rel="next", ` + want("min_id", "20") + `; rel="prev"`})
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		s.setLink(rec, httptest.NewRequest("GET", tt.target, nil), 20, 10, tt.n)
		if got := rec.Header().Get("Link"); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestWriteErrorMapsCodes(t *testing.T) {
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	var v starling.ValidationError
	v.Add("username", starling.ErrTaken, "is already taken")
	tests := []struct {
		err       error
		status    int
		body      string
		cancelled bool // the client went away before the answer
	}{
		{starling.Errorf(starling.ENOTFOUND, "Record not found"), 404, `{"error":"Record not found"}`, false},
		{starling.Errorf(starling.EBADREQUEST, "bad"), 400, `{"error":"bad"}`, false},
		{starling.Errorf(starling.ETOOLARGE, "big"), 413, `{"error":"big"}`, false},
		{starling.Errorf(starling.ERATELIMITED, "slow down"), 429, `{"error":"slow down"}`, false},
		{io.ErrUnexpectedEOF, 500, `{"error":"Internal server error"}`, false},
		{starling.Internal(io.EOF, "secret detail"), 500, `{"error":"Internal server error"}`, false},
		{v.Err(), 422, `{"details":{"username":[{"error":"ERR_TAKEN","description":"is already taken"}]},"error":"Validation failed: username is already taken"}`, false},
		{&OAuthError{Status: 400, Code: "invalid_grant", Description: "expired"}, 400, `{"error":"invalid_grant","error_description":"expired"}`, false},
		{starling.Internal(context.Canceled, "accounts by ids"), 499, `{"error":"Client closed the request"}`, true},
		// A client error stays what it is whoever hung up.
		{starling.Errorf(starling.ENOTFOUND, "Record not found"), 404, `{"error":"Record not found"}`, true},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/", nil)
		if tt.cancelled {
			ctx, cancel := context.WithCancel(req.Context())
			cancel()
			req = req.WithContext(ctx)
		}
		s.writeError(rec, req, tt.err)
		if rec.Code != tt.status {
			t.Errorf("%v: status %d, want %d", tt.err, rec.Code, tt.status)
		}
		if got := rec.Body.String(); got != tt.body+"\n" {
			t.Errorf("%v: body %s, want %s", tt.err, got, tt.body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("content type %q", ct)
		}
	}
}
