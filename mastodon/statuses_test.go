package mastodon

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/starling-social/starling/snowflake"
)

// post publishes a status through the API and returns it.
func (api *testAPI) post(t testing.TB, token string, form url.Values) Status {
	t.Helper()
	rec := api.do(t, http.MethodPost, "/api/v1/statuses", token, form)
	wantStatus(t, rec, http.StatusOK)
	return decode[Status](t, rec)
}

// follow makes the owner of token follow the account id through the API.
func (api *testAPI) follow(t testing.TB, token, id string) Relationship {
	t.Helper()
	rec := api.do(t, http.MethodPost, "/api/v1/accounts/"+id+"/follow", token, nil)
	wantStatus(t, rec, http.StatusOK)
	return decode[Relationship](t, rec)
}

func TestPostStatus(t *testing.T) {
	api := newTestAPI(t)
	alice, aliceID := api.signUp(t, "alice")
	_, bobID := api.signUp(t, "bob")

	t.Run("form", func(t *testing.T) {
		st := api.post(t, alice, url.Values{"status": {"hi @bob and @nobody #Birds"}, "visibility": {"unlisted"},
			"language": {"en"}, "spoiler_text": {"birds"}})
		if st.Account.ID != aliceID || st.Visibility != "unlisted" || !st.Sensitive || st.SpoilerText != "birds" ||
			st.Language == nil || *st.Language != "en" {
			t.Errorf("status = %+v", st)
		}
		if st.URL != "https://starling.test/@alice/"+st.ID || !strings.HasPrefix(st.Content, "<p>") {
			t.Errorf("url %q content %q", st.URL, st.Content)
		}
		if len(st.Mentions) != 1 || st.Mentions[0].ID != bobID || st.Mentions[0].Acct != "bob" {
			t.Errorf("mentions = %+v", st.Mentions)
		}
		if len(st.Tags) != 1 || st.Tags[0].Name != "Birds" || st.Tags[0].URL != "https://starling.test/tags/Birds" {
			t.Errorf("tags = %+v", st.Tags)
		}
		if st.Text != nil || st.InReplyToID != nil || st.Favourited == nil || *st.Favourited {
			t.Errorf("text %v in_reply_to %v favourited %v", st.Text, st.InReplyToID, st.Favourited)
		}
		if st.Account.StatusesCount != 1 {
			t.Errorf("author's statuses_count = %d, want 1 (the author as stored after posting)", st.Account.StatusesCount)
		}
	})
	t.Run("JSON reply", func(t *testing.T) {
		parent := api.post(t, alice, url.Values{"status": {"first"}})
		rec := api.do(t, http.MethodPost, "/api/v1/statuses", alice,
			map[string]any{"status": "second", "in_reply_to_id": parent.ID, "sensitive": true})
		wantStatus(t, rec, http.StatusOK)
		st := decode[Status](t, rec)
		if st.InReplyToID == nil || *st.InReplyToID != parent.ID || *st.InReplyToAccountID != aliceID || !st.Sensitive {
			t.Errorf("status = %+v", st)
		}
	})

	tests := []struct {
		name    string
		token   string
		body    url.Values
		status  int
		message string
		field   string
		code    string
	}{
		{"blank", alice, url.Values{"status": {"  "}}, 422, "can't be blank", "text", "ERR_BLANK"},
		{"missing", alice, url.Values{}, 422, "can't be blank", "text", "ERR_BLANK"},
		{"too long", alice, url.Values{"status": {strings.Repeat("x", 301)}}, 422,
			"is too long (301 weighted characters; the limit is 280)", "text", "ERR_TOO_LONG"},
		{"unknown visibility", alice, url.Values{"status": {"x"}, "visibility": {"everyone"}}, 422, "", "visibility", "ERR_INCLUSION"},
		{"media", alice, url.Values{"status": {"x"}, "media_ids[]": {"1"}}, 422, "Media attachments are not supported yet", "", ""},
		{"poll", alice, url.Values{"status": {"x"}, "poll[options][]": {"a", "b"}, "poll[expires_in]": {"300"}}, 422,
			"Polls are not supported yet", "", ""},
		{"scheduled", alice, url.Values{"status": {"x"}, "scheduled_at": {"2030-01-01T00:00:00Z"}}, 422,
			"Scheduled posts are not supported yet", "", ""},
		{"malformed reply id", alice, url.Values{"status": {"x"}, "in_reply_to_id": {"abc"}}, 400, "in_reply_to_id", "", ""},
		{"missing parent", alice, url.Values{"status": {"x"}, "in_reply_to_id": {"12345"}}, 404, "", "", ""},
		{"malformed boolean", alice, url.Values{"status": {"x"}, "sensitive": {"maybe"}}, 400, "sensitive", "", ""},
		{"no token", "", url.Values{"status": {"x"}}, 401, "", "", ""},
		{"wrong token", "not-a-token", url.Values{"status": {"x"}}, 401, "", "", ""},
		{"read-only token", api.tokenFor(t, mustID(t, aliceID), "read"), url.Values{"status": {"x"}}, 403, "", "", ""},
		{"app token", api.appToken(t, "write"), url.Values{"status": {"x"}}, 422, "requires an authenticated user", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, http.MethodPost, "/api/v1/statuses", tt.token, tt.body)
			wantStatus(t, rec, tt.status)
			e := decode[apiError](t, rec)
			if !strings.Contains(e.Error, tt.message) {
				t.Errorf("error %q does not contain %q", e.Error, tt.message)
			}
			if tt.field != "" && (len(e.Details[tt.field]) == 0 || e.Details[tt.field][0].Error != tt.code) {
				t.Errorf("details = %+v, want %s: %s", e.Details, tt.field, tt.code)
			}
		})
	}
}

