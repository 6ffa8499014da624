package text

import (
	"testing"
	"unicode/utf8"
)

// typicalPost is a 280-character post with two mentions, a hashtag and a
// URL, the load BENCHMARKS.md records.
const typicalPost = "@alice @bob_99 thanks for the review! I pushed the fixes we talked about " +
	"to https://git.example.org/starling/starling/pulls/42 and the #golang build is green again. " +
	"Next up: profiling the timeline query, which still scans more rows than it should on busy " +
	"instances. Your thoughts?"

func TestTypicalPostShape(t *testing.T) {
	if n := utf8.RuneCountInString(typicalPost); n != 280 {
		t.Fatalf("typicalPost has %d characters, want 280", n)
	}
	kinds := map[EntityType]int{}
	for _, e := range Extract(typicalPost) {
		kinds[e.Type]++
	}
	if kinds[Mention] != 2 || kinds[Hashtag] != 1 || kinds[URL] != 1 {
		t.Fatalf("typicalPost entities = %v", kinds)
	}
	if r := Parse(typicalPost); !r.Valid {
		t.Fatalf("typicalPost invalid: %+v", r)
	}
}

// BenchmarkParseAndValidate is what the server does for every post it
// accepts: count and validate it, then extract its entities.
func BenchmarkParseAndValidate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if r := Parse(typicalPost); !r.Valid {
			b.Fatal("invalid")
		}
		if len(Extract(typicalPost)) != 4 {
			b.Fatal("wrong entities")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Parse(typicalPost)
	}
}

func BenchmarkExtract(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Extract(typicalPost)
	}
}

func BenchmarkRender(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Render(typicalPost, testLinks)
	}
}
