package oauth

import (
	"slices"
	"strings"
)

// Scopes is a set of OAuth scopes as Mastodon defines them: top-level
// scopes (read, write, follow, push, profile, admin:read, admin:write)
// imply their granular children (read:statuses, admin:write:reports, …).
type Scopes []string

// known lists every scope a client may ask for. "follow" is Mastodon's
// legacy scope for the relationship endpoints; it implies the matching
// read:/write: children.
//
// Any app may register for the admin scopes (admin:read, admin:write and
// their children), as in Mastodon, but a scope only says what a client may
// do with an account's powers, not what the account may do: the admin
// scopes grant nothing without a moderator's or an administrator's role.
// The service never issues them for an account whose role is user (see
// checkRole), and every admin endpoint must still check both the token's
// scope and the account's current role, since a role can be taken away
// from an account that holds a token.
var known = func() map[string]bool {
	m := map[string]bool{"read": true, "write": true, "follow": true, "push": true, "profile": true,
		"admin:read": true, "admin:write": true}
	for _, c := range []string{"accounts", "blocks", "bookmarks", "favourites", "filters", "follows",
		"lists", "mutes", "notifications", "search", "statuses"} {
		m["read:"+c] = true
	}
	for _, c := range []string{"accounts", "blocks", "bookmarks", "conversations", "favourites", "filters",
		"follows", "lists", "media", "mutes", "notifications", "reports", "statuses"} {
		m["write:"+c] = true
	}
	for _, c := range []string{"accounts", "reports", "domain_allows", "domain_blocks", "ip_blocks",
		"email_domain_blocks", "canonical_email_blocks"} {
		m["admin:read:"+c] = true
		m["admin:write:"+c] = true
	}
	return m
}()

// Supported lists every scope a client may ask for, sorted, for the
// server metadata document.
func Supported() []string {
	out := make([]string, 0, len(known))
	for s := range known {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// followImplies is what the legacy "follow" scope grants.
var followImplies = []string{"read:blocks", "write:blocks", "read:follows", "write:follows", "read:mutes", "write:mutes"}

// ParseScopes splits a space- (or plus-) separated scope string, dropping
// duplicates. It returns false if any scope is unknown.
func ParseScopes(s string) (Scopes, bool) {
	var out Scopes
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '+' }) {
		if !known[f] {
			return nil, false
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out, true
}

// scopesOf splits a scope string this server stored. It is not checked
// again: a scope it once accepted stays in force.
func scopesOf(stored string) Scopes { return strings.Fields(stored) }

// admin reports whether s holds an admin scope.
func (s Scopes) admin() bool {
	return slices.ContainsFunc(s, func(scope string) bool { return strings.HasPrefix(scope, "admin:") })
}

// withoutAdmin returns s without its admin scopes.
func (s Scopes) withoutAdmin() Scopes {
	return slices.DeleteFunc(slices.Clone(s), func(scope string) bool { return strings.HasPrefix(scope, "admin:") })
}

// String joins the scopes with spaces.
func (s Scopes) String() string { return strings.Join(s, " ") }

// Allows reports whether the set grants scope, directly or through a parent.
func (s Scopes) Allows(scope string) bool {
	for _, have := range s {
		if have == scope || strings.HasPrefix(scope, have+":") {
			return true
		}
		if have == "follow" && slices.Contains(followImplies, scope) {
			return true
		}
		// "profile" is the narrow alternative to read:accounts that
		// only lets a client read who signed in, so whatever may read
		// accounts may do that too.
		if scope == "profile" && (have == "read" || have == "read:accounts") {
			return true
		}
	}
	return false
}

// Covers reports whether every scope of want is allowed by s: a client
// may not obtain a token with scopes it did not register for.
func (s Scopes) Covers(want Scopes) bool {
	for _, w := range want {
		if !s.Allows(w) {
			return false
		}
	}
	return true
}
