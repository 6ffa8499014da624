package mastodon

import (
	"net/http"
	"net/url"
	"reflect"
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
		{"hashtag, anonymous", "/api/v1/timelines/tag/birds", "", 200},
		{"hashtag, wrong token", "/api/v1/timelines/tag/birds", "nope", 401},
		{"hashtag, no read scope", "/api/v1/timelines/tag/birds", api.tokenFor(t, mustID(t, meID), "write"), 403},
		{"hashtag, malformed flag", "/api/v1/timelines/tag/birds?local=perhaps", "", 400},
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
	public := api.post(t, alice, url.Values{"status": {"public #Birds"}})
	private := api.post(t, alice, url.Values{"status": {"private #birds"}, "visibility": {"private"}})
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
		{"tagged, anonymous", base + "?tagged=birds", "", 200, []string{public.ID}},
		{"tagged, follower, in another case", base + "?tagged=BIRDS", follower, 200, []string{private.ID, public.ID}},
		{"tagged, nothing", base + "?tagged=tea", "", 200, []string{}},
		{"tagged, not a hashtag", base + "?tagged=%23birds", "", 200, []string{}},
		{"tagged blank: no filter", base + "?tagged=+", "", 200, []string{self.ID, reply.ID, public.ID}},
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

func TestTagTimeline(t *testing.T) {
	api := newTestAPI(t)
	alice, _ := api.signUp(t, "alice")
	bob, _ := api.signUp(t, "bob")
	first := api.post(t, alice, url.Values{"status": {"first #Birds"}})
	api.post(t, alice, url.Values{"status": {"quiet #birds"}, "visibility": {"unlisted"}})
	api.post(t, alice, url.Values{"status": {"friends #birds"}, "visibility": {"private"}})
	api.post(t, alice, url.Values{"status": {"no tag: birds"}})
	reply := api.post(t, bob, url.Values{"status": {"a reply #BIRDS"}, "in_reply_to_id": {first.ID}})
	tea := api.post(t, bob, url.Values{"status": {"#tea and #birds"}})
	all := []string{tea.ID, reply.ID, first.ID}
	base := "/api/v1/timelines/tag/"

	// Following the Link header walks the timeline a page at a time.
	page1, l1 := api.getStatuses(t, base+"birds?limit=2", "")
	if !slices.Equal(page1, all[:2]) {
		t.Fatalf("page 1 = %v, want %v", page1, all[:2])
	}
	if l1["next"] != base+"birds?limit=2&max_id="+reply.ID || l1["prev"] != base+"birds?limit=2&min_id="+tea.ID {
		t.Errorf("page 1 links = %v", l1)
	}
	page2, l2 := api.getStatuses(t, l1["next"], "")
	if !slices.Equal(page2, all[2:]) {
		t.Fatalf("page 2 = %v, want %v", page2, all[2:])
	}
	if end, l := api.getStatuses(t, l2["next"], ""); len(end) != 0 || len(l) != 0 {
		t.Errorf("past the end: %v with links %v", end, l)
	}

	tests := []struct {
		name  string
		path  string
		token string
		want  []string
	}{
		{"public only, replies included", base + "birds", "", all},
		{"any case", base + "BiRdS", "", all},
		{"the author sees no more", base + "birds", alice, all},
		{"one item", base + "tea", "", []string{tea.ID}},
		{"page boundary: limit is the size", base + "birds?limit=3", "", all},
		{"max_id", base + "birds?max_id=" + reply.ID, "", []string{first.ID}},
		{"min_id", base + "birds?min_id=" + first.ID + "&limit=1", "", []string{reply.ID}},
		{"since_id", base + "birds?since_id=" + first.ID + "&limit=1", "", []string{tea.ID}},
		{"local", base + "birds?local=true", "", all},
		{"remote: no federation yet", base + "birds?remote=true", "", []string{}},
		{"only media: no media yet", base + "birds?only_media=true", "", []string{}},
		{"nobody used it", base + "nothing", "", []string{}},
		{"not a hashtag", base + "bird%20watching", "", []string{}},
		{"blank any[] is no filter", base + "birds?any[]=", "", all},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, l := api.getStatuses(t, tt.path, tt.token)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if (len(got) == 0) != (len(l) == 0) {
				t.Errorf("%d items with links %v", len(got), l)
			}
		})
	}
	for _, filter := range []string{"any[]=tea", "all[]=tea", "none[]=tea", "any=tea"} {
		rec := api.do(t, http.MethodGet, base+"birds?"+filter, "", nil)
		wantStatus(t, rec, http.StatusUnprocessableEntity)
	}
}

func TestTagEntity(t *testing.T) {
	api := newTestAPI(t)
	tests := []struct {
		name   string
		path   string
		status int
		want   Tag
	}{
		{"as asked", "/api/v1/tags/Birds", 200, Tag{Name: "Birds", URL: "https://starling.test/tags/Birds", History: []any{}}},
		{"non-ASCII", "/api/v1/tags/caf%C3%A9", 200, Tag{Name: "café", URL: "https://starling.test/tags/caf%C3%A9", History: []any{}}},
		{"not a hashtag", "/api/v1/tags/bird%20watching", 404, Tag{}},
		{"digits only", "/api/v1/tags/123", 404, Tag{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, http.MethodGet, tt.path, "", nil)
			wantStatus(t, rec, tt.status)
			if tt.status != 200 {
				return
			}
			if got := decode[Tag](t, rec); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if body := rec.Body.String(); !strings.Contains(body, `"history":[]`) || !strings.Contains(body, `"following":false`) {
				t.Errorf("body %s", body)
			}
		})
	}
}
