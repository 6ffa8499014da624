package mastodon

import (
	"net/http"
	"strings"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/accounts"
)

// accountRoutes registers sign-up, the signed-in account's own profile,
// and finding accounts. The per-account lists and relationship actions
// (/api/v1/accounts/{id}/…) are follows.go's.
func (s *Server) accountRoutes() {
	s.handle("POST /api/v1/accounts", appOrUser, "write:accounts", s.signUp)
	s.handle("GET /api/v1/accounts", anyone, "read:accounts", s.getAccounts)
	// "profile" is also allowed by read and read:accounts (see oauth.Scopes.Allows).
	s.handle("GET /api/v1/accounts/verify_credentials", userOnly, "profile", s.verifyCredentials)
	s.handle("PATCH /api/v1/accounts/update_credentials", userOnly, "write:accounts", s.updateCredentials)
	s.handle("PUT /api/v1/accounts/update_credentials", userOnly, "write:accounts", s.updateCredentials)
	s.handle("GET /api/v1/accounts/lookup", anyone, "read:accounts", s.lookupAccount)
	s.handle("GET /api/v1/accounts/search", appOrUser, "read:accounts", s.searchAccounts)
	s.handle("GET /api/v1/accounts/{id}", anyone, "read:accounts", s.getAccount)
}

// signUp is POST /api/v1/accounts: create an account and return a token
// for it, on behalf of the app whose token made the call.
func (s *Server) signUp(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Registrations == RegistrationsClosed {
		return starling.Errorf(starling.EFORBIDDEN, "Registrations are closed on this server")
	}
	p, err := s.params(w, r)
	if err != nil {
		return err
	}
	agreement, err := p.Bool("agreement")
	if err != nil {
		return err
	}
	// The new person's token has the scopes of the token that signed them
	// up, as in Mastodon (without admin scopes). It is stored with the
	// account in one transaction, so that a failure leaves neither behind
	// and the client can simply retry. While approval is pending, the auth
	// layer refuses the token with 403 and a message saying so.
	g := grantOf(r)
	iss := s.svc.OAuth.SignUpToken(g.App, g.Scopes)
	if _, err := s.svc.Accounts.Register(r.Context(), accounts.RegisterInput{
		Username:    p.String("username"),
		Email:       p.String("email"),
		Password:    p.String("password"),
		Agreement:   agreement,
		Locale:      p.String("locale"),
		Reason:      p.String("reason"),
		Approved:    s.cfg.Registrations != RegistrationsApproval,
		SelfService: true,
		Token:       iss.Token,
	}); err != nil {
		return err
	}
	noStore(w)
	return ok(w, tokenEntity(iss))
}

// verifyCredentials is GET /api/v1/accounts/verify_credentials.
func (s *Server) verifyCredentials(w http.ResponseWriter, r *http.Request) error {
	a, err := s.svc.Accounts.Get(r.Context(), viewerID(r))
	if err != nil {
		return err
	}
	return s.writeCredentialAccount(w, r, a)
}

// writeCredentialAccount answers with the owner's view of a, whose source
// counts the follow requests waiting for the owner's answer.
func (s *Server) writeCredentialAccount(w http.ResponseWriter, r *http.Request, a *starling.Account) error {
	requests, err := s.svc.Store.CountFollowRequests(r.Context(), a.ID)
	if err != nil {
		return err
	}
	return ok(w, s.credentialAccountEntity(a, requests))
}

// updateCredentials is PATCH (and PUT) /api/v1/accounts/update_credentials.
// Only the parameters given change; avatar and header uploads are not
// supported yet and are ignored, like the other attributes Starling lacks.
func (s *Server) updateCredentials(w http.ResponseWriter, r *http.Request) error {
	p, err := s.params(w, r)
	if err != nil {
		return err
	}
	var u accounts.ProfileUpdate
	if p.Has("display_name") {
		v := p.String("display_name")
		u.DisplayName = &v
	}
	if p.Has("note") {
		v := p.String("note")
		u.Note = &v
	}
	for _, b := range []struct {
		name string
		dst  **bool
	}{{"locked", &u.Locked}, {"bot", &u.Bot}, {"discoverable", &u.Discoverable}, {"source[sensitive]", &u.Sensitive}} {
		if *b.dst, err = p.OptBool(b.name); err != nil {
			return err
		}
	}
	if objs := p.Objects("fields_attributes"); len(objs) > 0 {
		fields := make([]starling.Field, 0, len(objs))
		for _, o := range objs {
			fields = append(fields, starling.Field{Name: o["name"], Value: o["value"]})
		}
		u.Fields = &fields
	}
	if p.Has("source[privacy]") {
		v := starling.Visibility(p.String("source[privacy]"))
		u.Privacy = &v
	}
	if p.Has("source[language]") {
		v := p.String("source[language]")
		u.Language = &v
	}
	a, err := s.svc.Accounts.UpdateProfile(r.Context(), viewerID(r), u)
	if err != nil {
		return err
	}
	return s.writeCredentialAccount(w, r, a)
}

