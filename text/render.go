package text

import (
	"strings"
	"unicode"
)

// Links tells Render where entities point.
type Links struct {
	// Mention returns the profile URL of a local username, or false when
	// no such account exists (the mention then stays plain text).
	Mention func(username string) (href string, ok bool)
	// Hashtag returns the URL of a hashtag's page.
	Hashtag func(tag string) string
}

// urlDisplayLength is how much of a URL (after its protocol) Mastodon
// shows before cutting it off with an ellipsis.
const urlDisplayLength = 30

// Render turns s into the safe HTML Mastodon clients expect: paragraphs
// (separated by blank lines), line breaks, and linked mentions, hashtags
// and URLs; everything else escaped. Blank input renders as "".
//
// Every piece of user text passes through escapeHTML, and the only
// markup is the fixed tags written here; hrefs that are not http(s) are
// never emitted (the entity then stays text).
func Render(s string, links Links) string {
	s = Normalize(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"))
	var buf [16]entity
	es := extractAll(buf[:0], s)
	var b strings.Builder
	b.Grow(len(s) + len(s)/2 + 64*len(es))
	for start := 0; start < len(s); {
		// A paragraph ends at two or more newlines.
		end := strings.Index(s[start:], "\n\n")
		if end < 0 {
			end = len(s)
		} else {
			end += start
		}
		pStart, pEnd := start, end
		for pStart < pEnd && s[pStart] == '\n' {
			pStart++
		}
		for pEnd > pStart && s[pEnd-1] == '\n' {
			pEnd--
		}
		if strings.TrimFunc(s[pStart:pEnd], unicode.IsSpace) != "" {
			b.WriteString("<p>")
			es = renderParagraph(&b, s, pStart, pEnd, es, links)
			b.WriteString("</p>")
		}
		start = end
		for start < len(s) && s[start] == '\n' {
			start++
		}
	}
	return b.String()
}

// renderParagraph writes s[start:end] with the entities of es that lie in
// it, and returns the entities after it.
func renderParagraph(b *strings.Builder, s string, start, end int, es []entity, links Links) []entity {
	pos := start
	for len(es) > 0 && es[0].all.start < end {
		e := es[0]
		es = es[1:]
		if e.all.start < pos {
			continue // cannot happen: entities never span a newline
		}
		writeText(b, s[pos:e.all.start])
		renderEntity(b, s, e, links)
		pos = e.all.end
	}
	writeText(b, s[pos:end])
	return es
}

func renderEntity(b *strings.Builder, s string, e entity, links Links) {
	raw := s[e.all.start:e.all.end]
	name := s[e.text.start:e.text.end]
	switch e.typ {
	case Mention:
		if links.Mention == nil {
			break
		}
		href, ok := links.Mention(name)
		if !ok || !isHTTPURL(href) {
			break
		}
		b.WriteString(`<span class="h-card" translate="no"><a href="`)
		escapeHTML(b, href)
		b.WriteString(`" class="u-url mention">@<span>`)
		escapeHTML(b, name)
		b.WriteString(`</span></a></span>`)
		if e.list.end > e.list.start {
			b.WriteByte('/')
			escapeHTML(b, s[e.list.start:e.list.end])
		}
		return
	case Hashtag:
		if links.Hashtag == nil {
			break
		}
		href := links.Hashtag(name)
		if !isHTTPURL(href) {
			break
		}
		b.WriteString(`<a href="`)
		escapeHTML(b, href)
		b.WriteString(`" class="mention hashtag" rel="tag">#<span>`)
		escapeHTML(b, name)
		b.WriteString(`</span></a>`)
		return
	case URL:
		renderURL(b, raw)
		return
	}
	escapeHTML(b, raw)
}

// renderURL writes a link the way Mastodon shortens it: the protocol is
// hidden, the next 30 characters are shown (marked "ellipsis" when more
// follow) and the rest is hidden. A URL written without a protocol links
// to its http:// form.
func renderURL(b *strings.Builder, u string) {
	prefix := u[:protocolLen(u, 0)]
	href := u
	if prefix == "" {
		href = "http://" + u
	}
	rest := u[len(prefix):]
	cut, n := len(rest), 0
	for i := range rest {
		if n == urlDisplayLength {
			cut = i
			break
		}
		n++
	}
	b.WriteString(`<a href="`)
	escapeHTML(b, href)
	b.WriteString(`" rel="nofollow noopener noreferrer" target="_blank"><span class="invisible">`)
	escapeHTML(b, prefix)
	if cut < len(rest) {
		b.WriteString(`</span><span class="ellipsis">`)
	} else {
		b.WriteString(`</span><span class="">`)
	}
	escapeHTML(b, rest[:cut])
	b.WriteString(`</span><span class="invisible">`)
	escapeHTML(b, rest[cut:])
	b.WriteString(`</span></a>`)
}

// isHTTPURL reports whether href is an absolute http or https URL, the
// only kind Render links to.
func isHTTPURL(href string) bool { return protocolLen(href, 0) > 0 }

// writeText writes plain text, escaped, with newlines as <br>.
func writeText(b *strings.Builder, t string) {
	for {
		i := strings.IndexByte(t, '\n')
		if i < 0 {
			escapeHTML(b, t)
			return
		}
		escapeHTML(b, t[:i])
		b.WriteString("<br>")
		t = t[i+1:]
	}
}

// escapeHTML writes t with the five HTML metacharacters escaped.
func escapeHTML(b *strings.Builder, t string) {
	last := 0
	for i := 0; i < len(t); i++ {
		var esc string
		switch t[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&quot;"
		case '\'':
			esc = "&#39;"
		default:
			continue
		}
		b.WriteString(t[last:i])
		b.WriteString(esc)
		last = i + 1
	}
	b.WriteString(t[last:])
}
