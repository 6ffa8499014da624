package mastodon

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// getStatuses fetches a page of statuses and returns their ids and links.
func (api *testAPI) getStatuses(t testing.TB, path, token string) ([]string, map[string]string) {
	t.Helper()
	rec := api.do(t, http.MethodGet, path, token, nil)
	wantStatus(t, rec, http.StatusOK)
	return statusIDs(decode[[]Status](t, rec)), links(t, rec)
}

func TestHomeTimelinePaging(t *testing.T) {
	api := newTestAPI(t)
	me, _ := api.signUp(t, "me")
	friend, friendID := api.signUp(t, "friend")
	stranger, _ := api.signUp(t, "stranger")
	api.follow(t, me, friendID)
	var posted []string // newest first
	for i, token := range []string{me, friend, me, friend, friend} {
		st := api.post(t, token, url.Values{"status": {"post " + string(rune('a'+i))}})
		posted = append([]string{st.ID}, posted...)
	}
	api.post(t, stranger, url.Values{"status": {"not followed"}})
	oldest, newest := posted[len(posted)-1], posted[0]

	// Two pages by following the Link header, then an empty one.
	page1, l1 := api.getStatuses(t, "/api/v1/timelines/home?limit=3", me)
	if !slices.Equal(page1, posted[:3]) {
		t.Fatalf("page 1 = %v, want %v", page1, posted[:3])
	}
	if l1["next"] != "/api/v1/timelines/home?limit=3&max_id="+posted[2] || l1["prev"] != "/api/v1/timelines/home?limit=3&min_id="+newest {
		t.Errorf("page 1 links = %v", l1)
	}
	page2, l2 := api.getStatuses(t, l1["next"], me)
	if !slices.Equal(page2, posted[3:]) {
		t.Fatalf("page 2 = %v, want %v", page2, posted[3:])
	}
	if l2["next"] != "/api/v1/timelines/home?limit=3&max_id="+oldest {
		t.Errorf("page 2 next = %q", l2["next"])
	}
	back, _ := api.getStatuses(t, l2["prev"], me)
	if !slices.Equal(back, posted[:3]) {
		t.Errorf("page 2's prev = %v, want %v", back, posted[:3])
	}

	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"past the end: no items, no Link", "?max_id=" + oldest, []string{}},
		{"one item", "?max_id=" + posted[3], posted[4:]},
		{"since_id: the newest ones above the cursor", "?since_id=" + oldest + "&limit=2", posted[:2]},
		{"min_id: the ones just above the cursor", "?min_id=" + oldest + "&limit=2", posted[2:4]},
		{"nothing newer", "?min_id=" + newest, []string{}},
		{"limit over the maximum is clamped", "?limit=1000", posted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, l := api.getStatuses(t, "/api/v1/timelines/home"+tt.query, me)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if (len(got) == 0) != (len(l) == 0) {
				t.Errorf("%d items with links %v", len(got), l)
			}
		})
	}
}

func TestTimelineAccess(t *testing.T) {
	api := newTestAPI(t)
	me, meID := api.signUp(t, "me")
	tests := []struct {
		name   string
		path   string
		token  string
		status int
	}{
		{"home, anonymous", "/api/v1/timelines/home", "", 401},
		{"home, wrong token", "/api/v1/timelines/home", "nope", 401},
		{"home, app token", "/api/v1/timelines/home", api.appToken(t, "read"), 422},
		{"home, no read scope", "/api/v1/timelines/home", api.tokenFor(t, mustID(t, meID), "write"), 403},
		{"home, empty", "/api/v1/timelines/home", me, 200},
		{"home, malformed max_id", "/api/v1/timelines/home?max_id=x", me, 400},
		{"public, anonymous", "/api/v1/timelines/public", "", 200},
		{"public, malformed flag", "/api/v1/timelines/public?local=perhaps", "", 400},
		{"hashtag timeline is not served", "/api/v1/timelines/tag/birds", "", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, http.MethodGet, tt.path, tt.token, nil)
			wantStatus(t, rec, tt.status)
			if tt.status == 200 && strings.TrimSpace(rec.Body.String()) != "[]" {
				t.Errorf("body = %s, want []", rec.Body)
			}
		})
	}
}

