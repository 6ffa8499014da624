package oauth

import (
	"context"

	"github.com/starling-social/starling"
)

func errBadCode() error {
	return oauthErr(InvalidGrant, "The authorization code is invalid, expired, already used, or was issued to another client.")
}

// ExchangeCode is the authorization_code grant (RFC 6749 §4.1.3, RFC 7636
// §4.5). The code is spent by the attempt whether or not it succeeds, so a
// stolen code cannot be tried twice.
func (s *Service) ExchangeCode(ctx context.Context, c Client, code, redirectURI, verifier string) (*Issued, error) {
	app, err := s.authenticateClient(ctx, c)
	if err != nil {
		return nil, err
	}
	if code == "" {
		return nil, oauthErr(InvalidRequest, "The code parameter is missing.")
	}
	if len(code) > maxSecretLength {
		return nil, errBadCode()
	}
	ac, err := s.store.TakeAuthCode(ctx, HashSecret(code))
	if err != nil {
		return nil, notFoundAs(err, errBadCode())
	}
	if ac.AppID != app.ID || !s.now().Before(ac.ExpiresAt) {
		return nil, errBadCode()
	}
	if redirectURI != ac.RedirectURI {
		return nil, oauthErr(InvalidGrant, "The redirect_uri does not match the one of the authorization request.")
	}
	switch {
	case ac.CodeChallenge == "" && verifier != "":
		// Accepting a verifier that nothing asked for would let an
		// attacker who strips the challenge from a request go unnoticed.
		return nil, oauthErr(InvalidGrant, "A code_verifier was sent but the authorization request had no code_challenge.")
	case ac.CodeChallenge != "" && verifier == "":
		return nil, oauthErr(InvalidGrant, "The code_verifier parameter is missing.")
	case ac.CodeChallenge != "" && (!validVerifier(verifier) || !Equal(S256(verifier), ac.CodeChallenge)):
		return nil, oauthErr(InvalidGrant, "The code_verifier does not match the code_challenge.")
	}
	a, err := s.store.AccountByID(ctx, ac.AccountID)
	if err != nil {
		return nil, notFoundAs(err, errBadCode())
	}
	// Checked again, not only when the code was issued: the role may
	// have been taken away since.
	scopes := scopesOf(ac.Scopes)
	if err := checkRole(a, scopes); err != nil {
		return nil, err
	}
	return s.issue(ctx, app, ac.AccountID, scopes, true)
}

// ClientCredentials is the client_credentials grant: a token for the app
// itself, with no account and no refresh token (RFC 6749 §4.4.3).
func (s *Service) ClientCredentials(ctx context.Context, c Client, scope string) (*Issued, error) {
	app, err := s.authenticateClient(ctx, c)
	if err != nil {
		return nil, err
	}
	scopes, err := requestedScopes(app, scope)
	if err != nil {
		return nil, err
	}
	return s.issue(ctx, app, 0, scopes, false)
}

// PasswordGrant is the resource owner password credentials grant, kept
// because test tools and scripts use it; login is a username or an e-mail
// address.
func (s *Service) PasswordGrant(ctx context.Context, c Client, login, password, scope string) (*Issued, error) {
	app, err := s.authenticateClient(ctx, c)
	if err != nil {
		return nil, err
	}
	if login == "" || password == "" {
		return nil, oauthErr(InvalidRequest, "The username and password parameters are required.")
	}
	scopes, err := requestedScopes(app, scope)
	if err != nil {
		return nil, err
	}
	a, err := s.passwords.Authenticate(ctx, login, password)
	if starling.ErrorCode(err) == starling.EUNAUTHORIZED {
		return nil, oauthErr(InvalidGrant, "The username, e-mail address or password is wrong.")
	}
	if err != nil {
		return nil, err
	}
	if err := checkRole(a, scopes); err != nil {
		return nil, err
	}
	return s.issue(ctx, app, a.ID, scopes, true)
}

// Refresh is the refresh_token grant. The token the refresh token belongs
// to is replaced by a new pair in one store transaction (RotateToken), so
// a leaked refresh token works at most once: of two requests racing with
// the same refresh token exactly one gets a new pair, the other
// InvalidGrant. A narrower scope may be asked for, never a wider one.
func (s *Service) Refresh(ctx context.Context, c Client, refreshToken, scope string) (*Issued, error) {
	app, err := s.authenticateClient(ctx, c)
	if err != nil {
		return nil, err
	}
	if refreshToken == "" {
		return nil, oauthErr(InvalidRequest, "The refresh_token parameter is missing.")
	}
	bad := oauthErr(InvalidGrant, "The refresh token is invalid, revoked, or was issued to another client.")
	if len(refreshToken) > maxSecretLength {
		return nil, bad
	}
	hash := HashSecret(refreshToken)
	// The checks read the token first, so that a refresh that fails them
	// (another app's token, a wider scope) leaves it alive. Tokens are
	// never modified, so what is read here is what RotateToken deletes,
	// unless a concurrent refresh deletes it first.
	old, err := s.store.TokenByRefreshHash(ctx, hash)
	if err != nil {
		return nil, notFoundAs(err, bad)
	}
	if old.AppID != app.ID {
		return nil, bad
	}
	had := scopesOf(old.Scopes)
	scopes := had
	if scope != "" {
		want, ok := ParseScopes(scope)
		if !ok || !had.Covers(want) {
			return nil, oauthErr(InvalidScope, "The requested scope exceeds the scope granted by the resource owner.")
		}
		scopes = want
	}
	// A token for an account whose role was taken away is not renewed
	// with the admin scopes the role allowed.
	if old.AccountID != 0 && scopes.admin() {
		a, err := s.store.AccountByID(ctx, old.AccountID)
		if err != nil {
			return nil, notFoundAs(err, bad)
		}
		if err := checkRole(a, scopes); err != nil {
			return nil, err
		}
	}
	out, next := s.newToken(app, old.AccountID, scopes, true)
	// ENOTFOUND here means a concurrent refresh won the race.
	if _, err := s.store.RotateToken(ctx, hash, next); err != nil {
		return nil, notFoundAs(err, bad)
	}
	out.Token = next
	return out, nil
}

// Revoke revokes a token given its access or refresh token (RFC 7009). An
// unknown token is not an error, so that a client cannot probe for valid
// ones; a token of another app is UnauthorizedClient.
func (s *Service) Revoke(ctx context.Context, c Client, token string) error {
	app, err := s.authenticateClient(ctx, c)
	if err != nil {
		return err
	}
	if token == "" {
		return oauthErr(InvalidRequest, "The token parameter is missing.")
	}
	if len(token) > maxSecretLength {
		return nil
	}
	h := HashSecret(token)
	t, err := s.store.TokenByAccessHash(ctx, h)
	if starling.ErrorCode(err) == starling.ENOTFOUND {
		t, err = s.store.TokenByRefreshHash(ctx, h)
	}
	switch {
	case starling.ErrorCode(err) == starling.ENOTFOUND:
		return nil
	case err != nil:
		return err
	case t.AppID != app.ID:
		return oauthErr(UnauthorizedClient, "You are not authorized to revoke this token.")
	}
	return s.store.RevokeToken(ctx, t.ID)
}
