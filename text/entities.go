package text

import (
	"strings"
	"unicode/utf8"
)

// Mentions, hashtags and cashtags. Each scanner walks the text once,
// tracking where its previous match ended: like a global regular
// expression search, a character that belongs to one match cannot serve as
// the boundary that opens the next.

const (
	fullwidthAt   = "＠" // U+FF20, accepted wherever '@' is
	fullwidthHash = "＃" // U+FF03, accepted wherever '#' is
)

// sigilAt returns the length of the sigil (ascii or its fullwidth form,
// full) at byte i of s, or 0.
func sigilAt(s string, i int, ascii byte, full string) int {
	if s[i] == ascii {
		return 1
	}
	if strings.HasPrefix(s[i:], full) {
		return len(full)
	}
	return 0
}

// sigilFinder finds the next ascii sigil or its fullwidth form full. It
// remembers where the next fullwidth one is, so that each search costs
// only what it skips.
type sigilFinder struct {
	s          string
	ascii      byte
	full       string
	nextFull   int // position of the next fullwidth sigil at or after searched, or -1
	searchedTo int // nextFull is valid for searches starting at or before this
}

func newSigilFinder(s string, ascii byte, full string) sigilFinder {
	return sigilFinder{s: s, ascii: ascii, full: full, searchedTo: -1}
}

// next returns the position of the next sigil at or after i, or -1.
func (f *sigilFinder) next(i int) int {
	if i >= len(f.s) {
		return -1
	}
	if i > f.searchedTo {
		f.nextFull = strings.Index(f.s[i:], f.full)
		if f.nextFull >= 0 {
			f.nextFull += i
			f.searchedTo = f.nextFull
		} else {
			f.searchedTo = len(f.s)
		}
	}
	a := strings.IndexByte(f.s[i:], f.ascii)
	if a >= 0 {
		a += i
	}
	switch {
	case f.nextFull < 0:
		return a
	case a < 0:
		return f.nextFull
	}
	return min(a, f.nextFull)
}

// scanMention matches "@name" at i and returns the bounds of the name.
// Usernames are 1 to 20 of [A-Za-z0-9_]; a longer run yields its first 20.
func scanMention(s string, i int) (name, end int, ok bool) {
	if i >= len(s) {
		return 0, 0, false
	}
	n := sigilAt(s, i, '@', fullwidthAt)
	if n == 0 {
		return 0, 0, false
	}
	name = i + n
	end = name
	for end < len(s) && end-name < 20 && s[end] < 0x80 && asciiClass[s[end]]&cUsername != 0 {
		end++
	}
	return name, end, end > name
}

// mentionRunsOn reports whether the text after a mention makes it
// something else: an e-mail-like "@a@b", an accented name cut short, or a
// URL scheme ("@http://").
func mentionRunsOn(after string) bool {
	if after == "" {
		return false
	}
	if after[0] == '@' || strings.HasPrefix(after, fullwidthAt) || strings.HasPrefix(after, "://") {
		return true
	}
	r, _ := utf8.DecodeRuneInString(after)
	return isLatinAccent(r)
}

// mentionMayFollow reports whether an at sign at p can open a mention:
// at the start, after a character that is not part of a word or another
// sigil, or after "RT" / "RT:" (retweet shorthand).
func mentionMayFollow(s string, p, last int) bool {
	if p == 0 {
		return true
	}
	r, size := utf8.DecodeLastRuneInString(s[:p])
	if p-size >= last && !asciiIs(r, cNoMentionBefore) && r != '＠' {
		return true
	}
	q := p
	if s[q-1] == ':' {
		q--
	}
	if q < 2 || s[q-2]|0x20 != 'r' || s[q-1]|0x20 != 't' {
		return false
	}
	q -= 2
	if q == 0 {
		return last == 0
	}
	r, size = utf8.DecodeLastRuneInString(s[:q])
	return q-size >= last && !asciiIs(r, cUsername) && !strings.ContainsRune("+~.-", r)
}

