package mastodon

import (
	"bytes"
	"slices"
	"strconv"
	"time"
	"unsafe"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/shardcache"
)

// Rendered entities. Most of a status's or an account's JSON is the same
// for every viewer and changes only when the post is edited or the profile
// updated, yet a home page shows twenty of each. So the JSON of every
// status and account is rendered once (by statusEntity and accountEntity
// and the encoder in encode.go: there is one way to render them) and kept,
// without the parts that change more often or differ between viewers;
// those are written afresh into every answer, between the kept bytes:
//
//   - a status: its author's account (rendered the same way), its counts,
//     its reblog, and the viewer's own fields (favourited, reblogged,
//     muted, bookmarked, pinned, filtered);
//   - an account: last_status_at and its counts.
//
// Nothing is ever invalidated. Instead a kept rendering remembers the
// fields it was made from, and is used only while the status or account
// being answered still has the same ones; otherwise it is rendered again
// and replaces the kept one. So the bytes are always those of the value
// the handler holds, read from the store (through its read-through cache,
// whose staleness rules, package storecache, are the only ones there are):
// the rendered cache adds none of its own. TestRenderedFieldsClassified
// keeps the list of compared fields complete.

// renderCache keeps the rendered statuses and accounts, each bounded by
// the same number of entries as the read-through cache (Config.CacheEntries)
// with random eviction. Entries never expire: they are checked on use.
type renderCache struct {
	statuses *shardcache.Cache[int64, renderedStatus]
	accounts *shardcache.Cache[int64, renderedAccount]
	// now is the clock of refreshes, in Unix nanoseconds; tests set it.
	now func() int64
}

func newRenderCache(maxEntries int) renderCache {
	c := renderCache{
		statuses: shardcache.New[int64, renderedStatus](maxEntries, 0, time.Now, shardcache.HashID),
		accounts: shardcache.New[int64, renderedAccount](maxEntries, 0, time.Now, shardcache.HashID),
		now:      func() int64 { return time.Now().UnixNano() },
	}
	// A page looks up forty renderings; their hits are not reported.
	c.statuses.Uncounted, c.accounts.Uncounted = true, true
	return c
}

// renderedStatus is a status's JSON without its spliced parts (json), the
// offsets in json where each goes, and what it was rendered from.
type renderedStatus struct {
	json                    []byte
	account, counts, reblog int
	viewer                  int
	src                     starling.Status // only the fields statusRenderedFrom compares
	authorUsername          string
	kept                    int64 // when src was taken, in Unix nanoseconds
}

// renderedAccount is an account's JSON up to its live fields, and what it
// was rendered from.
type renderedAccount struct {
	json []byte // ends before `,"last_status_at":`
	src  starling.Account
	kept int64 // when src was taken, in Unix nanoseconds
}

// statusRenderedFrom reports whether the status entity rendered from a by
// an author named username shows the same, but for the spliced parts, as
// one rendered from b by author.
func statusRenderedFrom(a *starling.Status, username string, b *starling.Status, author *starling.Account) bool {
	return a.ID == b.ID && a.AccountID == b.AccountID && username == author.Username &&
		a.Content == b.Content && a.SpoilerText == b.SpoilerText && a.Sensitive == b.Sensitive &&
		a.Visibility == b.Visibility && a.Language == b.Language &&
		a.InReplyToID == b.InReplyToID && a.InReplyToAccountID == b.InReplyToAccountID &&
		a.CreatedAt.Equal(b.CreatedAt) && a.EditedAt.Equal(b.EditedAt) &&
		slices.Equal(a.Mentions, b.Mentions) && slices.Equal(a.Tags, b.Tags)
}

// statusRenderSource copies the fields of st that statusRenderedFrom
// compares, and no others: the cache keeps no more than it needs.
func statusRenderSource(st *starling.Status) starling.Status {
	return starling.Status{
		ID: st.ID, AccountID: st.AccountID, Content: st.Content, SpoilerText: st.SpoilerText,
		Sensitive: st.Sensitive, Visibility: st.Visibility, Language: st.Language,
		InReplyToID: st.InReplyToID, InReplyToAccountID: st.InReplyToAccountID,
		CreatedAt: st.CreatedAt, EditedAt: st.EditedAt, Mentions: st.Mentions, Tags: st.Tags,
	}
}

