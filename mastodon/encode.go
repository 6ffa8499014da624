package mastodon

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/bits"
	"strconv"
	"sync"
	"unicode/utf8"
)

// The hot answers (statuses and accounts, alone or in pages) are encoded
// by hand rather than by encoding/json's reflection, which cost about a
// quarter of the server's CPU on the home timeline. The bytes are exactly
// those of a json.Encoder with SetEscapeHTML(false), as writeJSON used
// (the tests compare the two on every edge and on random entities), so
// clients cannot tell. Each appender follows its struct's fields in
// declaration order; a field added to an entity must be added here too,
// which the random comparison test catches.

// jsonBufs holds the buffers the fast path encodes into, so a page of
// statuses costs no allocation once the pool is warm.
var jsonBufs = sync.Pool{New: func() any {
	b := make([]byte, 0, 16<<10)
	return &b
}}

// maxPooledJSONBuf is the largest buffer put back in jsonBufs: a rare huge
// answer is left to the garbage collector instead of pinning its memory in
// the pool for good. A page of 40 statuses is well under it.
const maxPooledJSONBuf = 256 << 10

// appendEntity appends v with the trailing newline that json.Encoder
// writes. It reports false, dst unchanged in length, when v is not one of
// the entities with a fast path or when its encoding needs encoding/json's
// own failure (a value it cannot encode, or a Reblog chain too deep to be
// anything but a cycle): the caller then encodes v with encoding/json,
// which answers exactly as it always did.
func appendEntity(dst []byte, v any) ([]byte, bool) {
	b := dst
	var err error
	switch v := v.(type) {
	case Status:
		b, err = appendStatus(b, &v, 0, nil)
	case []Status:
		b, err = appendStatuses(b, v)
	case Account:
		b, err = appendAccount(b, &v, nil)
	case []Account:
		b, err = appendAccounts(b, v)
	default:
		return dst, false
	}
	if err != nil {
		return dst, false
	}
	return append(b, '\n'), true
}

// releaseJSONBuf returns a buffer from jsonBufs to the pool, unless it
// grew too large to keep.
func releaseJSONBuf(buf *[]byte) {
	if cap(*buf) > maxPooledJSONBuf {
		return
	}
	jsonBufs.Put(buf)
}

// errReblogTooDeep stops the fast path on a Reblog chain longer than any
// real one, which can only be a cycle; encoding/json then reports it.
var errReblogTooDeep = errors.New("mastodon: reblog chain too deep")

// maxReblogDepth bounds the Reblog chain the fast path follows. Real
// reblogs nest once.
const maxReblogDepth = 64

