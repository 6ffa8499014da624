package mastodon

import (
	"net/http"
	"strings"

	"github.com/starling-social/starling"
)

// The hashtag timeline is not served: the store has no query for it yet,
// so /api/v1/timelines/tag/… falls through to the API's 404.
func (s *Server) timelineRoutes() {
	s.handle("GET /api/v1/timelines/home", userOnly, "read:statuses", s.homeTimeline)
	s.handle("GET /api/v1/timelines/public", anyone, "read:statuses", s.publicTimeline)
	s.handle("GET /api/v1/accounts/{id}/statuses", anyone, "read:statuses", s.accountStatuses)
}

func (s *Server) homeTimeline(w http.ResponseWriter, r *http.Request) error {
	p, err := s.params(w, r)
	if err != nil {
		return err
	}
	page, err := parsePage(p, starling.MaxPageLimit)
	if err != nil {
		return err
	}
	list, err := s.svc.Timelines.Home(r.Context(), viewerID(r), page)
	if err != nil {
		return err
	}
	return s.statusPage(w, r, list)
}

// publicTimeline serves the public timeline. There is no federation and
// there are no media yet, so remote=true and only_media=true are truly
// empty.
func (s *Server) publicTimeline(w http.ResponseWriter, r *http.Request) error {
	p, err := s.params(w, r)
	if err != nil {
		return err
	}
	page, err := parsePage(p, starling.MaxPageLimit)
	if err != nil {
		return err
	}
	var q starling.PublicTimelineQuery
	if q.LocalOnly, err = p.Bool("local"); err != nil {
		return err
	}
	remote, err := p.Bool("remote")
	if err != nil {
		return err
	}
	onlyMedia, err := p.Bool("only_media")
	if err != nil {
		return err
	}
	if remote || onlyMedia {
		return ok(w, []Status{})
	}
	list, err := s.svc.Timelines.Public(r.Context(), q, page)
	if err != nil {
		return err
	}
	return s.statusPage(w, r, list)
}

// accountStatuses serves an account's statuses. Nothing can be pinned
// yet, so pinned=true is empty; there are no reblogs, so exclude_reblogs
// changes nothing. A filter by hashtag (tagged) is refused rather than
// ignored, since the store cannot apply it.
func (s *Server) accountStatuses(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.params(w, r)
	if err != nil {
		return err
	}
	page, err := parsePage(p, starling.MaxPageLimit)
	if err != nil {
		return err
	}
	if strings.TrimSpace(p.String("tagged")) != "" {
		return starling.Errorf(starling.EINVALID, "Filtering by hashtag is not supported yet")
	}
	q := starling.AccountStatusesQuery{AccountID: id, ViewerID: viewerID(r)}
	if q.ExcludeReplies, err = p.Bool("exclude_replies"); err != nil {
		return err
	}
	if q.OnlyMedia, err = p.Bool("only_media"); err != nil {
		return err
	}
	pinned, err := p.Bool("pinned")
	if err != nil {
		return err
	}
	list, err := s.svc.Timelines.Account(r.Context(), q, page)
	if err != nil {
		return err
	}
	if pinned {
		return ok(w, []Status{})
	}
	return s.statusPage(w, r, list)
}

// statusPage writes a page of statuses with its Link header.
func (s *Server) statusPage(w http.ResponseWriter, r *http.Request, list []*starling.Status) error {
	entities, err := s.statusEntities(r.Context(), list, viewerOf(r))
	if err != nil {
		return err
	}
	s.setStatusLink(w, r, list)
	return ok(w, entities)
}
