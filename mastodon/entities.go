package mastodon

import (
	"cmp"
	"context"
	"net/url"
	"slices"
	"time"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/snowflake"
)

// The JSON entities of the Mastodon API, and their construction from
// domain types. Empty collections are always [] and nullable fields are
// present as null, because clients depend on both.

// timeFormat is RFC 3339 in UTC with milliseconds.
const timeFormat = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := formatTime(t)
	return &s
}

func optID(id int64) *string {
	if id == 0 {
		return nil
	}
	s := snowflake.Format(id)
	return &s
}

// Default images for accounts without an avatar or header; the web
// package serves them.
const (
	DefaultAvatarPath = "/static/avatar.png"
	DefaultHeaderPath = "/static/header.png"
)

// Account is Mastodon's Account entity.
type Account struct {
	ID             string         `json:"id"`
	Username       string         `json:"username"`
	Acct           string         `json:"acct"`
	URL            string         `json:"url"`
	URI            string         `json:"uri"`
	DisplayName    string         `json:"display_name"`
	Note           string         `json:"note"`
	Avatar         string         `json:"avatar"`
	AvatarStatic   string         `json:"avatar_static"`
	Header         string         `json:"header"`
	HeaderStatic   string         `json:"header_static"`
	Locked         bool           `json:"locked"`
	Bot            bool           `json:"bot"`
	Group          bool           `json:"group"`
	Discoverable   bool           `json:"discoverable"`
	Indexable      bool           `json:"indexable"`
	HideCollection bool           `json:"hide_collections"`
	Fields         []AccountField `json:"fields"`
	Emojis         []any          `json:"emojis"`
	Roles          []any          `json:"roles"`
	CreatedAt      string         `json:"created_at"`
	LastStatusAt   *string        `json:"last_status_at"`
	StatusesCount  int64          `json:"statuses_count"`
	FollowersCount int64          `json:"followers_count"`
	FollowingCount int64          `json:"following_count"`
	// Source and Role are only for the account's owner
	// (verify_credentials, update_credentials).
	Source *AccountSource `json:"source,omitempty"`
	Role   *AccountRole   `json:"role,omitempty"`
}

// AccountField is one row of a profile's metadata table.
type AccountField struct {
	Name       string  `json:"name"`
	Value      string  `json:"value"`
	VerifiedAt *string `json:"verified_at"`
}

// AccountSource is the unrendered profile and the posting defaults.
type AccountSource struct {
	Privacy             string         `json:"privacy"`
	Sensitive           bool           `json:"sensitive"`
	Language            string         `json:"language"`
	Note                string         `json:"note"`
	Fields              []AccountField `json:"fields"`
	FollowRequestsCount int64          `json:"follow_requests_count"`
	// Indexable is whether public posts may be searched by anyone: the
	// account's discoverable setting, as in the public entity.
	Indexable bool `json:"indexable"`
}

// AccountRole is Mastodon's Role entity.
type AccountRole struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Color       string `json:"color"`
	Permissions string `json:"permissions"`
	Highlighted bool   `json:"highlighted"`
}

// profileURL is an account's web address.
func (s *Server) profileURL(username string) string { return s.absURL("/@" + username) }

// accountEntity renders a for anyone to see.
func (s *Server) accountEntity(a *starling.Account) Account {
	fields := make([]AccountField, 0, len(a.Fields))
	for _, f := range a.Fields {
		fields = append(fields, AccountField{Name: f.Name, Value: f.ValueHTML, VerifiedAt: optTime(f.VerifiedAt)})
	}
	var lastStatus *string
	if !a.LastStatusAt.IsZero() {
		d := a.LastStatusAt.UTC().Format(time.DateOnly)
		lastStatus = &d
	}
	return Account{
		ID:             snowflake.Format(a.ID),
		Username:       a.Username,
		Acct:           a.Username,
		URL:            s.profileURL(a.Username),
		URI:            s.absURL("/users/" + url.PathEscape(a.Username)),
		DisplayName:    a.DisplayName,
		Note:           a.NoteHTML,
		Avatar:         s.absURL(DefaultAvatarPath),
		AvatarStatic:   s.absURL(DefaultAvatarPath),
		Header:         s.absURL(DefaultHeaderPath),
		HeaderStatic:   s.absURL(DefaultHeaderPath),
		Locked:         a.Locked,
		Bot:            a.Bot,
		Discoverable:   a.Discoverable,
		Indexable:      a.Discoverable,
		Fields:         fields,
		Emojis:         []any{},
		Roles:          []any{},
		CreatedAt:      formatTime(a.CreatedAt),
		LastStatusAt:   lastStatus,
		StatusesCount:  a.StatusesCount,
		FollowersCount: a.FollowersCount,
		FollowingCount: a.FollowingCount,
	}
}

