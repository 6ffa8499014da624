package mastodon

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/snowflake"
)

// signUpBody is a valid sign-up for username.
func signUpBody(username string) map[string]any {
	return map[string]any{"username": username, "email": username + "@example.com", "password": "hunter2hunter2",
		"agreement": true, "locale": "en"}
}

func TestSignUpThroughTheAPI(t *testing.T) {
	api := newTestAPI(t)
	// A client registers, gets an app token, signs a person up and uses
	// the token it gets back, as Mastodon apps do.
	app := decode[CredentialApplication](t, api.do(t, "POST", "/api/v1/apps", "", url.Values{
		"client_name": {"Signup app"}, "scopes": {"read write follow"}}))
	rec := api.do(t, "POST", "/oauth/token", "", url.Values{"grant_type": {"client_credentials"},
		"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "scope": {"read write follow"}})
	wantStatus(t, rec, 200)
	appToken := decode[Token](t, rec).AccessToken

	for _, body := range []any{
		signUpBody("Newbie"),
		url.Values{"username": {"formie"}, "email": {"formie@example.com"}, "password": {"hunter2hunter2"}, "agreement": {"1"}},
	} {
		rec = api.do(t, "POST", "/api/v1/accounts", appToken, body)
		wantStatus(t, rec, 200)
		tok := decode[Token](t, rec)
		if tok.Scope != "read write follow" || tok.TokenType != "Bearer" || tok.AccessToken == "" {
			t.Fatalf("%s", rec.Body)
		}
		rec = api.do(t, "GET", "/api/v1/accounts/verify_credentials", tok.AccessToken, nil)
		wantStatus(t, rec, 200)
		acct := decode[Account](t, rec)
		if acct.Source == nil || acct.Source.Privacy != "public" || acct.Role == nil || acct.Acct != acct.Username {
			t.Fatalf("%s", rec.Body)
		}
	}
	// The new person can also sign in with the password.
	rec = api.do(t, "POST", "/oauth/token", "", url.Values{"grant_type": {"password"}, "username": {"newbie@example.com"},
		"password": {"hunter2hunter2"}, "client_id": {app.ClientID}, "client_secret": {app.ClientSecret}})
	wantStatus(t, rec, 200)
}

func TestSignUpInvalid(t *testing.T) {
	api := newTestAPI(t)
	api.signUp(t, "Taken")
	token := api.appToken(t, "write")
	with := func(k string, v any) map[string]any {
		b := signUpBody("fresh")
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	tests := []struct {
		name  string
		body  map[string]any
		field string
		code  string
	}{
		{"taken in another case", with("username", "TAKEN"), "username", starling.ErrTaken},
		{"e-mail taken", with("email", "taken@EXAMPLE.com"), "email", starling.ErrTaken},
		{"reserved", with("username", "admin"), "username", starling.ErrReserved},
		{"reserved in capitals", with("username", "Moderator"), "username", starling.ErrReserved},
		{"hyphen", with("username", "new-bie"), "username", starling.ErrInvalid},
		{"space", with("username", "new bie"), "username", starling.ErrInvalid},
		{"31 characters", with("username", strings.Repeat("u", 31)), "username", starling.ErrTooLong},
		{"no username", with("username", nil), "username", starling.ErrBlank},
		{"blank e-mail", with("email", ""), "email", starling.ErrBlank},
		{"no e-mail", with("email", nil), "email", starling.ErrBlank},
		{"malformed e-mail", with("email", "fresh@@example.com"), "email", starling.ErrInvalid},
		{"agreement false", with("agreement", false), "agreement", starling.ErrAccepted},
		{"agreement missing", with("agreement", nil), "agreement", starling.ErrAccepted},
		{"short password", with("password", "short"), "password", starling.ErrTooShort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, "POST", "/api/v1/accounts", token, tt.body)
			wantStatus(t, rec, 422)
			e := decode[apiError](t, rec)
			if len(e.Details) != 1 || len(e.Details[tt.field]) != 1 || e.Details[tt.field][0].Error != tt.code ||
				!strings.HasPrefix(e.Error, "Validation failed") {
				t.Fatalf("%s", rec.Body)
			}
		})
	}
	t.Run("every problem at once", func(t *testing.T) {
		rec := api.do(t, "POST", "/api/v1/accounts", token, map[string]any{"username": "taken", "email": "x", "password": "1"})
		wantStatus(t, rec, 422)
		e := decode[apiError](t, rec)
		for _, f := range []string{"username", "email", "password", "agreement"} {
			if len(e.Details[f]) == 0 {
				t.Errorf("no detail for %s: %s", f, rec.Body)
			}
		}
	})
	t.Run("agreement not a boolean", func(t *testing.T) {
		wantStatus(t, api.do(t, "POST", "/api/v1/accounts", token, with("agreement", "perhaps")), 400)
	})
	t.Run("nothing was created", func(t *testing.T) {
		if _, err := api.Store.AccountByUsername(context.Background(), "fresh"); starling.ErrorCode(err) != starling.ENOTFOUND {
			t.Fatalf("fresh exists: %v", err)
		}
	})
}

func TestSignUpAccess(t *testing.T) {
	api := newTestAPI(t)
	readOnly := api.appToken(t, "read")
	tests := []struct {
		name   string
		token  string
		status int
	}{
		{"no token", "", 401},
		{"wrong token", "not-a-token", 401},
		{"token without write:accounts", readOnly, 403},
		{"token with write:accounts only", api.appToken(t, "write:accounts"), 200},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, "POST", "/api/v1/accounts", tt.token, signUpBody("person"+string(rune('a'+i))))
			wantStatus(t, rec, tt.status)
		})
	}
}

