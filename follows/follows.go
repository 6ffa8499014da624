// Package follows is the use-case layer for relationships: following,
// unfollowing, follow requests to locked accounts, and the lists and
// relationship flags built from them.
package follows

import (
	"context"

	"github.com/starling-social/starling"
)

// Service implements relationship use cases on top of a starling.Store.
type Service struct {
	store  starling.Store
	events starling.TimelineEvents
}

// New returns a Service backed by store that tells events, when not nil,
// whenever someone's follows change.
func New(store starling.Store, events starling.TimelineEvents) *Service {
	return &Service{store: store, events: events}
}

// changed tells the timeline engine that followerID's follows changed.
func (s *Service) changed(ctx context.Context, followerID int64) {
	if s.events != nil {
		s.events.FollowsChanged(ctx, followerID)
	}
}

// Follow makes viewer follow the account targetID, or asks to when that
// account is locked, and returns the relationship that results. Following
// an account already followed changes nothing. Following oneself is
// EFORBIDDEN; a missing (or not yet approved) account is ENOTFOUND.
func (s *Service) Follow(ctx context.Context, viewer *starling.Account, targetID int64) (starling.Relationship, error) {
	if targetID == viewer.ID {
		return starling.Relationship{}, starling.Errorf(starling.EFORBIDDEN, "You cannot follow yourself")
	}
	target, err := s.account(ctx, targetID)
	if err != nil {
		return starling.Relationship{}, err
	}
	rel, err := s.relationship(ctx, viewer.ID, targetID)
	if err != nil || rel.Following {
		return rel, err
	}
	if target.Locked {
		err = s.store.CreateFollowRequest(ctx, viewer.ID, targetID)
	} else {
		err = s.store.Follow(ctx, viewer.ID, targetID)
	}
	if err != nil {
		return starling.Relationship{}, err
	}
	if !target.Locked {
		s.changed(ctx, viewer.ID)
	}
	return s.relationship(ctx, viewer.ID, targetID)
}

// Unfollow stops viewerID following targetID and withdraws any pending
// request; doing so when not following is not an error.
func (s *Service) Unfollow(ctx context.Context, viewerID, targetID int64) (starling.Relationship, error) {
	if _, err := s.account(ctx, targetID); err != nil {
		return starling.Relationship{}, err
	}
	if err := s.store.Unfollow(ctx, viewerID, targetID); err != nil {
		return starling.Relationship{}, err
	}
	s.changed(ctx, viewerID)
	return s.relationship(ctx, viewerID, targetID)
}

// Relationships returns how viewerID relates to each of ids, in the order
// given, once per distinct id.
func (s *Service) Relationships(ctx context.Context, viewerID int64, ids []int64) ([]starling.Relationship, error) {
	seen := make(map[int64]bool, len(ids))
	distinct := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			distinct = append(distinct, id)
		}
	}
	if len(distinct) == 0 {
		return []starling.Relationship{}, nil
	}
	return s.store.Relationships(ctx, viewerID, distinct)
}

// Followers lists who follows accountID, most recent follow first;
// ENOTFOUND when the account does not exist.
func (s *Service) Followers(ctx context.Context, accountID int64, p starling.Page) ([]starling.Edge, error) {
	if _, err := s.account(ctx, accountID); err != nil {
		return nil, err
	}
	return s.store.Followers(ctx, accountID, p)
}

// Following lists whom accountID follows, most recent follow first;
// ENOTFOUND when the account does not exist.
func (s *Service) Following(ctx context.Context, accountID int64, p starling.Page) ([]starling.Edge, error) {
	if _, err := s.account(ctx, accountID); err != nil {
		return nil, err
	}
	return s.store.Following(ctx, accountID, p)
}

// FollowRequests lists who asked to follow viewerID, newest first.
func (s *Service) FollowRequests(ctx context.Context, viewerID int64, p starling.Page) ([]starling.Edge, error) {
	return s.store.FollowRequests(ctx, viewerID, p)
}

// Authorize accepts requesterID's request to follow viewerID; ENOTFOUND
// when there is no such request. It returns how viewerID now relates to
// the requester (who follows them).
func (s *Service) Authorize(ctx context.Context, viewerID, requesterID int64) (starling.Relationship, error) {
	if err := s.store.AuthorizeFollowRequest(ctx, requesterID, viewerID); err != nil {
		return starling.Relationship{}, err
	}
	s.changed(ctx, requesterID)
	return s.relationship(ctx, viewerID, requesterID)
}

// Reject declines requesterID's request to follow viewerID; ENOTFOUND
// when there is no such request.
func (s *Service) Reject(ctx context.Context, viewerID, requesterID int64) (starling.Relationship, error) {
	if err := s.store.RejectFollowRequest(ctx, requesterID, viewerID); err != nil {
		return starling.Relationship{}, err
	}
	return s.relationship(ctx, viewerID, requesterID)
}

// account returns the account id, treating one that awaits approval as
// missing: nobody may interact with it yet.
func (s *Service) account(ctx context.Context, id int64) (*starling.Account, error) {
	a, err := s.store.AccountByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.Visible() {
		return nil, starling.Errorf(starling.ENOTFOUND, "Record not found")
	}
	return a, nil
}

func (s *Service) relationship(ctx context.Context, viewerID, id int64) (starling.Relationship, error) {
	rels, err := s.store.Relationships(ctx, viewerID, []int64{id})
	if err != nil {
		return starling.Relationship{}, err
	}
	if len(rels) != 1 {
		return starling.Relationship{}, starling.Internal(nil, "store returned no relationship")
	}
	return rels[0], nil
}