// TestSingleValuesRefuseListsAndObjects sends a list or an object where a
// single value belongs. Each must be a 400 that names the parameter, and
// nothing may be written: read as missing, a visibility or a content
// warning would silently fall back to what the client did not ask for.
func TestSingleValuesRefuseListsAndObjects(t *testing.T) {
	api := newTestAPI(t)
	alice, id := api.signUp(t, "alice")
	tests := []struct {
		method, path string
		body         any
		param        string
	}{
		{"POST", "/api/v1/statuses", `{"status":["a","b"]}`, "status"},
		{"POST", "/api/v1/statuses", `{"status":"a","visibility":["direct"]}`, "visibility"},
		{"POST", "/api/v1/statuses", url.Values{"status": {"a"}, "visibility[]": {"private"}}, "visibility"},
		{"POST", "/api/v1/statuses", url.Values{"status[0]": {"a"}}, "status"},
		{"POST", "/api/v1/statuses", `{"status":"a","spoiler_text":["CW"],"sensitive":[true]}`, ""},
		{"POST", "/api/v1/statuses", `{"status":"a","visibility":{"x":"direct"}}`, "visibility"},
		{"POST", "/api/v1/statuses", `{"status":"a","in_reply_to_id":["1"]}`, "in_reply_to_id"},
		{"PATCH", "/api/v1/accounts/update_credentials", `{"locked":[true]}`, "locked"},
		{"PATCH", "/api/v1/accounts/update_credentials", `{"source":{"privacy":["private"]}}`, "source"},
		{"PATCH", "/api/v1/accounts/update_credentials", `{"fields_attributes":[{"name":["a"]}]}`, "fields_attributes"},
		{"GET", "/api/v1/accounts/" + id + "/statuses?tagged[]=foo", nil, "tagged"},
		{"GET", "/api/v1/timelines/home?max_id[]=1", nil, "max_id"},
		{"GET", "/api/v1/timelines/home?limit[x]=1", nil, "limit"},
		{"GET", "/api/v1/timelines/tag/foo?any[][]=x", nil, "any"},
		{"GET", "/api/v1/timelines/tag/foo?all[a]=1", nil, "all"},
		{"GET", "/api/v1/timelines/home?a[b", nil, ""},
	}
	for _, tt := range tests {
		rec := api.do(t, tt.method, tt.path, alice, tt.body)
		wantStatus(t, rec, http.StatusBadRequest)
		if e := decode[apiError](t, rec); !strings.Contains(e.Error, tt.param) {
			t.Errorf("%s %s %v: error %q does not name %q", tt.method, tt.path, tt.body, e.Error, tt.param)
		}
	}
	home := decode[[]Status](t, api.do(t, "GET", "/api/v1/timelines/home", alice, nil))
	if len(home) != 0 {
		t.Fatalf("a refused request wrote %d statuses", len(home))
	}

	// The lists and objects the API does take still work.
	valid := []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/statuses", url.Values{"status": {"hi"}, "visibility": {"private"}}},
		{"PATCH", "/api/v1/accounts/update_credentials", `{"source":{"privacy":"private"},"fields_attributes":[{"name":"a","value":"b"}]}`},
		{"PATCH", "/api/v1/accounts/update_credentials", url.Values{"fields_attributes[0][name]": {"a"}, "fields_attributes[0][value]": {"b"}}},
		{"GET", "/api/v1/accounts/relationships?id[]=" + id, nil},
		{"GET", "/api/v1/accounts?id[0]=" + id, nil},
	}
	for _, tt := range valid {
		wantStatus(t, api.do(t, tt.method, tt.path, alice, tt.body), http.StatusOK)
	}
}

