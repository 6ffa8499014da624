package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/timeline"
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
		{"tagged, with its #", base + "?tagged=%23birds", "", 200, []string{public.ID}},
		{"tagged, with a fullwidth #", base + "?tagged=%EF%BC%83birds", "", 200, []string{public.ID}},
		{"tagged, not a hashtag", base + "?tagged=%23%23birds", "", 200, []string{}},
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
	// carol's post is left out once she awaits approval again; it ends the
	// first page below, whose next page must still start after it.
	carol, carolID := api.signUp(t, "carol")
	hidden := api.post(t, carol, url.Values{"status": {"hidden #birds"}})
	if _, err := api.Store.UpdateAccount(context.Background(), mustID(t, carolID), func(a *starling.Account) error {
		a.Approved = false
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	tea := api.post(t, bob, url.Values{"status": {"#tea and #birds"}})
	all := []string{tea.ID, reply.ID, first.ID}
	base := "/api/v1/timelines/tag/"

	// Following the Link header walks the timeline a page at a time.
	page1, l1 := api.getStatuses(t, base+"birds?limit=2", "")
	if !slices.Equal(page1, all[:1]) {
		t.Fatalf("page 1 = %v, want %v", page1, all[:1])
	}
	if l1["next"] != base+"birds?limit=2&max_id="+hidden.ID || l1["prev"] != base+"birds?limit=2&min_id="+tea.ID {
		t.Errorf("page 1 links = %v", l1)
	}
	page2, l2 := api.getStatuses(t, l1["next"], "")
	if !slices.Equal(page2, all[1:]) {
		t.Fatalf("page 2 = %v, want %v", page2, all[1:])
	}
	if end, l := api.getStatuses(t, l2["next"], ""); len(end) != 0 || len(l) != 0 {
		t.Errorf("past the end: %v with links %v", end, l)
	}
	// A page that read only a hidden status shows nothing but links on.
	if got, l := api.getStatuses(t, base+"birds?limit=1&max_id="+tea.ID, ""); len(got) != 0 ||
		l["next"] != base+"birds?limit=1&max_id="+hidden.ID {
		t.Errorf("a page of a hidden status: %v with links %v", got, l)
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
		{"page boundary: limit is the size", base + "birds?limit=4", "", all},
		{"max_id", base + "birds?max_id=" + reply.ID, "", []string{first.ID}},
		{"min_id", base + "birds?min_id=" + first.ID + "&limit=1", "", []string{reply.ID}},
		{"since_id", base + "birds?since_id=" + first.ID + "&limit=1", "", []string{tea.ID}},
		{"local", base + "birds?local=true", "", all},
		{"remote: no federation yet", base + "birds?remote=true", "", []string{}},
		{"only media: no media yet", base + "birds?only_media=true", "", []string{}},
		{"nobody used it", base + "nothing", "", []string{}},
		{"with its #", base + "%23birds", "", all},
		{"not a hashtag", base + "bird%20watching", "", []string{}},
		{"not a hashtag: too long", base + strings.Repeat("a", timeline.MaxTagLength+1), "", []string{}},
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
	birds := Tag{ID: tagID("birds"), Name: "Birds", URL: "https://starling.test/tags/Birds", History: []any{}}
	longest := strings.Repeat("a", timeline.MaxTagLength)
	tests := []struct {
		name   string
		path   string
		status int
		want   Tag
	}{
		{"as asked", "/api/v1/tags/Birds", 200, birds},
		{"with its #", "/api/v1/tags/%23Birds", 200, birds},
		{"with a fullwidth #", "/api/v1/tags/%EF%BC%83Birds", 200, birds},
		{"non-ASCII", "/api/v1/tags/caf%C3%A9", 200, Tag{ID: tagID("café"), Name: "café", URL: "https://starling.test/tags/caf%C3%A9", History: []any{}}},
		{"the longest", "/api/v1/tags/" + longest, 200, Tag{ID: tagID(longest), Name: longest, URL: "https://starling.test/tags/" + longest, History: []any{}}},
		{"one character too long", "/api/v1/tags/" + longest + "a", 404, Tag{}},
		{"far too long", "/api/v1/tags/" + strings.Repeat("a", 500_000), 404, Tag{}},
		{"two #", "/api/v1/tags/%23%23Birds", 404, Tag{}},
		{"not a hashtag", "/api/v1/tags/bird%20watching", 404, Tag{}},
		{"digits only", "/api/v1/tags/123", 404, Tag{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, http.MethodGet, tt.path, "", nil)
			wantStatus(t, rec, tt.status)
			if tt.status != 200 {
				if len(rec.Body.String()) > 1000 {
					t.Errorf("a %d-byte error body", rec.Body.Len())
				}
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

// TestTagID checks that a hashtag's id is the same in any case and form,
// differs between hashtags, and reads as a non-negative integer, as
// clients that parse Mastodon's ids expect.
func TestTagID(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"birds", "BIRDS", true},
		{"café", "CAFÉ", true},
		{"birds", "bird", false},
		{"birds", "birds_", false},
	}
	for _, tt := range tests {
		t.Run(tt.a+"/"+tt.b, func(t *testing.T) {
			a, b := tagID(tt.a), tagID(tt.b)
			if (a == b) != tt.same {
				t.Errorf("tagID(%q) = %s, tagID(%q) = %s", tt.a, a, tt.b, b)
			}
			for _, id := range []string{a, b} {
				if n, err := strconv.ParseInt(id, 10, 64); err != nil || n < 0 {
					t.Errorf("id %q does not read as a non-negative int64: %v", id, err)
				}
			}
		})
	}
}

// TestTagEntityMatchesSpec checks that the Tag entity has every field the
// Mastodon OpenAPI description requires, as the client libraries generated
// from it expect. The description is not part of the module, so the test
// is skipped where it is absent.
func TestTagEntityMatchesSpec(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "shared", "reference", "mastodon-openapi.json"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("no Mastodon OpenAPI description at ../../shared/reference/mastodon-openapi.json")
	}
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Components struct {
			Schemas map[string]struct {
				Required []string `json:"required"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	required := spec.Components.Schemas["Tag"].Required
	if len(required) == 0 {
		t.Fatal("the description lists no required fields for Tag")
	}
	rec := newTestAPI(t).do(t, http.MethodGet, "/api/v1/tags/birds", "", nil)
	wantStatus(t, rec, http.StatusOK)
	got := decode[map[string]any](t, rec)
	for _, key := range required {
		if _, ok := got[key]; !ok {
			t.Errorf("the Tag entity lacks %q, which the description requires: %s", key, rec.Body)
		}
	}
	if _, ok := got["id"].(string); !ok {
		t.Errorf("id is %T, want a string", got["id"])
	}
}
