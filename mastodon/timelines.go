package mastodon

import (
	"crypto/sha256"
	"encoding/binary"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/timeline"
)

// timelineRoutes serves the timelines, and the hashtag entity that
// clients fetch when they open a hashtag's timeline. The hashtag entity
// needs no scope, as in Mastodon: it tells nothing about anyone.
func (s *Server) timelineRoutes() {
	s.handle("GET /api/v1/timelines/home", userOnly, "read:statuses", s.homeTimeline)
	s.handle("GET /api/v1/timelines/public", anyone, "read:statuses", s.publicTimeline)
	s.handle("GET /api/v1/timelines/tag/{hashtag}", anyone, "read:statuses", s.tagTimeline)
	s.handle("GET /api/v1/accounts/{id}/statuses", anyone, "read:statuses", s.accountStatuses)
	s.handle("GET /api/v1/tags/{name}", anyone, "", s.getTag)
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
	var nothing bool
	if q.LocalOnly, nothing, err = publicScope(p); err != nil {
		return err
	}
	if nothing {
		return ok(w, []Status{})
	}
	list, err := s.svc.Timelines.Public(r.Context(), q, page)
	if err != nil {
		return err
	}
	return s.statusPage(w, r, list)
}

// publicScope reads the parameters the public and hashtag timelines share:
// local, and remote and only_media, which select nothing yet (there is no
// federation and there are no media), so nothing is true when either is.
func publicScope(p *Params) (local, nothing bool, err error) {
	if local, err = p.Bool("local"); err != nil {
		return false, false, err
	}
	remote, err := p.Bool("remote")
	if err != nil {
		return false, false, err
	}
	onlyMedia, err := p.Bool("only_media")
	if err != nil {
		return false, false, err
	}
	return local, remote || onlyMedia, nil
}

// tagTimeline serves a hashtag's timeline: its public statuses, replies
// included. A name that is not a hashtag is an empty list, not a 404, as
// in Mastodon, which answers [] for any tag it does not know. As on the
// public timeline, remote=true and only_media=true are truly empty. The
// any[], all[] and none[] filters (more hashtags) are refused rather than
// ignored, since the store cannot apply them.
func (s *Server) tagTimeline(w http.ResponseWriter, r *http.Request) error {
	p, err := s.params(w, r)
	if err != nil {
		return err
	}
	page, err := parsePage(p, starling.MaxPageLimit)
	if err != nil {
		return err
	}
	q := starling.TagTimelineQuery{Tag: r.PathValue("hashtag")}
	var nothing bool
	if q.LocalOnly, nothing, err = publicScope(p); err != nil {
		return err
	}
	for _, name := range []string{"any", "all", "none"} {
		if slices.ContainsFunc(p.Strings(name), func(v string) bool { return strings.TrimSpace(v) != "" }) {
			return starling.Errorf(starling.EINVALID, "Filtering by several hashtags is not supported yet")
		}
	}
	if nothing {
		return ok(w, []Status{})
	}
	l, err := s.svc.Timelines.Tag(r.Context(), q, page)
	if starling.ErrorCode(err) == starling.ENOTFOUND {
		return ok(w, []Status{})
	}
	if err != nil {
		return err
	}
	// The Link header pages from what was read, hidden statuses included,
	// so that a page of them does not end the list.
	s.setLink(w, r, l.NewestID, l.OldestID, l.Read)
	return ok(w, &statusList{s: s, list: l.Statuses, authors: authorSetOf(l.Authors), viewer: viewerOf(r)})
}

// Tag is Mastodon's Tag entity. Hashtags have no usage statistics and
// cannot be followed yet, so History is always empty and Following false.
type Tag struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	URL       string `json:"url"`
	History   []any  `json:"history"`
	Following bool   `json:"following"`
}

// tagEntity renders the hashtag name, as timeline.TagName returned it.
func (s *Server) tagEntity(name string) Tag {
	return Tag{ID: tagID(name), Name: name, URL: s.tagURL(name), History: []any{}}
}

// tagID is a hashtag's id in the Tag entity. Hashtags have no rows of
// their own to number (a status's tags are stored with it), so the id is
// derived from the name as the stores compare it, lower-cased with
// strings.ToLower: the same tag in any case has the same id, on every
// instance and after every restart. It is a decimal string, like
// Mastodon's database ids, made of the first 63 bits of the SHA-256 of
// that name, so that it is never negative when read as a signed integer.
func tagID(name string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(name)))
	return strconv.FormatUint(binary.BigEndian.Uint64(sum[:8])>>1, 10)
}

// getTag serves a hashtag, which exists as soon as its name is valid (as
// in Mastodon, which answers for tags nobody used yet); 404 otherwise.
func (s *Server) getTag(w http.ResponseWriter, r *http.Request) error {
	name, err := timeline.TagName(r.PathValue("name"))
	if err != nil {
		return err
	}
	return ok(w, s.tagEntity(name))
}

// accountStatuses serves an account's statuses. pinned=true answers the
// account's pinned statuses that the viewer may see, most recently pinned
// first: all of them, since there are at most statuses.MaxPins, with no
// Link header, whatever the paging parameters say. There are no reblogs,
// so exclude_reblogs changes nothing. tagged keeps the statuses with that
// hashtag.
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
	q := starling.AccountStatusesQuery{AccountID: id, ViewerID: viewerID(r), Tagged: strings.TrimSpace(p.String("tagged"))}
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
	if pinned {
		list, err := s.svc.Statuses.Pinned(r.Context(), q.ViewerID, id)
		if err != nil {
			return err
		}
		answer, err := s.renderStatuses(r.Context(), list, viewerOf(r))
		if err != nil {
			return err
		}
		return ok(w, answer)
	}
	list, err := s.svc.Timelines.Account(r.Context(), q, page)
	if err != nil {
		return err
	}
	return s.statusPage(w, r, list)
}

// statusPage writes a page of statuses with its Link header.
func (s *Server) statusPage(w http.ResponseWriter, r *http.Request, list []*starling.Status) error {
	page, err := s.renderStatuses(r.Context(), list, viewerOf(r))
	if err != nil {
		return err
	}
	s.setStatusLink(w, r, list)
	return ok(w, page)
}