// credentialAccountEntity renders a for its owner, with source and role.
func (s *Server) credentialAccountEntity(a *starling.Account, followRequests int64) Account {
	e := s.accountEntity(a)
	fields := make([]AccountField, 0, len(a.Fields))
	for _, f := range a.Fields {
		fields = append(fields, AccountField{Name: f.Name, Value: f.Value, VerifiedAt: optTime(f.VerifiedAt)})
	}
	privacy := string(a.DefaultVisibility)
	if privacy == "" {
		privacy = string(starling.VisibilityPublic)
	}
	e.Source = &AccountSource{
		Privacy:             privacy,
		Sensitive:           a.DefaultSensitive,
		Language:            a.DefaultLanguage,
		Note:                a.Note,
		Fields:              fields,
		FollowRequestsCount: followRequests,
		Indexable:           a.Discoverable,
	}
	e.Role = roleEntity(a.Role)
	return e
}

// roleEntity describes a role with Mastodon's permission bits: 0 for users,
// manage reports/users for moderators, administrator (1) for admins.
func roleEntity(r starling.Role) *AccountRole {
	switch r {
	case starling.RoleAdmin:
		return &AccountRole{ID: "3", Name: "Admin", Color: "", Permissions: "1", Highlighted: true}
	case starling.RoleModerator:
		return &AccountRole{ID: "1", Name: "Moderator", Color: "", Permissions: "1308", Highlighted: true}
	}
	return &AccountRole{ID: "-99", Name: "", Color: "", Permissions: "0", Highlighted: false}
}

// Status is Mastodon's Status entity.
type Status struct {
	ID                 string          `json:"id"`
	URI                string          `json:"uri"`
	URL                string          `json:"url"`
	CreatedAt          string          `json:"created_at"`
	EditedAt           *string         `json:"edited_at"`
	Account            Account         `json:"account"`
	Content            string          `json:"content"`
	Visibility         string          `json:"visibility"`
	Sensitive          bool            `json:"sensitive"`
	SpoilerText        string          `json:"spoiler_text"`
	MediaAttachments   []any           `json:"media_attachments"`
	Application        *any            `json:"application"`
	Mentions           []StatusMention `json:"mentions"`
	Tags               []StatusTag     `json:"tags"`
	Emojis             []any           `json:"emojis"`
	ReblogsCount       int64           `json:"reblogs_count"`
	FavouritesCount    int64           `json:"favourites_count"`
	RepliesCount       int64           `json:"replies_count"`
	InReplyToID        *string         `json:"in_reply_to_id"`
	InReplyToAccountID *string         `json:"in_reply_to_account_id"`
	Reblog             *Status         `json:"reblog"`
	Poll               *any            `json:"poll"`
	Card               *any            `json:"card"`
	Language           *string         `json:"language"`
	Text               *string         `json:"text,omitempty"`
	Favourited         *bool           `json:"favourited,omitempty"`
	Reblogged          *bool           `json:"reblogged,omitempty"`
	Muted              *bool           `json:"muted,omitempty"`
	Bookmarked         *bool           `json:"bookmarked,omitempty"`
	Pinned             *bool           `json:"pinned,omitempty"`
	Filtered           *[]any          `json:"filtered,omitempty"`
}

// StatusMention is a mentioned account, as a status lists it.
type StatusMention struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	URL      string `json:"url"`
	Acct     string `json:"acct"`
}

// StatusTag is a hashtag, as a status lists it.
type StatusTag struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// statusURL is the permanent web address of a status.
func (s *Server) statusURL(username string, id int64) string {
	return s.absURL("/@" + username + "/" + snowflake.Format(id))
}

// tagURL is the web address of a hashtag.
func (s *Server) tagURL(name string) string { return s.absURL("/tags/" + url.PathEscape(name)) }

// statusEntity renders st by author for viewer (nil when anonymous).
func (s *Server) statusEntity(st *starling.Status, author *starling.Account, viewer *starling.Account) Status {
	return s.statusEntityWith(st, author, s.accountEntity(author), viewer)
}