// accountRenderedFrom reports whether the account entity rendered from a
// shows the same, but for the live fields, as one rendered from b.
func accountRenderedFrom(a, b *starling.Account) bool {
	return a.ID == b.ID && a.Username == b.Username && a.DisplayName == b.DisplayName &&
		a.NoteHTML == b.NoteHTML && a.Locked == b.Locked && a.Bot == b.Bot &&
		a.Discoverable == b.Discoverable && a.CreatedAt.Equal(b.CreatedAt) &&
		slices.EqualFunc(a.Fields, b.Fields, func(x, y starling.Field) bool {
			return x.Name == y.Name && x.ValueHTML == y.ValueHTML && x.VerifiedAt.Equal(y.VerifiedAt)
		})
}

// accountRenderSource copies the fields of a that accountRenderedFrom
// compares, and no others: no e-mail or password hash is kept here.
func accountRenderSource(a *starling.Account) starling.Account {
	return starling.Account{
		ID: a.ID, Username: a.Username, DisplayName: a.DisplayName, NoteHTML: a.NoteHTML,
		Locked: a.Locked, Bot: a.Bot, Discoverable: a.Discoverable, CreatedAt: a.CreatedAt, Fields: a.Fields,
	}
}

// refreshEvery is how often at most a kept rendering takes the newest
// copy of what it was rendered from. Values read by SQL rather than
// through the read-through cache (public, hashtag and account timelines,
// threads) are new copies on every request: replacing the kept one each
// time would cost a write and an allocation a status, for nothing.
const refreshEvery = time.Second

// refreshDue reports whether a rendering kept at kept (Unix nanoseconds)
// may take a newer copy of its source now.
func (c *renderCache) refreshDue(kept int64) bool { return c.now()-kept >= int64(refreshEvery) }

// sameString reports whether a and b are one string in memory, not only
// equal: comparing a string with itself is a pointer comparison, where
// comparing equal copies reads them both.
func sameString(a, b string) bool {
	return len(a) == len(b) && (len(a) == 0 || unsafe.StringData(a) == unsafe.StringData(b))
}

// renderedStatusOf returns st's kept rendering, rendering and keeping it
// when there is none or it was made from other fields. It returns nil when
// the status cannot be rendered by the fast encoder (never, with the
// entities as they are), and the caller then encodes the entity.
func (s *Server) renderedStatusOf(st *starling.Status, author *starling.Account) *renderedStatus {
	if r, ok := s.rendered.statuses.Get(st.ID, 0); ok && statusRenderedFrom(&r.src, r.authorUsername, st, author) {
		if !sameString(r.src.Content, st.Content) && s.rendered.refreshDue(r.kept) {
			// The same text, read again (the read-through cache's entry
			// expired): keep it instead, so that the next comparisons are
			// of one string with itself, which costs nothing.
			fresh := *r
			fresh.src, fresh.kept = statusRenderSource(st), s.rendered.now()
			s.rendered.statuses.Put(st.ID, &fresh, s.rendered.statuses.Version(st.ID), 0)
		}
		return r
	}
	e := s.statusEntityWith(st, author, Account{}, nil)
	var m statusMarks
	full, err := appendStatus(make([]byte, 0, 1024), &e, 0, &m)
	if err != nil {
		return nil
	}
	// The kept bytes are full without its spliced parts; each offset is
	// where a part went, less the parts cut before it.
	b := make([]byte, 0, len(full)-(m.accountEnd-m.account)-(m.countsEnd-m.counts)-(m.reblogEnd-m.reblog))
	b = append(b, full[:m.account]...)
	r := &renderedStatus{account: len(b), src: statusRenderSource(st), authorUsername: author.Username, kept: s.rendered.now()}
	b = append(b, full[m.accountEnd:m.counts]...)
	r.counts = len(b)
	b = append(b, full[m.countsEnd:m.reblog]...)
	r.reblog = len(b)
	b = append(b, full[m.reblogEnd:m.viewer]...)
	r.viewer = len(b)
	r.json = append(b, full[m.viewer:]...)
	s.rendered.statuses.Put(st.ID, r, s.rendered.statuses.Version(st.ID), 0)
	return r
}

