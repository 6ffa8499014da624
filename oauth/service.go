package oauth

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/snowflake"
)

// OOB is the redirect URI of clients without a web address (command-line
// tools, some desktop apps): the authorization page shows the code instead.
const OOB = "urn:ietf:wg:oauth:2.0:oob"

// DefaultScope is what a client gets when it asks for no scope.
const DefaultScope = "read"

// Limits on app registration.
const (
	MaxAppNameLength     = 200
	MaxRedirectURIs      = 10
	MaxRedirectURILength = 2000
	MaxWebsiteLength     = 2000
)

// CodeLifetime is how long an authorization code may be exchanged.
const CodeLifetime = 10 * time.Minute

// PasswordChecker checks a person's password; *accounts.Service is one.
type PasswordChecker interface {
	// Authenticate returns the account that login (a username or an
	// e-mail address) names when password is right, EUNAUTHORIZED otherwise.
	Authenticate(ctx context.Context, login, password string) (*starling.Account, error)
}

// Service is the authorization server.
type Service struct {
	store     starling.Store
	ids       *snowflake.Generator
	passwords PasswordChecker
	now       func() time.Time
}

// New returns a Service. passwords checks the password grant's credentials.
func New(store starling.Store, ids *snowflake.Generator, passwords PasswordChecker) *Service {
	return &Service{store: store, ids: ids, passwords: passwords, now: time.Now}
}

func errInvalidToken() error {
	return starling.Errorf(starling.EUNAUTHORIZED, "The access token is invalid")
}

// Authenticate turns a bearer token into a Grant; EUNAUTHORIZED when the
// token is unknown or revoked, or its app or account is gone.
func (s *Service) Authenticate(ctx context.Context, token string) (*Grant, error) {
	if token == "" || len(token) > maxSecretLength {
		return nil, errInvalidToken()
	}
	t, err := s.store.TokenByAccessHash(ctx, HashSecret(token))
	if err != nil {
		return nil, notFoundAs(err, errInvalidToken())
	}
	g := &Grant{Token: t, Scopes: scopesOf(t.Scopes)}
	if t.AppID != 0 {
		if g.App, err = s.store.AppByID(ctx, t.AppID); err != nil {
			return nil, notFoundAs(err, errInvalidToken())
		}
	}
	if t.AccountID != 0 {
		if g.Account, err = s.store.AccountByID(ctx, t.AccountID); err != nil {
			return nil, notFoundAs(err, errInvalidToken())
		}
	}
	return g, nil
}

// notFoundAs replaces a not-found error with instead and passes any other
// failure on.
func notFoundAs(err error, instead error) error {
	if starling.ErrorCode(err) == starling.ENOTFOUND {
		return instead
	}
	return err
}

// RegisterApp registers an OAuth client. It returns the client secret in
// plain text; only its hash is kept. Scopes default to "read", redirect
// URIs to the out-of-band one.
func (s *Service) RegisterApp(ctx context.Context, name, website string, redirectURIs []string, scopes string) (*starling.App, string, error) {
	var v starling.ValidationError
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		v.Add("client_name", starling.ErrBlank, "can't be blank")
	case utf8.RuneCountInString(name) > MaxAppNameLength:
		v.Add("client_name", starling.ErrTooLong, fmt.Sprintf("is too long (maximum is %d characters)", MaxAppNameLength))
	}
	website = strings.TrimSpace(website)
	if website != "" {
		if u, err := url.Parse(website); err != nil || len(website) > MaxWebsiteLength ||
			(u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.Add("website", starling.ErrInvalid, "must be an http or https URL")
		}
	}
	uris := make([]string, 0, len(redirectURIs))
	for _, u := range redirectURIs {
		// Clients send one string with several URIs separated by white
		// space as often as they send an array.
		uris = append(uris, strings.Fields(u)...)
	}
	if len(uris) == 0 {
		uris = []string{OOB}
	}
	if len(uris) > MaxRedirectURIs {
		v.Add("redirect_uris", starling.ErrTooLong, fmt.Sprintf("has too many URIs (maximum is %d)", MaxRedirectURIs))
	}
	for _, u := range uris {
		if !validRedirectURI(u) {
			v.Add("redirect_uris", starling.ErrInvalid, "must be absolute URIs without a fragment, or "+OOB)
			break
		}
	}
	if strings.TrimSpace(scopes) == "" {
		scopes = DefaultScope
	}
	parsed, ok := ParseScopes(scopes)
	if !ok {
		v.Add("scopes", starling.ErrInvalid, "contains an unknown scope")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	secret := NewSecret()
	app := &starling.App{
		ID:               s.ids.Next(),
		Name:             name,
		Website:          website,
		RedirectURIs:     uris,
		Scopes:           parsed.String(),
		ClientID:         NewSecret(),
		ClientSecretHash: HashSecret(secret),
		CreatedAt:        s.now().UTC(),
	}
	if err := s.store.CreateApp(ctx, app); err != nil {
		return nil, "", err
	}
	return app, secret, nil
}

