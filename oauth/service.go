package oauth

import (
	"context"

	"github.com/starling-social/starling"
)

// Service issues and checks tokens.
type Service struct{}

// Authenticate turns a bearer token into a Grant; EUNAUTHORIZED when the
// token is unknown or revoked.
func (s *Service) Authenticate(ctx context.Context, token string) (*Grant, error) {
	return nil, starling.Errorf(starling.EUNAUTHORIZED, "The access token is invalid")
}
