// Package starling is the domain of the Starling microblogging service: the
// types every other package speaks (Account, Status, App, Token, …), the
// Error type with its few codes, and the small interfaces that adapters
// implement (Store, HomeTimeline, RateLimiter). It does no I/O.
//
// Adapters live beside it: sqlite and postgres implement Store; mastodon
// serves the Mastodon client API over HTTP; inmem holds the in-process
// defaults of the scale-out parts. Only cmd/starling wires them together.
package starling

import (
	"time"
)

// Visibility says who may see a status.
type Visibility string

const (
	VisibilityPublic   Visibility = "public"   // everyone, in public timelines too
	VisibilityUnlisted Visibility = "unlisted" // everyone, but kept out of public timelines
	VisibilityPrivate  Visibility = "private"  // followers and mentioned accounts
	VisibilityDirect   Visibility = "direct"   // mentioned accounts only
)

// ParseVisibility returns the Visibility named s, or false.
func ParseVisibility(s string) (Visibility, bool) {
	switch v := Visibility(s); v {
	case VisibilityPublic, VisibilityUnlisted, VisibilityPrivate, VisibilityDirect:
		return v, true
	}
	return "", false
}

// Role is what an account may do beyond posting.
type Role string

const (
	RoleUser      Role = "user"
	RoleModerator Role = "moderator"
	RoleAdmin     Role = "admin"
)

// ParseRole returns the Role named s, or false.
func ParseRole(s string) (Role, bool) {
	switch r := Role(s); r {
	case RoleUser, RoleModerator, RoleAdmin:
		return r, true
	}
	return "", false
}

// Account is a person (or bot) on this instance.
type Account struct {
	ID           int64
	Username     string // as chosen; unique regardless of case
	Email        string // may be empty; unique regardless of case when set
	PasswordHash string // argon2id, PHC string format
	DisplayName  string
	Note         string // the bio as typed
	NoteHTML     string // the bio rendered to safe HTML when it was saved
	Locked       bool   // follows need approval
	Bot          bool
	Discoverable bool
	Fields       []Field
	Role         Role
	Approved     bool // false while a sign-up awaits approval
	// SignUpReason is what the person wrote, when signing up, about why
	// they want to join: moderators read it when registrations need
	// approval. Empty when none was given.
	SignUpReason string
	// Locale is the interface language the person chose when signing up
	// (a BCP 47 tag such as "en" or "pt-BR"), or empty. Starling has no
	// translated interface yet; it is kept for e-mails and future use.
	Locale string
	// Posting defaults, shown to clients as the account's "source".
	DefaultVisibility Visibility
	DefaultSensitive  bool
	DefaultLanguage   string

	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastStatusAt time.Time // zero when the account never posted a status that is not direct

	// Counts are maintained in the same transaction as the change they
	// count, so they are always exact. StatusesCount leaves out direct
	// statuses, which only their recipients may know exist.
	StatusesCount  int64
	FollowersCount int64
	FollowingCount int64
}

// Visible reports whether others may see and interact with the account.
// An account whose sign-up awaits approval does not exist yet for anyone
// but itself and moderators: every read path that shows one account to
// another (profiles, lists, mentions, links) asks this, and only this.
func (a *Account) Visible() bool { return a.Approved }

// ValidLanguage reports whether s has the shape of an ISO 639-1 code: two
// lower-case ASCII letters. Whether the code is assigned is left to
// clients, which know the languages they offer.
func ValidLanguage(s string) bool {
	return len(s) == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z'
}

// Field is one name/value pair of a profile's metadata table.
type Field struct {
	Name       string
	Value      string // as typed
	ValueHTML  string // rendered to safe HTML when saved
	VerifiedAt time.Time
}

// Mention is an account a status mentions, resolved when it was posted.
type Mention struct {
	AccountID int64
	Username  string
}

// Status is a post.
type Status struct {
	ID          int64 // a Snowflake id: newer statuses have larger ids
	AccountID   int64
	Text        string // as typed, after Unicode NFC normalisation
	Content     string // rendered to safe HTML when posted
	SpoilerText string
	Sensitive   bool
	Visibility  Visibility
	Language    string // ISO 639-1, or empty

	InReplyToID        int64 // 0 when not a reply
	InReplyToAccountID int64 // 0 when not a reply

	ApplicationID int64 // the app that posted it; 0 when unknown
	Mentions      []Mention
	Tags          []string // hashtag names without '#', as typed, deduplicated case-insensitively

	CreatedAt time.Time
	EditedAt  time.Time // zero when never edited
	// PinnedAt is when its author pinned it to their profile; zero when
	// not pinned. Only the author may pin a status, so it is the status's
	// own, read with it, and shown (as the entity's pinned) to the author.
	PinnedAt time.Time

	RepliesCount    int64 // public and unlisted replies only, which everyone may see
	ReblogsCount    int64
	FavouritesCount int64
}

// MentionsAccount reports whether s mentions the account id.
func (s *Status) MentionsAccount(id int64) bool {
	for _, m := range s.Mentions {
		if m.AccountID == id {
			return true
		}
	}
	return false
}

// App is an OAuth client registered through POST /api/v1/apps.
type App struct {
	ID               int64
	Name             string
	Website          string
	RedirectURIs     []string
	Scopes           string // space separated, as registered
	ClientID         string
	ClientSecretHash string // SHA-256 of the secret, hex
	CreatedAt        time.Time
}

// Token is an OAuth access token. Only hashes of the secrets are stored.
type Token struct {
	ID          int64
	AccessHash  string // SHA-256 of the access token, hex
	RefreshHash string // SHA-256 of the refresh token, hex; may be empty
	AppID       int64  // 0 for tokens minted by `starling admin token`
	AccountID   int64  // 0 for an app-only (client_credentials) token
	Scopes      string // space separated
	CreatedAt   time.Time
}

// AuthCode is a one-time OAuth authorization code.
type AuthCode struct {
	Hash                string // SHA-256 of the code, hex
	AppID               int64
	AccountID           int64
	RedirectURI         string
	Scopes              string
	CodeChallenge       string // PKCE; empty when the client sent none
	CodeChallengeMethod string // "S256" when CodeChallenge is set
	CreatedAt           time.Time
	ExpiresAt           time.Time
}

// Relationship is how the viewer and another account relate.
type Relationship struct {
	ID             int64 // the other account
	Following      bool  // the viewer follows it
	FollowedBy     bool  // it follows the viewer
	Requested      bool  // the viewer asked to follow it (it is locked)
	RequestedBy    bool  // it asked to follow the viewer
	ShowingReblogs bool
	Notifying      bool
}

// Edge is one account in a paged list ordered by something other than the
// account id (followers, following, follow requests): Cursor is the key the
// list is ordered by and the one that paging parameters refer to.
type Edge struct {
	Cursor  int64
	Account *Account
}

// Page selects a slice of a list that is ordered newest first by an int64
// key (a status id, or an Edge's Cursor). All fields are optional:
//   - MaxID: only items with key < MaxID;
//   - SinceID: only items with key > SinceID, newest first;
//   - MinID: only items with key > MinID, the ones immediately after the
//     cursor (oldest of the newer ones), still returned newest first.
//
// Limit is always set by the caller (1..MaxPageLimit).
type Page struct {
	MaxID   int64
	SinceID int64
	MinID   int64
	Limit   int
}

// Paging limits shared by every list endpoint.
const (
	DefaultPageLimit = 20
	MaxPageLimit     = 40
	// MaxAccountPageLimit is the larger limit of account lists
	// (followers, following, search).
	MaxAccountPageLimit = 80
)
