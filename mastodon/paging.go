package mastodon

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/starling-social/starling"
)

// parsePage reads limit, max_id, since_id and min_id. A limit out of range
// is clamped (as Mastodon does); a malformed one is 400.
func parsePage(p *Params, maxLimit int) (starling.Page, error) {
	var pg starling.Page
	var err error
	if pg.Limit, err = p.Int("limit", starling.DefaultPageLimit); err != nil {
		return pg, err
	}
	pg.Limit = min(max(pg.Limit, 1), maxLimit)
	if pg.MaxID, err = p.ID("max_id"); err != nil {
		return pg, err
	}
	if pg.SinceID, err = p.ID("since_id"); err != nil {
		return pg, err
	}
	if pg.MinID, err = p.ID("min_id"); err != nil {
		return pg, err
	}
	return pg, nil
}

// setLink writes the Link header of a page whose items run from cursor
// newest to cursor oldest: rel="next" pages to older items (max_id),
// rel="prev" to newer ones (min_id). Other query parameters are kept, in
// the order of url.Values.Encode (by key). An empty page gets no header.
func (s *Server) setLink(w http.ResponseWriter, r *http.Request, newest, oldest int64, n int) {
	if n == 0 {
		return
	}
	q := r.URL.Query()
	// access_token is dropped so that a token sent in the query string
	// does not spread into headers that proxies and clients log.
	for _, k := range []string{"max_id", "since_id", "min_id", "access_token"} {
		delete(q, k)
	}
	keys := make([]string, 0, len(q)+1)
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	base := s.absURL(r.URL.EscapedPath())
	b := make([]byte, 0, 2*len(base)+64)
	b = appendLink(b, base, q, keys, "max_id", oldest)
	b = append(b, `; rel="next", `...)
	b = appendLink(b, base, q, keys, "min_id", newest)
	b = append(b, `; rel="prev"`...)
	w.Header()["Link"] = []string{string(b)}
}

// appendLink appends <base?query> with the values of q under keys (sorted)
// and cursor=v, encoded as url.Values.Encode encodes them.
func appendLink(b []byte, base string, q url.Values, keys []string, cursor string, v int64) []byte {
	b = append(b, '<')
	b = append(b, base...)
	sep := byte('?')
	written := false
	for _, k := range keys {
		if !written && k > cursor {
			b = append(b, sep)
			b = appendCursor(b, cursor, v)
			sep, written = '&', true
		}
		for _, val := range q[k] {
			b = append(b, sep)
			b = append(b, url.QueryEscape(k)...)
			b = append(b, '=')
			b = append(b, url.QueryEscape(val)...)
			sep = '&'
		}
	}
	if !written {
		b = append(b, sep)
		b = appendCursor(b, cursor, v)
	}
	return append(b, '>')
}

// appendCursor appends cursor=v, which need no escaping.
func appendCursor(b []byte, cursor string, v int64) []byte {
	b = append(b, cursor...)
	b = append(b, '=')
	return strconv.AppendInt(b, v, 10)
}

// setStatusLink writes the Link header for a page of statuses.
func (s *Server) setStatusLink(w http.ResponseWriter, r *http.Request, page []*starling.Status) {
	if len(page) > 0 {
		s.setLink(w, r, page[0].ID, page[len(page)-1].ID, len(page))
	}
}

// setEdgeLink writes the Link header for a page of accounts ordered by
// another key (followers, following, requests): the cursor is that key.
func (s *Server) setEdgeLink(w http.ResponseWriter, r *http.Request, page []starling.Edge) {
	if len(page) > 0 {
		s.setLink(w, r, page[0].Cursor, page[len(page)-1].Cursor, len(page))
	}
}