func TestRegistrationModes(t *testing.T) {
	t.Run("closed", func(t *testing.T) {
		api := newTestAPIWith(t, func(c *Config) { c.Registrations = RegistrationsClosed })
		rec := api.do(t, "POST", "/api/v1/accounts", api.appToken(t, "write"), signUpBody("hopeful"))
		wantStatus(t, rec, 403)
		if e := decode[apiError](t, rec); !strings.Contains(e.Error, "closed") {
			t.Fatalf("%s", rec.Body)
		}
		if _, err := api.Store.AccountByUsername(context.Background(), "hopeful"); starling.ErrorCode(err) != starling.ENOTFOUND {
			t.Fatalf("account created: %v", err)
		}
	})
	t.Run("approval", func(t *testing.T) {
		api := newTestAPIWith(t, func(c *Config) { c.Registrations = RegistrationsApproval })
		body := signUpBody("applicant")
		body["reason"] = "I would like to join"
		rec := api.do(t, "POST", "/api/v1/accounts", api.appToken(t, "read write"), body)
		wantStatus(t, rec, 200)
		tok := decode[Token](t, rec)
		rec = api.do(t, "GET", "/api/v1/accounts/verify_credentials", tok.AccessToken, nil)
		wantStatus(t, rec, 403)
		if e := decode[apiError](t, rec); !strings.Contains(e.Error, "pending approval") {
			t.Fatalf("%s", rec.Body)
		}
		a, err := api.Store.AccountByUsername(context.Background(), "applicant")
		if err != nil || a.Approved {
			t.Fatalf("%+v %v", a, err)
		}
		// Moderators read why the applicant wants to join.
		if a.SignUpReason != "I would like to join" || a.Locale != "en" {
			t.Fatalf("reason %q, locale %q", a.SignUpReason, a.Locale)
		}
		// Nobody else sees the applicant yet.
		wantStatus(t, api.do(t, "GET", "/api/v1/accounts/"+snowflake.Format(a.ID), "", nil), 404)
		wantStatus(t, api.do(t, "GET", "/api/v1/accounts/lookup?acct=applicant", "", nil), 404)
		if err := api.Svc.Accounts.Approve(context.Background(), "applicant"); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, api.do(t, "GET", "/api/v1/accounts/verify_credentials", tok.AccessToken, nil), 200)
	})
}

