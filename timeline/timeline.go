// Package timeline reads timelines: the home timeline behind the
// starling.HomeTimeline interface (so its engine can be swapped), the
// public timeline, a hashtag's and an account's statuses, all filtered by
// policy.
package timeline

import (
	"context"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/text"
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

// Tag is the public statuses with the hashtag q.Tag (without '#', in any
// case), newest first. A name that is not a valid hashtag is ENOTFOUND
// rather than an empty list: no post can carry it, so there is no such
// timeline, and a web page for it is a 404 (the API answers [] instead, as
// Mastodon does for any tag it does not know). The name is normalised as
// post text is before its hashtags are stored, so that it matches them.
func (s *Service) Tag(ctx context.Context, q starling.TagTimelineQuery, p starling.Page) ([]*starling.Status, error) {
	name, err := TagName(q.Tag)
	if err != nil {
		return nil, err
	}
	q.Tag = name
	return s.store.TagTimeline(ctx, q, p)
}

// TagName returns name (a hashtag without its '#') in the form hashtags
// are stored in, or ENOTFOUND when it is not a valid hashtag.
func TagName(name string) (string, error) {
	if !text.IsValidHashtag("#" + name) {
		return "", starling.Errorf(starling.ENOTFOUND, "Record not found")
	}
	return text.Normalize(name), nil
}

// Account is one account's statuses that the viewer of q may see, newest
// first; ENOTFOUND when the account does not exist or awaits approval.
// q.Tagged is normalised as Tag's name is; a name that is not a hashtag
// simply matches no status.
func (s *Service) Account(ctx context.Context, q starling.AccountStatusesQuery, p starling.Page) ([]*starling.Status, error) {
	a, err := s.store.AccountByID(ctx, q.AccountID)
	if err != nil {
		return nil, err
	}
	if !a.Visible() {
		return nil, starling.Errorf(starling.ENOTFOUND, "Record not found")
	}
	q.Tagged = text.Normalize(q.Tagged)
	return s.store.AccountStatuses(ctx, q, p)
}