// statusEntityWith is statusEntity with the author's entity rendered
// already: a page of statuses renders each author once.
func (s *Server) statusEntityWith(st *starling.Status, author *starling.Account, authorEntity Account, viewer *starling.Account) Status {
	mentions := make([]StatusMention, 0, len(st.Mentions))
	for _, m := range st.Mentions {
		mentions = append(mentions, StatusMention{ID: snowflake.Format(m.AccountID), Username: m.Username,
			URL: s.profileURL(m.Username), Acct: m.Username})
	}
	tags := make([]StatusTag, 0, len(st.Tags))
	for _, t := range st.Tags {
		tags = append(tags, StatusTag{Name: t, URL: s.tagURL(t)})
	}
	var lang *string
	if st.Language != "" {
		lang = &st.Language
	}
	e := Status{
		ID:                 snowflake.Format(st.ID),
		URI:                s.absURL("/users/" + url.PathEscape(author.Username) + "/statuses/" + snowflake.Format(st.ID)),
		URL:                s.statusURL(author.Username, st.ID),
		CreatedAt:          formatTime(st.CreatedAt),
		EditedAt:           optTime(st.EditedAt),
		Account:            authorEntity,
		Content:            st.Content,
		Visibility:         string(st.Visibility),
		Sensitive:          st.Sensitive,
		SpoilerText:        st.SpoilerText,
		MediaAttachments:   []any{},
		Mentions:           mentions,
		Tags:               tags,
		Emojis:             []any{},
		ReblogsCount:       st.ReblogsCount,
		FavouritesCount:    st.FavouritesCount,
		RepliesCount:       st.RepliesCount,
		InReplyToID:        optID(st.InReplyToID),
		InReplyToAccountID: optID(st.InReplyToAccountID),
		Language:           lang,
	}
	statusViewerOf(st, viewer).setOn(&e)
	return e
}

// renderStatuses renders a list of statuses for viewer, fetching their
// authors in one query. Statuses whose author is gone are left out.
func (s *Server) renderStatuses(ctx context.Context, list []*starling.Status, viewer *starling.Account) (*statusList, error) {
	authors, err := s.authorsOf(ctx, list)
	if err != nil {
		return nil, err
	}
	return &statusList{s: s, list: list, authors: authors, viewer: viewer}, nil
}

// authorsOf fetches the authors of statuses in one query.
func (s *Server) authorsOf(ctx context.Context, list []*starling.Status) (authorSet, error) {
	if len(list) == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, len(list))
	for _, st := range list {
		ids = append(ids, st.AccountID)
	}
	found, err := s.svc.Store.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	return newAuthorSet(found), nil
}

// authorSet is the authors of a list of statuses, sorted by id: one
// allocation where a map takes several, and a search as quick for the
// twenty authors of a page or the thousands of a long thread.
type authorSet []*starling.Account

// newAuthorSet sorts accounts, which it keeps, into an authorSet.
func newAuthorSet(accounts []*starling.Account) authorSet {
	slices.SortFunc(accounts, func(a, b *starling.Account) int { return cmp.Compare(a.ID, b.ID) })
	return authorSet(accounts)
}

// authorSetOf makes an authorSet of the accounts of a map.
func authorSetOf(m map[int64]*starling.Account) authorSet {
	list := make([]*starling.Account, 0, len(m))
	for _, a := range m {
		list = append(list, a)
	}
	return newAuthorSet(list)
}

// index returns where the account id is in as, or -1.
func (as authorSet) index(id int64) int {
	i, found := slices.BinarySearchFunc(as, id, func(a *starling.Account, id int64) int { return cmp.Compare(a.ID, id) })
	if !found {
		return -1
	}
	return i
}

// accountsByID fetches accounts in one query, keyed by id.
func (s *Server) accountsByID(ctx context.Context, ids []int64) (map[int64]*starling.Account, error) {
	out := make(map[int64]*starling.Account, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	list, err := s.svc.Store.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		out[a.ID] = a
	}
	return out, nil
}

// Relationship is Mastodon's Relationship entity.
type Relationship struct {
	ID                  string `json:"id"`
	Following           bool   `json:"following"`
	ShowingReblogs      bool   `json:"showing_reblogs"`
	Notifying           bool   `json:"notifying"`
	Languages           []any  `json:"languages"`
	FollowedBy          bool   `json:"followed_by"`
	Blocking            bool   `json:"blocking"`
	BlockedBy           bool   `json:"blocked_by"`
	Muting              bool   `json:"muting"`
	MutingNotifications bool   `json:"muting_notifications"`
	Requested           bool   `json:"requested"`
	RequestedBy         bool   `json:"requested_by"`
	DomainBlocking      bool   `json:"domain_blocking"`
	Endorsed            bool   `json:"endorsed"`
	Note                string `json:"note"`
}

func relationshipEntity(r starling.Relationship) Relationship {
	return Relationship{
		ID:             snowflake.Format(r.ID),
		Following:      r.Following,
		ShowingReblogs: r.ShowingReblogs,
		Notifying:      r.Notifying,
		Languages:      []any{},
		FollowedBy:     r.FollowedBy,
		Requested:      r.Requested,
		RequestedBy:    r.RequestedBy,
	}
}

// edgeAccounts renders edges' accounts in order.
func (s *Server) edgeAccounts(edges []starling.Edge) *accountsAnswer {
	list := make([]*starling.Account, 0, len(edges))
	for _, e := range edges {
		list = append(list, e.Account)
	}
	return &accountsAnswer{s: s, list: list}
}