func TestPostStatusIdempotency(t *testing.T) {
	api := newTestAPI(t)
	alice, aliceID := api.signUp(t, "alice")
	send := func(key string) Status {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/statuses", strings.NewReader(`{"status":"only once"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+alice)
		req.Header.Set("Idempotency-Key", key)
		rec := api.send(req)
		wantStatus(t, rec, http.StatusOK)
		return decode[Status](t, rec)
	}
	first, retry, other := send("abc"), send("abc"), send("xyz")
	if retry.ID != first.ID {
		t.Errorf("retry posted %s, want the first status %s", retry.ID, first.ID)
	}
	if other.ID == first.ID {
		t.Error("another key returned the first status")
	}
	rec := api.do(t, http.MethodGet, "/api/v1/accounts/"+aliceID, "", nil)
	wantStatus(t, rec, http.StatusOK)
	if n := decode[Account](t, rec).StatusesCount; n != 2 {
		t.Errorf("statuses_count = %d, want 2", n)
	}
}

func TestStatusVisibility(t *testing.T) {
	api := newTestAPI(t)
	author, authorID := api.signUp(t, "author")
	follower, _ := api.signUp(t, "follower")
	stranger, _ := api.signUp(t, "stranger")
	api.follow(t, follower, authorID)
	private := api.post(t, author, url.Values{"status": {"followers only"}, "visibility": {"private"}})
	public := api.post(t, author, url.Values{"status": {"everyone"}})

	tests := []struct {
		name   string
		token  string
		path   string
		status int
	}{
		{"author", author, "/api/v1/statuses/" + private.ID, 200},
		{"follower", follower, "/api/v1/statuses/" + private.ID, 200},
		{"stranger", stranger, "/api/v1/statuses/" + private.ID, 404},
		{"anonymous", "", "/api/v1/statuses/" + private.ID, 404},
		{"anonymous, public", "", "/api/v1/statuses/" + public.ID, 200},
		{"wrong token, public", "nope", "/api/v1/statuses/" + public.ID, 401},
		{"stranger, context", stranger, "/api/v1/statuses/" + private.ID + "/context", 404},
		{"malformed id", "", "/api/v1/statuses/abc", 404},
		{"missing", "", "/api/v1/statuses/123456", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, http.MethodGet, tt.path, tt.token, nil)
			wantStatus(t, rec, tt.status)
			if tt.status == 200 {
				st := decode[Status](t, rec)
				if st.Account.Username != "author" || (tt.token == "") != (st.Favourited == nil) {
					t.Errorf("status = %+v", st)
				}
			}
		})
	}
}

func TestDeleteStatus(t *testing.T) {
	api := newTestAPI(t)
	author, _ := api.signUp(t, "author")
	stranger, _ := api.signUp(t, "stranger")
	public := api.post(t, author, url.Values{"status": {"redraft me"}, "spoiler_text": {"cw"}})
	private := api.post(t, author, url.Values{"status": {"hidden"}, "visibility": {"private"}})

	// The source is for editing, so whoever may not delete may not read it
	// either, except that reading needs no write scope.
	tests := []struct {
		name                 string
		token                string
		id                   string
		deleting, readSource int
	}{
		{"stranger, visible", stranger, public.ID, 403, 403},
		{"stranger, invisible", stranger, private.ID, 404, 404},
		{"author's read-only token", api.tokenFor(t, mustID(t, public.Account.ID), "read"), public.ID, 403, 200},
		{"anonymous", "", public.ID, 401, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantStatus(t, api.do(t, http.MethodDelete, "/api/v1/statuses/"+tt.id, tt.token, nil), tt.deleting)
			wantStatus(t, api.do(t, http.MethodGet, "/api/v1/statuses/"+tt.id+"/source", tt.token, nil), tt.readSource)
		})
	}

	rec := api.do(t, http.MethodGet, "/api/v1/statuses/"+public.ID+"/source", author, nil)
	wantStatus(t, rec, http.StatusOK)
	if src := decode[StatusSource](t, rec); src != (StatusSource{ID: public.ID, Text: "redraft me", SpoilerText: "cw"}) {
		t.Errorf("source = %+v", src)
	}

	rec = api.do(t, http.MethodDelete, "/api/v1/statuses/"+public.ID, author, nil)
	wantStatus(t, rec, http.StatusOK)
	deleted := decode[Status](t, rec)
	if deleted.ID != public.ID || deleted.Text == nil || *deleted.Text != "redraft me" || deleted.SpoilerText != "cw" {
		t.Errorf("deleted = %+v", deleted)
	}
	if deleted.Account.StatusesCount != 1 {
		t.Errorf("author's statuses_count = %d after deleting, want 1", deleted.Account.StatusesCount)
	}
	wantStatus(t, api.do(t, http.MethodGet, "/api/v1/statuses/"+public.ID, author, nil), 404)
	wantStatus(t, api.do(t, http.MethodDelete, "/api/v1/statuses/"+public.ID, author, nil), 404)
}

