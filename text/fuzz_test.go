package text

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"
)

var fuzzSeeds = []string{
	"",
	"@alice hello #golang $TSLA https://example.com/path?q=1#frag",
	"<script>alert(1)</script> javascript:alert(1) \"quoted\" 'single' &amp;",
	"http://xn--ls8h.XN--ls8h.la/ foo.co.jp/bar t.co/abc 日本語example.com中国語",
	"@user/list-name RT@bob ＠carol ＃タグ #️⃣ 👨‍👩‍👧‍👦 🏴󠁧󠁢󠁥󠁮󠁧󠁿 1⃣",
	"line one\nline two\n\n\npara <b>two</b> http://a.b.cd/(x(y)z)",
	"\u2066\u202Ahttp://foobar.پاکستان/\u202C\u2069 ABC\uFFFF",
	"\xff\xfe invalid utf-8 @a\xc0 #b\xe2\x82",
}

// renderTags matches every tag Render may write. An href must be http(s)
// and, being escaped, cannot contain a quote or angle bracket.
var renderTags = regexp.MustCompile(`</?p>|<br>|</?span>|</a>|` +
	`<span class="(?:h-card" translate="no|invisible|ellipsis|)">|` +
	`<a href="(?i:https?://)[^"<>]*" (?:class="u-url mention"|class="mention hashtag" rel="tag"|` +
	`rel="nofollow noopener noreferrer" target="_blank")>`)

var hrefAttr = regexp.MustCompile(`href="([^"]*)"`)

func FuzzRenderEscapes(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	links := Links{
		Mention: func(u string) (string, bool) { return "https://x.example/@" + u + `"><script>`, len(u)%2 == 0 },
		Hashtag: func(tag string) string {
			if len(tag)%3 == 0 {
				return "javascript:alert('" + tag + "')"
			}
			return "https://x.example/tags/" + tag
		},
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Render(s, links)
		if rest := renderTags.ReplaceAllString(out, ""); strings.ContainsAny(rest, "<>") {
			t.Fatalf("Render(%q) emitted markup of its own:\n%s\nleft after removing known tags:\n%s", s, out, rest)
		}
		for _, m := range hrefAttr.FindAllStringSubmatch(out, -1) {
			href := strings.ToLower(m[1])
			if !strings.HasPrefix(href, "http://") && !strings.HasPrefix(href, "https://") ||
				strings.Contains(href, "javascript:") {
				t.Fatalf("Render(%q) emitted href %q", s, m[1])
			}
		}
	})
}

func FuzzParseExtract(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, cfg := range []*Config{V1, V2, V3} {
			r := cfg.Parse(s)
			if r.WeightedLength < 0 || r.Permillage < 0 || r.DisplayRangeEnd < 0 {
				t.Fatalf("Parse(%q) = %+v", s, r)
			}
			if r.Valid != (r.WeightedLength > 0 && r.WeightedLength <= cfg.MaxWeightedLength) &&
				!strings.ContainsAny(Normalize(s), "\uFFFE\uFEFF\uFFFF") {
				t.Fatalf("Parse(%q) validity inconsistent: %+v", s, r)
			}
		}
		norm := utf16.Encode([]rune(Normalize(s)))
		prevEnd := 0
		for _, e := range Extract(s) {
			if e.Start < 0 || e.Start >= e.End || e.End > len(norm) {
				t.Fatalf("Extract(%q): entity %+v out of range 0..%d", s, e, len(norm))
			}
			if e.Start < prevEnd {
				t.Fatalf("Extract(%q): entity %+v overlaps or is out of order", s, e)
			}
			prevEnd = e.End
			if whole := string(utf16.Decode(norm[e.Start:e.End])); !strings.Contains(whole, e.Text) || e.Text == "" {
				t.Fatalf("Extract(%q): entity %+v does not match its text %q", s, e, whole)
			}
		}
		for _, group := range [][]Entity{ExtractURLsWithIndices(s), ExtractHashtagsWithIndices(s),
			ExtractMentionsOrListsWithIndices(s), ExtractCashtagsWithIndices(s)} {
			for _, e := range group {
				if e.Start < 0 || e.Start >= e.End || e.End > len(norm) {
					t.Fatalf("%q: entity %+v out of range 0..%d", s, e, len(norm))
				}
			}
		}
	})
}