func TestVerifyCredentialsScopes(t *testing.T) {
	api := newTestAPI(t)
	_, id := api.signUp(t, "alice")
	aliceID := mustAccountID(t, api, "alice")
	tests := []struct {
		scopes string
		status int
	}{
		{"read", 200},
		{"read:accounts", 200},
		{"profile", 200},
		{"write", 403},
		{"read:statuses", 403},
	}
	for _, tt := range tests {
		t.Run(tt.scopes, func(t *testing.T) {
			rec := api.do(t, "GET", "/api/v1/accounts/verify_credentials", api.tokenFor(t, aliceID, tt.scopes), nil)
			wantStatus(t, rec, tt.status)
			if tt.status == 200 && decode[Account](t, rec).ID != id {
				t.Fatalf("%s", rec.Body)
			}
		})
	}
	t.Run("app token", func(t *testing.T) {
		wantStatus(t, api.do(t, "GET", "/api/v1/accounts/verify_credentials", api.appToken(t, "read"), nil), 422)
	})
	t.Run("no token", func(t *testing.T) {
		wantStatus(t, api.do(t, "GET", "/api/v1/accounts/verify_credentials", "", nil), 401)
	})
}

func TestUpdateCredentials(t *testing.T) {
	api := newTestAPI(t)
	token, _ := api.signUp(t, "alice")
	api.signUp(t, "bob")

	t.Run("JSON", func(t *testing.T) {
		rec := api.do(t, "PATCH", "/api/v1/accounts/update_credentials", token, map[string]any{
			"display_name": "Alice <3", "note": "Friend of @bob\n\nand #tea", "locked": true, "bot": "false",
			"fields_attributes": []map[string]string{{"name": "Pronouns", "value": "she/her"}, {"name": "Site", "value": "https://alice.example"}},
			"source":            map[string]any{"privacy": "unlisted", "sensitive": true, "language": "fr"},
		})
		wantStatus(t, rec, 200)
		a := decode[Account](t, rec)
		if a.DisplayName != "Alice <3" || !a.Locked || a.Bot || a.Source.Note != "Friend of @bob\n\nand #tea" ||
			!strings.HasPrefix(a.Note, "<p>") || len(a.Fields) != 2 || a.Fields[0].Name != "Pronouns" ||
			a.Source.Fields[1].Value != "https://alice.example" || a.Source.Privacy != "unlisted" || !a.Source.Sensitive ||
			a.Source.Language != "fr" || a.Source.FollowRequestsCount != 0 {
			t.Fatalf("%s", rec.Body)
		}
		for _, want := range []string{`href="https://starling.test/@bob"`, `href="https://starling.test/tags/tea"`} {
			if !strings.Contains(a.Note, want) {
				t.Errorf("note %q lacks %s", a.Note, want)
			}
		}
		// The display name is plain text: the JSON carries it unescaped
		// for the client to escape, not as HTML.
		if !strings.Contains(rec.Body.String(), `"display_name":"Alice <3"`) {
			t.Fatalf("%s", rec.Body)
		}
	})
	t.Run("form with Rails keys, via PUT", func(t *testing.T) {
		rec := api.do(t, "PUT", "/api/v1/accounts/update_credentials", token, url.Values{
			"display_name": {"Alice F."}, "fields_attributes[0][name]": {"Only"}, "fields_attributes[0][value]": {"one"},
			"source[privacy]": {"private"}})
		wantStatus(t, rec, 200)
		a := decode[Account](t, rec)
		if a.DisplayName != "Alice F." || len(a.Fields) != 1 || a.Fields[0].Value != "one" || a.Source.Privacy != "private" ||
			!a.Locked || a.Source.Language != "fr" {
			t.Fatalf("%s", rec.Body)
		}
	})
	t.Run("multipart", func(t *testing.T) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, kv := range [][2]string{{"note", "multipart bio"}, {"locked", "false"}, {"fields_attributes[0][name]", ""},
			{"fields_attributes[0][value]", ""}} {
			if err := mw.WriteField(kv[0], kv[1]); err != nil {
				t.Fatal(err)
			}
		}
		mw.Close()
		req := httptest.NewRequest("PATCH", "/api/v1/accounts/update_credentials", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+token)
		rec := api.send(req)
		wantStatus(t, rec, 200)
		a := decode[Account](t, rec)
		if a.Source.Note != "multipart bio" || a.Locked || len(a.Fields) != 0 || a.DisplayName != "Alice F." {
			t.Fatalf("%s", rec.Body)
		}
	})
	t.Run("empty update changes nothing", func(t *testing.T) {
		rec := api.do(t, "PATCH", "/api/v1/accounts/update_credentials", token, nil)
		wantStatus(t, rec, 200)
		if a := decode[Account](t, rec); a.DisplayName != "Alice F." || a.Source.Note != "multipart bio" {
			t.Fatalf("%s", rec.Body)
		}
	})

	invalid := []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"long display name", map[string]any{"display_name": strings.Repeat("d", 31)}, 422, "display_name"},
		{"long note", map[string]any{"note": strings.Repeat("n", 501)}, 422, "note"},
		{"five fields", url.Values{"fields_attributes[0][name]": {"a"}, "fields_attributes[1][name]": {"b"},
			"fields_attributes[2][name]": {"c"}, "fields_attributes[3][name]": {"d"}, "fields_attributes[4][name]": {"e"}}, 422, "fields_attributes"},
		{"direct default", map[string]any{"source": map[string]string{"privacy": "direct"}}, 422, "source[privacy]"},
		{"bad boolean", map[string]any{"locked": "maybe"}, 400, ""},
		// A bad field fails the whole update: the display name stays.
		{"partly bad", map[string]any{"display_name": "Changed", "note": strings.Repeat("n", 501)}, 422, "note"},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, "PATCH", "/api/v1/accounts/update_credentials", token, tt.body)
			wantStatus(t, rec, tt.status)
			if e := decode[apiError](t, rec); tt.field != "" && len(e.Details[tt.field]) == 0 {
				t.Fatalf("%s", rec.Body)
			}
		})
	}
	if a, _ := api.Store.AccountByUsername(context.Background(), "alice"); a.DisplayName != "Alice F." {
		t.Fatalf("a failed update wrote: %q", a.DisplayName)
	}

	t.Run("scopes", func(t *testing.T) {
		aliceID := mustAccountID(t, api, "alice")
		for scopes, status := range map[string]int{"read": 403, "write:statuses": 403, "write:accounts": 200, "write": 200} {
			rec := api.do(t, "PATCH", "/api/v1/accounts/update_credentials", api.tokenFor(t, aliceID, scopes),
				map[string]string{"display_name": "Alice F."})
			if rec.Code != status {
				t.Errorf("%s: %d, want %d: %s", scopes, rec.Code, status, rec.Body)
			}
		}
		wantStatus(t, api.do(t, "PATCH", "/api/v1/accounts/update_credentials", "", nil), 401)
		wantStatus(t, api.do(t, "PATCH", "/api/v1/accounts/update_credentials", api.appToken(t, "write"), nil), 422)
	})
}

