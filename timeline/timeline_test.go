package timeline_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/snowflake"
	"github.com/starling-social/starling/sqlite/sqlitetest"
	"github.com/starling-social/starling/timeline"
)

func TestTimelines(t *testing.T) {
	ctx := context.Background()
	db := sqlitetest.Open(t)
	ids := sqlitetest.IDs(t)
	account := func(name string, approved bool) int64 {
		return sqlitetest.CreateAccount(t, db, ids, name, func(a *starling.Account) { a.Approved = approved }).ID
	}
	post := func(author int64, v starling.Visibility, tags ...string) int64 {
		id := ids.Next()
		s := &starling.Status{ID: id, AccountID: author, Text: "x", Content: "<p>x</p>", Visibility: v, Tags: tags,
			CreatedAt: snowflake.Time(id)}
		if _, err := db.CreateStatus(ctx, s, ""); err != nil {
			t.Fatal(err)
		}
		return id
	}
	svc := timeline.New(db, timeline.NewStoreHome(db))
	page := starling.Page{Limit: 20}
	me, friend, stranger := account("me", true), account("friend", true), account("stranger", true)
	pending := account("pending", false)
	if err := db.Follow(ctx, me, friend); err != nil {
		t.Fatal(err)
	}
	mine := post(me, starling.VisibilityPublic)
	friends := post(friend, starling.VisibilityPrivate)
	strangers := post(stranger, starling.VisibilityPublic)
	unlisted := post(stranger, starling.VisibilityUnlisted)
	birder := account("birder", true)
	birds := post(birder, starling.VisibilityPublic, "Birds")
	quiet := post(birder, starling.VisibilityUnlisted, "birds")
	cafe := post(birder, starling.VisibilityPublic, "Caf\u00e9") // stored in NFC, as posted text is
	long := post(birder, starling.VisibilityPublic, strings.Repeat("\u00e9", timeline.MaxTagLength))
	tag := func(name string) func() ([]*starling.Status, error) {
		return func() ([]*starling.Status, error) {
			l, err := svc.Tag(ctx, starling.TagTimelineQuery{Tag: name}, page)
			if err != nil {
				return nil, err
			}
			return l.Statuses, nil
		}
	}
	tagged := func(name string) func() ([]*starling.Status, error) {
		return func() ([]*starling.Status, error) {
			return svc.Account(ctx, starling.AccountStatusesQuery{AccountID: birder, Tagged: name}, page)
		}
	}

	tests := []struct {
		name string
		read func() ([]*starling.Status, error)
		want []int64
		err  string
	}{
		{"home", func() ([]*starling.Status, error) { return svc.Home(ctx, me, page) }, []int64{friends, mine}, ""},
		{"home of someone following nobody, with nothing posted", func() ([]*starling.Status, error) {
			return svc.Home(ctx, pending, page)
		}, nil, ""},
		{"public", func() ([]*starling.Status, error) {
			return svc.Public(ctx, starling.PublicTimelineQuery{}, page)
		}, []int64{long, cafe, birds, strangers, mine}, ""},
		{"tag: public only, in any case", tag("BIRDS"), []int64{birds}, ""},
		{"tag in another Unicode form", tag("Cafe\u0301"), []int64{cafe}, ""},
		{"tag nobody used", tag("nothing"), nil, ""},
		{"tag with its #", tag("#birds"), []int64{birds}, ""},
		{"tag with a fullwidth #", tag("\uFF03birds"), []int64{birds}, ""},
		{"tag of the longest length, in two-byte characters", tag(strings.Repeat("\u00e9", timeline.MaxTagLength)), []int64{long}, ""},
		{"not a hashtag: one character too long", tag(strings.Repeat("a", timeline.MaxTagLength+1)), nil, starling.ENOTFOUND},
		{"not a hashtag: far too long", tag(strings.Repeat("a", 500_000)), nil, starling.ENOTFOUND},
		{"not a hashtag", tag("bird watching"), nil, starling.ENOTFOUND},
		{"not a hashtag: digits only", tag("123"), nil, starling.ENOTFOUND},
		{"not a hashtag: two #", tag("##birds"), nil, starling.ENOTFOUND},
		{"not a hashtag: only #", tag("#"), nil, starling.ENOTFOUND},
		{"not a hashtag: empty", tag(""), nil, starling.ENOTFOUND},
		{"account tagged, any case", tagged("BIRDS"), []int64{quiet, birds}, ""},
		{"account tagged, with its #", tagged("#birds"), []int64{quiet, birds}, ""},
		{"account tagged, not a hashtag", tagged("##birds"), nil, ""},
		{"account tagged, too long", tagged(strings.Repeat("a", timeline.MaxTagLength+1)), nil, ""},
		{"one account, anonymous", func() ([]*starling.Status, error) {
			return svc.Account(ctx, starling.AccountStatusesQuery{AccountID: stranger}, page)
		}, []int64{unlisted, strangers}, ""},
		{"private account statuses for a follower", func() ([]*starling.Status, error) {
			return svc.Account(ctx, starling.AccountStatusesQuery{AccountID: friend, ViewerID: me}, page)
		}, []int64{friends}, ""},
		{"private account statuses for a stranger", func() ([]*starling.Status, error) {
			return svc.Account(ctx, starling.AccountStatusesQuery{AccountID: friend, ViewerID: stranger}, page)
		}, nil, ""},
		{"missing account", func() ([]*starling.Status, error) {
			return svc.Account(ctx, starling.AccountStatusesQuery{AccountID: ids.Next()}, page)
		}, nil, starling.ENOTFOUND},
		{"account awaiting approval", func() ([]*starling.Status, error) {
			return svc.Account(ctx, starling.AccountStatusesQuery{AccountID: pending}, page)
		}, nil, starling.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := tt.read()
			if starling.ErrorCode(err) != tt.err {
				t.Fatalf("err = %v, want %q", err, tt.err)
			}
			var got []int64
			for _, s := range list {
				got = append(got, s.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestTagPaging checks that a hashtag's timeline leaves out the statuses
// of authors awaiting approval, that a page's bounds are those of what it
// read, hidden statuses included, so that a page of them does not end the
// list, and that the authors shown come with it.
func TestTagPaging(t *testing.T) {
	ctx := context.Background()
	db := sqlitetest.Open(t)
	ids := sqlitetest.IDs(t)
	svc := timeline.New(db, timeline.NewStoreHome(db))
	shown := sqlitetest.CreateAccount(t, db, ids, "shown")
	hidden := sqlitetest.CreateAccount(t, db, ids, "hidden", func(a *starling.Account) { a.Approved = false })
	post := func(author int64) int64 {
		id := ids.Next()
		s := &starling.Status{ID: id, AccountID: author, Text: "x", Content: "<p>x</p>",
			Visibility: starling.VisibilityPublic, Tags: []string{"birds"}, CreatedAt: snowflake.Time(id)}
		if _, err := db.CreateStatus(ctx, s, ""); err != nil {
			t.Fatal(err)
		}
		return id
	}
	oldest := post(shown.ID)
	middle, newest := post(hidden.ID), post(hidden.ID)

	tests := []struct {
		name                     string
		page                     starling.Page
		want                     []int64
		read                     int
		wantNewestID, wantOldest int64
	}{
		{"only hidden statuses read", starling.Page{Limit: 2}, nil, 2, newest, middle},
		{"the next page", starling.Page{Limit: 2, MaxID: middle}, []int64{oldest}, 1, oldest, oldest},
		{"past the end", starling.Page{Limit: 2, MaxID: oldest}, nil, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := svc.Tag(ctx, starling.TagTimelineQuery{Tag: "birds"}, tt.page)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, s := range l.Statuses {
				got = append(got, s.ID)
				if a := l.Authors[s.AccountID]; a == nil || a.ID != s.AccountID {
					t.Errorf("author of %d = %v", s.ID, a)
				}
			}
			if !slices.Equal(got, tt.want) || l.Read != tt.read || l.NewestID != tt.wantNewestID || l.OldestID != tt.wantOldest {
				t.Errorf("got %v, read %d from %d to %d; want %v, read %d from %d to %d",
					got, l.Read, l.NewestID, l.OldestID, tt.want, tt.read, tt.wantNewestID, tt.wantOldest)
			}
			if _, ok := l.Authors[hidden.ID]; ok {
				t.Error("the hidden author is in Authors")
			}
		})
	}
}
