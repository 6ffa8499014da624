package mastodon

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/accounts"
	"github.com/starling-social/starling/follows"
	"github.com/starling-social/starling/inmem"
	"github.com/starling-social/starling/oauth"
	"github.com/starling-social/starling/snowflake"
	"github.com/starling-social/starling/sqlite"
	"github.com/starling-social/starling/sqlite/sqlitetest"
	"github.com/starling-social/starling/statuses"
	"github.com/starling-social/starling/timeline"
)

// testAPI is the whole API on a real SQLite store in a temporary
// directory, with every service wired as in production, for handler tests
// that go through routing, authentication and the database.
type testAPI struct {
	Server *Server
	Store  *sqlite.DB
	Svc    Services
	Cfg    Config
	IDs    *snowflake.Generator
	// App is registered for every test API with all user scopes; the
	// tokens of signUp belong to it.
	App          *starling.App
	ClientSecret string
}

// testPassword is the password of every account signUp creates.
const testPassword = "correct horse battery staple"

// testHashParams make argon2id cheap, so that a test can sign up many
// people; production uses accounts.DefaultHashParams.
var testHashParams = accounts.HashParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// newTestAPI builds a test API with the default test configuration:
// public URL https://starling.test, open registrations, no rate limits.
func newTestAPI(t testing.TB) *testAPI { return newTestAPIWith(t, nil) }

// newTestAPIWith builds a test API after letting configure change the
// default test configuration.
func newTestAPIWith(t testing.TB, configure func(*Config)) *testAPI {
	t.Helper()
	return newTestAPIOver(t, configure, func(db starling.Store) starling.Store { return db })
}

// newTestAPIOver is newTestAPIWith with the services over wrap(db): the
// read-through cache of production, say. api.Store stays db itself.
func newTestAPIOver(t testing.TB, configure func(*Config), wrap func(starling.Store) starling.Store) *testAPI {
	t.Helper()
	ctx := context.Background()
	db, ids := sqlitetest.Open(t), sqlitetest.IDs(t)
	public, _ := url.Parse("https://starling.test")
	cfg := Config{PublicURL: public, Registrations: RegistrationsOpen, RateLimits: false, Version: "0.1.0"}
	if configure != nil {
		configure(&cfg)
	}
	store := wrap(db)
	accts := accounts.New(store, ids, cfg.PublicURL.String())
	accts.SetHashParams(testHashParams)
	svc := Services{
		Store:     store,
		Accounts:  accts,
		OAuth:     oauth.New(store, ids, accts),
		Statuses:  statuses.New(store, ids, cfg.PublicURL.String(), nil),
		Follows:   follows.New(store, nil),
		Timelines: timeline.New(store, timeline.NewStoreHome(store)),
		Limiter:   inmem.NewRateLimiter(),
	}
	api := &testAPI{Server: New(cfg, svc, testLogger(t)), Store: db, Svc: svc, Cfg: cfg, IDs: ids}
	var err error
	api.App, api.ClientSecret, err = svc.OAuth.RegisterApp(ctx, "Test client", "https://client.test",
		[]string{"https://client.test/callback", oauth.OOB}, "read write follow push")
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// testLogger sends the server's log to the test's output, and drops
// whatever is logged after the test ended (a late goroutine must not make
// the testing package panic).
func testLogger(t testing.TB) *slog.Logger {
	w := &testLogWriter{out: t.Output()}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testLogWriter struct {
	mu   sync.Mutex
	out  io.Writer
	done bool
}

func (w *testLogWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return len(b), nil
	}
	return w.out.Write(b)
}

// signUp creates an approved account named username (e-mail
// username@example.com, password testPassword) and returns a token of
// api.App with scopes "read write follow push", and the account's id as
// the API writes it.
func (api *testAPI) signUp(t testing.TB, username string) (token string, accountID string) {
	t.Helper()
	a, err := api.Svc.Accounts.Register(context.Background(), accounts.RegisterInput{
		Username: username, Email: username + "@example.com", Password: testPassword, Approved: true,
	})
	if err != nil {
		t.Fatalf("sign up %s: %v", username, err)
	}
	return api.tokenFor(t, a.ID, "read write follow push"), snowflake.Format(a.ID)
}

// tokenFor issues a token of api.App for an account with the given
// scopes, for tests of what a narrower token may not do.
func (api *testAPI) tokenFor(t testing.TB, accountID int64, scopes string) string {
	t.Helper()
	sc, ok := oauth.ParseScopes(scopes)
	if !ok {
		t.Fatalf("bad scopes %q", scopes)
	}
	iss := api.Svc.OAuth.SignUpToken(api.App, sc)
	iss.Token.AccountID = accountID
	if err := api.Store.CreateToken(context.Background(), iss.Token); err != nil {
		t.Fatal(err)
	}
	return iss.AccessToken
}

// appToken returns an app-only token of api.App (client_credentials).
func (api *testAPI) appToken(t testing.TB, scopes string) string {
	t.Helper()
	iss, err := api.Svc.OAuth.ClientCredentials(context.Background(),
		oauth.Client{ID: api.App.ClientID, Secret: api.ClientSecret}, scopes)
	if err != nil {
		t.Fatal(err)
	}
	return iss.AccessToken
}

// do sends a request to the API and records the answer. token, when not
// empty, goes in the Authorization header. body may be nil (no body),
// url.Values (a url-encoded form), a string or []byte (sent as JSON), or
// anything else, which is encoded as JSON.
func (api *testAPI) do(t testing.TB, method, path, token string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var (
		r     io.Reader
		ctype string
	)
	switch b := body.(type) {
	case nil:
	case url.Values:
		r, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	case string:
		r, ctype = strings.NewReader(b), "application/json"
	case []byte:
		r, ctype = bytes.NewReader(b), "application/json"
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r, ctype = bytes.NewReader(data), "application/json"
	}
	req := httptest.NewRequest(method, path, r)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return api.send(req)
}

// send serves a prepared request, for tests that need their own headers.
func (api *testAPI) send(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	api.Server.ServeHTTP(rec, req)
	return rec
}

// wantStatus fails the test unless rec has the status want, showing the body.
func wantStatus(t testing.TB, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status %d, want %d; body: %s", rec.Code, want, rec.Body)
	}
}

// decode checks that rec is JSON with Mastodon's content type and decodes it.
func decode[T any](t testing.TB, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("content type %q, want JSON; body: %s", ct, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %T: %v; body: %s", v, err, rec.Body)
	}
	return v
}

// apiError is Mastodon's error body.
type apiError struct {
	Error            string                           `json:"error"`
	ErrorDescription string                           `json:"error_description"`
	Details          map[string][]starling.FieldError `json:"details"`
}
