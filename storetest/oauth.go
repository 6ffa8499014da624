package storetest

import (
	"fmt"
	"sync"
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

func testRotateToken(t *testing.T, w *world) {
	app := w.app("client")
	alice := w.account("alice")
	old := starling.Token{ID: w.id(), AccessHash: "a1", RefreshHash: "r1", AppID: app.ID, AccountID: alice.ID,
		Scopes: "read write", CreatedAt: w.tick()}
	w.ok(w.s.CreateToken(w.ctx, &old), "CreateToken")
	bare := starling.Token{ID: w.id(), AccessHash: "a0", AppID: app.ID, AccountID: alice.ID, Scopes: "read", CreatedAt: w.tick()}
	w.ok(w.s.CreateToken(w.ctx, &bare), "CreateToken(without refresh)")

	next := starling.Token{ID: w.id(), AccessHash: "a2", RefreshHash: "r2", AppID: app.ID, AccountID: alice.ID, Scopes: "read"}
	got, err := w.s.RotateToken(w.ctx, "r1", &next)
	w.ok(err, "RotateToken")
	equal(t, "RotateToken returns the old token", *got, old)
	if next.CreatedAt.IsZero() {
		t.Error("RotateToken left next.CreatedAt zero")
	}
	_, err = w.s.TokenByAccessHash(w.ctx, "a1")
	wantCode(t, err, starling.ENOTFOUND, "TokenByAccessHash(old) after rotation")
	_, err = w.s.TokenByRefreshHash(w.ctx, "r1")
	wantCode(t, err, starling.ENOTFOUND, "TokenByRefreshHash(old) after rotation")
	stored, err := w.s.TokenByRefreshHash(w.ctx, "r2")
	w.ok(err, "TokenByRefreshHash(next)")
	equal(t, "next token as stored", *stored, next)

	// A spent, unknown or empty refresh hash writes nothing.
	for _, hash := range []string{"r1", "unknown", ""} {
		lost := starling.Token{ID: w.id(), AccessHash: "lost-" + hash, RefreshHash: "lost-r-" + hash, AppID: app.ID,
			AccountID: alice.ID, Scopes: "read", CreatedAt: w.tick()}
		_, err := w.s.RotateToken(w.ctx, hash, &lost)
		wantCode(t, err, starling.ENOTFOUND, fmt.Sprintf("RotateToken(%q)", hash))
		_, err = w.s.TokenByAccessHash(w.ctx, lost.AccessHash)
		wantCode(t, err, starling.ENOTFOUND, fmt.Sprintf("TokenByAccessHash(token of failed rotation %q)", hash))
	}
	// The empty hash must not match (and delete) a token without a refresh token.
	if _, err := w.s.TokenByAccessHash(w.ctx, "a0"); err != nil {
		t.Errorf("token without refresh token after RotateToken(\"\"): %v", err)
	}

	// A failed insert (the access hash is taken) deletes nothing either.
	clash := starling.Token{ID: w.id(), AccessHash: "a0", RefreshHash: "r3", AppID: app.ID, AccountID: alice.ID,
		Scopes: "read", CreatedAt: w.tick()}
	if _, err := w.s.RotateToken(w.ctx, "r2", &clash); err == nil {
		t.Error("RotateToken with a taken access hash succeeded")
	}
	if _, err := w.s.TokenByRefreshHash(w.ctx, "r2"); err != nil {
		t.Errorf("the token survives a failed rotation: %v", err)
	}
}

// testConcurrentRotateToken rotates one token from two goroutines at once,
// several times over: exactly one rotation may win each race, and only its
// new token may exist afterwards.
func testConcurrentRotateToken(t *testing.T, w *world) {
	app := w.app("client")
	alice := w.account("alice")
	hash := "r-start"
	tok := starling.Token{ID: w.id(), AccessHash: "a-start", RefreshHash: hash, AppID: app.ID, AccountID: alice.ID,
		Scopes: "read", CreatedAt: w.tick()}
	w.ok(w.s.CreateToken(w.ctx, &tok), "CreateToken")
	for round := range 20 {
		var nexts [2]starling.Token
		for i := range nexts {
			nexts[i] = starling.Token{ID: w.id(), AccessHash: fmt.Sprintf("a-%d-%d", round, i),
				RefreshHash: fmt.Sprintf("r-%d-%d", round, i), AppID: app.ID, AccountID: alice.ID, Scopes: "read",
				CreatedAt: w.tick()}
		}
		var (
			errs  [2]error
			start = make(chan struct{})
			wg    sync.WaitGroup
		)
		for i := range nexts {
			wg.Go(func() {
				<-start
				_, errs[i] = w.s.RotateToken(w.ctx, hash, &nexts[i])
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch code := starling.ErrorCode(err); {
			case err == nil && winner >= 0:
				t.Fatalf("round %d: both rotations succeeded", round)
			case err == nil:
				winner = i
			case code != starling.ENOTFOUND:
				t.Fatalf("round %d: RotateToken: %v, want success or ENOTFOUND", round, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: neither rotation succeeded", round)
		}
		loser := nexts[1-winner]
		if _, err := w.s.TokenByAccessHash(w.ctx, loser.AccessHash); starling.ErrorCode(err) != starling.ENOTFOUND {
			t.Fatalf("round %d: the losing rotation's token exists (%v)", round, err)
		}
		if _, err := w.s.TokenByAccessHash(w.ctx, nexts[winner].AccessHash); err != nil {
			t.Fatalf("round %d: the winning rotation's token: %v", round, err)
		}
		hash = nexts[winner].RefreshHash
	}
}
