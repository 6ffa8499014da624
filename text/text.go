// Package text counts, validates, extracts and renders post text the way
// twitter-text does. Every part of Starling that measures or links what
// people type goes through it: statuses, bios, profile fields, the web
// composer's counter and search indexing.
package text

import (
	"html"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxWeightedLength is the limit the server enforces (twitter-text v3).
const MaxWeightedLength = 280

// URLLength is what every URL counts, whatever its length.
const URLLength = 23

// Result is the outcome of Parse.
type Result struct {
	WeightedLength int
	Permillage     int
	Valid          bool
}

// Normalize returns s in Unicode NFC, the form in which text is counted and stored.
func Normalize(s string) string { return norm.NFC.String(s) }

// Parse counts s with the v3 configuration.
func Parse(s string) Result {
	n := utf8.RuneCountInString(Normalize(s))
	return Result{WeightedLength: n, Permillage: n * 1000 / MaxWeightedLength, Valid: n > 0 && n <= MaxWeightedLength}
}

// EntityType says what an Entity is.
type EntityType int

const (
	Mention EntityType = iota + 1
	Hashtag
	Cashtag
	URL
)

// Entity is a mention, hashtag, cashtag or URL found in text.
type Entity struct {
	Type EntityType
	// Text is the entity without its sigil: a username, a hashtag or
	// cashtag name, or a URL as written.
	Text string
	// Start and End are UTF-16 code unit offsets of the whole entity
	// (sigil included) in the normalised text, End exclusive.
	Start, End int
}

var entityRe = regexp.MustCompile(`(?:^|[^\w@#])(?:@(\w{1,30})|#(\w+)|(https?://[^\s<>"]+))`)

// Extract returns the entities of s in order of appearance.
func Extract(s string) []Entity {
	var out []Entity
	for _, m := range entityRe.FindAllStringSubmatchIndex(s, -1) {
		switch {
		case m[2] >= 0:
			out = append(out, Entity{Type: Mention, Text: s[m[2]:m[3]], Start: m[2] - 1, End: m[3]})
		case m[4] >= 0:
			out = append(out, Entity{Type: Hashtag, Text: s[m[4]:m[5]], Start: m[4] - 1, End: m[5]})
		case m[6] >= 0:
			out = append(out, Entity{Type: URL, Text: s[m[6]:m[7]], Start: m[6], End: m[7]})
		}
	}
	return out
}

// Links tells Render where entities point.
type Links struct {
	// Mention returns the profile URL of a local username, or false when
	// no such account exists (the mention then stays plain text).
	Mention func(username string) (href string, ok bool)
	// Hashtag returns the URL of a hashtag's page.
	Hashtag func(tag string) string
}

// Render turns s into the safe HTML Mastodon clients expect: paragraphs,
// line breaks, and linked mentions, hashtags and URLs; everything else escaped.
func Render(s string, links Links) string {
	s = Normalize(strings.ReplaceAll(s, "\r\n", "\n"))
	var b strings.Builder
	for _, para := range strings.Split(s, "\n\n") {
		if strings.TrimSpace(para) == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return b.String()
}
