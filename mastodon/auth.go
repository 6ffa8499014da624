package mastodon

import (
	"context"
	"net/http"
	"strings"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/oauth"
)

// grantOf returns the request's grant, or nil for an anonymous request.
func grantOf(r *http.Request) *oauth.Grant {
	if st := stateOf(r.Context()); st != nil {
		return st.grant
	}
	return nil
}

// viewerOf returns the signed-in account, or nil.
func viewerOf(r *http.Request) *starling.Account {
	if g := grantOf(r); g != nil {
		return g.Account
	}
	return nil
}

// viewerID returns the signed-in account's id, or 0.
func viewerID(r *http.Request) int64 {
	if a := viewerOf(r); a != nil {
		return a.ID
	}
	return 0
}

// access says who may call an endpoint.
type access int

const (
	anyone    access = iota // a token is optional; when given it must be valid
	appOrUser               // any valid token with the scope
	userOnly                // a token that belongs to an account, with the scope
)

// handle registers an endpoint: pattern as for http.ServeMux, who may call
// it, and the scope its token needs. On endpoints open to anyone the scope
// still binds a token that is given, so a narrow token (profile, say) cannot
// read more than it was granted just because the endpoint is public.
func (s *Server) handle(pattern string, who access, scope string, h handlerFunc) {
	s.mux.Handle(pattern, s.wrap(func(w http.ResponseWriter, r *http.Request) error {
		g, authErr := s.authenticate(r)
		// Requests with a bad token are counted too (per address, as g is
		// nil then): they cost a lookup, and guessing tokens must be slow.
		if err := s.rateLimit(w, r, g); err != nil {
			return err
		}
		if authErr != nil {
			return authErr
		}
		if g == nil && who != anyone {
			return starling.Errorf(starling.EUNAUTHORIZED, "The access token is invalid")
		}
		if who == userOnly && g.Account == nil {
			return starling.Errorf(starling.EINVALID, "This method requires an authenticated user")
		}
		if g != nil && scope != "" && !g.Scopes.Allows(scope) {
			return starling.Errorf(starling.EFORBIDDEN, "This action is outside the authorized scopes")
		}
		if g != nil {
			if st := stateOf(r.Context()); st != nil {
				st.grant = g
			} else { // served without the middleware, as some tests do
				r = r.WithContext(context.WithValue(r.Context(), requestStateKey{}, &requestState{grant: g}))
			}
		}
		return h(w, r)
	}))
}

// authenticate resolves the bearer token, if any. A token that is given
// but invalid is 401 even on public endpoints, as in Mastodon, so a client
// learns that its token was revoked. Accounts awaiting approval get 403.
func (s *Server) authenticate(r *http.Request) (*oauth.Grant, error) {
	token := bearerToken(r)
	if token == "" {
		return nil, nil
	}
	g, err := s.svc.OAuth.Authenticate(r.Context(), token)
	if err != nil {
		return nil, err
	}
	if g.Account != nil && !g.Account.Approved {
		return nil, starling.Errorf(starling.EFORBIDDEN, "Your login is currently pending approval")
	}
	return g, nil
}

// bearerToken reads the token from the Authorization header, or from the
// access_token query parameter that streaming and some clients use.
func bearerToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(token)
		}
		return ""
	}
	return r.URL.Query().Get("access_token")
}

// params parses the request's parameters with the server's body limit.
func (s *Server) params(w http.ResponseWriter, r *http.Request) (*Params, error) {
	return parseParams(w, r, s.cfg.MaxBodyBytes)
}