func TestStatusContext(t *testing.T) {
	api := newTestAPI(t)
	alice, _ := api.signUp(t, "alice")
	bob, bobID := api.signUp(t, "bob")
	root := api.post(t, alice, url.Values{"status": {"root"}})
	reply := api.post(t, bob, url.Values{"status": {"reply"}, "in_reply_to_id": {root.ID}})
	hidden := api.post(t, bob, url.Values{"status": {"to my followers"}, "in_reply_to_id": {reply.ID}, "visibility": {"private"}})
	leaf := api.post(t, alice, url.Values{"status": {"leaf"}, "in_reply_to_id": {reply.ID}})
	lone := api.post(t, alice, url.Values{"status": {"alone"}})
	api.follow(t, alice, bobID)

	tests := []struct {
		name        string
		token       string
		id          string
		ancestors   []string
		descendants []string
	}{
		{"no thread", "", lone.ID, []string{}, []string{}},
		{"root, anonymous", "", root.ID, []string{}, []string{reply.ID, leaf.ID}},
		{"root, follower", alice, root.ID, []string{}, []string{reply.ID, hidden.ID, leaf.ID}},
		{"middle", "", reply.ID, []string{root.ID}, []string{leaf.ID}},
		{"leaf", "", leaf.ID, []string{root.ID, reply.ID}, []string{}},
	}
	// The replies count shows what everyone may see: leaf, not hidden.
	rec := api.do(t, http.MethodGet, "/api/v1/statuses/"+reply.ID, "", nil)
	wantStatus(t, rec, http.StatusOK)
	if st := decode[Status](t, rec); st.RepliesCount != 1 {
		t.Errorf("replies_count = %d, want 1 (the private reply does not count)", st.RepliesCount)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, http.MethodGet, "/api/v1/statuses/"+tt.id+"/context", tt.token, nil)
			wantStatus(t, rec, http.StatusOK)
			if body := rec.Body.String(); !strings.Contains(body, `"ancestors":[`) || !strings.Contains(body, `"descendants":[`) {
				t.Errorf("a list is not a JSON array: %s", body)
			}
			c := decode[struct {
				Ancestors   []Status `json:"ancestors"`
				Descendants []Status `json:"descendants"`
			}](t, rec)
			if got := statusIDs(c.Ancestors); !equalStrings(got, tt.ancestors) {
				t.Errorf("ancestors = %v, want %v", got, tt.ancestors)
			}
			if got := statusIDs(c.Descendants); !equalStrings(got, tt.descendants) {
				t.Errorf("descendants = %v, want %v", got, tt.descendants)
			}
		})
	}
}

func statusIDs(list []Status) []string {
	out := []string{}
	for _, s := range list {
		out = append(out, s.ID)
	}
	return out
}

func equalStrings(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

func mustID(t testing.TB, id string) int64 {
	t.Helper()
	n, ok := snowflake.Parse(id)
	if !ok {
		t.Fatalf("bad id %q", id)
	}
	return n
}

func TestGetStatuses(t *testing.T) {
	api := newTestAPI(t)
	author, authorID := api.signUp(t, "author")
	follower, _ := api.signUp(t, "follower")
	api.follow(t, follower, authorID)
	public := api.post(t, author, url.Values{"status": {"public"}})
	private := api.post(t, author, url.Values{"status": {"private"}, "visibility": {"private"}})
	tooMany := strings.Repeat("&id[]="+public.ID, maxStatusIDs+1)

	tests := []struct {
		name   string
		query  string
		token  string
		status int
		want   []string
	}{
		{"none", "", "", 200, []string{}},
		{"one", "?id=" + public.ID, "", 200, []string{public.ID}},
		{"follower, in order", "?id[]=" + private.ID + "&id[]=" + public.ID, follower, 200, []string{private.ID, public.ID}},
		{"anonymous, hidden left out", "?id[]=" + private.ID + "&id[]=" + public.ID, "", 200, []string{public.ID}},
		{"malformed", "?id[]=x", "", 400, nil},
		{"too many", "?" + tooMany[1:], "", 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, http.MethodGet, "/api/v1/statuses"+tt.query, tt.token, nil)
			wantStatus(t, rec, tt.status)
			if tt.status == 200 {
				if got := statusIDs(decode[[]Status](t, rec)); !equalStrings(got, tt.want) {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}
