package mastodon

import (
	"context"
	"encoding/base64"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/oauth"
)

func TestCreateApp(t *testing.T) {
	api := newTestAPI(t)
	tests := []struct {
		name      string
		body      any
		wantURIs  []string
		wantScope []string
	}{
		{"JSON with an array", map[string]any{"client_name": "Ivory", "redirect_uris": []string{"https://ivory.app/cb", "ivory://cb"},
			"scopes": "read write", "website": "https://ivory.app"}, []string{"https://ivory.app/cb", "ivory://cb"}, []string{"read", "write"}},
		{"JSON with a string", map[string]any{"client_name": "toot", "redirect_uris": oauth.OOB},
			[]string{oauth.OOB}, []string{"read"}},
		{"form", url.Values{"client_name": {"Form app"}, "redirect_uris": {"https://a.example/1\nhttps://a.example/2"},
			"scopes": {"read write follow push"}}, []string{"https://a.example/1", "https://a.example/2"},
			[]string{"read", "write", "follow", "push"}},
		{"form with a Rails array", url.Values{"client_name": {"Rails"}, "redirect_uris[]": {"https://r.example/cb"}},
			[]string{"https://r.example/cb"}, []string{"read"}},
		{"no redirect URIs", url.Values{"client_name": {"Bare"}}, []string{oauth.OOB}, []string{"read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, "POST", "/api/v1/apps", "", tt.body)
			wantStatus(t, rec, 200)
			got := decode[map[string]any](t, rec)
			app := decode[CredentialApplication](t, rec)
			if !slices.Equal(app.RedirectURIs, tt.wantURIs) || app.RedirectURI != strings.Join(tt.wantURIs, "\n") ||
				!slices.Equal(app.Scopes, tt.wantScope) || app.ClientID == "" || app.ClientSecret == "" || app.ID == "" {
				t.Fatalf("%s", rec.Body)
			}
			for _, key := range []string{"client_secret_expires_at", "vapid_key", "website", "name"} {
				if _, ok := got[key]; !ok {
					t.Errorf("%s missing", key)
				}
			}
			if got["client_secret_expires_at"] != float64(0) {
				t.Errorf("client_secret_expires_at %v", got["client_secret_expires_at"])
			}
			// The credentials work at the token endpoint.
			rec = api.do(t, "POST", "/oauth/token", "", url.Values{"grant_type": {"client_credentials"},
				"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}})
			wantStatus(t, rec, 200)
		})
	}

	invalid := []struct {
		name  string
		body  any
		field string
	}{
		{"no name", url.Values{"redirect_uris": {oauth.OOB}}, "client_name"},
		{"relative redirect", map[string]any{"client_name": "x", "redirect_uris": []string{"/cb"}}, "redirect_uris"},
		{"unknown scope", map[string]any{"client_name": "x", "scopes": "read delete"}, "scopes"},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, "POST", "/api/v1/apps", "", tt.body)
			wantStatus(t, rec, 422)
			if e := decode[apiError](t, rec); len(e.Details[tt.field]) == 0 {
				t.Fatalf("%s", rec.Body)
			}
		})
	}
	t.Run("malformed JSON", func(t *testing.T) {
		wantStatus(t, api.do(t, "POST", "/api/v1/apps", "", `{"client_name":`), 400)
	})
}

func TestVerifyApp(t *testing.T) {
	api := newTestAPI(t)
	user, _ := api.signUp(t, "alice")
	minted, err := api.Svc.OAuth.MintToken(context.Background(), mustAccountID(t, api, "alice"), "read")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		token  string
		status int
	}{
		{"app token", api.appToken(t, "read"), 200},
		{"user token", user, 200},
		{"narrow user token", api.tokenFor(t, mustAccountID(t, api, "alice"), "write:media"), 200},
		{"admin-minted token has no app", minted.AccessToken, 404},
		{"no token", "", 401},
		{"wrong token", "nope", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, "GET", "/api/v1/apps/verify_credentials", tt.token, nil)
			wantStatus(t, rec, tt.status)
			if tt.status != 200 {
				return
			}
			app := decode[map[string]any](t, rec)
			if app["name"] != "Test client" || app["website"] != "https://client.test" || app["client_secret"] != nil {
				t.Fatalf("%s", rec.Body)
			}
		})
	}
}