// renderedAccountOf returns a's kept rendering, rendering and keeping it
// when there is none or it was made from other fields.
func (s *Server) renderedAccountOf(a *starling.Account) *renderedAccount {
	if r, ok := s.rendered.accounts.Get(a.ID, 0); ok && accountRenderedFrom(&r.src, a) {
		if !sameString(r.src.NoteHTML, a.NoteHTML) && s.rendered.refreshDue(r.kept) {
			fresh := *r // as for statuses
			fresh.src, fresh.kept = accountRenderSource(a), s.rendered.now()
			s.rendered.accounts.Put(a.ID, &fresh, s.rendered.accounts.Version(a.ID), 0)
		}
		return r
	}
	e := s.accountEntity(a)
	live := -1
	full, err := appendAccount(make([]byte, 0, 768), &e, &live)
	if err != nil || live < 0 {
		return nil
	}
	// A copy of its own, so that the rest of full's array is not kept too.
	r := &renderedAccount{json: bytes.Clone(full[:live]), src: accountRenderSource(a), kept: s.rendered.now()}
	s.rendered.accounts.Put(a.ID, r, s.rendered.accounts.Version(a.ID), 0)
	return r
}

// appendAccountJSON appends a's entity as accountEntity renders it.
func (s *Server) appendAccountJSON(dst []byte, a *starling.Account) []byte {
	return s.appendAccountWith(dst, a, s.renderedAccountOf(a))
}

// appendAccountWith is appendAccountJSON with a's rendering at hand (nil
// when it could not be made).
func (s *Server) appendAccountWith(dst []byte, a *starling.Account, r *renderedAccount) []byte {
	if r == nil {
		e := s.accountEntity(a)
		dst, _ = appendAccount(dst, &e, nil) // fails only where renderedAccountOf did not
		return dst
	}
	dst = append(dst, r.json...)
	dst = append(dst, `,"last_status_at":`...)
	if a.LastStatusAt.IsZero() {
		dst = append(dst, "null"...)
	} else {
		dst = appendDate(dst, a.LastStatusAt)
	}
	dst = appendAccountCounts(dst, a.StatusesCount, a.FollowersCount, a.FollowingCount)
	return append(dst, '}')
}

// appendDate appends t's date in UTC as a JSON string, YYYY-MM-DD, as
// accountEntity formats it with time.DateOnly, without the cost of a
// layout: a page shows twenty.
func appendDate(dst []byte, t time.Time) []byte {
	y, m, d := t.UTC().Date()
	if y < 0 || y > 9999 {
		dst = append(dst, '"')
		dst = t.UTC().AppendFormat(dst, time.DateOnly)
		return append(dst, '"')
	}
	return append(dst, '"', byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10), '"')
}

// appendStatusJSON appends st's entity, by author, for viewer (nil when
// anonymous), as statusEntity renders it.
func (s *Server) appendStatusJSON(dst []byte, st *starling.Status, author *starling.Account, viewer *starling.Account) []byte {
	return s.appendStatusWith(dst, st, author, s.renderedAccountOf(author), viewer)
}

// appendStatusWith is appendStatusJSON with the author's rendering at
// hand (nil when it could not be made).
func (s *Server) appendStatusWith(dst []byte, st *starling.Status, author *starling.Account, ra *renderedAccount, viewer *starling.Account) []byte {
	r := s.renderedStatusOf(st, author)
	if r == nil {
		e := s.statusEntity(st, author, viewer)
		dst, _ = appendStatus(dst, &e, 0, nil) // fails only where renderedStatusOf did not
		return dst
	}
	dst = append(dst, r.json[:r.account]...)
	dst = s.appendAccountWith(dst, author, ra)
	dst = append(dst, r.json[r.account:r.counts]...)
	dst = appendStatusCounts(dst, st.ReblogsCount, st.FavouritesCount, st.RepliesCount)
	dst = append(dst, r.json[r.counts:r.reblog]...)
	dst = append(dst, "null"...) // no reblogs yet
	dst = append(dst, r.json[r.reblog:r.viewer]...)
	dst = appendStatusViewer(dst, statusViewerOf(st, viewer))
	return append(dst, r.json[r.viewer:]...)
}

