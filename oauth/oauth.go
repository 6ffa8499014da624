// Package oauth is Starling's OAuth 2 authorization server: registered
// apps, authorization codes with PKCE, access and refresh tokens (stored
// only as hashes), scopes, and turning a bearer token into a Grant.
//
// It speaks no HTTP: failures of the protocol itself are *Error values
// carrying the RFC 6749 error code, which the HTTP layer writes in the
// shape the RFC prescribes; everything else is a starling error.
package oauth

import "github.com/starling-social/starling"

// Grant is what a valid bearer token lets a request do.
type Grant struct {
	Token   *starling.Token
	App     *starling.App     // nil for tokens minted by the admin command
	Account *starling.Account // nil for an app-only token
	Scopes  Scopes
}

// Error codes of RFC 6749 §4.1.2.1 and §5.2, and RFC 7009 §2.2.1.
const (
	InvalidRequest       = "invalid_request"
	InvalidClient        = "invalid_client"
	InvalidGrant         = "invalid_grant"
	InvalidScope         = "invalid_scope"
	UnauthorizedClient   = "unauthorized_client"
	UnsupportedGrantType = "unsupported_grant_type"
	UnsupportedResponse  = "unsupported_response_type"
	AccessDenied         = "access_denied"
)

// Error is a failure of the OAuth protocol: a client error with the code
// the RFCs name and a description for the developer.
type Error struct {
	Code        string
	Description string
}

func (e *Error) Error() string { return "oauth: " + e.Code + ": " + e.Description }

func oauthErr(code, description string) *Error { return &Error{Code: code, Description: description} }

// Issued is a token at the moment it is made: the only time its secrets
// exist in plain text. RefreshToken is empty when none was issued.
type Issued struct {
	Token        *starling.Token
	AccessToken  string
	RefreshToken string
}
