package oauth

import (
	"slices"
	"testing"
)

func TestParseScopes(t *testing.T) {
	tests := []struct {
		in   string
		want Scopes
		ok   bool
	}{
		{"", nil, true},
		{"read", Scopes{"read"}, true},
		{"read write follow push", Scopes{"read", "write", "follow", "push"}, true},
		{"read+write", Scopes{"read", "write"}, true},
		{"  read   read ", Scopes{"read"}, true},
		{"write:accounts admin:read:reports profile", Scopes{"write:accounts", "admin:read:reports", "profile"}, true},
		{"read:media", nil, false}, // media is write-only
		{"write:account", nil, false},
		{"READ", nil, false},
		{"read delete", nil, false},
		{"admin", nil, false},
	}
	for _, tt := range tests {
		got, ok := ParseScopes(tt.in)
		if ok != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("ParseScopes(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAllows(t *testing.T) {
	tests := []struct {
		have  string
		scope string
		want  bool
	}{
		{"read", "read", true},
		{"read", "read:statuses", true},
		{"read", "write:statuses", false},
		{"read:statuses", "read", false}, // a child does not imply its parent
		{"read:statuses", "read:accounts", false},
		{"write", "write:accounts", true},
		{"write:media", "write:statuses", false},
		{"admin:read", "admin:read:reports", true},
		{"admin:read", "admin:write:reports", false},
		{"read", "admin:read", false}, // "read" is not a prefix of admin scopes
		{"read", "admin:read:accounts", false},
		{"admin:write", "admin:write:domain_blocks", true},
		// The legacy follow scope covers the relationship endpoints only.
		{"follow", "read:follows", true},
		{"follow", "write:follows", true},
		{"follow", "write:blocks", true},
		{"follow", "read:mutes", true},
		{"follow", "read:statuses", false},
		{"follow", "write:accounts", false},
		// profile is the narrow form of read:accounts.
		{"profile", "profile", true},
		{"read", "profile", true},
		{"read:accounts", "profile", true},
		{"read:statuses", "profile", false},
		{"profile", "read:accounts", false},
		{"", "read", false},
		{"push", "read", false},
	}
	for _, tt := range tests {
		have, _ := ParseScopes(tt.have)
		if got := have.Allows(tt.scope); got != tt.want {
			t.Errorf("%q.Allows(%q) = %v, want %v", tt.have, tt.scope, got, tt.want)
		}
	}
}

func TestCovers(t *testing.T) {
	tests := []struct {
		registered, want string
		ok               bool
	}{
		{"read write follow push", "read write", true},
		{"read write follow push", "read:statuses write:media", true},
		{"read", "read write", false},
		{"read", "", true}, // asking for nothing is covered
		{"read:statuses", "read", false},
		{"follow", "read:follows", true},
		{"read write", "push", false},
		{"read write", "admin:read", false},
	}
	for _, tt := range tests {
		reg, _ := ParseScopes(tt.registered)
		want, _ := ParseScopes(tt.want)
		if got := reg.Covers(want); got != tt.ok {
			t.Errorf("%q.Covers(%q) = %v, want %v", tt.registered, tt.want, got, tt.ok)
		}
	}
}

func TestSupportedIsSortedAndParses(t *testing.T) {
	s := Supported()
	if !slices.IsSorted(s) || len(s) < 7 {
		t.Fatalf("%v", s)
	}
	for _, sc := range s {
		if _, ok := ParseScopes(sc); !ok {
			t.Errorf("supported scope %q does not parse", sc)
		}
	}
	for _, sc := range []string{"read", "write", "follow", "push", "profile", "write:accounts", "admin:write:reports"} {
		if !slices.Contains(s, sc) {
			t.Errorf("%q missing", sc)
		}
	}
}
