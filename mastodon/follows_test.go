package mastodon

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// links reads a Link header into rel → path with query, checking that
// every URL is absolute on the test instance.
func links(t testing.TB, rec *httptest.ResponseRecorder) map[string]string {
	t.Helper()
	out := map[string]string{}
	header := rec.Header().Get("Link")
	if header == "" {
		return out
	}
	for _, part := range strings.Split(header, ", ") {
		target, rel, ok := strings.Cut(part, "; rel=")
		if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
			t.Fatalf("malformed Link %q", header)
		}
		u, err := url.Parse(strings.Trim(target, "<>"))
		if err != nil || u.Scheme != "https" || u.Host != "starling.test" {
			t.Fatalf("Link URL %q is not absolute on the instance", target)
		}
		out[strings.Trim(rel, `"`)] = u.RequestURI()
	}
	return out
}

func accountIDs(list []Account) []string {
	out := []string{}
	for _, a := range list {
		out = append(out, a.ID)
	}
	return out
}

func TestFollowEndpoints(t *testing.T) {
	api := newTestAPI(t)
	alice, aliceID := api.signUp(t, "alice")
	_, bobID := api.signUp(t, "bob")

	tests := []struct {
		name      string
		token     string
		path      string
		status    int
		following bool
	}{
		{"follow", alice, "/api/v1/accounts/" + bobID + "/follow", 200, true},
		{"follow again", alice, "/api/v1/accounts/" + bobID + "/follow", 200, true},
		{"oneself", alice, "/api/v1/accounts/" + aliceID + "/follow", 403, false},
		{"missing account", alice, "/api/v1/accounts/123456/follow", 404, false},
		{"malformed id", alice, "/api/v1/accounts/x1/follow", 404, false},
		{"read-only token", api.tokenFor(t, mustID(t, aliceID), "read"), "/api/v1/accounts/" + bobID + "/follow", 403, false},
		{"follow scope", api.tokenFor(t, mustID(t, aliceID), "follow"), "/api/v1/accounts/" + bobID + "/follow", 200, true},
		{"anonymous", "", "/api/v1/accounts/" + bobID + "/follow", 401, false},
		{"unfollow", alice, "/api/v1/accounts/" + bobID + "/unfollow", 200, false},
		{"unfollow again", alice, "/api/v1/accounts/" + bobID + "/unfollow", 200, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, http.MethodPost, tt.path, tt.token, nil)
			wantStatus(t, rec, tt.status)
			if tt.status == 200 {
				rel := decode[Relationship](t, rec)
				if rel.ID != bobID || rel.Following != tt.following || rel.Languages == nil {
					t.Errorf("relationship = %+v", rel)
				}
			}
		})
	}
}

func TestRelationshipsEndpoint(t *testing.T) {
	api := newTestAPI(t)
	me, meID := api.signUp(t, "me")
	a, aID := api.signUp(t, "a")
	_, bID := api.signUp(t, "b")
	_, otherID := api.signUp(t, "other")
	api.follow(t, me, bID)
	api.follow(t, a, meID)

	tests := []struct {
		name   string
		query  string
		status int
		ids    []string
	}{
		{"none", "", 200, []string{}},
		{"single id=", "?id=" + bID, 200, []string{bID}},
		{"order kept", "?id[]=" + bID + "&id[]=" + aID + "&id[]=" + otherID, 200, []string{bID, aID, otherID}},
		{"other order", "?id[]=" + aID + "&id[]=" + bID, 200, []string{aID, bID}},
		{"malformed", "?id[]=abc", 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, http.MethodGet, "/api/v1/accounts/relationships"+tt.query, me, nil)
			wantStatus(t, rec, tt.status)
			if tt.status != 200 {
				return
			}
			rels := decode[[]Relationship](t, rec)
			var got []string
			for _, r := range rels {
				got = append(got, r.ID)
				if want := r.ID == bID; r.Following != want {
					t.Errorf("%s: following = %v, want %v", r.ID, r.Following, want)
				}
				if want := r.ID == aID; r.FollowedBy != want {
					t.Errorf("%s: followed_by = %v, want %v", r.ID, r.FollowedBy, want)
				}
			}
			if !equalStrings(got, tt.ids) {
				t.Errorf("ids = %v, want %v", got, tt.ids)
			}
		})
	}
	wantStatus(t, api.do(t, http.MethodGet, "/api/v1/accounts/relationships?id="+aID, "", nil), 401)
}

