package text

import "unicode/utf8"

// Entity offsets are UTF-16 code units, the unit twitter-text, JavaScript
// clients and the Mastodon API use; internally the scanners work in bytes.

// utf16Len returns the length of s in UTF-16 code units.
func utf16Len(s string) int {
	if isASCII(s) {
		return len(s)
	}
	n := 0
	for i := 0; i < len(s); {
		if s[i] < 0x80 {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		n += utf16Units(r)
		i += size
	}
	return n
}

// utf16Units is the number of UTF-16 code units r takes.
func utf16Units(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}