func TestPublicTimeline(t *testing.T) {
	api := newTestAPI(t)
	alice, _ := api.signUp(t, "alice")
	bob, _ := api.signUp(t, "bob")
	public := api.post(t, alice, url.Values{"status": {"hello world"}})
	api.post(t, alice, url.Values{"status": {"quiet"}, "visibility": {"unlisted"}})
	api.post(t, alice, url.Values{"status": {"friends"}, "visibility": {"private"}})
	api.post(t, bob, url.Values{"status": {"reply to alice"}, "in_reply_to_id": {public.ID}})
	thread := api.post(t, alice, url.Values{"status": {"thread"}, "in_reply_to_id": {public.ID}})

	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"all", "", []string{thread.ID, public.ID}},
		{"local", "?local=true", []string{thread.ID, public.ID}},
		{"remote: no federation yet", "?remote=true", []string{}},
		{"only media: no media yet", "?only_media=1", []string{}},
		{"one item", "?limit=1", []string{thread.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := api.getStatuses(t, "/api/v1/timelines/public"+tt.query, "")
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAccountStatuses(t *testing.T) {
	api := newTestAPI(t)
	alice, aliceID := api.signUp(t, "alice")
	bob, bobID := api.signUp(t, "bob")
	follower, _ := api.signUp(t, "follower")
	api.follow(t, follower, aliceID)
	other := api.post(t, bob, url.Values{"status": {"bob's"}})
	public := api.post(t, alice, url.Values{"status": {"public"}})
	private := api.post(t, alice, url.Values{"status": {"private"}, "visibility": {"private"}})
	reply := api.post(t, alice, url.Values{"status": {"reply to bob"}, "in_reply_to_id": {other.ID}})
	self := api.post(t, alice, url.Values{"status": {"thread"}, "in_reply_to_id": {public.ID}})
	base := "/api/v1/accounts/" + aliceID + "/statuses"

	tests := []struct {
		name   string
		path   string
		token  string
		status int
		want   []string
	}{
		{"anonymous", base, "", 200, []string{self.ID, reply.ID, public.ID}},
		{"stranger", base, bob, 200, []string{self.ID, reply.ID, public.ID}},
		{"follower", base, follower, 200, []string{self.ID, reply.ID, private.ID, public.ID}},
		{"author", base, alice, 200, []string{self.ID, reply.ID, private.ID, public.ID}},
		{"exclude replies keeps threads", base + "?exclude_replies=true", "", 200, []string{self.ID, public.ID}},
		{"exclude reblogs changes nothing", base + "?exclude_reblogs=true", "", 200, []string{self.ID, reply.ID, public.ID}},
		{"pinned: nothing is pinned", base + "?pinned=true", alice, 200, []string{}},
		{"only media: no media yet", base + "?only_media=true", "", 200, []string{}},
		{"page", base + "?limit=2&max_id=" + reply.ID, "", 200, []string{public.ID}},
		{"tagged is refused, not ignored", base + "?tagged=birds", "", 422, nil},
		{"missing account", "/api/v1/accounts/123456/statuses", "", 404, nil},
		{"missing account, pinned", "/api/v1/accounts/123456/statuses?pinned=true", "", 404, nil},
		{"malformed flag", base + "?exclude_replies=sometimes", "", 400, nil},
		{"another account", "/api/v1/accounts/" + bobID + "/statuses", "", 200, []string{other.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, http.MethodGet, tt.path, tt.token, nil)
			wantStatus(t, rec, tt.status)
			if tt.status != 200 {
				return
			}
			if got := statusIDs(decode[[]Status](t, rec)); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
