package text

import (
	"slices"
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
//
// twitter-text tries its pattern at every position. Every domain has a
// dot, so an attempt can only succeed where the run of label characters
// it starts with ends in a dot, or where a protocol precedes such a run;
// the loop therefore jumps from dot to dot and tries just those starts,
// in the order the pattern would.
func appendURLs(dst []span, s string) []span {
	sc := urlScanner{s: s, labelDot: -1}
	last := 0 // where the previous match ended: later starts must follow it
	for from := 0; from < len(s); {
		d := strings.IndexByte(s[from:], '.')
		if d < 0 {
			break
		}
		d += from
		from = d + 1
		if from >= len(s) || s[from] < 0x80 && asciiClass[s[from]]&cLabel == 0 {
			// A label or TLD must follow the dot; a sentence's final
			// period, the usual dot in prose, is settled here.
			continue
		}
		rs := d // start of the label run ending at the dot
		for rs > last {
			if c := s[rs-1]; c < 0x80 {
				if asciiClass[c]&cLabel == 0 {
					break
				}
				rs--
				continue
			}
			r, size := utf8.DecodeLastRuneInString(s[:rs])
			if !isDomainChar(r) {
				break
			}
			rs -= size
		}
		if rs == d {
			continue
		}
		u, before, ok := sc.firstMatch(rs, d, last)
		if !ok {
			continue
		}
		dst = appendValidURL(dst, s, u, before)
		last = u.end
		from = max(from, last)
	}
	return dst
}

// firstMatch tries, in the pattern's order, the starts that could give a
// URL whose first label is the run s[rs:d]: a protocol just before the
// run, then each position of the run. A start needs a character that may
// precede a URL (at or after last), or the start of the text. It returns
// the match and its preceding character (0 at the start of the text).
func (sc *urlScanner) firstMatch(rs, d, last int) (u rawURL, before rune, ok bool) {
	s := sc.s
	for _, n := range [2]int{8, 7} {
		if p := rs - n; p >= last && protocolLen(s, p) == n {
			if u, before, ok := sc.tryAt(p, last); ok {
				return u, before, true
			}
			break
		}
	}
	p := rs
	if p == 0 {
		// The pattern tries the start after the first character (as if
		// the first were the preceding one) before the very start.
		_, size := utf8.DecodeRuneInString(s)
		if size < d {
			if u, before, ok := sc.tryAt(size, last); ok {
				return u, before, true
			}
		}
		if u, before, ok := sc.tryAt(0, last); ok {
			return u, before, true
		}
		p = size
		if p < d {
			_, size = utf8.DecodeRuneInString(s[p:])
			p += size
		}
	}
	for p < d {
		size := 1
		if s[p] >= 0x80 {
			_, size = utf8.DecodeRuneInString(s[p:])
		}
		// Inside an ASCII word (the usual case) no URL can start.
		if c := s[p-1]; c >= 0x80 || asciiClass[c]&cNoURLBefore == 0 {
			if u, before, ok := sc.tryAt(p, last); ok {
				return u, before, true
			}
		}
		p += size
	}
	return u, 0, false
}

// tryAt matches the pattern at p if a URL may start there.
func (sc *urlScanner) tryAt(p, last int) (u rawURL, before rune, ok bool) {
	if before, ok = sc.mayStart(p, last); !ok {
		return u, 0, false
	}
	u, ok = sc.matchURLAt(p)
	return u, before, ok
}

// mayStart reports whether a URL may start at p: at the start of the text
// or after a character that is not a letter, digit or sigil and that
// belongs to no earlier match.
func (sc *urlScanner) mayStart(p, last int) (before rune, ok bool) {
	if p == 0 {
		return 0, last == 0
	}
	r, size := rune(sc.s[p-1]), 1
	if r >= 0x80 {
		r, size = utf8.DecodeLastRuneInString(sc.s[:p])
	}
	return r, p-size >= last && urlMayFollow(r)
}

func urlMayFollow(r rune) bool {
	if r < 0x80 {
		return asciiClass[r]&cNoURLBefore == 0
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

// urlScanner matches the URL pattern at the candidate starts of one text.
// In a run of non-ASCII domain characters every position is a candidate,
// and each would rescan the run and the labels after it; the scanner
// remembers the last label it read and the analysis of the dot-separated
// chain of labels after it, which keeps the work linear.
type urlScanner struct {
	s string

	// The label run read from labelFrom ends at the dot labelDot (-1: no
	// label cached); lastOK says whether its last character may end a
	// label and lastUnderscore is its last '_' (-1 if none).
	labelFrom, labelDot, lastUnderscore int
	lastOK                              bool

	// The last chain analysed (see chain): the dots ending consecutive
	// labels, and for each where the best domain ends whose domain-name
	// label lies after that dot (-1 if none). Short chains live in the
	// arrays, long ones in the slices.
	nChain                     int
	chainDotsArr, chainBestArr [8]int
	chainDotsBig, chainBestBig []int
}

// chainData returns the last chain analysed.
func (sc *urlScanner) chainData() (dots, best []int) {
	if sc.chainDotsBig != nil {
		return sc.chainDotsBig, sc.chainBestBig
	}
	return sc.chainDotsArr[:sc.nChain], sc.chainBestArr[:sc.nChain]
}

// matchURLAt matches the URL pattern at byte p.
func (sc *urlScanner) matchURLAt(p int) (u rawURL, ok bool) {
	s := sc.s
	u.start = p
	n := protocolLen(s, p)
	end, ok := sc.matchDomain(p + n)
	if !ok {
		return u, false
	}
	u.proto, u.domStart, u.domEnd = n, p+n, end
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
	return u, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func protocolLen(s string, p int) int {
	if len(s)-p < 7 || s[p]|0x20 != 'h' || s[p+1]|0x20 != 't' || s[p+2]|0x20 != 't' || s[p+3]|0x20 != 'p' {
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

// matchDomain matches "subdomain* domainname tld" at byte p, as
// twitter-text's pattern would: subdomains greedily, then backing off one
// label at a time until a domain name followed by a known TLD fits. It
// returns the end of the domain.
func (sc *urlScanner) matchDomain(p int) (end int, ok bool) {
	dot, edgesOK, underscore := sc.firstLabel(p)
	if dot < 0 || !edgesOK {
		return 0, false
	}
	if e := sc.bestAfter(dot); e >= 0 {
		return e, true
	}
	if underscore {
		return 0, false
	}
	return matchTLD(sc.s, dot+1)
}

// firstLabel reads the label starting at p. It returns the dot ending it
// (-1 if the run of label characters ends otherwise), whether the label
// starts and ends with a domain character rather than '-' or '_', and
// whether it contains '_'.
func (sc *urlScanner) firstLabel(p int) (dot int, edgesOK, underscore bool) {
	s := sc.s
	if p >= len(s) {
		return -1, false, false
	}
	if sc.labelDot < 0 || p <= sc.labelFrom || p >= sc.labelDot {
		sc.labelDot = -1
		q, underscore := p, -1
		for q < len(s) {
			if c := s[q]; c < 0x80 {
				if asciiClass[c]&cLabel == 0 {
					break
				}
				if c == '_' {
					underscore = q
				}
				q++
				continue
			}
			r, size := utf8.DecodeRuneInString(s[q:])
			if !isDomainChar(r) {
				break
			}
			q += size
		}
		if q == p || q >= len(s) || s[q] != '.' {
			return -1, false, false
		}
		// Non-ASCII label characters are never '-' or '_'.
		last := s[q-1]
		sc.labelFrom, sc.labelDot = p, q
		sc.lastUnderscore, sc.lastOK = underscore, last != '-' && last != '_'
	}
	r, _ := utf8.DecodeRuneInString(s[p:])
	return sc.labelDot, sc.lastOK && r != '-' && r != '_', sc.lastUnderscore >= p
}

// bestAfter returns the end of the longest domain whose first label ends
// at dot and whose domain-name label comes after it, or -1.
func (sc *urlScanner) bestAfter(dot int) int {
	if next := dot + 1; next >= len(sc.s) || sc.s[next] < 0x80 && asciiClass[sc.s[next]]&cLabel == 0 {
		return -1 // no label follows, as after a sentence's final period
	}
	dots, best := sc.chainData()
	if i, found := slices.BinarySearch(dots, dot); found {
		return best[i]
	}
	return sc.chain(dot)
}

// chain analyses the labels following dot and returns bestAfter(dot). For each dot it records where
// the best domain would end: subdomains must all start and end with
// domain characters, so the candidates are the run of such labels after
// the dot, and the greedy pattern picks the last of them that is a valid
// domain name followed by a TLD.
func (sc *urlScanner) chain(dot int) int {
	s := sc.s
	var dotsBuf [8]int
	dots := append(dotsBuf[:0], dot)
	// Per label (the one after dots[i]): where the domain ends if it is
	// a valid domain name followed by a TLD (else -1), and whether it
	// could be a subdomain.
	var nameBuf [8]int
	var okBuf [8]bool
	nameEnd, okLabel := nameBuf[:0], okBuf[:0]
	for q := dot + 1; ; {
		l, next, ok := scanLabel(s, q)
		if !ok {
			break
		}
		e := -1
		if l.edgesOK && !l.underscore {
			if te, ok := matchTLD(s, l.end+1); ok {
				e = te
			}
		}
		nameEnd = append(nameEnd, e)
		okLabel = append(okLabel, l.edgesOK)
		dots = append(dots, l.end)
		q = next
	}
	var bestBuf [8]int
	best := bestBuf[:0]
	for range dots {
		best = append(best, -1)
	}
	// best[i] looks at labels i, i+1, ... (label i follows dots[i]).
	for i := len(nameEnd) - 1; i >= 0; i-- {
		if !okLabel[i] {
			continue
		}
		if i+1 < len(nameEnd) && best[i+1] >= 0 {
			best[i] = best[i+1]
		} else {
			best[i] = nameEnd[i]
		}
	}
	sc.nChain, sc.chainDotsBig, sc.chainBestBig = len(dots), nil, nil
	if len(dots) <= len(sc.chainDotsArr) {
		copy(sc.chainDotsArr[:], dots)
		copy(sc.chainBestArr[:], best)
	} else {
		sc.chainDotsBig, sc.chainBestBig = slices.Clone(dots), slices.Clone(best)
	}
	return best[0]
}

// label describes one dot-terminated domain label.
type label struct {
	end        int  // byte offset of the terminating dot
	edgesOK    bool // starts and ends with a domain character, not '-' or '_'
	underscore bool
}

// scanLabel reads a run of domain characters, '-' and '_' starting at q.
// It succeeds when the run is non-empty and ends with a dot; next is then
// the byte after the dot, otherwise where the run stopped.
func scanLabel(s string, q int) (l label, next int, ok bool) {
	i := q
	for i < len(s) {
		if c := s[i]; c < 0x80 {
			if asciiClass[c]&cLabel == 0 {
				break
			}
			l.underscore = l.underscore || c == '_'
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isDomainChar(r) {
			break
		}
		i += size
	}
	if i == q || i >= len(s) || s[i] != '.' {
		return l, i, false
	}
	// Non-ASCII label characters are never '-' or '_'.
	first, last := s[q], s[i-1]
	l.end = i
	l.edgesOK = first != '-' && first != '_' && last != '-' && last != '_'
	return l, i + 1, true
}

// matchPath returns the end of the URL path whose first character (after
// the slash) is at q: the longest run of path characters and balanced
// parentheses that ends in a path-ending character or a parenthesis.
func matchPath(s string, q int) int {
	end := q
	for q < len(s) {
		if c := s[q]; c < 0x80 {
			switch k := asciiClass[c]; {
			case k&cPathChar != 0:
				q++
				if k&cPathEnd != 0 {
					end = q
				}
			case c == '(':
				e, ok := matchParens(s, q)
				if !ok {
					return end
				}
				q, end = e, e
			default:
				return end
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[q:])
		if !isPathChar(r) {
			return end
		}
		q += size
		if isPathEnd(r) {
			end = q
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
	ascii := isASCII(dom) // then nothing needs encoding: only lengths matter
	for len(dom) > 0 {
		l := dom
		if i := strings.IndexByte(dom, '.'); i >= 0 {
			l, dom = dom[:i], dom[i+1:]
		} else {
			dom = ""
		}
		if ascii && (l == "" || len(l) > maxLabelLength) || !ascii && !labelFits(l) {
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