// statusViewer is what a status entity tells its viewer about their own
// dealings with it. Anonymous viewers are told nothing: the fields are
// left out. Nothing can be favourited, reblogged, muted or bookmarked
// yet, so those flags are false; pinned is the status's own PinnedAt,
// shown to its author only.
type statusViewer struct {
	signedIn                                         bool
	author                                           bool // the viewer wrote the status: only then is pinned shown
	favourited, reblogged, muted, bookmarked, pinned bool
}

func statusViewerOf(st *starling.Status, viewer *starling.Account) statusViewer {
	if viewer == nil {
		return statusViewer{}
	}
	author := viewer.ID == st.AccountID
	return statusViewer{signedIn: true, author: author, pinned: author && !st.PinnedAt.IsZero()}
}

// setOn sets v's fields on the entity e.
func (v statusViewer) setOn(e *Status) {
	if !v.signedIn {
		return
	}
	e.Favourited, e.Reblogged, e.Muted, e.Bookmarked = &v.favourited, &v.reblogged, &v.muted, &v.bookmarked
	if v.author {
		e.Pinned = &v.pinned
	}
	filtered := []any{}
	e.Filtered = &filtered
}

// appendStatusViewer appends v's fields as appendStatus does from the
// entity that v.setOn set them on.
func appendStatusViewer(dst []byte, v statusViewer) []byte {
	if !v.signedIn {
		return dst
	}
	dst = append(dst, `,"favourited":`...)
	dst = strconv.AppendBool(dst, v.favourited)
	dst = append(dst, `,"reblogged":`...)
	dst = strconv.AppendBool(dst, v.reblogged)
	dst = append(dst, `,"muted":`...)
	dst = strconv.AppendBool(dst, v.muted)
	dst = append(dst, `,"bookmarked":`...)
	dst = strconv.AppendBool(dst, v.bookmarked)
	if v.author {
		dst = append(dst, `,"pinned":`...)
		dst = strconv.AppendBool(dst, v.pinned)
	}
	return append(dst, `,"filtered":[]`...)
}

// statusList is a list of statuses rendered for viewer, in order, leaving
// out those whose author is not in authors (gone, or not visible).
type statusList struct {
	s       *Server
	list    []*starling.Status
	authors authorSet
	viewer  *starling.Account
	// rendered holds the authors' renderings, by their index in authors,
	// as they are first needed: each is looked up once per answer.
	rendered []*renderedAccount
}

// renderedAuthors returns l.rendered, made when missing.
func (l *statusList) renderedAuthors() []*renderedAccount {
	if l.rendered == nil {
		l.rendered = make([]*renderedAccount, len(l.authors))
	}
	return l.rendered
}

func (l *statusList) appendJSON(dst []byte) []byte {
	dst = append(dst, '[')
	n := 0
	rendered := l.renderedAuthors()
	for _, st := range l.list {
		i := l.authors.index(st.AccountID)
		if i < 0 {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		a := l.authors[i]
		if rendered[i] == nil {
			rendered[i] = l.s.renderedAccountOf(a)
		}
		dst = l.s.appendStatusWith(dst, st, a, rendered[i], l.viewer)
	}
	return append(dst, ']')
}

// accountsAnswer is a list of accounts rendered for anyone to see.
type accountsAnswer struct {
	s    *Server
	list []*starling.Account
}

func (l *accountsAnswer) appendJSON(dst []byte) []byte {
	dst = append(dst, '[')
	for i, a := range l.list {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = l.s.appendAccountJSON(dst, a)
	}
	return append(dst, ']')
}

// accountAnswer is one account rendered for anyone to see.
type accountAnswer struct {
	s *Server
	a *starling.Account
}

func (a *accountAnswer) appendJSON(dst []byte) []byte { return a.s.appendAccountJSON(dst, a.a) }
