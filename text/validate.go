package text

import (
	"strings"
	"unicode/utf8"
)

// Validation of single values (a username field, a hashtag, a URL), as in
// twitter-text's isValid* functions.

// IsValidUsername reports whether s is exactly one "@username".
func IsValidUsername(s string) bool {
	names := ExtractMentionedScreenNames(s)
	return len(names) == 1 && names[0] == withoutSigil(Normalize(s))
}

// withoutSigil returns s without its first character.
func withoutSigil(s string) string {
	_, size := utf8.DecodeRuneInString(s)
	return s[size:]
}

// IsValidList reports whether s is exactly one "@username/list".
func IsValidList(s string) bool {
	s = Normalize(s)
	es := ExtractMentionsOrListsWithIndices(s)
	return len(es) == 1 && es[0].ListSlug != "" && es[0].Start == 0 && es[0].End == utf16Len(s)
}

// IsValidHashtag reports whether s is exactly one "#hashtag".
func IsValidHashtag(s string) bool {
	tags := ExtractHashtags(s)
	return len(tags) == 1 && tags[0] == withoutSigil(Normalize(s))
}

// IsValidURL reports whether s is a well-formed http(s) URL (RFC 3986,
// with internationalised domain names allowed). With requireProtocol
// false, a URL without scheme such as "example.com/path" is accepted too.
func IsValidURL(s string, requireProtocol bool) bool {
	if s == "" {
		return false
	}
	rest := s
	scheme := ""
	if i := strings.Index(rest, "://"); i > 0 && !strings.ContainsAny(rest[:i], ":/?#") {
		scheme, rest = rest[:i], rest[i+3:]
	}
	if requireProtocol && !strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") {
		return false
	}
	authority := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, rest = rest[:i], rest[i:]
	} else {
		rest = ""
	}
	path, query, fragment := rest, "", ""
	if i := strings.IndexByte(path, '#'); i >= 0 {
		path, fragment = path[:i], path[i+1:]
		if strings.ContainsAny(fragment, "\n\r\u2028\u2029") {
			return false
		}
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, query = path[:i], path[i+1:]
	}
	if path != "" && path[0] != '/' {
		return false
	}
	return validURIChars(path, "/") && validURIChars(query, "/?") && validURIChars(fragment, "/?") &&
		validAuthority(authority)
}

// validURIChars reports whether s consists of RFC 3986 pchars (Cyrillic
// letters allowed unencoded, as twitter-text does) and the extra bytes.
func validURIChars(s, extra string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			size = 3
		case isUnreserved(r), strings.ContainsRune("!$&'()*+,;=:|@", r), strings.ContainsRune(extra, r):
		default:
			return false
		}
		i += size
	}
	return true
}

func isHex(c byte) bool { return isDigit(c) || (c|0x20) >= 'a' && (c|0x20) <= 'f' }

func isUnreserved(r rune) bool {
	return asciiIs(r, cAlnum) || r == '-' || r == '.' || r == '_' || r == '~' || isCyrillic(r)
}

// validAuthority checks "[userinfo@]host[:port]".
func validAuthority(a string) bool {
	if i := strings.LastIndexByte(a, '@'); i >= 0 {
		if !validUserinfo(a[:i]) {
			return false
		}
		a = a[i+1:]
	}
	host, port := a, ""
	if strings.HasPrefix(a, "[") {
		j := strings.IndexByte(a, ']')
		if j < 0 {
			return false
		}
		host = a[:j+1]
		if rest := a[j+1:]; rest != "" {
			if rest[0] != ':' {
				return false
			}
			port = rest[1:]
			if port == "" {
				return false
			}
		}
	} else if i := strings.LastIndexByte(a, ':'); i >= 0 {
		host, port = a[:i], a[i+1:]
		if port == "" {
			return false
		}
	}
	if len(port) > 5 || strings.IndexFunc(port, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return false
	}
	return validIPv6(host) || validIPv4(host) || (!ipv4Prefix(host) && validUnicodeDomain(host))
}

func validUserinfo(u string) bool {
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c == '@' || c >= 0x80 || !(isUnreserved(rune(c)) || strings.IndexByte("!$&'()*+,;=:%", c) >= 0) {
			return false
		}
		if c == '%' && (i+2 >= len(u) || !isHex(u[i+1]) || !isHex(u[i+2])) {
			return false
		}
	}
	return true
}

func validIPv6(h string) bool {
	if len(h) < 3 || h[0] != '[' || h[len(h)-1] != ']' {
		return false
	}
	for i := 1; i < len(h)-1; i++ {
		if c := h[i]; !isHex(c) && c != ':' && c != '.' {
			return false
		}
	}
	return true
}

// ipv4Prefix reports whether h starts with a dotted-quad address; such a
// host must be exactly that address.
func ipv4Prefix(h string) bool { return ipv4Len(h) > 0 }

func validIPv4(h string) bool { return ipv4Len(h) == len(h) }

// ipv4Len returns the length of the IPv4 address at the start of h, or 0.
func ipv4Len(h string) int {
	i := 0
	for part := 0; part < 4; part++ {
		if part > 0 {
			if i >= len(h) || h[i] != '.' {
				return 0
			}
			i++
		}
		j := i
		for j < len(h) && j-i < 3 && isDigit(h[j]) {
			j++
		}
		n := h[i:j]
		switch {
		case n == "":
			return 0
		case len(n) > 1 && n[0] == '0':
			n = n[:1] // a leading zero is an octet of its own
		case len(n) == 3 && n > "255":
			n = n[:2]
		}
		i += len(n)
	}
	return i
}

// validUnicodeDomain checks labels of letters, digits, hyphens (not at
// either end) and any non-ASCII characters; only subdomains may contain
// underscores, and the TLD must not start with a digit.
func validUnicodeDomain(h string) bool {
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return false
	}
	for i, l := range labels {
		if l == "" || l[0] == '-' || l[0] == '_' || l[len(l)-1] == '-' || l[len(l)-1] == '_' {
			return false
		}
		for j := 0; j < len(l); j++ {
			c := l[j]
			if c >= 0x80 || asciiIs(rune(c), cAlnum) || c == '-' || (c == '_' && i < len(labels)-2) {
				continue
			}
			return false
		}
		if i == len(labels)-1 && isDigit(l[0]) {
			return false
		}
	}
	return true
}