func TestFollowRequestsCount(t *testing.T) {
	api := newTestAPI(t)
	token, _ := api.signUp(t, "alice")
	ctx := context.Background()
	aliceID := mustAccountID(t, api, "alice")
	wantStatus(t, api.do(t, "PATCH", "/api/v1/accounts/update_credentials", token, map[string]any{"locked": true}), 200)
	for i, name := range []string{"bob", "carol"} {
		api.signUp(t, name)
		if err := api.Store.CreateFollowRequest(ctx, mustAccountID(t, api, name), aliceID); err != nil {
			t.Fatal(err)
		}
		rec := api.do(t, "GET", "/api/v1/accounts/verify_credentials", token, nil)
		wantStatus(t, rec, 200)
		if got := decode[Account](t, rec).Source.FollowRequestsCount; got != int64(i+1) {
			t.Fatalf("follow_requests_count %d, want %d", got, i+1)
		}
	}
}

func TestGetAccount(t *testing.T) {
	api := newTestAPI(t)
	_, id := api.signUp(t, "alice")
	token, _ := api.signUp(t, "bob")
	tests := []struct {
		name, path, token string
		status            int
	}{
		{"anonymous", "/api/v1/accounts/" + id, "", 200},
		{"signed in", "/api/v1/accounts/" + id, token, 200},
		{"wrong token", "/api/v1/accounts/" + id, "nope", 401},
		{"missing", "/api/v1/accounts/12345", "", 404},
		{"malformed", "/api/v1/accounts/abc", "", 404},
		{"leading zero", "/api/v1/accounts/0" + id, "", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, "GET", tt.path, tt.token, nil)
			wantStatus(t, rec, tt.status)
			if tt.status != 200 {
				return
			}
			a := decode[map[string]any](t, rec)
			if a["id"] != id || a["username"] != "alice" || a["url"] != "https://starling.test/@alice" ||
				a["source"] != nil || a["role"] != nil {
				t.Fatalf("%s", rec.Body)
			}
			for _, k := range []string{"fields", "emojis"} {
				if list, ok := a[k].([]any); !ok || len(list) != 0 {
					t.Errorf("%s = %v, want []", k, a[k])
				}
			}
		})
	}
}

