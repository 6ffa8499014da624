package storetest

import (
	"testing"
	"time"

	"github.com/starling-social/starling"
)

func (w *world) app(clientID string) *starling.App {
	w.t.Helper()
	app := &starling.App{
		ID:               w.id(),
		Name:             "Birdsite " + clientID,
		Website:          "https://app.example",
		RedirectURIs:     []string{"https://app.example/callback", "urn:ietf:wg:oauth:2.0:oob"},
		Scopes:           "read write follow",
		ClientID:         clientID,
		ClientSecretHash: "5e2bf57d3f40c4b6df69daf1936cb766f832374b4fc0259a7cbff06e2f70f269",
		CreatedAt:        w.tick(),
	}
	w.ok(w.s.CreateApp(w.ctx, app), "CreateApp")
	return app
}

func testApps(t *testing.T, w *world) {
	app := w.app("client-1")
	single := &starling.App{ID: w.id(), Name: "one", RedirectURIs: []string{"https://x.example/cb"},
		ClientID: "client-2", ClientSecretHash: "h", CreatedAt: w.tick()}
	w.ok(w.s.CreateApp(w.ctx, single), "CreateApp(one redirect URI)")

	for _, want := range []*starling.App{app, single} {
		got, err := w.s.AppByID(w.ctx, want.ID)
		w.ok(err, "AppByID")
		equal(t, "AppByID", *got, *want)
		got, err = w.s.AppByClientID(w.ctx, want.ClientID)
		w.ok(err, "AppByClientID")
		equal(t, "AppByClientID", *got, *want)
	}
	if _, err := w.s.AppByClientID(w.ctx, "CLIENT-1"); starling.ErrorCode(err) != starling.ENOTFOUND {
		t.Errorf("AppByClientID matched a client id in another case: %v", err)
	}
}

func testTokens(t *testing.T, w *world) {
	app := w.app("client")
	alice := w.account("alice")
	for _, tc := range []struct {
		name string
		tok  starling.Token
	}{
		{"user token with refresh", starling.Token{AccessHash: "a1", RefreshHash: "r1", AppID: app.ID, AccountID: alice.ID, Scopes: "read write"}},
		{"user token without refresh", starling.Token{AccessHash: "a2", AppID: app.ID, AccountID: alice.ID, Scopes: "read"}},
		{"second token without refresh", starling.Token{AccessHash: "a3", AppID: app.ID, AccountID: alice.ID, Scopes: "read"}},
		{"app-only token", starling.Token{AccessHash: "a4", AppID: app.ID, Scopes: "read"}},
		{"admin token without app", starling.Token{AccessHash: "a5", RefreshHash: "r5", AccountID: alice.ID, Scopes: "admin:read"}},
	} {
		tok := tc.tok
		tok.ID, tok.CreatedAt = w.id(), w.tick()
		if err := w.s.CreateToken(w.ctx, &tok); err != nil {
			t.Errorf("%s: CreateToken: %v", tc.name, err)
			continue
		}
		got, err := w.s.TokenByAccessHash(w.ctx, tok.AccessHash)
		if err != nil {
			t.Errorf("%s: TokenByAccessHash: %v", tc.name, err)
			continue
		}
		equal(t, tc.name+": TokenByAccessHash", *got, tok)
		if tok.RefreshHash == "" {
			continue
		}
		got, err = w.s.TokenByRefreshHash(w.ctx, tok.RefreshHash)
		if err != nil {
			t.Errorf("%s: TokenByRefreshHash: %v", tc.name, err)
			continue
		}
		equal(t, tc.name+": TokenByRefreshHash", *got, tok)

		w.ok(w.s.RevokeToken(w.ctx, tok.ID), "RevokeToken")
		_, err = w.s.TokenByAccessHash(w.ctx, tok.AccessHash)
		wantCode(t, err, starling.ENOTFOUND, tc.name+": TokenByAccessHash after revoke")
		_, err = w.s.TokenByRefreshHash(w.ctx, tok.RefreshHash)
		wantCode(t, err, starling.ENOTFOUND, tc.name+": TokenByRefreshHash after revoke")
	}
	w.ok(w.s.RevokeToken(w.ctx, w.id()), "RevokeToken(missing)")
	if _, err := w.s.TokenByAccessHash(w.ctx, "a2"); err != nil {
		t.Errorf("revoking one token affected another: %v", err)
	}
}

func testAuthCodes(t *testing.T, w *world) {
	app := w.app("client")
	alice := w.account("alice")
	for _, c := range []starling.AuthCode{
		{Hash: "h1", AppID: app.ID, AccountID: alice.ID, RedirectURI: "urn:ietf:wg:oauth:2.0:oob", Scopes: "read"},
		{Hash: "h2", AppID: app.ID, AccountID: alice.ID, RedirectURI: "https://app.example/callback", Scopes: "read write",
			CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", CodeChallengeMethod: "S256"},
	} {
		c.CreatedAt = w.tick()
		c.ExpiresAt = c.CreatedAt.Add(10 * time.Minute)
		w.ok(w.s.CreateAuthCode(w.ctx, &c), "CreateAuthCode")
		got, err := w.s.TakeAuthCode(w.ctx, c.Hash)
		if err != nil {
			t.Errorf("TakeAuthCode(%s): %v", c.Hash, err)
			continue
		}
		equal(t, "TakeAuthCode", *got, c)
		_, err = w.s.TakeAuthCode(w.ctx, c.Hash)
		wantCode(t, err, starling.ENOTFOUND, "TakeAuthCode a second time")
	}
}