// getAccount is GET /api/v1/accounts/{id}.
func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.svc.Accounts.Visible(r.Context(), id)
	if err != nil {
		return err
	}
	return ok(w, &accountAnswer{s: s, a: a})
}

// getAccounts is GET /api/v1/accounts?id[]=…: several accounts at once,
// in the order asked, leaving out the ones that do not exist.
func (s *Server) getAccounts(w http.ResponseWriter, r *http.Request) error {
	p, err := s.params(w, r)
	if err != nil {
		return err
	}
	ids, err := p.IDs("id")
	if err != nil {
		return err
	}
	if len(ids) > starling.MaxAccountPageLimit {
		return starling.Errorf(starling.EBADREQUEST, "At most %d ids may be asked for at once", starling.MaxAccountPageLimit)
	}
	found, err := s.accountsByID(r.Context(), ids)
	if err != nil {
		return err
	}
	out := make([]*starling.Account, 0, len(ids))
	seen := make(map[int64]bool, len(ids))
	for _, id := range ids {
		if a, ok := found[id]; ok && a.Visible() && !seen[id] {
			seen[id] = true
			out = append(out, a)
		}
	}
	return ok(w, &accountsAnswer{s: s, list: out})
}

// lookupAccount is GET /api/v1/accounts/lookup?acct=user[@this-host].
func (s *Server) lookupAccount(w http.ResponseWriter, r *http.Request) error {
	p, err := s.params(w, r)
	if err != nil {
		return err
	}
	acct := strings.TrimSpace(p.String("acct"))
	if acct == "" {
		return starling.Errorf(starling.EBADREQUEST, "Missing parameter acct")
	}
	a, err := s.svc.Accounts.Lookup(r.Context(), acct)
	if err != nil {
		return err
	}
	return ok(w, &accountAnswer{s: s, a: a})
}

// defaultSearchLimit is Mastodon's default page of account search results.
const defaultSearchLimit = 40

// searchAccounts is GET /api/v1/accounts/search. resolve is accepted and
// has nothing to do until there is federation; following=true keeps only
// accounts the signed-in person follows.
func (s *Server) searchAccounts(w http.ResponseWriter, r *http.Request) error {
	p, err := s.params(w, r)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(p.String("q"))
	if q == "" {
		return starling.Errorf(starling.EBADREQUEST, "Missing parameter q")
	}
	limit, err := p.Int("limit", defaultSearchLimit)
	if err != nil {
		return err
	}
	limit = min(max(limit, 1), starling.MaxAccountPageLimit)
	offset, err := p.Int("offset", 0)
	if err != nil {
		return err
	}
	if offset < 0 {
		return starling.Errorf(starling.EBADREQUEST, "offset must not be negative")
	}
	if _, err := p.Bool("resolve"); err != nil {
		return err
	}
	following, err := p.Bool("following")
	if err != nil {
		return err
	}
	if following && viewerOf(r) == nil {
		return starling.Errorf(starling.EINVALID, "This method requires an authenticated user")
	}
	ctx := r.Context()
	found, err := s.svc.Accounts.Search(ctx, q, limit, offset)
	if err != nil {
		return err
	}
	if following && len(found) > 0 {
		if found, err = s.followedOnly(r, found); err != nil {
			return err
		}
	}
	return ok(w, &accountsAnswer{s: s, list: found})
}

// followedOnly keeps the accounts the viewer follows.
func (s *Server) followedOnly(r *http.Request, list []*starling.Account) ([]*starling.Account, error) {
	ids := make([]int64, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	rels, err := s.svc.Store.Relationships(r.Context(), viewerID(r), ids)
	if err != nil {
		return nil, err
	}
	out := list[:0]
	for i, rel := range rels {
		if rel.Following {
			out = append(out, list[i])
		}
	}
	return out, nil
}