func TestLookupAccount(t *testing.T) {
	api := newTestAPI(t)
	_, id := api.signUp(t, "Alice")
	tests := []struct {
		acct   string
		status int
	}{
		{"Alice", 200},
		{"alice", 200},
		{"@alice", 200},
		{"alice@starling.test", 200},
		{"@alice@starling.test", 200},
		{"alice@mastodon.social", 404},
		{"nobody", 404},
		{"bad name!", 404},
		{"", 400},
	}
	for _, tt := range tests {
		t.Run(tt.acct, func(t *testing.T) {
			rec := api.do(t, "GET", "/api/v1/accounts/lookup?acct="+url.QueryEscape(tt.acct), "", nil)
			wantStatus(t, rec, tt.status)
			if tt.status == 200 && decode[Account](t, rec).ID != id {
				t.Fatalf("%s", rec.Body)
			}
		})
	}
}

func TestSearchAccounts(t *testing.T) {
	api := newTestAPI(t)
	token, _ := api.signUp(t, "sam")
	for _, n := range []string{"sally", "salma", "bob"} {
		api.signUp(t, n)
	}
	if err := api.Store.Follow(context.Background(), mustAccountID(t, api, "sam"), mustAccountID(t, api, "salma")); err != nil {
		t.Fatal(err)
	}
	names := func(t *testing.T, rec *httptest.ResponseRecorder) []string {
		t.Helper()
		var out []string
		for _, a := range decode[[]Account](t, rec) {
			out = append(out, a.Username)
		}
		return out
	}
	tests := []struct {
		name   string
		query  string
		token  string
		status int
		want   []string // nil: only the count in wantN matters
		wantN  int
	}{
		{"prefix", "q=sa", token, 200, nil, 3},
		{"exact first", "q=sam", token, 200, []string{"sam"}, 1},
		{"acct form", "q=" + url.QueryEscape("@sally@starling.test"), token, 200, []string{"sally"}, 1},
		{"other domain", "q=" + url.QueryEscape("sally@elsewhere.example"), token, 200, []string{}, 0},
		{"no match", "q=zz", token, 200, []string{}, 0},
		{"limit", "q=sa&limit=2", token, 200, nil, 2},
		{"limit 0 means 1", "q=sa&limit=0", token, 200, nil, 1},
		{"last page", "q=sa&limit=2&offset=2", token, 200, nil, 1},
		{"offset past the end", "q=sa&offset=3", token, 200, []string{}, 0},
		{"following", "q=sa&following=true", token, 200, []string{"salma"}, 1},
		{"resolve is accepted", "q=bob&resolve=true", token, 200, []string{"bob"}, 1},
		{"app token", "q=bob", api.appToken(t, "read"), 200, []string{"bob"}, 1},
		{"app token cannot ask for following", "q=bob&following=true", api.appToken(t, "read"), 422, nil, 0},
		{"missing q", "", token, 400, nil, 0},
		{"negative offset", "q=sa&offset=-1", token, 400, nil, 0},
		{"bad limit", "q=sa&limit=x", token, 400, nil, 0},
		{"no token", "q=sa", "", 401, nil, 0},
		{"wrong scope", "q=sa", api.tokenFor(t, mustAccountID(t, api, "sam"), "write"), 403, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, "GET", "/api/v1/accounts/search?"+tt.query, tt.token, nil)
			wantStatus(t, rec, tt.status)
			if tt.status != 200 {
				return
			}
			got := names(t, rec)
			if len(got) != tt.wantN || (tt.want != nil && strings.Join(got, ",") != strings.Join(tt.want, ",")) {
				t.Fatalf("got %v, want %v (%d)", got, tt.want, tt.wantN)
			}
			if tt.wantN == 0 && strings.TrimSpace(rec.Body.String()) != "[]" {
				t.Fatalf("empty result %q, want []", rec.Body)
			}
		})
	}
}

