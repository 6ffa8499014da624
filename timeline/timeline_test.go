package timeline_test

import (
	"context"
	"slices"
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
	post(birder, starling.VisibilityUnlisted, "birds")
	cafe := post(birder, starling.VisibilityPublic, "Caf\u00e9") // stored in NFC, as posted text is
	tag := func(name string) func() ([]*starling.Status, error) {
		return func() ([]*starling.Status, error) { return svc.Tag(ctx, starling.TagTimelineQuery{Tag: name}, page) }
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
		}, []int64{cafe, birds, strangers, mine}, ""},
		{"tag: public only, in any case", tag("BIRDS"), []int64{birds}, ""},
		{"tag in another Unicode form", tag("Cafe\u0301"), []int64{cafe}, ""},
		{"tag nobody used", tag("nothing"), nil, ""},
		{"not a hashtag", tag("bird watching"), nil, starling.ENOTFOUND},
		{"not a hashtag: digits only", tag("123"), nil, starling.ENOTFOUND},
		{"not a hashtag: with its #", tag("#birds"), nil, starling.ENOTFOUND},
		{"not a hashtag: empty", tag(""), nil, starling.ENOTFOUND},
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
