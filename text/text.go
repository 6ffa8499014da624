// Package text counts, validates, extracts and renders post text the way
// twitter-text does. Every part of Starling that measures or links what
// people type goes through it: statuses, bios, profile fields, the web
// composer's counter and search indexing.
//
// Counting and extraction reproduce twitter-text's published behaviour
// (its conformance suite is the specification, see conformance_test.go);
// rendering produces the HTML Mastodon clients expect. The scanners are
// hand-written rather than regular expressions so that parsing a post
// stays well under a few microseconds.
package text

import (
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxWeightedLength is the limit the server enforces (twitter-text v3).
const MaxWeightedLength = 280

// URLLength is what every URL counts, whatever its length.
const URLLength = 23

// Normalize returns s in Unicode NFC, the form in which text is counted and
// stored. Invalid UTF-8 sequences become U+FFFD first, so that offsets into
// the result are always well defined.
func Normalize(s string) string {
	s, _ = normalize(s)
	return s
}

// normalize is Normalize, also reporting whether the text is pure ASCII
// (which lets callers equate bytes with UTF-16 units).
func normalize(s string) (string, bool) {
	if isASCII(s) {
		return s, true // ASCII is valid UTF-8 and already NFC
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return norm.NFC.String(s), false
}

// isASCII reports whether s is pure ASCII.
func isASCII(s string) bool { return asciiPrefix(s) == len(s) }

// asciiPrefix returns the length of the ASCII prefix of s, looking at
// eight bytes at a time.
func asciiPrefix(s string) int {
	i := 0
	for ; len(s)-i >= 8; i += 8 {
		b := s[i : i+8] // constant indices below: one bounds check, one load
		w := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		if w&0x8080808080808080 != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= 0x80 {
			break
		}
	}
	return i
}

// EntityType says what an Entity is.
type EntityType int

const (
	Mention EntityType = iota + 1
	Hashtag
	Cashtag
	URL
)

// String returns the entity type's name as the Mastodon API spells it.
func (t EntityType) String() string {
	switch t {
	case Mention:
		return "mention"
	case Hashtag:
		return "hashtag"
	case Cashtag:
		return "cashtag"
	case URL:
		return "url"
	}
	return "unknown"
}

// Entity is a mention, hashtag, cashtag or URL found in text.
type Entity struct {
	Type EntityType
	// Text is the entity without its sigil: a username, a hashtag or
	// cashtag name, or a URL as written.
	Text string
	// ListSlug is the list name of an "@user/list" mention (without the
	// slash), empty otherwise.
	ListSlug string
	// Start and End are UTF-16 code unit offsets of the whole entity
	// (sigil and list slug included) in the normalised text, End exclusive.
	Start, End int
}

// entity is the scanners' form of an Entity, in bytes of the normalised
// text.
type entity struct {
	typ  EntityType
	all  span // the whole entity
	text span // Entity.Text
	list span // Entity.ListSlug
}

// Extract returns the entities of s in order of appearance. Where two
// would overlap (a hashtag inside a URL, say) the one that starts first
// wins; on a tie, URLs beat mentions, which beat hashtags and cashtags.
func Extract(s string) []Entity {
	s, ascii := normalize(s)
	var buf [16]entity
	es := extractAll(buf[:0], s)
	return publicEntities(s, ascii, es)
}

// extractAll appends every entity of s, overlaps removed.
func extractAll(dst []entity, s string) []entity {
	dst = appendURLEntities(dst, s)
	dst = appendMentions(dst, s)
	dst = appendHashtags(dst, s)
	dst = appendCashtags(dst, s)
	return removeOverlaps(dst)
}

// removeOverlaps sorts es by start (stably, so earlier kinds win ties) and
// drops every entity that overlaps the one kept before it.
func removeOverlaps(es []entity) []entity {
	if len(es) <= 32 {
		// A post's handful of entities: a plain insertion sort beats the
		// generic one.
		for i := 1; i < len(es); i++ {
			for j := i; j > 0 && es[j-1].all.start > es[j].all.start; j-- {
				es[j-1], es[j] = es[j], es[j-1]
			}
		}
	} else {
		slices.SortStableFunc(es, func(a, b entity) int { return a.all.start - b.all.start })
	}
	out := es[:0]
	for _, e := range es {
		if len(out) > 0 && e.all.start < out[len(out)-1].all.end {
			continue
		}
		out = append(out, e)
	}
	return out
}

// publicEntities converts es, sorted by start, to Entities. When s is
// ASCII, offsets in bytes and UTF-16 units agree.
func publicEntities(s string, ascii bool, es []entity) []Entity {
	if len(es) == 0 {
		return nil
	}
	out := make([]Entity, len(es))
	pos, units := 0, 0
	advance := func(to int) int {
		if ascii {
			return to
		}
		if to < pos {
			pos, units = 0, 0
		}
		units += utf16Len(s[pos:to])
		pos = to
		return units
	}
	for i, e := range es {
		out[i] = Entity{
			Type:     e.typ,
			Text:     s[e.text.start:e.text.end],
			ListSlug: s[e.list.start:e.list.end],
			Start:    advance(e.all.start),
			End:      advance(e.all.end),
		}
	}
	return out
}

func appendURLEntities(dst []entity, s string) []entity {
	var buf [8]span
	for _, u := range appendURLs(buf[:0], s) {
		dst = append(dst, entity{typ: URL, all: u, text: u})
	}
	return dst
}

// ExtractURLs returns the URLs of s as written.
func ExtractURLs(s string) []string { return texts(ExtractURLsWithIndices(s)) }

// ExtractURLsWithIndices returns the URL entities of s.
func ExtractURLsWithIndices(s string) []Entity {
	s, ascii := normalize(s)
	return publicEntities(s, ascii, appendURLEntities(nil, s))
}

// ExtractMentionedScreenNames returns the usernames mentioned in s, list
// mentions ("@user/list") excluded.
func ExtractMentionedScreenNames(s string) []string { return texts(ExtractMentionsWithIndices(s)) }

// ExtractMentionsWithIndices returns the mentions of s, list mentions
// excluded.
func ExtractMentionsWithIndices(s string) []Entity {
	es := ExtractMentionsOrListsWithIndices(s)
	out := es[:0]
	for _, e := range es {
		if e.ListSlug == "" {
			out = append(out, e)
		}
	}
	return out
}

// ExtractMentionsOrListsWithIndices returns the mentions of s, including
// "@user/list" mentions (with ListSlug set).
func ExtractMentionsOrListsWithIndices(s string) []Entity {
	s, ascii := normalize(s)
	return publicEntities(s, ascii, appendMentions(nil, s))
}

// ExtractReplyScreenName returns the username s replies to: a mention that
// opens the text, after nothing but spaces.
func ExtractReplyScreenName(s string) (string, bool) {
	s = Normalize(s)
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isSpace(r) {
			break
		}
		i += size
	}
	name, end, ok := scanMention(s, i)
	if !ok || mentionRunsOn(s[end:]) {
		return "", false
	}
	return s[name:end], true
}

// ExtractHashtags returns the hashtag names in s.
func ExtractHashtags(s string) []string { return texts(ExtractHashtagsWithIndices(s)) }

// ExtractHashtagsWithIndices returns the hashtags of s, except those that
// are part of a URL.
func ExtractHashtagsWithIndices(s string) []Entity {
	s, ascii := normalize(s)
	es := appendHashtags(nil, s)
	if len(es) == 0 {
		return nil
	}
	// URLs go after the hashtags so that a hashtag and a URL starting at
	// the same place keep the hashtag, as in twitter-text.
	es = removeOverlaps(appendURLEntities(es, s))
	tags := es[:0]
	for _, e := range es {
		if e.typ == Hashtag {
			tags = append(tags, e)
		}
	}
	return publicEntities(s, ascii, tags)
}

// ExtractCashtags returns the cashtag symbols in s.
func ExtractCashtags(s string) []string { return texts(ExtractCashtagsWithIndices(s)) }

// ExtractCashtagsWithIndices returns the cashtags of s.
func ExtractCashtagsWithIndices(s string) []Entity {
	s, ascii := normalize(s)
	return publicEntities(s, ascii, appendCashtags(nil, s))
}

func texts(es []Entity) []string {
	if len(es) == 0 {
		return nil
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Text
	}
	return out
}
