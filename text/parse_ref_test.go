package text

import (
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"
)

// refParse is twitter-text's parseTweet transcribed character by
// character, without Parse's shortcuts for ASCII runs.
func refParse(c *Config, s string) Result {
	text := Normalize(s)
	urls := appendURLs(nil, text)
	weighted, units, validEnd, valid := 0, 0, 0, true
	for i := 0; i < len(text); {
		for len(urls) > 0 && urls[0].start < i {
			urls = urls[1:]
		}
		var last rune
		if len(urls) > 0 && urls[0].start == i {
			weighted += c.TransformedURLLength * c.Scale
			units += utf16Len(text[i:urls[0].end])
			i = urls[0].end
			last, _ = utf8.DecodeLastRuneInString(text[:i])
		} else if e := emojiEnd(text, i); c.EmojiParsing && e > i {
			weighted += c.DefaultWeight
			units += utf16Len(text[i:e])
			i = e
			last, _ = utf8.DecodeLastRuneInString(text[:i])
		} else {
			r, size := utf8.DecodeRuneInString(text[i:])
			weighted += c.weight(r)
			units += utf16Units(r)
			i += size
			last = r
		}
		valid = valid && !isInvalidChar(last)
		if valid && weighted <= c.MaxWeightedLength*c.Scale {
			validEnd = units - 1
		}
	}
	n := utf16Len(s)
	return Result{
		WeightedLength:  weighted / c.Scale,
		Permillage:      weighted * 1000 / (c.MaxWeightedLength * c.Scale),
		Valid:           valid && weighted > 0 && weighted <= c.MaxWeightedLength*c.Scale,
		ValidRangeEnd:   validEnd + n - units,
		DisplayRangeEnd: max(n-1, 0),
	}
}

func TestParseMatchesReference(t *testing.T) {
	pieces := []string{"a", "Z", " ", ".", "1", "#", "*", "\u20e3", "\ufe0f", "é", "e\u0301", "日", "😷", "👨\u200d👩",
		"🇯🇵", "\uffff", "http://a.co/x ", "x.com", strings.Repeat("w", 40), "\u2066", "\xff"}
	rng := rand.New(rand.NewSource(4))
	for i := 0; i < 30000; i++ {
		var b strings.Builder
		for n := rng.Intn(40); n >= 0; n-- {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		s := b.String()
		for _, c := range []*Config{V1, V2, V3} {
			if got, want := c.Parse(s), refParse(c, s); got != want {
				t.Fatalf("v%d %q:\n got  %+v\n want %+v", c.Version, s, got, want)
			}
		}
	}
}
