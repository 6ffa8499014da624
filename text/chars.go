package text

import "unicode"

// Character classes shared by the scanners. They mirror the sets
// twitter-text's patterns are built from, so that Starling draws entity
// boundaries exactly where Twitter-compatible clients do.

// ASCII class bits, looked up in asciiClass.
const (
	cPunct           = 1 << iota // twitter-text's punctuation set (note: no '"' or '`')
	cPathChar                    // may appear in a URL path
	cPathEnd                     // may end a URL path
	cQueryChar                   // may appear in a query string
	cQueryEnd                    // may end a query string
	cAlnum                       // [A-Za-z0-9]
	cUsername                    // [A-Za-z0-9_]
	cNoMentionBefore             // may not directly precede an @mention
	cLabel                       // may appear in a domain label ('-' and '_' included)
	cNoURLBefore                 // may not directly precede a URL
)

var asciiClass = func() (t [128]uint16) {
	set := func(bit uint16, chars string) {
		for i := 0; i < len(chars); i++ {
			t[chars[i]] |= bit
		}
	}
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	const digits = "0123456789"
	set(cPunct, "!'#%&()*+,\\-./:;<=>?@[]^_{|}~$")
	set(cPathChar, letters+digits+"!*';:=+,.$/%#[]-_~@|&")
	set(cPathEnd, letters+digits+"+-=_#/")
	set(cQueryChar, letters+digits+"!?*'@();:&=+$/%#[]-_.,~|")
	set(cQueryEnd, letters+digits+"-_&=#/")
	set(cAlnum, letters+digits)
	set(cUsername, letters+digits+"_")
	set(cNoMentionBefore, letters+digits+"_!#$%&*@")
	set(cNoURLBefore, letters+digits+"@$#")
	for c := rune(0); c < 0x80; c++ {
		if t[c]&cPunct == 0 && !isSpace(c) || c == '-' || c == '_' {
			t[c] |= cLabel
		}
	}
	return t
}()

func asciiIs(r rune, bit uint16) bool { return r < 0x80 && asciiClass[r]&bit != 0 }

// isSpace reports whether r is in twitter-text's set of space characters.
func isSpace(r rune) bool {
	switch {
	case r < 0x80:
		return r == ' ' || (r >= 0x09 && r <= 0x0D)
	case r == 0x85, r == 0xA0, r == 0x1680, r == 0x180E, r == 0x2028, r == 0x2029,
		r == 0x202F, r == 0x205F, r == 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

// isJSSpace reports whether r matches \s in an ECMAScript pattern, which is
// what ends a cashtag.
func isJSSpace(r rune) bool { return r == 0xFEFF || isSpace(r) && r != 0x85 && r != 0x180E }

// isInvalidChar reports whether r is one of the characters that make a
// post invalid wherever they appear.
func isInvalidChar(r rune) bool { return r == 0xFFFE || r == 0xFEFF || r == 0xFFFF }

// isDirectionalMark reports whether r is a bidi control character. They
// surround links in right-to-left text and never belong to a domain name.
func isDirectionalMark(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || r == 0x061C || r == 0x200E || r == 0x200F ||
		(r >= 0x2066 && r <= 0x2069)
}

// isDomainChar reports whether r may appear in a domain label (besides
// the inner '-' and '_' separators).
func isDomainChar(r rune) bool {
	if r < 0x80 {
		return asciiClass[r]&cPunct == 0 && !isSpace(r)
	}
	return !isSpace(r) && !isInvalidChar(r) && !isDirectionalMark(r)
}

// isLatinAccent reports whether r is in twitter-text's range of accented
// Latin letters and combining marks.
func isLatinAccent(r rune) bool {
	switch {
	case r < 0xC0:
		return false
	case r <= 0xFF:
		return r != 0xD7 && r != 0xF7
	case r <= 0x24F:
		return true
	case r <= 0x2BB:
		switch r {
		case 0x253, 0x254, 0x256, 0x257, 0x259, 0x25B, 0x263, 0x268, 0x26F, 0x272, 0x289, 0x28B, 0x2BB:
			return true
		}
		return false
	}
	return (r >= 0x300 && r <= 0x36F) || (r >= 0x1E00 && r <= 0x1EFF)
}

func isCyrillic(r rune) bool { return r >= 0x400 && r <= 0x4FF }

// isPathChar and isPathEnd classify URL path characters: any of them may
// appear inside a path, only the second kind may end one (so that a
// sentence's final period or comma stays outside the link).
func isPathChar(r rune) bool {
	if r < 0x80 {
		return asciiClass[r]&cPathChar != 0
	}
	return r == 0x2013 || isCyrillic(r) || isLatinAccent(r)
}

func isPathEnd(r rune) bool {
	if r < 0x80 {
		return asciiClass[r]&cPathEnd != 0
	}
	return isCyrillic(r) || isLatinAccent(r)
}

// isASCIIDomainChar reports whether r may appear in a label of the
// "ASCII" domains extracted from URLs written without a protocol.
func isASCIIDomainChar(r rune) bool {
	if r < 0x80 {
		return r == '-' || asciiClass[r]&cAlnum != 0
	}
	return isLatinAccent(r)
}

// Hashtag characters: letters and marks of any script, decimal digits,
// and a few joiners and script-specific punctuation used inside words.
func isHashtagAlpha(r rune) bool {
	if r < 0x80 {
		return (r|0x20) >= 'a' && (r|0x20) <= 'z'
	}
	return unicode.In(r, unicode.L, unicode.M)
}

func isHashtagAlnum(r rune) bool {
	if r < 0x80 {
		return asciiClass[r]&cUsername != 0
	}
	switch r {
	case 0x200C, 0x200D, 0xA67E, 0x05BE, 0x05F3, 0x05F4, 0xFF5E, 0x301C, 0x309B, 0x309C,
		0x30A0, 0x30FB, 0x3003, 0x0F0B, 0x0F0C, 0x00B7:
		return true
	}
	return unicode.In(r, unicode.L, unicode.M, unicode.Nd)
}
