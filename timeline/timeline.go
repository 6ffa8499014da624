// Package timeline reads timelines: the home timeline behind the
// starling.HomeTimeline interface (so its engine can be swapped), the
// public timeline and an account's statuses, all filtered by policy.
package timeline

import (
	"context"

	"github.com/starling-social/starling"
)

// Service reads timelines.
type Service struct {
	store starling.Store
	home  starling.HomeTimeline
}

// New returns a Service that reads home timelines from home and every
// other timeline from store.
func New(store starling.Store, home starling.HomeTimeline) *Service {
	return &Service{store: store, home: home}
}

// NewStoreHome returns the simplest home-timeline engine: a query on the
// store for every request, which applies policy.InHome in SQL.
func NewStoreHome(store starling.Store) starling.HomeTimeline { return storeHome{store} }

type storeHome struct{ store starling.Store }

func (h storeHome) Home(ctx context.Context, viewerID int64, p starling.Page) ([]*starling.Status, error) {
	return h.store.HomeTimeline(ctx, viewerID, p)
}

// Home is viewerID's home timeline, newest first.
func (s *Service) Home(ctx context.Context, viewerID int64, p starling.Page) ([]*starling.Status, error) {
	return s.home.Home(ctx, viewerID, p)
}

// Public is the public timeline, newest first.
func (s *Service) Public(ctx context.Context, q starling.PublicTimelineQuery, p starling.Page) ([]*starling.Status, error) {
	return s.store.PublicTimeline(ctx, q, p)
}

// Account is one account's statuses that the viewer of q may see, newest
// first; ENOTFOUND when the account does not exist or awaits approval.
func (s *Service) Account(ctx context.Context, q starling.AccountStatusesQuery, p starling.Page) ([]*starling.Status, error) {
	a, err := s.store.AccountByID(ctx, q.AccountID)
	if err != nil {
		return nil, err
	}
	if !a.Visible() {
		return nil, starling.Errorf(starling.ENOTFOUND, "Record not found")
	}
	return s.store.AccountStatuses(ctx, q, p)
}
