package text

import (
	"strings"
	"unicode/utf8"
)

// URL extraction follows twitter-text's extractUrlsWithIndices: a URL is
// an optional http(s) protocol, a domain whose last label is a known TLD,
// an optional port, path and query. The scanner reproduces the leftmost,
// greedy-with-backtracking choices of twitter-text's regular expression by
// hand, which keeps it linear on ordinary text and free of allocations.

// span is an entity's position in bytes of the normalised text.
type span struct{ start, end int }

const (
	maxURLLength     = 4096 // longest URL twitter-text accepts, in UTF-16 units
	maxTcoSlugLength = 40
	defaultProtocol  = "https://"
)

// rawURL is one match of the URL pattern before validation.
type rawURL struct {
	start, end       int // the URL as matched
	proto            int // length of the protocol, 0 when absent
	domStart, domEnd int
	hasPath          bool
}

// appendURLs appends the URLs of s to dst in order of appearance.
func appendURLs(dst []span, s string) []span {
	if strings.IndexByte(s, '.') < 0 {
		return dst // every URL has a dot in its domain
	}
	for m := 0; m < len(s); {
		r, size := utf8.DecodeRuneInString(s[m:])
		next := m + size
		var u rawURL
		ok := false
		// A URL starts after a character that is not a letter, digit or
		// sigil, or at the very start of the text.
		if urlMayFollow(r) {
			var skip int
			if u, ok, skip = matchURLAt(s, m+size); !ok && skip > next {
				next = skip
			}
		}
		before := r
		if !ok && m == 0 {
			u, ok, _ = matchURLAt(s, 0)
			before = 0
		}
		if !ok {
			m = next
			continue
		}
		m = u.end
		dst = appendValidURL(dst, s, u, before)
	}
	return dst
}

func urlMayFollow(r rune) bool {
	if r < 0x80 {
		return asciiClass[r]&cAlnum == 0 && r != '@' && r != '$' && r != '#'
	}
	return r != '＠' && r != '＃' && !isInvalidChar(r)
}

// appendValidURL applies twitter-text's checks to a pattern match and
// appends the resulting URL, if any.
func appendValidURL(dst []span, s string, u rawURL, before rune) []span {
	proto := u.proto
	if proto == 0 {
		proto = len(defaultProtocol)
	}
	if !validDomainLabels(s[u.domStart:u.domEnd]) || proto+utf16Len(s[u.start:u.end]) > maxURLLength {
		return dst
	}
	if u.proto > 0 {
		end := u.end
		if slug, tcoEnd, ok := matchTco(s[u.start:u.end]); ok {
			if slug > maxTcoSlugLength {
				return dst
			}
			end = u.start + tcoEnd // t.co links carry no further path
		}
		return append(dst, span{u.start, end})
	}
	// Without a protocol only plain (ASCII or accented Latin) domains
	// count, so "日本語example.com" yields "example.com".
	switch before {
	case '-', '_', '.', '/':
		return dst
	}
	found := len(dst)
	dom := s[u.domStart:u.domEnd]
	for i := 0; i < len(dom); {
		a, b, ok := nextASCIIDomain(dom, i)
		if !ok {
			break
		}
		dst = append(dst, span{u.domStart + a, u.domStart + b})
		i = b
	}
	if len(dst) > found && u.hasPath {
		dst[len(dst)-1].end = u.end
	}
	return dst
}

