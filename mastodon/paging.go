package mastodon

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

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
// rel="prev" to newer ones (min_id). Other query parameters are kept. An
// empty page gets no header.
func (s *Server) setLink(w http.ResponseWriter, r *http.Request, newest, oldest int64, n int) {
	if n == 0 {
		return
	}
	q := r.URL.Query()
	// access_token is dropped so that a token sent in the query string
	// does not spread into headers that proxies and clients log.
	for _, k := range []string{"max_id", "since_id", "min_id", "access_token"} {
		q.Del(k)
	}
	link := func(key string, v int64) string {
		qq := url.Values{}
		for k, vs := range q {
			qq[k] = vs
		}
		qq.Set(key, strconv.FormatInt(v, 10))
		return "<" + s.absURL(r.URL.EscapedPath()) + "?" + qq.Encode() + ">"
	}
	parts := []string{link("max_id", oldest) + `; rel="next"`, link("min_id", newest) + `; rel="prev"`}
	w.Header().Set("Link", strings.Join(parts, ", "))
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