// appendStatuses appends a list of statuses: null for nil, as
// encoding/json does.
func appendStatuses(dst []byte, list []Status) ([]byte, error) {
	if list == nil {
		return append(dst, "null"...), nil
	}
	dst = append(dst, '[')
	var err error
	for i := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		if dst, err = appendStatus(dst, &list[i], 0, nil); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

// statusMarks are where appendStatus wrote the parts of a status that the
// rendered cache (render.go) leaves out and writes afresh for every
// answer, as offsets into its dst: each part is dst[start:end].
type statusMarks struct {
	account, accountEnd int // the author's account entity
	counts, countsEnd   int // reblogs_count, favourites_count, replies_count
	reblog, reblogEnd   int // the value of reblog
	viewer              int // the viewer's own fields; they end before the closing brace
}

// appendStatus appends s, which is depth reblogs deep, noting in m (when
// not nil) where its parts went.
func appendStatus(dst []byte, s *Status, depth int, m *statusMarks) ([]byte, error) {
	if depth > maxReblogDepth {
		return dst, errReblogTooDeep
	}
	if m == nil {
		m = new(statusMarks) // noted and dropped; it stays on the stack
	}
	var err error
	dst = append(dst, `{"id":`...)
	dst = appendString(dst, s.ID)
	dst = append(dst, `,"uri":`...)
	dst = appendString(dst, s.URI)
	dst = append(dst, `,"url":`...)
	dst = appendString(dst, s.URL)
	dst = append(dst, `,"created_at":`...)
	dst = appendString(dst, s.CreatedAt)
	dst = append(dst, `,"edited_at":`...)
	dst = appendOptString(dst, s.EditedAt)
	dst = append(dst, `,"account":`...)
	m.account = len(dst)
	if dst, err = appendAccount(dst, &s.Account, nil); err != nil {
		return dst, err
	}
	m.accountEnd = len(dst)
	dst = append(dst, `,"content":`...)
	dst = appendString(dst, s.Content)
	dst = append(dst, `,"visibility":`...)
	dst = appendString(dst, s.Visibility)
	dst = append(dst, `,"sensitive":`...)
	dst = strconv.AppendBool(dst, s.Sensitive)
	dst = append(dst, `,"spoiler_text":`...)
	dst = appendString(dst, s.SpoilerText)
	dst = append(dst, `,"media_attachments":`...)
	if dst, err = appendAnySlice(dst, s.MediaAttachments); err != nil {
		return dst, err
	}
	dst = append(dst, `,"application":`...)
	if dst, err = appendAnyPtr(dst, s.Application); err != nil {
		return dst, err
	}
	dst = append(dst, `,"mentions":`...)
	dst = appendMentions(dst, s.Mentions)
	dst = append(dst, `,"tags":`...)
	dst = appendTags(dst, s.Tags)
	dst = append(dst, `,"emojis":`...)
	if dst, err = appendAnySlice(dst, s.Emojis); err != nil {
		return dst, err
	}
	m.counts = len(dst)
	dst = appendStatusCounts(dst, s.ReblogsCount, s.FavouritesCount, s.RepliesCount)
	m.countsEnd = len(dst)
	dst = append(dst, `,"in_reply_to_id":`...)
	dst = appendOptString(dst, s.InReplyToID)
	dst = append(dst, `,"in_reply_to_account_id":`...)
	dst = appendOptString(dst, s.InReplyToAccountID)
	dst = append(dst, `,"reblog":`...)
	m.reblog = len(dst)
	if s.Reblog == nil {
		dst = append(dst, "null"...)
	} else if dst, err = appendStatus(dst, s.Reblog, depth+1, nil); err != nil {
		return dst, err
	}
	m.reblogEnd = len(dst)
	dst = append(dst, `,"poll":`...)
	if dst, err = appendAnyPtr(dst, s.Poll); err != nil {
		return dst, err
	}
	dst = append(dst, `,"card":`...)
	if dst, err = appendAnyPtr(dst, s.Card); err != nil {
		return dst, err
	}
	dst = append(dst, `,"language":`...)
	dst = appendOptString(dst, s.Language)
	// The rest are omitempty: left out when nil.
	if s.Text != nil {
		dst = append(dst, `,"text":`...)
		dst = appendString(dst, *s.Text)
	}
	m.viewer = len(dst)
	dst = appendOmitBool(dst, `,"favourited":`, s.Favourited)
	dst = appendOmitBool(dst, `,"reblogged":`, s.Reblogged)
	dst = appendOmitBool(dst, `,"muted":`, s.Muted)
	dst = appendOmitBool(dst, `,"bookmarked":`, s.Bookmarked)
	dst = appendOmitBool(dst, `,"pinned":`, s.Pinned)
	if s.Filtered != nil {
		dst = append(dst, `,"filtered":`...)
		if dst, err = appendAnySlice(dst, *s.Filtered); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// appendStatusCounts appends a status's counts, which the rendered cache
// writes afresh for every answer.
func appendStatusCounts(dst []byte, reblogs, favourites, replies int64) []byte {
	dst = append(dst, `,"reblogs_count":`...)
	dst = strconv.AppendInt(dst, reblogs, 10)
	dst = append(dst, `,"favourites_count":`...)
	dst = strconv.AppendInt(dst, favourites, 10)
	dst = append(dst, `,"replies_count":`...)
	return strconv.AppendInt(dst, replies, 10)
}

// appendMentions appends a status's mentions: null for nil.
func appendMentions(dst []byte, list []StatusMention) []byte {
	if list == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		m := &list[i]
		dst = append(dst, `{"id":`...)
		dst = appendString(dst, m.ID)
		dst = append(dst, `,"username":`...)
		dst = appendString(dst, m.Username)
		dst = append(dst, `,"url":`...)
		dst = appendString(dst, m.URL)
		dst = append(dst, `,"acct":`...)
		dst = appendString(dst, m.Acct)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// appendTags appends a status's hashtags: null for nil.
func appendTags(dst []byte, list []StatusTag) []byte {
	if list == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"name":`...)
		dst = appendString(dst, list[i].Name)
		dst = append(dst, `,"url":`...)
		dst = appendString(dst, list[i].URL)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// appendAccounts appends a list of accounts: null for nil.
func appendAccounts(dst []byte, list []Account) ([]byte, error) {
	if list == nil {
		return append(dst, "null"...), nil
	}
	dst = append(dst, '[')
	var err error
	for i := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		if dst, err = appendAccount(dst, &list[i], nil); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

// appendAccount appends a, noting in live (when not nil) the offset in dst
// where the fields that change without the profile changing begin: from
// last_status_at on, which the rendered cache writes afresh.
func appendAccount(dst []byte, a *Account, live *int) ([]byte, error) {
	var err error
	dst = append(dst, `{"id":`...)
	dst = appendString(dst, a.ID)
	dst = append(dst, `,"username":`...)
	dst = appendString(dst, a.Username)
	dst = append(dst, `,"acct":`...)
	dst = appendString(dst, a.Acct)
	dst = append(dst, `,"url":`...)
	dst = appendString(dst, a.URL)
	dst = append(dst, `,"uri":`...)
	dst = appendString(dst, a.URI)
	dst = append(dst, `,"display_name":`...)
	dst = appendString(dst, a.DisplayName)
	dst = append(dst, `,"note":`...)
	dst = appendString(dst, a.Note)
	dst = append(dst, `,"avatar":`...)
	dst = appendString(dst, a.Avatar)
	dst = append(dst, `,"avatar_static":`...)
	dst = appendString(dst, a.AvatarStatic)
	dst = append(dst, `,"header":`...)
	dst = appendString(dst, a.Header)
	dst = append(dst, `,"header_static":`...)
	dst = appendString(dst, a.HeaderStatic)
	dst = append(dst, `,"locked":`...)
	dst = strconv.AppendBool(dst, a.Locked)
	dst = append(dst, `,"bot":`...)
	dst = strconv.AppendBool(dst, a.Bot)
	dst = append(dst, `,"group":`...)
	dst = strconv.AppendBool(dst, a.Group)
	dst = append(dst, `,"discoverable":`...)
	dst = strconv.AppendBool(dst, a.Discoverable)
	dst = append(dst, `,"indexable":`...)
	dst = strconv.AppendBool(dst, a.Indexable)
	dst = append(dst, `,"hide_collections":`...)
	dst = strconv.AppendBool(dst, a.HideCollection)
	dst = append(dst, `,"fields":`...)
	dst = appendFields(dst, a.Fields)
	dst = append(dst, `,"emojis":`...)
	if dst, err = appendAnySlice(dst, a.Emojis); err != nil {
		return dst, err
	}
	dst = append(dst, `,"roles":`...)
	if dst, err = appendAnySlice(dst, a.Roles); err != nil {
		return dst, err
	}
	dst = append(dst, `,"created_at":`...)
	dst = appendString(dst, a.CreatedAt)
	if live != nil {
		*live = len(dst)
	}
	dst = append(dst, `,"last_status_at":`...)
	dst = appendOptString(dst, a.LastStatusAt)
	dst = appendAccountCounts(dst, a.StatusesCount, a.FollowersCount, a.FollowingCount)
	// Source and Role are omitempty: left out when nil.
	if src := a.Source; src != nil {
		dst = append(dst, `,"source":{"privacy":`...)
		dst = appendString(dst, src.Privacy)
		dst = append(dst, `,"sensitive":`...)
		dst = strconv.AppendBool(dst, src.Sensitive)
		dst = append(dst, `,"language":`...)
		dst = appendString(dst, src.Language)
		dst = append(dst, `,"note":`...)
		dst = appendString(dst, src.Note)
		dst = append(dst, `,"fields":`...)
		dst = appendFields(dst, src.Fields)
		dst = append(dst, `,"follow_requests_count":`...)
		dst = strconv.AppendInt(dst, src.FollowRequestsCount, 10)
		dst = append(dst, `,"indexable":`...)
		dst = strconv.AppendBool(dst, src.Indexable)
		dst = append(dst, '}')
	}
	if r := a.Role; r != nil {
		dst = append(dst, `,"role":{"id":`...)
		dst = appendString(dst, r.ID)
		dst = append(dst, `,"name":`...)
		dst = appendString(dst, r.Name)
		dst = append(dst, `,"color":`...)
		dst = appendString(dst, r.Color)
		dst = append(dst, `,"permissions":`...)
		dst = appendString(dst, r.Permissions)
		dst = append(dst, `,"highlighted":`...)
		dst = strconv.AppendBool(dst, r.Highlighted)
		dst = append(dst, '}')
	}
	return append(dst, '}'), nil
}

// appendAccountCounts appends an account's counts, which the rendered
// cache writes afresh for every answer.
func appendAccountCounts(dst []byte, statuses, followers, following int64) []byte {
	dst = append(dst, `,"statuses_count":`...)
	dst = strconv.AppendInt(dst, statuses, 10)
	dst = append(dst, `,"followers_count":`...)
	dst = strconv.AppendInt(dst, followers, 10)
	dst = append(dst, `,"following_count":`...)
	return strconv.AppendInt(dst, following, 10)
}

// appendFields appends a profile's metadata rows: null for nil.
func appendFields(dst []byte, list []AccountField) []byte {
	if list == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		f := &list[i]
		dst = append(dst, `{"name":`...)
		dst = appendString(dst, f.Name)
		dst = append(dst, `,"value":`...)
		dst = appendString(dst, f.Value)
		dst = append(dst, `,"verified_at":`...)
		dst = appendOptString(dst, f.VerifiedAt)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// appendOptString appends *p, or null when p is nil.
func appendOptString(dst []byte, p *string) []byte {
	if p == nil {
		return append(dst, "null"...)
	}
	return appendString(dst, *p)
}

// appendOmitBool appends key and *p, or nothing when p is nil (an
// omitempty pointer).
func appendOmitBool(dst []byte, key string, p *bool) []byte {
	if p == nil {
		return dst
	}
	dst = append(dst, key...)
	return strconv.AppendBool(dst, *p)
}

// appendAnySlice appends a []any field, which nothing fills yet: null
// for nil, [] for empty, and encoding/json's answer for anything else, so
// that whatever fills it later is still encoded right, if slowly.
func appendAnySlice(dst []byte, v []any) ([]byte, error) {
	switch {
	case v == nil:
		return append(dst, "null"...), nil
	case len(v) == 0:
		return append(dst, "[]"...), nil
	}
	return appendReflect(dst, v)
}

// appendAnyPtr appends a *any field, which nothing sets yet: null for nil,
// and encoding/json's answer for anything else.
func appendAnyPtr(dst []byte, p *any) ([]byte, error) {
	if p == nil {
		return append(dst, "null"...), nil
	}
	return appendReflect(dst, *p)
}

// appendReflect appends v as encoding/json encodes it in writeJSON, for
// the values the fast path does not know.
func appendReflect(dst []byte, v any) ([]byte, error) {
	b := bytes.NewBuffer(dst)
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return dst, err
	}
	out := b.Bytes()
	return out[:len(out)-1], nil // the newline Encode ends with
}

// jsonSafe marks the ASCII bytes that stand for themselves in a JSON
// string when HTML is not escaped: all but control characters, '"' and
// '\\'.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for b := ' '; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// hexDigits are the digits of \u escapes, in encoding/json's lower case.
const hexDigits = "0123456789abcdef"

// load64 reads the eight bytes of s from i as a little-endian word (the
// compiler turns this into one load).
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// needsLook sets the high bit of each byte of x that appendString cannot
// copy blindly: a control character, '"', '\\', or a byte of a multi-byte
// (or invalid) UTF-8 sequence. Borrows can mark a byte above a marked one
// wrongly, never below, so the lowest mark is exact.
func needsLook(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote, backslash := x^(ones*'"'), x^(ones*'\\')
	control := (x - ones*0x20) &^ x
	return (control | (quote-ones)&^quote | (backslash-ones)&^backslash | x) & highs
}

// appendString appends s as a JSON string exactly as encoding/json's
// appendString does with HTML escaping off: short escapes for '"', '\\',
// \b, \f, \n, \r and \t, \u00XX for the other control characters, \ufffd
// for each byte of invalid UTF-8, and \u2028 and \u2029 escaped (they
// break JavaScript). Runs of bytes that need nothing are copied at once.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Most bytes need nothing: skip them eight at a time, up to the
		// first that needs a look.
		for i+8 <= len(s) {
			if m := needsLook(load64(s, i)); m != 0 {
				i += bits.TrailingZeros64(m) / 8
				break
			}
			i += 8
		}
		if i == len(s) {
			break
		}
		b := s[i]
		if b < utf8.RuneSelf {
			if jsonSafe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
		default:
			i += size
		}
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