// matchURLAt matches the URL pattern at byte p. When it fails because the
// first label runs into something other than a dot, skip is the position
// the caller can resume at: no start inside that run can succeed either.
func matchURLAt(s string, p int) (u rawURL, ok bool, skip int) {
	u.start = p
	if n := protocolLen(s, p); n > 0 {
		end, ok, _ := matchDomain(s, p+n)
		if !ok {
			return u, false, 0
		}
		u.proto, u.domStart, u.domEnd = n, p+n, end
	} else {
		end, ok, runEnd := matchDomain(s, p)
		if !ok {
			return u, false, runEnd
		}
		u.domStart, u.domEnd = p, end
	}
	q := u.domEnd
	if q+1 < len(s) && s[q] == ':' && isDigit(s[q+1]) {
		for q++; q < len(s) && isDigit(s[q]); q++ {
		}
	}
	if q < len(s) && s[q] == '/' {
		u.hasPath = true
		q = matchPath(s, q+1)
	}
	if q < len(s) && s[q] == '?' {
		if e, ok := matchQuery(s, q+1); ok {
			q = e
		}
	}
	u.end = q
	return u, true, 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func protocolLen(s string, p int) int {
	if len(s)-p < 7 || !strings.EqualFold(s[p:p+4], "http") {
		return 0
	}
	q := p + 4
	if s[q] == 's' || s[q] == 'S' {
		q++
	}
	if strings.HasPrefix(s[q:], "://") {
		return q + 3 - p
	}
	return 0
}

// label describes one dot-terminated domain label.
type label struct {
	end        int  // byte offset of the terminating dot
	edgesOK    bool // starts and ends with a domain character, not '-' or '_'
	underscore bool
}

// matchDomain matches subdomains, a domain name and a TLD at byte p and
// returns the end of the domain. When no label could be read because the
// run of label characters at p is not followed by a dot, runEnd is where
// that run stops (for matchURLAt's skip).
func matchDomain(s string, p int) (end int, ok bool, runEnd int) {
	var buf [8]label
	labels := buf[:0]
	for q := p; ; {
		l, next, ok := scanLabel(s, q)
		if !ok {
			if len(labels) == 0 && (next >= len(s) || s[next] != ':') {
				runEnd = next
			}
			break
		}
		labels = append(labels, l)
		q = next
	}
	if len(labels) == 0 {
		return 0, false, runEnd
	}
	// Greedy subdomains, backing off one label at a time, as the pattern
	// "subdomain* domainname tld" would.
	k := 0
	for k < len(labels) && labels[k].edgesOK {
		k++
	}
	for k = min(k, len(labels)-1); k >= 0; k-- {
		if l := labels[k]; l.edgesOK && !l.underscore {
			if e, ok := matchTLD(s, l.end+1); ok {
				return e, true, 0
			}
		}
	}
	return 0, false, 0
}

// scanLabel reads a run of domain characters, '-' and '_' starting at q.
// It succeeds when the run is non-empty and ends with a dot; next is then
// the byte after the dot, otherwise where the run stopped.
func scanLabel(s string, q int) (l label, next int, ok bool) {
	first, last := true, rune(0)
	startOK := false
	i := q
	for i < len(s) {
		r, size := rune(s[i]), 1
		if r >= 0x80 {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if r == '-' || r == '_' {
			l.underscore = l.underscore || r == '_'
		} else if !isDomainChar(r) {
			break
		}
		if first {
			startOK = r != '-' && r != '_'
			first = false
		}
		last = r
		i += size
	}
	if i == q || i >= len(s) || s[i] != '.' {
		return l, i, false
	}
	l.end = i
	l.edgesOK = startOK && last != '-' && last != '_'
	return l, i + 1, true
}

// matchPath returns the end of the URL path whose first character (after
// the slash) is at q: the longest run of path characters and balanced
// parentheses that ends in a path-ending character or a parenthesis.
func matchPath(s string, q int) int {
	end := q
	for q < len(s) {
		r, size := rune(s[q]), 1
		if r >= 0x80 {
			r, size = utf8.DecodeRuneInString(s[q:])
		}
		switch {
		case isPathChar(r):
			q += size
			if isPathEnd(r) {
				end = q
			}
		case r == '(':
			e, ok := matchParens(s, q)
			if !ok {
				return end
			}
			q, end = e, e
		default:
			return end
		}
	}
	return end
}

// matchParens matches "(chars)" or "(chars(chars)chars)" at q, the forms
// Wikipedia and similar URLs use.
func matchParens(s string, q int) (int, bool) {
	i := skipPathChars(s, q+1)
	if i >= len(s) {
		return 0, false
	}
	if s[i] == ')' && i > q+1 {
		return i + 1, true
	}
	if s[i] != '(' {
		return 0, false
	}
	j := skipPathChars(s, i+1)
	if j == i+1 || j >= len(s) || s[j] != ')' {
		return 0, false
	}
	k := skipPathChars(s, j+1)
	if k >= len(s) || s[k] != ')' {
		return 0, false
	}
	return k + 1, true
}

func skipPathChars(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isPathChar(r) {
			break
		}
		i += size
	}
	return i
}

// matchQuery returns the end of a query string starting at q (after the
// '?'); it must end in a query-ending character.
func matchQuery(s string, q int) (int, bool) {
	end := -1
	for ; q < len(s) && s[q] < 0x80 && asciiClass[s[q]]&cQueryChar != 0; q++ {
		if asciiClass[s[q]]&cQueryEnd != 0 {
			end = q + 1
		}
	}
	return end, end >= 0
}

// matchTco recognises a t.co link and returns its slug length and where
// the link ends: t.co URLs never have more path after the slug, so a
// trailing "'s" or "-" is not part of them.
func matchTco(u string) (slug, end int, ok bool) {
	n := protocolLen(u, 0)
	if n == 0 || len(u) < n+5 || !strings.EqualFold(u[n:n+5], "t.co/") {
		return 0, 0, false
	}
	i := n + 5
	for i < len(u) && asciiIs(rune(u[i]), cAlnum) {
		i++
	}
	slug = i - (n + 5)
	if slug == 0 {
		return 0, 0, false
	}
	if i < len(u) && u[i] == '?' {
		if e, ok := matchQuery(u, i+1); ok {
			i = e
		}
	}
	return slug, i, true
}

// validDomainLabels applies twitter-text's IDNA check: every label must be
// 1 to 63 characters long in ASCII form, and a domain claiming to be
// punycode ("xn--") must actually be ASCII.
func validDomainLabels(dom string) bool {
	if strings.HasPrefix(dom, "xn--") {
		if _, _, ok := nextASCIIDomain(dom, 0); !ok {
			return false
		}
	}
	for len(dom) > 0 {
		l := dom
		if i := strings.IndexByte(dom, '.'); i >= 0 {
			l, dom = dom[:i], dom[i+1:]
		} else {
			dom = ""
		}
		if n := asciiLabelLength(l); n < 1 || n > maxLabelLength {
			return false
		}
	}
	return true
}

// nextASCIIDomain finds the first domain at or after byte i of dom made of
// ASCII letters, digits, '-' and accented Latin letters and ending in a
// TLD; a and b are its bounds.
func nextASCIIDomain(dom string, i int) (a, b int, ok bool) {
	for i < len(dom) {
		r, size := utf8.DecodeRuneInString(dom[i:])
		if !isASCIIDomainChar(r) {
			i += size
			continue
		}
		// Read dot-terminated labels greedily, then back off until a
		// TLD follows.
		var ends [8]int
		dots := ends[:0]
		j := i
		for {
			k := j
			for k < len(dom) {
				r, size := utf8.DecodeRuneInString(dom[k:])
				if !isASCIIDomainChar(r) {
					break
				}
				k += size
			}
			if k == j || k >= len(dom) || dom[k] != '.' {
				if len(dots) == 0 {
					i = max(k, i+size) // no start inside this run can match
				}
				break
			}
			dots = append(dots, k)
			j = k + 1
		}
		for n := len(dots) - 1; n >= 0; n-- {
			if e, ok := matchTLD(dom, dots[n]+1); ok {
				return i, e, true
			}
		}
		if len(dots) > 0 {
			// Later starts meet the same dots, so the same TLD candidates.
			i = dots[len(dots)-1] + 1
		}
	}
	return 0, 0, false
}
