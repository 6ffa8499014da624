package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"

	"github.com/starling-social/starling"
)

// AuthorizeRequest is the query of an authorization request (RFC 6749
// §4.1.1, RFC 7636 §4.3).
type AuthorizeRequest struct {
	ClientID            string
	RedirectURI         string // may be empty when the app registered exactly one
	ResponseType        string
	Scope               string // DefaultScope when empty
	CodeChallenge       string
	CodeChallengeMethod string
}

// Authorization is a checked authorization request, ready to be shown for
// consent and, once the person agrees, turned into a code.
type Authorization struct {
	App           *starling.App
	RedirectURI   string
	Scopes        Scopes
	CodeChallenge string // empty when the client uses no PKCE
}

// CheckAuthorize validates an authorization request. Its *Error tells the
// HTTP layer what went wrong; none of them may be sent to the redirect
// URI when the client or the URI itself is what is wrong (RFC 6749
// §4.1.2.1), so the caller shows them on a page instead.
func (s *Service) CheckAuthorize(ctx context.Context, r AuthorizeRequest) (*Authorization, error) {
	if r.ClientID == "" || len(r.ClientID) > maxSecretLength {
		return nil, oauthErr(InvalidClient, "The client_id parameter is missing or unknown.")
	}
	app, err := s.store.AppByClientID(ctx, r.ClientID)
	if err != nil {
		return nil, notFoundAs(err, oauthErr(InvalidClient, "The client_id parameter is missing or unknown."))
	}
	redirect := r.RedirectURI
	if redirect == "" && len(app.RedirectURIs) == 1 {
		redirect = app.RedirectURIs[0]
	}
	if !slices.Contains(app.RedirectURIs, redirect) {
		return nil, oauthErr(InvalidRequest, "The redirect_uri is not one the application registered.")
	}
	if r.ResponseType != "code" {
		return nil, oauthErr(UnsupportedResponse, "The response_type must be \"code\".")
	}
	scopes, err := requestedScopes(app, r.Scope)
	if err != nil {
		return nil, err
	}
	a := &Authorization{App: app, RedirectURI: redirect, Scopes: scopes}
	switch {
	case r.CodeChallenge == "" && r.CodeChallengeMethod == "":
	case r.CodeChallengeMethod != "S256":
		return nil, oauthErr(InvalidRequest, "The code_challenge_method must be S256.")
	case !validChallenge(r.CodeChallenge):
		return nil, oauthErr(InvalidRequest, "The code_challenge must be the base64url SHA-256 of the code verifier.")
	default:
		a.CodeChallenge = r.CodeChallenge
	}
	return a, nil
}

// IssueCode records that the account agreed to a and returns the one-time
// code for the client to exchange within CodeLifetime. A request for admin
// scopes by an account whose role is user is refused with InvalidScope,
// which the client is told through the redirect URI.
func (s *Service) IssueCode(ctx context.Context, a *Authorization, account *starling.Account) (string, error) {
	if err := checkRole(account, a.Scopes); err != nil {
		return "", err
	}
	code := NewSecret()
	now := s.now().UTC()
	c := &starling.AuthCode{
		Hash:          HashSecret(code),
		AppID:         a.App.ID,
		AccountID:     account.ID,
		RedirectURI:   a.RedirectURI,
		Scopes:        a.Scopes.String(),
		CodeChallenge: a.CodeChallenge,
		CreatedAt:     now,
		ExpiresAt:     now.Add(CodeLifetime),
	}
	if c.CodeChallenge != "" {
		c.CodeChallengeMethod = "S256"
	}
	if err := s.store.CreateAuthCode(ctx, c); err != nil {
		return "", err
	}
	return code, nil
}

// S256 is the PKCE code challenge of verifier (RFC 7636 §4.2).
func S256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// validChallenge accepts what S256 can produce: 43 base64url characters.
func validChallenge(c string) bool {
	if len(c) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(c)
	return err == nil
}

// validVerifier checks RFC 7636 §4.1: 43 to 128 unreserved characters.
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	return strings.IndexFunc(v, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~", r))
	}) < 0
}
