package mastodon

import (
	"context"
	"net/http"
	"strings"

	"github.com/starling-social/starling"
)

// defaultAccountPageLimit is how many accounts a list of accounts holds
// when the client names no limit (Mastodon's default, twice a status page).
const defaultAccountPageLimit = 40

func (s *Server) followRoutes() {
	s.handle("POST /api/v1/accounts/{id}/follow", userOnly, "write:follows", s.follow)
	s.handle("POST /api/v1/accounts/{id}/unfollow", userOnly, "write:follows", s.unfollow)
	s.handle("GET /api/v1/accounts/relationships", userOnly, "read:follows", s.relationships)
	s.handle("GET /api/v1/accounts/{id}/followers", anyone, "read:accounts", s.followers)
	s.handle("GET /api/v1/accounts/{id}/following", anyone, "read:accounts", s.following)
	s.handle("GET /api/v1/follow_requests", userOnly, "read:follows", s.followRequests)
	s.handle("POST /api/v1/follow_requests/{id}/authorize", userOnly, "write:follows", s.authorizeFollowRequest)
	s.handle("POST /api/v1/follow_requests/{id}/reject", userOnly, "write:follows", s.rejectFollowRequest)
}

func (s *Server) follow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rel, err := s.svc.Follows.Follow(r.Context(), viewerOf(r), id)
	if err != nil {
		return err
	}
	return ok(w, relationshipEntity(rel))
}

func (s *Server) unfollow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rel, err := s.svc.Follows.Unfollow(r.Context(), viewerID(r), id)
	if err != nil {
		return err
	}
	return ok(w, relationshipEntity(rel))
}

// relationships answers in the order of the ids asked about; both id[]=…
// and a single id=… are accepted.
func (s *Server) relationships(w http.ResponseWriter, r *http.Request) error {
	p, err := s.params(w, r)
	if err != nil {
		return err
	}
	ids, err := p.IDs("id")
	if err != nil {
		return err
	}
	rels, err := s.svc.Follows.Relationships(r.Context(), viewerID(r), ids)
	if err != nil {
		return err
	}
	out := make([]Relationship, 0, len(rels))
	for _, rel := range rels {
		out = append(out, relationshipEntity(rel))
	}
	return ok(w, out)
}

func (s *Server) followers(w http.ResponseWriter, r *http.Request) error {
	return s.accountList(w, r, s.svc.Follows.Followers)
}

func (s *Server) following(w http.ResponseWriter, r *http.Request) error {
	return s.accountList(w, r, s.svc.Follows.Following)
}

// accountList serves a page of the accounts that list returns for the
// {id} in the path.
func (s *Server) accountList(w http.ResponseWriter, r *http.Request,
	list func(ctx context.Context, accountID int64, p starling.Page) ([]starling.Edge, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	page, err := s.accountPage(w, r)
	if err != nil {
		return err
	}
	edges, err := list(r.Context(), id, page)
	if err != nil {
		return err
	}
	s.setEdgeLink(w, r, edges)
	return ok(w, s.edgeAccounts(edges))
}

func (s *Server) followRequests(w http.ResponseWriter, r *http.Request) error {
	page, err := s.accountPage(w, r)
	if err != nil {
		return err
	}
	edges, err := s.svc.Follows.FollowRequests(r.Context(), viewerID(r), page)
	if err != nil {
		return err
	}
	s.setEdgeLink(w, r, edges)
	return ok(w, s.edgeAccounts(edges))
}

// accountPage reads the paging parameters of a list of accounts, whose
// default and maximum limits are larger than those of statuses.
func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) (starling.Page, error) {
	p, err := s.params(w, r)
	if err != nil {
		return starling.Page{}, err
	}
	page, err := parsePage(p, starling.MaxAccountPageLimit)
	if err != nil {
		return page, err
	}
	if strings.TrimSpace(p.String("limit")) == "" {
		page.Limit = defaultAccountPageLimit
	}
	return page, nil
}

func (s *Server) authorizeFollowRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rel, err := s.svc.Follows.Authorize(r.Context(), viewerID(r), id)
	if err != nil {
		return err
	}
	return ok(w, relationshipEntity(rel))
}

func (s *Server) rejectFollowRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rel, err := s.svc.Follows.Reject(r.Context(), viewerID(r), id)
	if err != nil {
		return err
	}
	return ok(w, relationshipEntity(rel))
}
