package mastodon

import (
	"fmt"
	"net/http"
	"time"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/text"
)

// ceilingPageSize is the number of statuses on the ceiling page: the
// default page of the home timeline that the load tool compares it with.
const ceilingPageSize = 20

// ceilingRoutes serves the load tool's ceiling page (see Config.Ceiling):
// GET /api/v1/starling/ceiling answers a fixed page of statuses with no
// database read and no timeline work, through the same registration as
// the home timeline. Authentication (a token lookup), the rate limiter,
// the middleware and the JSON encoding of 20 Status entities all still
// run, so the throughput measured on it is the most any timeline read can
// reach on the machine: the HTTP stack's ceiling.
func (s *Server) ceilingRoutes() {
	page := s.ceilingPage(time.Now())
	s.handle("GET /api/v1/starling/ceiling", userOnly, "read:statuses", func(w http.ResponseWriter, r *http.Request) error {
		// The page is rendered from entities on every request, as other
		// answers are, rather than cached as bytes: encoding is part of
		// the cost being measured.
		return ok(w, page)
	})
}

// ceilingPage builds the fixed page once: a made-up author and 20
// statuses of about 140 characters with a mention and a link each,
// rendered by the same code as real statuses, for a signed-in viewer
// (which adds the per-viewer fields a home timeline carries).
func (s *Server) ceilingPage(now time.Time) []Status {
	// Ids in the Snowflake range, far from any real one; nothing ever
	// looks them up.
	const baseID = int64(1) << 60
	author := &starling.Account{
		ID:             baseID,
		Username:       "ceiling",
		DisplayName:    "Ceiling Benchmark",
		Note:           "A fixed account the load tool reads.",
		NoteHTML:       "<p>A fixed account the load tool reads.</p>",
		Discoverable:   true,
		Approved:       true,
		CreatedAt:      now.Add(-365 * 24 * time.Hour),
		LastStatusAt:   now,
		StatusesCount:  ceilingPageSize,
		FollowersCount: 150,
		FollowingCount: 120,
	}
	friend := starling.Mention{AccountID: baseID + 1, Username: "friend"}
	viewer := &starling.Account{ID: baseID + 2, Username: "reader"}
	links := text.Links{
		Mention: func(username string) (string, bool) { return s.profileURL(username), true },
		Hashtag: s.tagURL,
	}
	page := make([]Status, 0, ceilingPageSize)
	for i := range ceilingPageSize {
		raw := fmt.Sprintf("@%s did you see this? The new release notes are up and the timeline "+
			"numbers look good to me, details in the post https://example.com/posts/%d",
			friend.Username, 1000+i)
		st := &starling.Status{
			ID:         baseID + 100 + int64(ceilingPageSize-i), // newest first
			AccountID:  author.ID,
			Text:       raw,
			Content:    text.Render(raw, links),
			Visibility: starling.VisibilityPublic,
			Language:   "en",
			Mentions:   []starling.Mention{friend},
			Tags:       []string{},
			CreatedAt:  now.Add(-time.Duration(i) * time.Minute),
		}
		e := s.statusEntity(st, author, viewer)
		page = append(page, e)
	}
	return page
}
