package mastodon

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestScopesBindOnPublicEndpoints walks the endpoints that anyone may call
// and checks that a token given anyway is held to its scopes: a token
// granted only "profile" reads nothing else, while the same request with
// no token or with a read token succeeds.
func TestScopesBindOnPublicEndpoints(t *testing.T) {
	api := newTestAPI(t)
	token, id := api.signUp(t, "alice")
	st := decode[Status](t, api.do(t, "POST", "/api/v1/statuses", token, map[string]any{"status": "hi"}))
	uid, _ := strconv.ParseInt(id, 10, 64)
	profileOnly := api.tokenFor(t, uid, "profile")
	readOnly := api.tokenFor(t, uid, "read")

	paths := []string{
		"/api/v1/accounts/" + id,
		"/api/v1/accounts?id[]=" + id,
		"/api/v1/accounts/lookup?acct=alice",
		"/api/v1/accounts/" + id + "/statuses",
		"/api/v1/accounts/" + id + "/followers",
		"/api/v1/accounts/" + id + "/following",
		"/api/v1/statuses/" + st.ID,
		"/api/v1/statuses?id[]=" + st.ID,
		"/api/v1/statuses/" + st.ID + "/context",
		"/api/v1/timelines/public",
		"/api/v2/search?q=alice",
	}
	for _, path := range paths {
		t.Run(path, func(t *testing.T) {
			wantStatus(t, api.do(t, "GET", path, profileOnly, nil), http.StatusForbidden)
			wantStatus(t, api.do(t, "GET", path, readOnly, nil), http.StatusOK)
			wantStatus(t, api.do(t, "GET", path, "", nil), http.StatusOK)
			wantStatus(t, api.do(t, "GET", path, "not-a-token", nil), http.StatusUnauthorized)
		})
	}
}

func TestLinkHeaderDropsAccessToken(t *testing.T) {
	api := newTestAPI(t)
	token, _ := api.signUp(t, "alice")
	api.do(t, "POST", "/api/v1/statuses", token, map[string]any{"status": "hi"})
	rec := api.do(t, "GET", "/api/v1/timelines/home?limit=1&access_token="+token, "", nil)
	wantStatus(t, rec, http.StatusOK)
	link := rec.Header().Get("Link")
	if link == "" {
		t.Fatal("no Link header")
	}
	if strings.Contains(link, token) || strings.Contains(link, "access_token") {
		t.Fatalf("Link header carries the token: %s", link)
	}
}