// appendMentions appends the mentions and list mentions of s.
func appendMentions(dst []entity, s string) []entity {
	last := 0
	at := newSigilFinder(s, '@', fullwidthAt)
	for p := at.next(0); p >= 0; p = at.next(p + 1) {
		if p < last || !mentionMayFollow(s, p, last) {
			continue
		}
		name, end, ok := scanMention(s, p)
		if !ok {
			continue
		}
		e := entity{typ: Mention, text: span{name, end}}
		// A list slug starts with a letter: "@user/list-name".
		if end+1 < len(s) && s[end] == '/' && asciiIs(rune(s[end+1]), cAlnum) && !isDigit(s[end+1]) {
			j := end + 2
			for j < len(s) && j-(end+1) < 25 && (asciiIs(rune(s[j]), cUsername) || s[j] == '-') {
				j++
			}
			e.list = span{end + 1, j}
			end = j
		}
		last = end
		if mentionRunsOn(s[end:]) {
			continue
		}
		e.all = span{p, end}
		dst = append(dst, e)
	}
	return dst
}

// appendHashtags appends the hashtags of s. A hashtag is a run of letters,
// marks, digits and joiners containing at least one letter, after a
// character that could not itself be part of one.
func appendHashtags(dst []entity, s string) []entity {
	last := 0
	hash := newSigilFinder(s, '#', fullwidthHash)
	for p := hash.next(0); p >= 0; p = hash.next(p + 1) {
		if p < last {
			continue
		}
		if p > 0 {
			r, size := utf8.DecodeLastRuneInString(s[:p])
			// Variation selectors are marks, but after an emoji they end
			// the emoji rather than continue a word.
			if p-size < last || (r != 0xFE0E && r != 0xFE0F && (r == '&' || isHashtagAlnum(r))) {
				continue
			}
		}
		q := p + sigilAt(s, p, '#', fullwidthHash)
		if strings.HasPrefix(s[q:], "\uFE0F") || strings.HasPrefix(s[q:], "\u20E3") {
			continue // "#️⃣" is the keycap emoji
		}
		end, alpha := q, false
		for end < len(s) {
			r, size := rune(s[end]), 1
			if r >= 0x80 {
				r, size = utf8.DecodeRuneInString(s[end:])
			}
			if !isHashtagAlnum(r) {
				break
			}
			alpha = alpha || isHashtagAlpha(r)
			end += size
		}
		if !alpha {
			continue
		}
		last = end
		if after := s[end:]; strings.HasPrefix(after, "#") || strings.HasPrefix(after, fullwidthHash) ||
			strings.HasPrefix(after, "://") {
			continue
		}
		dst = append(dst, entity{typ: Hashtag, all: span{p, end}, text: span{q, end}})
	}
	return dst
}

// appendCashtags appends the cashtags of s: "$" and 1 to 6 ASCII letters,
// optionally "." or "_" and 1 or 2 more ("$BRK.A"), after a space or at
// the start, and followed by a space, punctuation or the end.
func appendCashtags(dst []entity, s string) []entity {
	last := 0
	for p := strings.IndexByte(s, '$'); p >= 0; {
		if p >= last && (p == 0 || cashtagMayFollow(s, p, last)) {
			if end, ok := scanCashtag(s, p+1); ok {
				last = end
				dst = append(dst, entity{typ: Cashtag, all: span{p, end}, text: span{p + 1, end}})
			}
		}
		i := strings.IndexByte(s[p+1:], '$')
		if i < 0 {
			break
		}
		p += 1 + i
	}
	return dst
}

func cashtagMayFollow(s string, p, last int) bool {
	r, size := utf8.DecodeLastRuneInString(s[:p])
	return p-size >= last && isSpace(r)
}

func scanCashtag(s string, q int) (int, bool) {
	e := skipLetters(s, q)
	if e == q || e-q > 6 {
		return 0, false
	}
	if e < len(s) && (s[e] == '.' || s[e] == '_') {
		if f := skipLetters(s, e+1); f > e+1 && f-(e+1) <= 2 && cashtagEnds(s, f) {
			return f, true
		}
	}
	return e, cashtagEnds(s, e)
}

func skipLetters(s string, i int) int {
	for i < len(s) && (s[i]|0x20) >= 'a' && (s[i]|0x20) <= 'z' {
		i++
	}
	return i
}

func cashtagEnds(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return asciiIs(r, cPunct) || isJSSpace(r)
}
