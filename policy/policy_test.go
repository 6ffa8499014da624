package policy

import (
	"testing"

	"github.com/starling-social/starling"
)

func TestCanViewAndInHome(t *testing.T) {
	const author, follower, stranger, mentioned = 1, 2, 3, 4
	followsAuthor := func(id int64) bool { return id == author }
	viewers := map[string]Viewer{
		"anonymous": {},
		"author":    {ID: author},
		"follower":  {ID: follower, Follows: followsAuthor},
		"stranger":  {ID: stranger},
		"mentioned": {ID: mentioned},
	}
	status := func(v starling.Visibility) *starling.Status {
		return &starling.Status{AccountID: author, Visibility: v,
			Mentions: []starling.Mention{{AccountID: mentioned, Username: "m"}}}
	}
	tests := []struct {
		vis      starling.Visibility
		canView  []string
		inHome   []string
		inPublic bool
	}{
		{starling.VisibilityPublic, []string{"anonymous", "author", "follower", "stranger", "mentioned"}, []string{"author", "follower"}, true},
		{starling.VisibilityUnlisted, []string{"anonymous", "author", "follower", "stranger", "mentioned"}, []string{"author", "follower"}, false},
		{starling.VisibilityPrivate, []string{"author", "follower", "mentioned"}, []string{"author", "follower"}, false},
		{starling.VisibilityDirect, []string{"author", "mentioned"}, []string{"author"}, false},
	}
	for _, tt := range tests {
		s := status(tt.vis)
		for name, v := range viewers {
			if got, want := CanView(v, s), contains(tt.canView, name); got != want {
				t.Errorf("CanView(%s, %s) = %v, want %v", name, tt.vis, got, want)
			}
			if got, want := InHome(v, s), contains(tt.inHome, name); got != want {
				t.Errorf("InHome(%s, %s) = %v, want %v", name, tt.vis, got, want)
			}
		}
		if got := InPublic(s); got != tt.inPublic {
			t.Errorf("InPublic(%s) = %v", tt.vis, got)
		}
	}
}

func TestInHomeReplies(t *testing.T) {
	const viewer, friend, other = 1, 2, 3
	v := Viewer{ID: viewer, Follows: func(id int64) bool { return id == friend }}
	tests := []struct {
		name string
		to   int64
		want bool
	}{
		{"not a reply", 0, true},
		{"self-reply (a thread)", friend, true},
		{"reply to the viewer", viewer, true},
		{"reply to a stranger", other, false},
	}
	for _, tt := range tests {
		s := &starling.Status{AccountID: friend, Visibility: starling.VisibilityPublic, InReplyToAccountID: tt.to}
		if got := InHome(v, s); got != tt.want {
			t.Errorf("%s: InHome = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