// mustAccountID returns the id of the account named username.
func mustAccountID(t testing.TB, api *testAPI, username string) int64 {
	t.Helper()
	a, err := api.Svc.Accounts.ByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

var csrfFieldRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// authorizePage fetches the authorization page for query and returns the
// response, the CSRF cookie and the form's CSRF value.
func authorizePage(t *testing.T, api *testAPI, query url.Values) (*httptest.ResponseRecorder, *http.Cookie, string) {
	t.Helper()
	rec := api.do(t, "GET", "/oauth/authorize?"+query.Encode(), "", nil)
	wantStatus(t, rec, 200)
	var cookie *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == csrfCookie {
			cookie = c
		}
	}
	m := csrfFieldRe.FindStringSubmatch(rec.Body.String())
	if cookie == nil || m == nil {
		t.Fatalf("no CSRF cookie or field: %v\n%s", rec.Result().Cookies(), rec.Body)
	}
	return rec, cookie, m[1]
}

// hiddenFields returns the hidden inputs of the page's form, as a browser
// would send them.
func hiddenFields(t *testing.T, page string) url.Values {
	t.Helper()
	out := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(page, -1) {
		out.Set(m[1], html.UnescapeString(m[2]))
	}
	return out
}

// postAuthorize submits the authorization form.
func postAuthorize(t *testing.T, api *testAPI, form url.Values, cookie *http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("POST", "/oauth/authorize", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	return api.send(req)
}

func wantPageHeaders(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	h := rec.Header()
	for k, want := range map[string]string{
		"Content-Type":    "text/html; charset=utf-8",
		"X-Frame-Options": "DENY",
		"Referrer-Policy": "no-referrer",
		"Cache-Control":   "no-store",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") ||
		!strings.Contains(csp, "style-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
	if strings.Contains(rec.Body.String(), "style=") || strings.Contains(rec.Body.String(), "<script") {
		t.Error("inline style or script on the page")
	}
}

func TestAuthorizationCodeFlowWithPKCE(t *testing.T) {
	api := newTestAPI(t)
	_, aliceID := api.signUp(t, "alice")
	verifier := base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("v", 40)))
	query := url.Values{
		"client_id": {api.App.ClientID}, "redirect_uri": {"https://client.test/callback"}, "response_type": {"code"},
		"scope": {"read write"}, "state": {"xyz <&>"}, "code_challenge": {oauth.S256(verifier)}, "code_challenge_method": {"S256"},
	}
	page, cookie, csrf := authorizePage(t, api, query)
	wantPageHeaders(t, page)
	body := page.Body.String()
	for _, want := range []string{"Test client", "Read all your account", "Change all your account", `href="/oauth/style.css"`,
		"sent back to <strong>client.test</strong>",
		`name="password"`, `value="authorize"`, `value="deny"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || !cookie.Secure {
		t.Errorf("cookie %+v", cookie)
	}

	form := hiddenFields(t, body)
	if form.Get("state") != "xyz <&>" || form.Get("csrf_token") != csrf {
		t.Fatalf("hidden fields %v", form)
	}
	form.Set("username", "alice")
	form.Set("password", testPassword)
	form.Set("decision", "authorize")
	rec := postAuthorize(t, api, form, cookie)
	wantStatus(t, rec, 302)
	loc, err := url.Parse(rec.Header().Get("Location"))
	if err != nil || loc.Host != "client.test" || loc.Path != "/callback" || loc.Query().Get("state") != "xyz <&>" {
		t.Fatalf("Location %q", rec.Header().Get("Location"))
	}
	code := loc.Query().Get("code")

	exchange := url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {"https://client.test/callback"}, "code_verifier": {verifier}}
	req := httptest.NewRequest("POST", "/oauth/token", strings.NewReader(exchange.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(api.App.ClientID), url.QueryEscape(api.ClientSecret))
	rec = api.send(req)
	wantStatus(t, rec, 200)
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("token response cacheable: %q", rec.Header().Get("Cache-Control"))
	}
	tok := decode[Token](t, rec)
	if tok.TokenType != "Bearer" || tok.Scope != "read write" || tok.AccessToken == "" || tok.RefreshToken == "" || tok.CreatedAt == 0 {
		t.Fatalf("%s", rec.Body)
	}
	rec = api.do(t, "GET", "/api/v1/accounts/verify_credentials", tok.AccessToken, nil)
	wantStatus(t, rec, 200)
	if a := decode[Account](t, rec); a.ID != aliceID {
		t.Fatalf("%s", rec.Body)
	}
	// The code works once.
	req = httptest.NewRequest("POST", "/oauth/token", strings.NewReader(exchange.Encode()+"&client_id="+
		url.QueryEscape(api.App.ClientID)+"&client_secret="+url.QueryEscape(api.ClientSecret)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec = api.send(req)
	wantStatus(t, rec, 400)
	if e := decode[apiError](t, rec); e.Error != oauth.InvalidGrant || e.ErrorDescription == "" {
		t.Fatalf("%s", rec.Body)
	}
}

func TestAuthorizeOutOfBand(t *testing.T) {
	api := newTestAPI(t)
	api.signUp(t, "alice")
	page, cookie, _ := authorizePage(t, api, url.Values{"client_id": {api.App.ClientID}, "redirect_uri": {oauth.OOB},
		"response_type": {"code"}})
	form := hiddenFields(t, page.Body.String())
	form.Set("username", "alice@example.com")
	form.Set("password", testPassword)
	form.Set("decision", "authorize")
	rec := postAuthorize(t, api, form, cookie)
	wantStatus(t, rec, 200)
	wantPageHeaders(t, rec)
	m := regexp.MustCompile(`class="code" type="text" readonly value="([A-Za-z0-9_-]{43})"`).FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatalf("no code on the page:\n%s", rec.Body)
	}
	rec = api.do(t, "POST", "/oauth/token", "", map[string]string{"grant_type": "authorization_code", "code": m[1],
		"redirect_uri": oauth.OOB, "client_id": api.App.ClientID, "client_secret": api.ClientSecret})
	wantStatus(t, rec, 200)
	if tok := decode[Token](t, rec); tok.Scope != "read" {
		t.Fatalf("%s", rec.Body)
	}
}

func TestAuthorizeForm(t *testing.T) {
	api := newTestAPI(t)
	api.signUp(t, "alice")
	query := url.Values{"client_id": {api.App.ClientID}, "redirect_uri": {"https://client.test/callback"},
		"response_type": {"code"}, "state": {"s1"}}
	page, cookie, _ := authorizePage(t, api, query)
	base := hiddenFields(t, page.Body.String())
	with := func(kv ...string) url.Values {
		f := url.Values{}
		for k, vs := range base {
			f[k] = vs
		}
		for i := 0; i < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return f
	}
	other := &http.Cookie{Name: csrfCookie, Value: oauth.NewSecret()}
	tests := []struct {
		name     string
		form     url.Values
		cookie   *http.Cookie
		status   int
		contains string
		location string // prefix of Location when redirected
	}{
		{"wrong password", with("username", "alice", "password", "wrong password", "decision", "authorize"), cookie,
			401, "wrong", ""},
		{"unknown person", with("username", "bob", "password", testPassword, "decision", "authorize"), cookie,
			401, "wrong", ""},
		{"no CSRF cookie", with("username", "alice", "password", testPassword, "decision", "authorize"), nil,
			403, "expired", ""},
		{"other CSRF cookie", with("username", "alice", "password", testPassword, "decision", "authorize"), other,
			403, "expired", ""},
		{"no CSRF field", with("csrf_token", "", "username", "alice", "password", testPassword, "decision", "authorize"), cookie,
			403, "expired", ""},
		{"tampered redirect", with("redirect_uri", "https://evil.example/", "username", "alice", "password", testPassword,
			"decision", "authorize"), cookie, 400, "redirect_uri", ""},
		{"tampered scope", with("scope", "admin:write", "username", "alice", "password", testPassword,
			"decision", "authorize"), cookie, 400, "scope", ""},
		{"deny", with("decision", "deny"), cookie, 302, "",
			"https://client.test/callback?error=access_denied&error_description="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := postAuthorize(t, api, tt.form, tt.cookie)
			wantStatus(t, rec, tt.status)
			if tt.location != "" {
				loc := rec.Header().Get("Location")
				if !strings.HasPrefix(loc, tt.location) || !strings.HasSuffix(loc, "&state=s1") {
					t.Fatalf("Location %q", loc)
				}
				return
			}
			wantPageHeaders(t, rec)
			if !strings.Contains(rec.Body.String(), tt.contains) || strings.Contains(rec.Body.String(), "code=") {
				t.Fatalf("page:\n%s", rec.Body)
			}
		})
	}
	t.Run("a failed sign-in shows the form again with the login kept", func(t *testing.T) {
		rec := postAuthorize(t, api, with("username", "alice", "password", "nope nope", "decision", "authorize"), cookie)
		wantStatus(t, rec, 401)
		if !strings.Contains(rec.Body.String(), `value="alice"`) || !csrfFieldRe.MatchString(rec.Body.String()) {
			t.Fatalf("page:\n%s", rec.Body)
		}
	})
	t.Run("an account awaiting approval", func(t *testing.T) {
		a, err := api.Store.AccountByUsername(context.Background(), "alice")
		if err != nil {
			t.Fatal(err)
		}
		setApproved := func(approved bool) error {
			_, err := api.Store.UpdateAccount(context.Background(), a.ID, func(a *starling.Account) error {
				a.Approved = approved
				return nil
			})
			return err
		}
		if err := setApproved(false); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = setApproved(true) }()
		rec := postAuthorize(t, api, with("username", "alice", "password", testPassword, "decision", "authorize"), cookie)
		wantStatus(t, rec, 403)
		if !strings.Contains(rec.Body.String(), "approval") {
			t.Fatalf("page:\n%s", rec.Body)
		}
	})
}

func TestAuthorizePageErrors(t *testing.T) {
	api := newTestAPI(t)
	ok := url.Values{"client_id": {api.App.ClientID}, "redirect_uri": {oauth.OOB}, "response_type": {"code"}}
	with := func(k, v string) url.Values {
		q := url.Values{}
		for kk, vs := range ok {
			q[kk] = vs
		}
		q.Set(k, v)
		return q
	}
	tests := []struct {
		name  string
		query url.Values
	}{
		{"unknown client", with("client_id", "nope")},
		{"no client", with("client_id", "")},
		{"unregistered redirect", with("redirect_uri", "https://evil.example/cb")},
		{"implicit flow", with("response_type", "token")},
		{"scope beyond the app", with("scope", "admin:read")},
		{"plain PKCE", with("code_challenge_method", "plain")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, "GET", "/oauth/authorize?"+tt.query.Encode(), "", nil)
			wantStatus(t, rec, 400)
			wantPageHeaders(t, rec)
			if !strings.Contains(rec.Body.String(), "Authorization failed") || rec.Header().Get("Location") != "" ||
				len(rec.Result().Cookies()) != 0 {
				t.Fatalf("%v\n%s", rec.Header(), rec.Body)
			}
		})
	}
	t.Run("stylesheet", func(t *testing.T) {
		rec := api.do(t, "GET", "/oauth/style.css", "", nil)
		wantStatus(t, rec, 200)
		if rec.Header().Get("Content-Type") != "text/css; charset=utf-8" || !strings.Contains(rec.Body.String(), "button") {
			t.Fatalf("%v", rec.Header())
		}
	})
}

func TestTokenEndpointErrors(t *testing.T) {
	api := newTestAPI(t)
	api.signUp(t, "alice")
	client := func(kv ...string) url.Values {
		v := url.Values{"client_id": {api.App.ClientID}, "client_secret": {api.ClientSecret}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	tests := []struct {
		name   string
		body   any
		basic  []string // client id and secret for HTTP Basic
		status int
		code   string
	}{
		{"no grant type", client(), nil, 400, oauth.InvalidRequest},
		{"implicit grant", client("grant_type", "implicit"), nil, 400, oauth.UnsupportedGrantType},
		{"wrong secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {api.App.ClientID},
			"client_secret": {"wrong"}}, nil, 401, oauth.InvalidClient},
		{"wrong Basic secret", url.Values{"grant_type": {"client_credentials"}}, []string{api.App.ClientID, "wrong"}, 401, oauth.InvalidClient},
		{"no client", url.Values{"grant_type": {"client_credentials"}}, nil, 401, oauth.InvalidClient},
		{"Basic and body disagree", client("grant_type", "client_credentials", "client_secret", "other"),
			[]string{api.App.ClientID, api.ClientSecret}, 400, oauth.InvalidRequest},
		{"scope beyond the app", client("grant_type", "client_credentials", "scope", "admin:read"), nil, 400, oauth.InvalidScope},
		{"unknown code", client("grant_type", "authorization_code", "code", "nope", "redirect_uri", oauth.OOB), nil, 400, oauth.InvalidGrant},
		{"wrong password", client("grant_type", "password", "username", "alice", "password", "nope"), nil, 400, oauth.InvalidGrant},
		{"unknown refresh token", client("grant_type", "refresh_token", "refresh_token", "nope"), nil, 400, oauth.InvalidGrant},
		{"malformed JSON", `{"grant_type":`, nil, 400, oauth.InvalidRequest},
		{"JSON error too", map[string]string{"grant_type": "password", "client_id": api.App.ClientID,
			"client_secret": api.ClientSecret, "username": "alice"}, nil, 400, oauth.InvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec *httptest.ResponseRecorder
			if tt.basic != nil {
				req := httptest.NewRequest("POST", "/oauth/token", strings.NewReader(tt.body.(url.Values).Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(tt.basic[0], tt.basic[1])
				rec = api.send(req)
			} else {
				rec = api.do(t, "POST", "/oauth/token", "", tt.body)
			}
			wantStatus(t, rec, tt.status)
			e := decode[apiError](t, rec)
			if e.Error != tt.code || e.ErrorDescription == "" {
				t.Fatalf("%s", rec.Body)
			}
			if tt.status == 401 && tt.basic != nil && rec.Header().Get("WWW-Authenticate") == "" {
				t.Error("no WWW-Authenticate challenge after failed Basic authentication")
			}
		})
	}
}

func TestPasswordGrantAndRefresh(t *testing.T) {
	api := newTestAPI(t)
	_, aliceID := api.signUp(t, "alice")
	var refresh string
	for _, login := range []string{"alice", "ALICE", "alice@example.com"} {
		t.Run(login, func(t *testing.T) {
			rec := api.do(t, "POST", "/oauth/token", "", map[string]string{"grant_type": "password", "username": login,
				"password": testPassword, "client_id": api.App.ClientID, "client_secret": api.ClientSecret, "scope": "read write"})
			wantStatus(t, rec, 200)
			tok := decode[Token](t, rec)
			rec = api.do(t, "GET", "/api/v1/accounts/verify_credentials", tok.AccessToken, nil)
			wantStatus(t, rec, 200)
			if decode[Account](t, rec).ID != aliceID {
				t.Fatalf("%s", rec.Body)
			}
			refresh = tok.RefreshToken
		})
	}

	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {api.App.ClientID},
		"client_secret": {api.ClientSecret}, "scope": {"read"}}
	rec := api.do(t, "POST", "/oauth/token", "", form)
	wantStatus(t, rec, 200)
	fresh := decode[Token](t, rec)
	if fresh.Scope != "read" || fresh.RefreshToken == "" || fresh.RefreshToken == refresh {
		t.Fatalf("%s", rec.Body)
	}
	// Rotation: the old refresh token is spent, the new one works.
	rec = api.do(t, "POST", "/oauth/token", "", form)
	wantStatus(t, rec, 400)
	form.Set("refresh_token", fresh.RefreshToken)
	wantStatus(t, api.do(t, "POST", "/oauth/token", "", form), 200)
	wantStatus(t, api.do(t, "GET", "/api/v1/accounts/verify_credentials", fresh.AccessToken, nil), 401)
}

func TestRevokeEndpoint(t *testing.T) {
	api := newTestAPI(t)
	token, _ := api.signUp(t, "alice")
	other := decode[CredentialApplication](t, api.do(t, "POST", "/api/v1/apps", "", map[string]string{"client_name": "Other"}))
	wantStatus(t, api.do(t, "GET", "/api/v1/accounts/verify_credentials", token, nil), 200)

	revoke := func(clientID, secret, tok string) *httptest.ResponseRecorder {
		return api.do(t, "POST", "/oauth/revoke", "", url.Values{"client_id": {clientID}, "client_secret": {secret}, "token": {tok}})
	}
	rec := revoke(other.ClientID, other.ClientSecret, token)
	wantStatus(t, rec, 403)
	if decode[apiError](t, rec).Error != oauth.UnauthorizedClient {
		t.Fatalf("%s", rec.Body)
	}
	rec = revoke(api.App.ClientID, "wrong", token)
	wantStatus(t, rec, 401)
	rec = revoke(api.App.ClientID, api.ClientSecret, "")
	wantStatus(t, rec, 400)
	wantStatus(t, api.do(t, "GET", "/api/v1/accounts/verify_credentials", token, nil), 200)

	for _, tok := range []string{token, token, "never-issued"} {
		rec = revoke(api.App.ClientID, api.ClientSecret, tok)
		wantStatus(t, rec, 200)
		if strings.TrimSpace(rec.Body.String()) != "{}" {
			t.Fatalf("%s", rec.Body)
		}
	}
	rec = api.do(t, "GET", "/api/v1/accounts/verify_credentials", token, nil)
	wantStatus(t, rec, 401)
	if decode[apiError](t, rec).Error != "The access token is invalid" {
		t.Fatalf("%s", rec.Body)
	}
}

func TestOAuthMetadata(t *testing.T) {
	api := newTestAPI(t)
	rec := api.do(t, "GET", "/.well-known/oauth-authorization-server", "", nil)
	wantStatus(t, rec, 200)
	m := decode[map[string]any](t, rec)
	for k, want := range map[string]string{
		"issuer":                    "https://starling.test/",
		"authorization_endpoint":    "https://starling.test/oauth/authorize",
		"token_endpoint":            "https://starling.test/oauth/token",
		"revocation_endpoint":       "https://starling.test/oauth/revoke",
		"app_registration_endpoint": "https://starling.test/api/v1/apps",
	} {
		if m[k] != want {
			t.Errorf("%s = %v, want %s", k, m[k], want)
		}
	}
	has := func(key, v string) bool {
		list, _ := m[key].([]any)
		return slices.Contains(list, any(v))
	}
	for _, c := range [][2]string{{"code_challenge_methods_supported", "S256"}, {"response_types_supported", "code"},
		{"grant_types_supported", "authorization_code"}, {"grant_types_supported", "password"},
		{"grant_types_supported", "client_credentials"}, {"grant_types_supported", "refresh_token"},
		{"scopes_supported", "read"}, {"scopes_supported", "write:accounts"}, {"scopes_supported", "profile"},
		{"token_endpoint_auth_methods_supported", "client_secret_basic"}, {"response_modes_supported", "query"}} {
		if !has(c[0], c[1]) {
			t.Errorf("%s lacks %s", c[0], c[1])
		}
	}
	if has("code_challenge_methods_supported", "plain") {
		t.Error("plain PKCE advertised")
	}
}

// TestConsentReturnTo checks how the consent page names where the answer
// goes: the host of a web address, the whole URI of any other scheme
// (whose "host" any app may claim), nothing for the out-of-band URI.
func TestConsentReturnTo(t *testing.T) {
	api := newTestAPI(t)
	for _, tc := range []struct {
		uri  string
		want string // "" when the page must not say
	}{
		{"https://client.test/callback", "client.test"},
		{"http://localhost:8080/cb", "localhost:8080"},
		{"evilapp://elk.zone/callback", "evilapp://elk.zone/callback"},
		{"com.example.app:/oauth", "com.example.app:/oauth"},
		{oauth.OOB, ""},
	} {
		app, _, err := api.Svc.OAuth.RegisterApp(context.Background(), "App", "", []string{tc.uri}, "read")
		if err != nil {
			t.Fatal(err)
		}
		page, _, _ := authorizePage(t, api, url.Values{"client_id": {app.ClientID}, "redirect_uri": {tc.uri},
			"response_type": {"code"}})
		body := page.Body.String()
		switch {
		case tc.want == "" && strings.Contains(body, "sent back to"):
			t.Errorf("%s: the page names a destination:\n%s", tc.uri, body)
		case tc.want != "" && !strings.Contains(body, "sent back to <strong>"+html.EscapeString(tc.want)+"</strong>"):
			t.Errorf("%s: the page does not say it sends back to %q:\n%s", tc.uri, tc.want, body)
		}
	}
}

// TestAuthorizeAdminScopes checks that a person whose role is user who
// approves a request for admin scopes gets no code: the client is told
// invalid_scope at its redirect URI.
func TestAuthorizeAdminScopes(t *testing.T) {
	api := newTestAPI(t)
	api.signUp(t, "alice")
	app, _, err := api.Svc.OAuth.RegisterApp(context.Background(), "Admin tool", "",
		[]string{"https://admin.test/cb"}, "read admin:read")
	if err != nil {
		t.Fatal(err)
	}
	page, cookie, _ := authorizePage(t, api, url.Values{"client_id": {app.ClientID}, "redirect_uri": {"https://admin.test/cb"},
		"response_type": {"code"}, "scope": {"read admin:read"}, "state": {"s"}})
	form := hiddenFields(t, page.Body.String())
	form.Set("username", "alice")
	form.Set("password", testPassword)
	form.Set("decision", "authorize")
	rec := postAuthorize(t, api, form, cookie)
	wantStatus(t, rec, 302)
	loc, err := url.Parse(rec.Header().Get("Location"))
	if err != nil || loc.Host != "admin.test" || loc.Query().Get("error") != oauth.InvalidScope ||
		loc.Query().Get("code") != "" || loc.Query().Get("state") != "s" {
		t.Fatalf("Location %q", rec.Header().Get("Location"))
	}
}
