package mastodon

import (
	"context"
	"net/http"
	"strings"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/snowflake"
	"github.com/starling-social/starling/statuses"
)

func (s *Server) statusRoutes() {
	s.handle("POST /api/v1/statuses", userOnly, "write:statuses", s.postStatus)
	s.handle("GET /api/v1/statuses", anyone, "read:statuses", s.getStatuses)
	s.handle("GET /api/v1/statuses/{id}", anyone, "read:statuses", s.getStatus)
	s.handle("DELETE /api/v1/statuses/{id}", userOnly, "write:statuses", s.deleteStatus)
	s.handle("GET /api/v1/statuses/{id}/context", anyone, "read:statuses", s.statusContext)
	s.handle("GET /api/v1/statuses/{id}/source", userOnly, "read:statuses", s.statusSource)
	// Pins change the profile, hence Mastodon's write:accounts.
	s.handle("POST /api/v1/statuses/{id}/pin", userOnly, "write:accounts", s.pinStatus)
	s.handle("POST /api/v1/statuses/{id}/unpin", userOnly, "write:accounts", s.unpinStatus)
}

// postStatus publishes a status. Features Starling does not have yet
// (media, polls, scheduling) are refused with 422 rather than ignored, so
// that nobody posts something other than what they composed.
func (s *Server) postStatus(w http.ResponseWriter, r *http.Request) error {
	p, err := s.params(w, r)
	if err != nil {
		return err
	}
	switch {
	case len(p.Strings("media_ids")) > 0:
		return starling.Errorf(starling.EINVALID, "Media attachments are not supported yet")
	case len(p.Strings("poll[options]")) > 0 || p.Has("poll[expires_in]"):
		return starling.Errorf(starling.EINVALID, "Polls are not supported yet")
	case strings.TrimSpace(p.String("scheduled_at")) != "":
		return starling.Errorf(starling.EINVALID, "Scheduled posts are not supported yet")
	}
	author := viewerOf(r)
	sensitive, err := p.BoolDefault("sensitive", author.DefaultSensitive)
	if err != nil {
		return err
	}
	replyTo, err := p.ID("in_reply_to_id")
	if err != nil {
		return err
	}
	var appID int64
	if app := grantOf(r).App; app != nil {
		appID = app.ID
	}
	st, err := s.svc.Statuses.Create(r.Context(), author, appID, statuses.CreateInput{
		Text:           p.String("status"),
		SpoilerText:    p.String("spoiler_text"),
		Sensitive:      sensitive,
		Visibility:     p.String("visibility"),
		InReplyToID:    replyTo,
		Language:       p.String("language"),
		IdempotencyKey: r.Header.Get("Idempotency-Key"),
	})
	if err != nil {
		return err
	}
	return s.answerStatus(w, r, st)
}

func (s *Server) getStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := s.svc.Statuses.Get(r.Context(), viewerID(r), id)
	if err != nil {
		return err
	}
	return s.answerStatus(w, r, st)
}

// maxStatusIDs bounds how many statuses one request may ask for.
const maxStatusIDs = starling.MaxPageLimit

// getStatuses answers GET /api/v1/statuses?id[]=…: the statuses the caller
// may see, in the order asked, leaving out missing and hidden ones.
func (s *Server) getStatuses(w http.ResponseWriter, r *http.Request) error {
	p, err := s.params(w, r)
	if err != nil {
		return err
	}
	ids, err := p.IDs("id")
	if err != nil {
		return err
	}
	if len(ids) > maxStatusIDs {
		return starling.Errorf(starling.EBADREQUEST, "At most %d ids may be asked for at once", maxStatusIDs)
	}
	list, err := s.svc.Statuses.List(r.Context(), viewerID(r), ids)
	if err != nil {
		return err
	}
	page, err := s.renderStatuses(r.Context(), list, viewerOf(r))
	if err != nil {
		return err
	}
	return ok(w, page)
}

