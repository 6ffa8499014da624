package oauth

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/accounts"
	"github.com/starling-social/starling/sqlite"
	"github.com/starling-social/starling/sqlite/sqlitetest"
)

// fixture is a Service on a real SQLite store with one app and one person.
type fixture struct {
	s      *Service
	db     *sqlite.DB
	app    *starling.App
	client Client
	alice  *starling.Account
	clock  time.Time
}

const alicePassword = "alice's password"

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, ids := sqlitetest.Open(t), sqlitetest.IDs(t)
	accts := accounts.New(db, ids, "https://starling.test")
	accts.SetHashParams(accounts.HashParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	f := &fixture{s: New(db, ids, accts), db: db, clock: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	f.s.now = func() time.Time { return f.clock }
	var err error
	f.alice, err = accts.Register(ctx, accounts.RegisterInput{Username: "alice", Email: "alice@example.com",
		Password: alicePassword, Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	f.app, f.client = f.register(t, "read write follow", "https://app.example/cb", OOB)
	return f
}

func (f *fixture) register(t *testing.T, scopes string, uris ...string) (*starling.App, Client) {
	t.Helper()
	app, secret, err := f.s.RegisterApp(context.Background(), "App", "", uris, scopes)
	if err != nil {
		t.Fatal(err)
	}
	return app, Client{ID: app.ClientID, Secret: secret}
}

// code runs an authorization request for alice and returns the code.
func (f *fixture) code(t *testing.T, req AuthorizeRequest) string {
	t.Helper()
	a, err := f.s.CheckAuthorize(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	code, err := f.s.IssueCode(context.Background(), a, f.alice)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// setRole gives alice the role.
func (f *fixture) setRole(t *testing.T, role starling.Role) {
	t.Helper()
	a, err := f.db.UpdateAccount(context.Background(), f.alice.ID, func(a *starling.Account) error {
		a.Role = role
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.alice = a
}

// wantOAuth fails unless err is an *Error with code.
func wantOAuth(t *testing.T, err error, code string) {
	t.Helper()
	var oe *Error
	if !errors.As(err, &oe) || oe.Code != code {
		t.Fatalf("error %v, want OAuth %s", err, code)
	}
}

var secretRe = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

func TestRegisterApp(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	app, secret, err := f.s.RegisterApp(ctx, "  Tusky ", "https://tusky.app", []string{"https://a.example/cb\nmyapp://cb"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if app.Name != "Tusky" || app.Scopes != "read" || !slices.Equal(app.RedirectURIs, []string{"https://a.example/cb", "myapp://cb"}) {
		t.Fatalf("%+v", app)
	}
	if !secretRe.MatchString(secret) || !secretRe.MatchString(app.ClientID) || app.ClientSecretHash != HashSecret(secret) ||
		strings.Contains(app.ClientSecretHash, secret) {
		t.Fatalf("client id %q, secret %q, hash %q", app.ClientID, secret, app.ClientSecretHash)
	}
	stored, err := f.db.AppByClientID(ctx, app.ClientID)
	if err != nil || stored.ID != app.ID {
		t.Fatalf("%v %v", stored, err)
	}
	oob, _, err := f.s.RegisterApp(ctx, "CLI", "", nil, "read+write")
	if err != nil || !slices.Equal(oob.RedirectURIs, []string{OOB}) || oob.Scopes != "read write" {
		t.Fatalf("%+v %v", oob, err)
	}

	invalid := []struct {
		name, appName, website string
		uris                   []string
		scopes                 string
		field, code            string
	}{
		{"no name", " ", "", nil, "", "client_name", starling.ErrBlank},
		{"long name", strings.Repeat("n", 201), "", nil, "", "client_name", starling.ErrTooLong},
		{"relative redirect", "A", "", []string{"/cb"}, "", "redirect_uris", starling.ErrInvalid},
		{"fragment", "A", "", []string{"https://a.example/cb#x"}, "", "redirect_uris", starling.ErrInvalid},
		{"http without host", "A", "", []string{"https:///cb"}, "", "redirect_uris", starling.ErrInvalid},
		{"javascript", "A", "", []string{"javascript:alert(1)"}, "", "redirect_uris", starling.ErrInvalid},
		{"too many", "A", "", []string{strings.Repeat("https://a.example/ ", 11)}, "", "redirect_uris", starling.ErrTooLong},
		{"unknown scope", "A", "", nil, "read everything", "scopes", starling.ErrInvalid},
		{"bad website", "A", "javascript:alert(1)", nil, "", "website", starling.ErrInvalid},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := f.s.RegisterApp(ctx, tt.appName, tt.website, tt.uris, tt.scopes)
			var e *starling.Error
			if !errors.As(err, &e) || e.Code != starling.EINVALID || len(e.Details[tt.field]) == 0 ||
				e.Details[tt.field][0].Error != tt.code {
				t.Fatalf("error %#v, want %s %s", err, tt.field, tt.code)
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	user, err := f.s.PasswordGrant(ctx, f.client, "alice", alicePassword, "read write")
	if err != nil {
		t.Fatal(err)
	}
	appOnly, err := f.s.ClientCredentials(ctx, f.client, "read")
	if err != nil {
		t.Fatal(err)
	}
	f.setRole(t, starling.RoleModerator)
	minted, err := f.s.MintToken(ctx, f.alice.ID, "admin:read read")
	if err != nil {
		t.Fatal(err)
	}

	g, err := f.s.Authenticate(ctx, user.AccessToken)
	if err != nil || g.Account.ID != f.alice.ID || g.App.ID != f.app.ID || !slices.Equal(g.Scopes, Scopes{"read", "write"}) {
		t.Fatalf("user grant %+v, %v", g, err)
	}
	g, err = f.s.Authenticate(ctx, appOnly.AccessToken)
	if err != nil || g.Account != nil || g.App.ID != f.app.ID {
		t.Fatalf("app grant %+v, %v", g, err)
	}
	g, err = f.s.Authenticate(ctx, minted.AccessToken)
	if err != nil || g.App != nil || g.Account.ID != f.alice.ID || g.Token.AppID != 0 || !g.Scopes.Allows("admin:read:reports") {
		t.Fatalf("minted grant %+v, %v", g, err)
	}
	if minted.RefreshToken != "" || appOnly.RefreshToken != "" || user.RefreshToken == "" {
		t.Fatal("refresh tokens: only user grants through an app get one")
	}

	for name, tok := range map[string]string{
		"empty": "", "unknown": NewSecret(), "refresh token as access": user.RefreshToken,
		"huge": strings.Repeat("x", 10000), "client secret": f.client.Secret,
	} {
		if _, err := f.s.Authenticate(ctx, tok); starling.ErrorCode(err) != starling.EUNAUTHORIZED {
			t.Errorf("%s: %v, want EUNAUTHORIZED", name, err)
		}
	}
	if err := f.s.Revoke(ctx, f.client, user.AccessToken); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Authenticate(ctx, user.AccessToken); starling.ErrorCode(err) != starling.EUNAUTHORIZED {
		t.Fatalf("revoked token: %v", err)
	}
	if _, err := f.s.MintToken(ctx, f.alice.ID, "everything"); starling.ErrorCode(err) != starling.EBADREQUEST {
		t.Fatalf("mint with unknown scope: %v", err)
	}
	if _, err := f.s.MintToken(ctx, 12345, "read"); starling.ErrorCode(err) != starling.ENOTFOUND {
		t.Fatalf("mint for nobody: %v", err)
	}
}

func TestPKCEHelpers(t *testing.T) {
	// The example of RFC 7636 appendix B.
	if got := S256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"); got != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
		t.Fatalf("S256 = %q", got)
	}
	verifiers := []struct {
		v  string
		ok bool
	}{
		{strings.Repeat("a", 43), true},
		{strings.Repeat("a", 42), false},
		{strings.Repeat("a", 128), true},
		{strings.Repeat("a", 129), false},
		{strings.Repeat("a", 42) + "~", true},
		{strings.Repeat("a", 42) + "+", false},
		{strings.Repeat("a", 42) + "é", false},
	}
	for _, tt := range verifiers {
		if validVerifier(tt.v) != tt.ok {
			t.Errorf("validVerifier(%q) = %v", tt.v, !tt.ok)
		}
	}
}

func TestCheckAuthorize(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	single, singleClient := f.register(t, "read", "https://single.example/cb")
	challenge := S256(strings.Repeat("v", 50))
	tests := []struct {
		name string
		req  AuthorizeRequest
		code string // "" when valid
	}{
		{"valid", AuthorizeRequest{ClientID: f.client.ID, RedirectURI: OOB, ResponseType: "code", Scope: "read write"}, ""},
		{"valid with PKCE", AuthorizeRequest{ClientID: f.client.ID, RedirectURI: OOB, ResponseType: "code",
			CodeChallenge: challenge, CodeChallengeMethod: "S256"}, ""},
		{"redirect defaults to the only one", AuthorizeRequest{ClientID: singleClient.ID, ResponseType: "code"}, ""},
		{"no client", AuthorizeRequest{RedirectURI: OOB, ResponseType: "code"}, InvalidClient},
		{"unknown client", AuthorizeRequest{ClientID: "nope", RedirectURI: OOB, ResponseType: "code"}, InvalidClient},
		{"unregistered redirect", AuthorizeRequest{ClientID: f.client.ID, RedirectURI: "https://evil.example/cb", ResponseType: "code"}, InvalidRequest},
		{"redirect needed with two registered", AuthorizeRequest{ClientID: f.client.ID, ResponseType: "code"}, InvalidRequest},
		{"token response type", AuthorizeRequest{ClientID: f.client.ID, RedirectURI: OOB, ResponseType: "token"}, UnsupportedResponse},
		{"scope beyond the app", AuthorizeRequest{ClientID: f.client.ID, RedirectURI: OOB, ResponseType: "code", Scope: "push"}, InvalidScope},
		{"unknown scope", AuthorizeRequest{ClientID: f.client.ID, RedirectURI: OOB, ResponseType: "code", Scope: "root"}, InvalidScope},
		{"plain PKCE", AuthorizeRequest{ClientID: f.client.ID, RedirectURI: OOB, ResponseType: "code",
			CodeChallenge: challenge, CodeChallengeMethod: "plain"}, InvalidRequest},
		{"PKCE without method", AuthorizeRequest{ClientID: f.client.ID, RedirectURI: OOB, ResponseType: "code",
			CodeChallenge: challenge}, InvalidRequest},
		{"short challenge", AuthorizeRequest{ClientID: f.client.ID, RedirectURI: OOB, ResponseType: "code",
			CodeChallenge: "abc", CodeChallengeMethod: "S256"}, InvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := f.s.CheckAuthorize(ctx, tt.req)
			if tt.code != "" {
				wantOAuth(t, err, tt.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.req.RedirectURI == "" && a.RedirectURI != single.RedirectURIs[0] {
				t.Fatalf("redirect %q", a.RedirectURI)
			}
			if a.CodeChallenge != tt.req.CodeChallenge {
				t.Fatalf("challenge %q", a.CodeChallenge)
			}
		})
	}
}

func TestExchangeCode(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, other := f.register(t, "read", OOB)
	verifier := strings.Repeat("abc-._~", 7)
	plain := AuthorizeRequest{ClientID: f.client.ID, RedirectURI: "https://app.example/cb", ResponseType: "code", Scope: "read write"}
	pkce := plain
	pkce.CodeChallenge, pkce.CodeChallengeMethod = S256(verifier), "S256"

	t.Run("works once", func(t *testing.T) {
		code := f.code(t, pkce)
		iss, err := f.s.ExchangeCode(ctx, f.client, code, "https://app.example/cb", verifier)
		if err != nil {
			t.Fatal(err)
		}
		if iss.Token.AccountID != f.alice.ID || iss.Token.Scopes != "read write" || !secretRe.MatchString(iss.AccessToken) ||
			!secretRe.MatchString(iss.RefreshToken) || iss.Token.AccessHash != HashSecret(iss.AccessToken) {
			t.Fatalf("%+v", iss)
		}
		_, err = f.s.ExchangeCode(ctx, f.client, code, "https://app.example/cb", verifier)
		wantOAuth(t, err, InvalidGrant)
	})
	t.Run("expires after ten minutes", func(t *testing.T) {
		code := f.code(t, plain)
		f.clock = f.clock.Add(CodeLifetime)
		defer func() { f.clock = f.clock.Add(-CodeLifetime) }()
		_, err := f.s.ExchangeCode(ctx, f.client, code, "https://app.example/cb", "")
		wantOAuth(t, err, InvalidGrant)
	})
	t.Run("valid just before expiry", func(t *testing.T) {
		code := f.code(t, plain)
		f.clock = f.clock.Add(CodeLifetime - time.Millisecond)
		defer func() { f.clock = f.clock.Add(-(CodeLifetime - time.Millisecond)) }()
		if _, err := f.s.ExchangeCode(ctx, f.client, code, "https://app.example/cb", ""); err != nil {
			t.Fatal(err)
		}
	})

	failures := []struct {
		name     string
		req      AuthorizeRequest
		client   Client
		code     string // replaces the issued code when set
		redirect string
		verifier string
		want     string
	}{
		{"wrong secret", plain, Client{f.client.ID, "wrong"}, "", "https://app.example/cb", "", InvalidClient},
		{"no secret", plain, Client{f.client.ID, ""}, "", "https://app.example/cb", "", InvalidClient},
		{"unknown client", plain, Client{"nope", f.client.Secret}, "", "https://app.example/cb", "", InvalidClient},
		{"another app's code", plain, other, "", "https://app.example/cb", "", InvalidGrant},
		{"unknown code", plain, f.client, NewSecret(), "https://app.example/cb", "", InvalidGrant},
		{"missing code", plain, f.client, " ", "https://app.example/cb", "", InvalidGrant},
		{"redirect mismatch", plain, f.client, "", OOB, "", InvalidGrant},
		{"redirect missing", plain, f.client, "", "", "", InvalidGrant},
		{"verifier missing", pkce, f.client, "", "https://app.example/cb", "", InvalidGrant},
		{"verifier wrong", pkce, f.client, "", "https://app.example/cb", strings.Repeat("x", 43), InvalidGrant},
		{"verifier too short", pkce, f.client, "", "https://app.example/cb", verifier[:42], InvalidGrant},
		{"verifier without challenge", plain, f.client, "", "https://app.example/cb", verifier, InvalidGrant},
	}
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			code := f.code(t, tt.req)
			try := code
			if tt.code != "" {
				try = tt.code
			}
			_, err := f.s.ExchangeCode(ctx, tt.client, try, tt.redirect, tt.verifier)
			wantOAuth(t, err, tt.want)
		})
	}
	t.Run("empty code", func(t *testing.T) {
		_, err := f.s.ExchangeCode(ctx, f.client, "", "https://app.example/cb", "")
		wantOAuth(t, err, InvalidRequest)
	})
	t.Run("a failed attempt spends the code", func(t *testing.T) {
		code := f.code(t, pkce)
		_, err := f.s.ExchangeCode(ctx, f.client, code, "https://app.example/cb", strings.Repeat("x", 43))
		wantOAuth(t, err, InvalidGrant)
		_, err = f.s.ExchangeCode(ctx, f.client, code, "https://app.example/cb", verifier)
		wantOAuth(t, err, InvalidGrant)
	})
}

func TestClientCredentialsAndPasswordGrants(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tests := []struct {
		name string
		run  func() (*Issued, error)
		want string // OAuth error code, "" for success
	}{
		{"client credentials default scope", func() (*Issued, error) { return f.s.ClientCredentials(ctx, f.client, "") }, ""},
		{"client credentials beyond the app", func() (*Issued, error) { return f.s.ClientCredentials(ctx, f.client, "push") }, InvalidScope},
		{"client credentials unknown scope", func() (*Issued, error) { return f.s.ClientCredentials(ctx, f.client, "all") }, InvalidScope},
		{"client credentials wrong secret", func() (*Issued, error) {
			return f.s.ClientCredentials(ctx, Client{f.client.ID, f.client.Secret + "x"}, "")
		}, InvalidClient},
		{"password by username", func() (*Issued, error) { return f.s.PasswordGrant(ctx, f.client, "alice", alicePassword, "read") }, ""},
		{"password by e-mail", func() (*Issued, error) {
			return f.s.PasswordGrant(ctx, f.client, "ALICE@example.com", alicePassword, "write")
		}, ""},
		{"wrong password", func() (*Issued, error) { return f.s.PasswordGrant(ctx, f.client, "alice", "nope nope", "read") }, InvalidGrant},
		{"unknown person", func() (*Issued, error) { return f.s.PasswordGrant(ctx, f.client, "bob", alicePassword, "read") }, InvalidGrant},
		{"no password", func() (*Issued, error) { return f.s.PasswordGrant(ctx, f.client, "alice", "", "read") }, InvalidRequest},
		{"password scope beyond the app", func() (*Issued, error) {
			return f.s.PasswordGrant(ctx, f.client, "alice", alicePassword, "admin:write")
		}, InvalidScope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss, err := tt.run()
			if tt.want != "" {
				wantOAuth(t, err, tt.want)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if iss.Token.AppID != f.app.ID || !iss.Token.CreatedAt.Equal(f.clock) {
				t.Fatalf("%+v", iss.Token)
			}
		})
	}
}

func TestRefresh(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, other := f.register(t, "read", OOB)
	first, err := f.s.PasswordGrant(ctx, f.client, "alice", alicePassword, "read write")
	if err != nil {
		t.Fatal(err)
	}
	second, err := f.s.Refresh(ctx, f.client, first.RefreshToken, "")
	if err != nil {
		t.Fatal(err)
	}
	if second.AccessToken == first.AccessToken || second.RefreshToken == first.RefreshToken ||
		second.Token.Scopes != "read write" || second.Token.AccountID != f.alice.ID {
		t.Fatalf("%+v", second)
	}
	if _, err := f.s.Authenticate(ctx, first.AccessToken); starling.ErrorCode(err) != starling.EUNAUTHORIZED {
		t.Fatalf("the old access token still works: %v", err)
	}
	_, err = f.s.Refresh(ctx, f.client, first.RefreshToken, "")
	wantOAuth(t, err, InvalidGrant)

	narrower, err := f.s.Refresh(ctx, f.client, second.RefreshToken, "read")
	if err != nil || narrower.Token.Scopes != "read" {
		t.Fatalf("%+v %v", narrower, err)
	}
	_, err = f.s.Refresh(ctx, f.client, narrower.RefreshToken, "read write")
	wantOAuth(t, err, InvalidScope)
	_, err = f.s.Refresh(ctx, other, narrower.RefreshToken, "")
	wantOAuth(t, err, InvalidGrant)
	_, err = f.s.Refresh(ctx, f.client, "", "")
	wantOAuth(t, err, InvalidRequest)
	_, err = f.s.Refresh(ctx, f.client, NewSecret(), "")
	wantOAuth(t, err, InvalidGrant)
	_, err = f.s.Refresh(ctx, Client{f.client.ID, "x"}, narrower.RefreshToken, "")
	wantOAuth(t, err, InvalidClient)
	// The failures above left the last token alive.
	if _, err := f.s.Authenticate(ctx, narrower.AccessToken); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentRefresh sends one refresh token in several requests at
// once: exactly one may get a new pair, and only that pair may work.
func TestConcurrentRefresh(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	first, err := f.s.PasswordGrant(ctx, f.client, "alice", alicePassword, "read write")
	if err != nil {
		t.Fatal(err)
	}
	const racers = 8
	var (
		issued [racers]*Issued
		errs   [racers]error
		start  = make(chan struct{})
		wg     sync.WaitGroup
	)
	for i := range racers {
		wg.Go(func() {
			<-start
			issued[i], errs[i] = f.s.Refresh(ctx, f.client, first.RefreshToken, "")
		})
	}
	close(start)
	wg.Wait()
	var winners []*Issued
	for i, err := range errs {
		if err == nil {
			winners = append(winners, issued[i])
			continue
		}
		wantOAuth(t, err, InvalidGrant)
	}
	if len(winners) != 1 {
		t.Fatalf("%d refreshes succeeded, want exactly 1", len(winners))
	}
	if _, err := f.s.Authenticate(ctx, first.AccessToken); starling.ErrorCode(err) != starling.EUNAUTHORIZED {
		t.Fatalf("the old access token still works: %v", err)
	}
	if _, err := f.s.Authenticate(ctx, winners[0].AccessToken); err != nil {
		t.Fatalf("the winner's token: %v", err)
	}
	// The winner's refresh token is the one that works now.
	if _, err := f.s.Refresh(ctx, f.client, winners[0].RefreshToken, ""); err != nil {
		t.Fatal(err)
	}
}

func TestRevoke(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, other := f.register(t, "read", OOB)
	tok, err := f.s.PasswordGrant(ctx, f.client, "alice", alicePassword, "read")
	if err != nil {
		t.Fatal(err)
	}
	wantOAuth(t, f.s.Revoke(ctx, other, tok.AccessToken), UnauthorizedClient)
	wantOAuth(t, f.s.Revoke(ctx, Client{f.client.ID, "x"}, tok.AccessToken), InvalidClient)
	wantOAuth(t, f.s.Revoke(ctx, f.client, ""), InvalidRequest)
	if err := f.s.Revoke(ctx, f.client, NewSecret()); err != nil {
		t.Fatalf("unknown token: %v", err)
	}
	if _, err := f.s.Authenticate(ctx, tok.AccessToken); err != nil {
		t.Fatalf("failed revocations revoked: %v", err)
	}
	// Revoking by the refresh token ends the access token too.
	if err := f.s.Revoke(ctx, f.client, tok.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Authenticate(ctx, tok.AccessToken); starling.ErrorCode(err) != starling.EUNAUTHORIZED {
		t.Fatalf("after revocation: %v", err)
	}
	if err := f.s.Revoke(ctx, f.client, tok.AccessToken); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
}

// TestAdminScopes checks that no path issues admin scopes to an account
// whose role is user, even through an app registered for them, and that
// one whose role was taken away cannot get them anew.
func TestAdminScopes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	app, client := f.register(t, "read admin:read admin:write", OOB)
	authorize := func(scope string) (*Authorization, error) {
		return f.s.CheckAuthorize(ctx, AuthorizeRequest{ClientID: client.ID, RedirectURI: OOB, ResponseType: "code", Scope: scope})
	}
	for _, tc := range []struct {
		role starling.Role
		ok   bool
	}{{starling.RoleUser, false}, {starling.RoleModerator, true}, {starling.RoleAdmin, true}} {
		f.setRole(t, tc.role)
		check := func(what string, err error) {
			t.Helper()
			if tc.ok && err != nil {
				t.Errorf("%s for a %s: %v", what, tc.role, err)
			}
			if !tc.ok && err == nil {
				t.Errorf("%s for a %s: admin scopes issued", what, tc.role)
			}
		}
		_, err := f.s.PasswordGrant(ctx, client, "alice", alicePassword, "read admin:read")
		check("password grant", err)
		_, err = f.s.MintToken(ctx, f.alice.ID, "admin:write:reports")
		check("minted token", err)
		a, err := authorize("admin:read")
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.s.IssueCode(ctx, a, f.alice)
		check("authorization code", err)
		// Without admin scopes every role gets its token.
		if _, err := f.s.PasswordGrant(ctx, client, "alice", alicePassword, "read"); err != nil {
			t.Errorf("password grant of read for a %s: %v", tc.role, err)
		}
	}

	// A role taken away between the steps of a grant.
	f.setRole(t, starling.RoleAdmin)
	a, err := authorize("read admin:read")
	if err != nil {
		t.Fatal(err)
	}
	code, err := f.s.IssueCode(ctx, a, f.alice)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := f.s.PasswordGrant(ctx, client, "alice", alicePassword, "read admin:read")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := f.s.PasswordGrant(ctx, client, "alice", alicePassword, "read")
	if err != nil {
		t.Fatal(err)
	}
	f.setRole(t, starling.RoleUser)
	_, err = f.s.ExchangeCode(ctx, client, code, OOB, "")
	wantOAuth(t, err, InvalidScope)
	_, err = f.s.Refresh(ctx, client, iss.RefreshToken, "")
	wantOAuth(t, err, InvalidScope)
	if _, err := f.s.Refresh(ctx, client, iss.RefreshToken, "read"); err != nil {
		t.Errorf("refresh narrowed to read after demotion: %v", err)
	}
	if _, err := f.s.Refresh(ctx, client, plain.RefreshToken, ""); err != nil {
		t.Errorf("refresh of a token without admin scopes: %v", err)
	}

	// A sign-up's token leaves the admin scopes out.
	signUp := f.s.SignUpToken(app, Scopes{"read", "admin:read", "admin:write:reports"})
	if signUp.Token.Scopes != "read" || signUp.RefreshToken == "" || signUp.Token.AppID != app.ID {
		t.Errorf("sign-up token %+v", signUp.Token)
	}
}
