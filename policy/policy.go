// Package policy decides who may see what. Every read path asks it, either
// by calling CanView on a single status or, for lists read with SQL, through
// queries that the storage test suite checks against these functions.
package policy

import "github.com/starling-social/starling"

// Viewer is what visibility depends on: who is looking (ID 0 for an
// anonymous visitor) and whom they follow.
type Viewer struct {
	ID int64
	// Follows reports whether the viewer follows the account id. It may be
	// nil for an anonymous viewer.
	Follows func(accountID int64) bool
}

func (v Viewer) follows(id int64) bool {
	return v.ID != 0 && v.Follows != nil && v.Follows(id)
}

// CanView reports whether the viewer may see s:
//   - its author always;
//   - public and unlisted statuses: everyone;
//   - private statuses: the author's followers and the mentioned accounts;
//   - direct statuses: the mentioned accounts.
func CanView(v Viewer, s *starling.Status) bool {
	if v.ID != 0 && v.ID == s.AccountID {
		return true
	}
	switch s.Visibility {
	case starling.VisibilityPublic, starling.VisibilityUnlisted:
		return true
	case starling.VisibilityPrivate:
		return v.follows(s.AccountID) || (v.ID != 0 && s.MentionsAccount(v.ID))
	case starling.VisibilityDirect:
		return v.ID != 0 && s.MentionsAccount(v.ID)
	}
	return false
}

// InHome reports whether s belongs in the viewer's home timeline: the
// viewer's own statuses, and those of accounts the viewer follows that the
// viewer may see, leaving out their replies to accounts the viewer does not
// follow (a conversation between strangers is noise in a home timeline).
func InHome(v Viewer, s *starling.Status) bool {
	if v.ID == 0 {
		return false
	}
	if s.AccountID == v.ID {
		return true
	}
	if !v.follows(s.AccountID) || !CanView(v, s) {
		return false
	}
	to := s.InReplyToAccountID
	return to == 0 || to == s.AccountID || to == v.ID || v.follows(to)
}

// InPublic reports whether s belongs in the public timeline: public
// statuses that do not reply to another account.
func InPublic(s *starling.Status) bool {
	return s.Visibility == starling.VisibilityPublic &&
		(s.InReplyToAccountID == 0 || s.InReplyToAccountID == s.AccountID)
}