// deleteStatus answers with the deleted status and its source text, which
// clients use to "delete and redraft".
func (s *Server) deleteStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := s.svc.Statuses.Delete(r.Context(), viewerID(r), id)
	if err != nil {
		return err
	}
	author, err := s.authorOf(r.Context(), st)
	if err != nil {
		return err
	}
	e := s.statusEntity(st, author, viewerOf(r))
	e.Text = &st.Text
	return ok(w, e)
}

// statusContext answers Mastodon's Context entity: the ancestors and the
// descendants of a status.
func (s *Server) statusContext(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ancestors, descendants, err := s.svc.Statuses.Context(r.Context(), viewerID(r), id)
	if err != nil {
		return err
	}
	// One author lookup for the whole thread; statuses whose author is
	// gone are left out.
	authors, err := s.authorsOf(r.Context(), append(ancestors[:len(ancestors):len(ancestors)], descendants...))
	if err != nil {
		return err
	}
	viewer := viewerOf(r)
	c := &contextAnswer{
		ancestors:   statusList{s: s, list: ancestors, authors: authors, viewer: viewer},
		descendants: statusList{s: s, list: descendants, authors: authors, viewer: viewer},
	}
	// The two lists share their authors' renderings too.
	c.descendants.rendered = c.ancestors.renderedAuthors()
	return ok(w, c)
}

// contextAnswer is Mastodon's Context entity.
type contextAnswer struct {
	ancestors, descendants statusList
}

func (c *contextAnswer) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"ancestors":`...)
	dst = c.ancestors.appendJSON(dst)
	dst = append(dst, `,"descendants":`...)
	dst = c.descendants.appendJSON(dst)
	return append(dst, '}')
}

// StatusSource is Mastodon's StatusSource entity: what an edit starts from.
type StatusSource struct {
	ID          string `json:"id"`
	Text        string `json:"text"`
	SpoilerText string `json:"spoiler_text"`
}

// statusSource gives the author the text as typed. Others get 404 or 403
// as for deleting: the source exists to edit, which only the author may.
func (s *Server) statusSource(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := s.svc.Statuses.Own(r.Context(), viewerID(r), id)
	if err != nil {
		return err
	}
	return ok(w, StatusSource{ID: snowflake.Format(st.ID), Text: st.Text, SpoilerText: st.SpoilerText})
}

// pinStatus pins one of the caller's statuses to their profile and
// answers it, pinned.
func (s *Server) pinStatus(w http.ResponseWriter, r *http.Request) error {
	return s.pinAction(w, r, s.svc.Statuses.Pin)
}

// unpinStatus unpins a status and answers it.
func (s *Server) unpinStatus(w http.ResponseWriter, r *http.Request) error {
	return s.pinAction(w, r, s.svc.Statuses.Unpin)
}

// pinAction runs pin or unpin on the status of the path and answers it.
func (s *Server) pinAction(w http.ResponseWriter, r *http.Request,
	do func(ctx context.Context, viewerID, id int64) (*starling.Status, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := do(r.Context(), viewerID(r), id)
	if err != nil {
		return err
	}
	return s.answerStatus(w, r, st)
}

// answerStatus answers one status for the request's viewer, with its
// author as the store has it now (counts included).
func (s *Server) answerStatus(w http.ResponseWriter, r *http.Request, st *starling.Status) error {
	author, err := s.authorOf(r.Context(), st)
	if err != nil {
		return err
	}
	return ok(w, &statusAnswer{s: s, st: st, author: author, viewer: viewerOf(r)})
}

// authorOf reads st's author; a status whose author is gone is not found.
func (s *Server) authorOf(ctx context.Context, st *starling.Status) (*starling.Account, error) {
	authors, err := s.authorsOf(ctx, []*starling.Status{st})
	if err != nil {
		return nil, err
	}
	i := authors.index(st.AccountID)
	if i < 0 {
		return nil, starling.Errorf(starling.ENOTFOUND, "Record not found")
	}
	return authors[i], nil
}

// statusAnswer is one status rendered for viewer.
type statusAnswer struct {
	s              *Server
	st             *starling.Status
	author, viewer *starling.Account
}

func (a *statusAnswer) appendJSON(dst []byte) []byte {
	return a.s.appendStatusJSON(dst, a.st, a.author, a.viewer)
}