func TestGetAccounts(t *testing.T) {
	api := newTestAPI(t)
	_, a := api.signUp(t, "alice")
	_, b := api.signUp(t, "bob")
	many := url.Values{}
	for i := range starling.MaxAccountPageLimit + 1 {
		many.Add("id[]", snowflake.Format(int64(i+1)))
	}
	tests := []struct {
		name   string
		query  string
		status int
		want   []string
	}{
		{"none", "", 200, []string{}},
		{"one", "id[]=" + a, 200, []string{a}},
		{"in the order asked", "id[]=" + b + "&id[]=" + a, 200, []string{b, a}},
		{"missing skipped, duplicates once", "id[]=999&id[]=" + a + "&id[]=" + a, 200, []string{a}},
		{"repeated plain key", "id=" + a + "&id=" + b, 200, []string{a, b}},
		{"malformed", "id[]=x", 400, nil},
		{"too many", many.Encode(), 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, "GET", "/api/v1/accounts?"+tt.query, "", nil)
			wantStatus(t, rec, tt.status)
			if tt.status != 200 {
				return
			}
			var got []string
			for _, acct := range decode[[]Account](t, rec) {
				got = append(got, acct.ID)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestLockAccount locks an account through update_credentials with each
// kind of body and checks that the lock shows in the answer, in the public
// account and in what following the account then does.
func TestLockAccount(t *testing.T) {
	for _, tt := range []struct {
		name         string
		lock, unlock any
	}{
		{"form", url.Values{"locked": {"true"}}, url.Values{"locked": {"false"}}},
		{"JSON boolean", map[string]any{"locked": true}, map[string]any{"locked": false}},
		{"JSON string", map[string]any{"locked": "true"}, map[string]any{"locked": "false"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api := newTestAPI(t)
			owner, ownerID := api.signUp(t, "olivia")
			asker, _ := api.signUp(t, "asker")

			rec := api.do(t, http.MethodPatch, "/api/v1/accounts/update_credentials", owner, tt.lock)
			wantStatus(t, rec, http.StatusOK)
			if a := decode[Account](t, rec); !a.Locked {
				t.Fatalf("update_credentials answered locked=false: %s", rec.Body)
			}
			for _, token := range []string{"", asker, owner} {
				rec = api.do(t, http.MethodGet, "/api/v1/accounts/"+ownerID, token, nil)
				wantStatus(t, rec, http.StatusOK)
				if a := decode[Account](t, rec); !a.Locked {
					t.Fatalf("GET /api/v1/accounts/%s: locked=false: %s", ownerID, rec.Body)
				}
			}
			if rel := api.follow(t, asker, ownerID); rel.Following || !rel.Requested {
				t.Fatalf("following a locked account: %+v", rel)
			}
			rec = api.do(t, http.MethodGet, "/api/v1/follow_requests", owner, nil)
			wantStatus(t, rec, http.StatusOK)
			if reqs := decode[[]Account](t, rec); len(reqs) != 1 || reqs[0].Username != "asker" {
				t.Fatalf("follow requests: %s", rec.Body)
			}

			// Unlocking shows too; later follows go through at once.
			rec = api.do(t, http.MethodPatch, "/api/v1/accounts/update_credentials", owner, tt.unlock)
			wantStatus(t, rec, http.StatusOK)
			if a := decode[Account](t, rec); a.Locked {
				t.Fatalf("update_credentials answered locked=true: %s", rec.Body)
			}
			other, _ := api.signUp(t, "other")
			if rel := api.follow(t, other, ownerID); !rel.Following || rel.Requested {
				t.Fatalf("following an unlocked account: %+v", rel)
			}
		})
	}
}
