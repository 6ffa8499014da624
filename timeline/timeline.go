// Package timeline reads timelines: the home timeline behind the
// starling.HomeTimeline interface, the public timeline, a hashtag's and an
// account's statuses, all filtered by policy. Engine (engine.go,
// deliver.go) keeps home timelines materialised at any audience size:
// fan-out on write through the store's outbox for ordinary authors, merge
// on read for authors with more followers than a threshold; NewStoreHome,
// one query per read, is the reference it is tested against.
package timeline

import (
	"context"
	"strings"
	"unicode/utf8"

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

// Listing is a page of a timeline of several people's statuses, ready to
// show: the statuses whose authors anyone may see, with those authors, so
// that callers need not read them again.
type Listing struct {
	// Statuses are the statuses shown, newest first.
	Statuses []*starling.Status
	// Authors holds the author of each of Statuses, by id.
	Authors map[int64]*starling.Account
	// Read is how many statuses the page read, hidden ones included, and
	// NewestID and OldestID the first and last of them: the page's bounds
	// for paging. The next page starts below the last status read, shown
	// or not, so that a page of hidden statuses does not end the list.
	Read               int
	NewestID, OldestID int64
}

// Tag is the public statuses with the hashtag q.Tag (named as TagName
// accepts it), newest first. Statuses of authors awaiting approval are
// left out here, for the API and the web pages alike: such an author does
// not exist yet for anyone but themselves. The authors are read in one
// query, and handed back so that callers need not read them again.
//
// A name that is not a valid hashtag is ENOTFOUND rather than an empty
// list: no post can carry it, so there is no such timeline, and a web page
// for it is a 404 (the API answers [] instead, as Mastodon does for any
// tag it does not know).
func (s *Service) Tag(ctx context.Context, q starling.TagTimelineQuery, p starling.Page) (*Listing, error) {
	name, err := TagName(q.Tag)
	if err != nil {
		return nil, err
	}
	q.Tag = name
	list, err := s.store.TagTimeline(ctx, q, p)
	if err != nil {
		return nil, err
	}
	l := &Listing{Authors: map[int64]*starling.Account{}, Read: len(list)}
	if len(list) == 0 {
		return l, nil
	}
	l.NewestID, l.OldestID = list[0].ID, list[len(list)-1].ID
	ids := make([]int64, 0, len(list))
	for _, st := range list {
		ids = append(ids, st.AccountID)
	}
	authors, err := s.store.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, a := range authors {
		if a.Visible() {
			l.Authors[a.ID] = a
		}
	}
	for _, st := range list {
		if _, ok := l.Authors[st.AccountID]; ok {
			l.Statuses = append(l.Statuses, st)
		}
	}
	return l, nil
}

// MaxTagLength is the longest hashtag name, in characters after
// normalisation: a post is at most text.MaxWeightedLength units long, every
// character weighs at least one, and the '#' takes one, so no post can
// carry a longer hashtag. Refusing longer names keeps a request from
// having a megabyte-long name echoed back to it in the Tag entity or on a
// page, while every tag that a post can carry still has its timeline.
const MaxTagLength = text.MaxWeightedLength - 1

// TagName returns name, a hashtag with or without its leading '#' (or the
// fullwidth '＃', which twitter-text accepts as the sign too, as Mastodon
// does), in the form hashtags are stored in: Unicode NFC, as post text is
// normalised before its hashtags are extracted, in the case given (stores
// compare names regardless of case). It is ENOTFOUND when the rest is not
// a valid hashtag or is longer than MaxTagLength.
//
// Unlike Mastodon, TagName does not fold compatibility forms (NFKC):
// hashtags are stored as written, so "ｂｉｒｄｓ" and "birds" are two tags,
// and folding only here would find neither the posts tagged "ｂｉｒｄｓ"
// nor anything new.
func TagName(name string) (string, error) {
	if rest, ok := strings.CutPrefix(name, "#"); ok {
		name = rest
	} else if rest, ok := strings.CutPrefix(name, "\uFF03"); ok {
		name = rest
	}
	name = text.Normalize(name)
	if utf8.RuneCountInString(name) > MaxTagLength || !text.IsValidHashtag("#"+name) {
		return "", starling.Errorf(starling.ENOTFOUND, "Record not found")
	}
	return name, nil
}

// Account is one account's statuses that the viewer of q may see, newest
// first; ENOTFOUND when the account does not exist or awaits approval.
// q.Tagged, when set, is read as TagName reads a hashtag; a name that is
// not a hashtag matches no status, so nothing is read for it.
func (s *Service) Account(ctx context.Context, q starling.AccountStatusesQuery, p starling.Page) ([]*starling.Status, error) {
	a, err := s.store.AccountByID(ctx, q.AccountID)
	if err != nil {
		return nil, err
	}
	if !a.Visible() {
		return nil, starling.Errorf(starling.ENOTFOUND, "Record not found")
	}
	if q.Tagged != "" {
		if q.Tagged, err = TagName(q.Tagged); err != nil {
			return nil, nil
		}
	}
	return s.store.AccountStatuses(ctx, q, p)
}
