// Package oauth is Starling's OAuth 2 authorization server: registered
// apps, authorization codes with PKCE, access and refresh tokens (stored
// only as hashes), scopes, and turning a bearer token into a Grant.
package oauth

import "github.com/starling-social/starling"

// Grant is what a valid bearer token lets a request do.
type Grant struct {
	Token   *starling.Token
	App     *starling.App     // nil for tokens minted by the admin command
	Account *starling.Account // nil for an app-only token
	Scopes  Scopes
}
