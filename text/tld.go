package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The TLD lists in tld_list.go are generated from twitter-text's
// tld_lib.yml, which follows the IANA root zone database.
//go:generate go run gen_tlds.go -src ../../shared/conformance/twitter-text/tld_lib.yml -out tld_list.go

// tldKind says which list a TLD is on; a few are on both.
type tldKind uint8

const (
	genericTLD tldKind = 1 << iota
	countryTLD
)

var (
	tlds = func() map[string]tldKind {
		m := make(map[string]tldKind, strings.Count(genericTLDList+countryTLDList, "\n"))
		for _, l := range []struct {
			list string
			kind tldKind
		}{{genericTLDList, genericTLD}, {countryTLDList, countryTLD}} {
			for _, t := range strings.Split(strings.TrimSuffix(l.list, "\n"), "\n") {
				m[t] |= l.kind
			}
		}
		return m
	}()
	// maxTLDBytes bounds how far matchTLD looks ahead.
	maxTLDBytes = max(longest(genericTLDList), longest(countryTLDList))
)

func longest(list string) int {
	n := 0
	for _, t := range strings.Split(list, "\n") {
		n = max(n, len(t))
	}
	return n
}

// tldBoundary reports whether a top-level domain may end at byte i of s:
// it must not run on into a letter, digit or one of "@+-", or it would be
// the start of a longer word rather than a TLD.
func tldBoundary(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	c := s[i]
	return !(c < 0x80 && (asciiClass[c]&cAlnum != 0 || c == '@' || c == '+' || c == '-'))
}

// matchTLD returns the end of the top-level domain starting at byte i of s.
// Like twitter-text it prefers a generic TLD to a country code, and the
// longest candidate within each list; failing both, it accepts a punycode
// label ("xn--...").
func matchTLD(s string, i int) (int, bool) {
	var key [96]byte
	n, bestGeneric, bestCountry := 0, -1, -1
	for j := i; j < len(s); {
		if n+utf8.UTFMax > len(key) || n >= maxTLDBytes {
			break
		}
		if c := s[j]; c < 0x80 {
			if (c|0x20) < 'a' || (c|0x20) > 'z' {
				break // TLDs consist of letters only
			}
			key[n] = c | 0x20
			n++
			j++
		} else {
			r, size := utf8.DecodeRuneInString(s[j:])
			if !unicode.In(r, unicode.L, unicode.M) {
				break
			}
			n += utf8.EncodeRune(key[n:], unicode.ToLower(r))
			j += size
		}
		if !tldBoundary(s, j) {
			continue
		}
		kind := tlds[string(key[:n])]
		if kind&genericTLD != 0 {
			bestGeneric = j
		}
		if kind&countryTLD != 0 {
			bestCountry = j
		}
	}
	switch {
	case bestGeneric > 0:
		return bestGeneric, true
	case bestCountry > 0:
		return bestCountry, true
	}
	return matchPunycode(s, i)
}

// matchPunycode matches an ASCII-encoded IDN label such as "xn--p1ai".
func matchPunycode(s string, i int) (int, bool) {
	if len(s)-i < 5 || !strings.EqualFold(s[i:i+4], "xn--") {
		return 0, false
	}
	j := i + 4
	for j < len(s) && (s[j] == '-' || asciiIs(rune(s[j]), cAlnum)) {
		j++
	}
	return j, j > i+4
}
