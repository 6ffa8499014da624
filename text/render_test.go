package text

import "testing"

var testLinks = Links{
	Mention: func(username string) (string, bool) {
		if username == "alice" || username == "bob" {
			return "https://starling.example/@" + username, true
		}
		return "", false
	},
	Hashtag: func(tag string) string { return "https://starling.example/tags/" + tag },
}

func TestRender(t *testing.T) {
	const (
		alice = `<span class="h-card" translate="no"><a href="https://starling.example/@alice" class="u-url mention">@<span>alice</span></a></span>`
		tag   = `<a href="https://starling.example/tags/golang" class="mention hashtag" rel="tag">#<span>golang</span></a>`
	)
	tests := []struct {
		name, in, want string
		links          *Links
	}{
		{name: "empty", in: "", want: ""},
		{name: "only whitespace", in: " \n\t\n\n  ", want: ""},
		{name: "plain", in: "Hello world", want: "<p>Hello world</p>"},
		{name: "paragraphs", in: "one\n\ntwo", want: "<p>one</p><p>two</p>"},
		{name: "many blank lines", in: "one\n\n\n\ntwo\n", want: "<p>one</p><p>two</p>"},
		{name: "line breaks", in: "one\ntwo\nthree", want: "<p>one<br>two<br>three</p>"},
		{name: "CRLF", in: "one\r\ntwo\r\n\r\nthree", want: "<p>one<br>two</p><p>three</p>"},
		{name: "mention known", in: "hi @alice!", want: "<p>hi " + alice + "!</p>"},
		{name: "mention unknown", in: "hi @carol", want: "<p>hi @carol</p>"},
		{name: "mention without resolver", in: "hi @alice", want: "<p>hi @alice</p>", links: &Links{}},
		{name: "list mention", in: "@alice/friends", want: "<p>" + alice + "/friends</p>"},
		{name: "hashtag", in: "I like #golang", want: "<p>I like " + tag + "</p>"},
		{name: "hashtag without resolver", in: "#golang", want: "<p>#golang</p>", links: &Links{}},
		{name: "cashtag stays text", in: "$TSLA up", want: "<p>$TSLA up</p>"},
		{
			name: "URL short",
			in:   "see https://example.com/a",
			want: `<p>see <a href="https://example.com/a" rel="nofollow noopener noreferrer" target="_blank">` +
				`<span class="invisible">https://</span><span class="">example.com/a</span><span class="invisible"></span></a></p>`,
		},
		{
			name: "URL long",
			in:   "http://example.com/a/very/long/path/that/goes/on?and=on",
			want: `<p><a href="http://example.com/a/very/long/path/that/goes/on?and=on" rel="nofollow noopener noreferrer" target="_blank">` +
				`<span class="invisible">http://</span><span class="ellipsis">example.com/a/very/long/path/t</span>` +
				`<span class="invisible">hat/goes/on?and=on</span></a></p>`,
		},
		{
			name: "URL without protocol",
			in:   "go to example.com/x.",
			want: `<p>go to <a href="http://example.com/x" rel="nofollow noopener noreferrer" target="_blank">` +
				`<span class="invisible"></span><span class="">example.com/x</span><span class="invisible"></span></a>.</p>`,
		},
		{
			name: "URL with ampersand",
			in:   "https://e.com/?a=1&b=2",
			want: `<p><a href="https://e.com/?a=1&amp;b=2" rel="nofollow noopener noreferrer" target="_blank">` +
				`<span class="invisible">https://</span><span class="">e.com/?a=1&amp;b=2</span><span class="invisible"></span></a></p>`,
		},
		{
			name: "HTML metacharacters",
			in:   `<script>alert("x")</script> & 'q'`,
			want: "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;</p>",
		},
		{name: "javascript is not a link", in: "javascript:alert(1)", want: "<p>javascript:alert(1)</p>"},
		{
			name: "mixed",
			in:   "@alice look\n#golang <3",
			want: "<p>" + alice + " look<br>" + tag + " &lt;3</p>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			links := testLinks
			if tt.links != nil {
				links = *tt.links
			}
			if got := Render(tt.in, links); got != tt.want {
				t.Errorf("Render(%q)\n got  %s\n want %s", tt.in, got, tt.want)
			}
		})
	}
}

// Hrefs from the resolvers must be http(s); anything else leaves the
// entity as text.
func TestRenderRejectsUnsafeHrefs(t *testing.T) {
	links := Links{
		Mention: func(string) (string, bool) { return "javascript:alert(1)", true },
		Hashtag: func(string) string { return `https://x.example/"><script>` },
	}
	got := Render("@alice #tag", links)
	want := `<p>@alice <a href="https://x.example/&quot;&gt;&lt;script&gt;" class="mention hashtag" rel="tag">#<span>tag</span></a></p>`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