// validRedirectURI accepts the out-of-band URI and absolute URIs without a
// fragment (RFC 6749 §3.1.2): web addresses, and the custom schemes of
// mobile apps such as myapp://callback.
func validRedirectURI(s string) bool {
	if s == OOB {
		return true
	}
	if len(s) > MaxRedirectURILength {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(s, "#") {
		return false
	}
	if u.Scheme == "http" || u.Scheme == "https" {
		return u.Host != ""
	}
	return u.Scheme != "javascript" && u.Scheme != "data" && u.Scheme != "vbscript"
}

// Client is how a client identifies itself at the token and revocation
// endpoints.
type Client struct {
	ID     string
	Secret string
}

func errInvalidClient() error {
	return oauthErr(InvalidClient, "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.")
}

// authenticateClient returns the app whose credentials c are.
func (s *Service) authenticateClient(ctx context.Context, c Client) (*starling.App, error) {
	if c.ID == "" || c.Secret == "" || len(c.ID) > maxSecretLength || len(c.Secret) > maxSecretLength {
		return nil, errInvalidClient()
	}
	app, err := s.store.AppByClientID(ctx, c.ID)
	if err != nil {
		return nil, notFoundAs(err, errInvalidClient())
	}
	if !Equal(HashSecret(c.Secret), app.ClientSecretHash) {
		return nil, errInvalidClient()
	}
	return app, nil
}

// requestedScopes parses a scope parameter and checks that the app
// registered for it; an empty one means DefaultScope.
func requestedScopes(app *starling.App, scope string) (Scopes, error) {
	if strings.TrimSpace(scope) == "" {
		scope = DefaultScope
	}
	want, ok := ParseScopes(scope)
	if !ok {
		return nil, oauthErr(InvalidScope, "The requested scope is invalid, unknown, or malformed.")
	}
	if app != nil && !scopesOf(app.Scopes).Covers(want) {
		return nil, oauthErr(InvalidScope, "The requested scope exceeds the scopes the application registered for.")
	}
	return want, nil
}

// issue creates a token for app (nil for an admin token) and account (0
// for an app-only token), with a refresh token when refresh is set.
func (s *Service) issue(ctx context.Context, app *starling.App, accountID int64, scopes Scopes, refresh bool) (*Issued, error) {
	out, t := s.newToken(app, accountID, scopes, refresh)
	if err := s.store.CreateToken(ctx, t); err != nil {
		return nil, err
	}
	out.Token = t
	return out, nil
}

// newToken makes the secrets of a token and the row that stores their
// hashes, without storing it; out.Token is left for the caller to set
// once the row is stored.
func (s *Service) newToken(app *starling.App, accountID int64, scopes Scopes, refresh bool) (*Issued, *starling.Token) {
	out := &Issued{AccessToken: NewSecret()}
	t := &starling.Token{
		ID:         s.ids.Next(),
		AccessHash: HashSecret(out.AccessToken),
		AccountID:  accountID,
		Scopes:     scopes.String(),
		CreatedAt:  s.now().UTC(),
	}
	if app != nil {
		t.AppID = app.ID
	}
	if refresh {
		out.RefreshToken = NewSecret()
		t.RefreshHash = HashSecret(out.RefreshToken)
	}
	return out, t
}

// SignUpToken makes, without storing, the token that a sign-up through the
// API returns: a token of app (with a refresh token unless app is nil) for
// the new account, whose AccountID the caller sets when it stores the
// token with the account in one transaction (accounts.RegisterInput.Token).
// The scopes are the caller's to choose, except that admin scopes are
// dropped: an account made by signing up has the role user.
func (s *Service) SignUpToken(app *starling.App, scopes Scopes) *Issued {
	out, t := s.newToken(app, 0, scopes.withoutAdmin(), app != nil)
	out.Token = t
	return out
}

// checkRole refuses admin scopes for an account whose role is user (see
// known): a token for a plain user never carries them, whatever its app
// registered for.
func checkRole(a *starling.Account, scopes Scopes) error {
	if scopes.admin() && a.Role == starling.RoleUser {
		return oauthErr(InvalidScope, "The admin scopes are only granted to moderators and administrators.")
	}
	return nil
}

// MintToken makes a token for an account without any app, for the
// `starling admin token` command. It has no refresh token. Admin scopes
// are refused (EBADREQUEST) for an account whose role is user.
func (s *Service) MintToken(ctx context.Context, accountID int64, scopes string) (*Issued, error) {
	want, ok := ParseScopes(scopes)
	if !ok || len(want) == 0 {
		return nil, starling.Errorf(starling.EBADREQUEST, "Unknown or empty scopes %q", scopes)
	}
	a, err := s.store.AccountByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if err := checkRole(a, want); err != nil {
		return nil, starling.Errorf(starling.EBADREQUEST, "Account %s has the role user: admin scopes are refused", a.Username)
	}
	return s.issue(ctx, nil, accountID, want, false)
}