func TestFollowersPaging(t *testing.T) {
	api := newTestAPI(t)
	_, starID := api.signUp(t, "star")
	var fans []string // most recent follow first
	for _, name := range []string{"f1", "f2", "f3", "f4"} {
		token, id := api.signUp(t, name)
		api.follow(t, token, starID)
		fans = append([]string{id}, fans...)
	}
	base := "/api/v1/accounts/" + starID + "/followers"

	// limit=2 over 4 followers: two full pages, then an empty one.
	rec := api.do(t, http.MethodGet, base+"?limit=2", "", nil)
	wantStatus(t, rec, http.StatusOK)
	if got := accountIDs(decode[[]Account](t, rec)); !equalStrings(got, fans[:2]) {
		t.Fatalf("page 1 = %v, want %v", got, fans[:2])
	}
	page1 := links(t, rec)
	if !strings.Contains(page1["next"], "limit=2") || !strings.Contains(page1["prev"], "min_id=") {
		t.Errorf("page 1 links = %v", page1)
	}
	rec = api.do(t, http.MethodGet, page1["next"], "", nil)
	wantStatus(t, rec, http.StatusOK)
	if got := accountIDs(decode[[]Account](t, rec)); !equalStrings(got, fans[2:]) {
		t.Fatalf("page 2 = %v, want %v", got, fans[2:])
	}
	rec = api.do(t, http.MethodGet, links(t, rec)["next"], "", nil)
	wantStatus(t, rec, http.StatusOK)
	if got := decode[[]Account](t, rec); len(got) != 0 || rec.Header().Get("Link") != "" {
		t.Errorf("past the end: %v, Link %q", accountIDs(got), rec.Header().Get("Link"))
	}
	// Back from page 1's prev: nothing is newer.
	rec = api.do(t, http.MethodGet, page1["prev"], "", nil)
	wantStatus(t, rec, http.StatusOK)
	if got := decode[[]Account](t, rec); len(got) != 0 {
		t.Errorf("newer than the newest: %v", accountIDs(got))
	}

	tests := []struct {
		name   string
		path   string
		status int
		n      int
	}{
		{"default limit", base, 200, 4},
		{"limit 1", base + "?limit=1", 200, 1},
		{"limit 0 is clamped to 1", base + "?limit=0", 200, 1},
		{"malformed limit", base + "?limit=many", 400, 0},
		{"following, none", "/api/v1/accounts/" + starID + "/following", 200, 0},
		{"following, one", "/api/v1/accounts/" + fans[0] + "/following", 200, 1},
		{"missing account", "/api/v1/accounts/123456/followers", 404, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, http.MethodGet, tt.path, "", nil)
			wantStatus(t, rec, tt.status)
			if tt.status == 200 {
				if got := decode[[]Account](t, rec); len(got) != tt.n {
					t.Errorf("%d accounts, want %d", len(got), tt.n)
				}
			}
		})
	}
}

func TestFollowRequestFlow(t *testing.T) {
	api := newTestAPI(t)
	owner, ownerID := api.signUp(t, "olivia")
	rec := api.do(t, http.MethodPatch, "/api/v1/accounts/update_credentials", owner, url.Values{"locked": {"true"}})
	wantStatus(t, rec, http.StatusOK)
	asker, askerID := api.signUp(t, "asker")
	other, otherID := api.signUp(t, "other")

	if rel := api.follow(t, asker, ownerID); rel.Following || !rel.Requested {
		t.Fatalf("following a locked account: %+v", rel)
	}
	api.follow(t, other, ownerID)

	rec = api.do(t, http.MethodGet, "/api/v1/follow_requests?limit=1", owner, nil)
	wantStatus(t, rec, http.StatusOK)
	if got := accountIDs(decode[[]Account](t, rec)); !equalStrings(got, []string{otherID}) {
		t.Fatalf("requests = %v, want the newest, %s", got, otherID)
	}
	next := links(t, rec)["next"]
	if !strings.HasPrefix(next, "/api/v1/follow_requests?") {
		t.Fatalf("next = %q", next)
	}
	rec = api.do(t, http.MethodGet, next, owner, nil)
	wantStatus(t, rec, http.StatusOK)
	if got := accountIDs(decode[[]Account](t, rec)); !equalStrings(got, []string{askerID}) {
		t.Fatalf("second page = %v, want %s", got, askerID)
	}

	tests := []struct {
		name       string
		token      string
		path       string
		status     int
		followedBy bool
	}{
		{"authorize", owner, "/api/v1/follow_requests/" + askerID + "/authorize", 200, true},
		{"authorize again", owner, "/api/v1/follow_requests/" + askerID + "/authorize", 404, false},
		{"reject", owner, "/api/v1/follow_requests/" + otherID + "/reject", 200, false},
		{"reject again", owner, "/api/v1/follow_requests/" + otherID + "/reject", 404, false},
		{"someone else's request", asker, "/api/v1/follow_requests/" + otherID + "/authorize", 404, false},
		{"read-only token", api.tokenFor(t, mustID(t, ownerID), "read"), "/api/v1/follow_requests/" + askerID + "/reject", 403, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, http.MethodPost, tt.path, tt.token, nil)
			wantStatus(t, rec, tt.status)
			if tt.status == 200 {
				if rel := decode[Relationship](t, rec); rel.FollowedBy != tt.followedBy || rel.RequestedBy {
					t.Errorf("relationship = %+v", rel)
				}
			}
		})
	}

	rec = api.do(t, http.MethodGet, "/api/v1/accounts/relationships?id[]="+ownerID, asker, nil)
	wantStatus(t, rec, http.StatusOK)
	if rels := decode[[]Relationship](t, rec); len(rels) != 1 || !rels[0].Following || rels[0].Requested {
		t.Errorf("asker's relationship after authorize: %+v", rels)
	}
	rec = api.do(t, http.MethodGet, "/api/v1/follow_requests", owner, nil)
	wantStatus(t, rec, http.StatusOK)
	if got := decode[[]Account](t, rec); len(got) != 0 || rec.Header().Get("Link") != "" {
		t.Errorf("requests left: %v", accountIDs(got))
	}
	wantStatus(t, api.do(t, http.MethodGet, "/api/v1/follow_requests", "", nil), 401)
}
