package text

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// Emoji sequences, for the v3 count in which each counts as one character
// of default weight however many code points it takes. The grammar
// follows Unicode Technical Standard #51: an element is a flag (two
// regional indicators), a keycap, or a pictograph with an optional
// presentation selector, skin tone or tag sequence; elements joined by
// ZWJ (U+200D) form a single sequence.

const (
	zwj     = "\u200D"
	vs16    = "\uFE0F" // emoji presentation selector
	keycap  = "\u20E3"
	tagEnd  = 0xE007F
	tagLow  = 0xE0020
	toneLow = 0x1F3FB
	toneHi  = 0x1F3FF
)

// emojiEnd returns the end of the emoji sequence starting at byte i of s,
// or i when none starts there.
func emojiEnd(s string, i int) int {
	e := emojiElement(s, i)
	if e == i {
		return i
	}
	for strings.HasPrefix(s[e:], zwj) {
		next := emojiElement(s, e+len(zwj))
		if next == e+len(zwj) {
			break
		}
		e = next
	}
	return e
}

func isKeycapBase(c byte) bool { return c == '#' || c == '*' || isDigit(c) }

func emojiElement(s string, i int) int {
	if i >= len(s) {
		return i
	}
	if isKeycapBase(s[i]) {
		j := i + 1
		if strings.HasPrefix(s[j:], vs16) {
			j += len(vs16)
		}
		if strings.HasPrefix(s[j:], keycap) {
			return j + len(keycap)
		}
		return i
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	j := i + size
	switch {
	case r >= 0x1F1E6 && r <= 0x1F1FF: // regional indicator
		if r2, size2 := utf8.DecodeRuneInString(s[j:]); r2 >= 0x1F1E6 && r2 <= 0x1F1FF {
			return j + size2
		}
		return j
	case r == 0xA9 || r == 0xAE:
		// © and ® are text symbols unless asked to look like emoji.
		if strings.HasPrefix(s[j:], vs16) {
			return j + len(vs16)
		}
		return i
	case r >= toneLow && r <= toneHi:
		return j
	case !isPictographic(r):
		return i
	}
	if r2, size2 := utf8.DecodeRuneInString(s[j:]); r2 >= toneLow && r2 <= toneHi {
		return j + size2
	}
	if strings.HasPrefix(s[j:], vs16) {
		return j + len(vs16)
	}
	// Subdivision flags: a black flag followed by tag letters and a
	// cancel tag (England, Scotland, Wales).
	if r == 0x1F3F4 {
		k := j
		for k < len(s) {
			t, tsize := utf8.DecodeRuneInString(s[k:])
			if t == tagEnd && k > j {
				return k + tsize
			}
			if t < tagLow || t >= tagEnd {
				break
			}
			k += tsize
		}
	}
	return j
}

// isPictographic reports whether r has the Extended_Pictographic property
// (Unicode emoji-data.txt), i.e. may start an emoji sequence.
func isPictographic(r rune) bool {
	if r < 0x203C {
		return false
	}
	if r >= 0x1F000 {
		return r <= 0x1FAFF || (r >= 0x1FC00 && r <= 0x1FFFD)
	}
	i := sort.Search(len(pictographicBMP), func(i int) bool { return pictographicBMP[i][1] >= r })
	return i < len(pictographicBMP) && pictographicBMP[i][0] <= r
}

// pictographicBMP lists the Extended_Pictographic ranges below U+1F000
// (Unicode emoji-data.txt), sorted.
var pictographicBMP = [][2]rune{
	{0x203C, 0x203C}, {0x2049, 0x2049}, {0x2122, 0x2122}, {0x2139, 0x2139},
	{0x2194, 0x2199}, {0x21A9, 0x21AA}, {0x231A, 0x231B}, {0x2328, 0x2328},
	{0x2388, 0x2388}, {0x23CF, 0x23CF}, {0x23E9, 0x23F3}, {0x23F8, 0x23FA},
	{0x24C2, 0x24C2}, {0x25AA, 0x25AB}, {0x25B6, 0x25B6}, {0x25C0, 0x25C0},
	{0x25FB, 0x25FE}, {0x2600, 0x2605}, {0x2607, 0x2612}, {0x2614, 0x2685},
	{0x2690, 0x2705}, {0x2708, 0x2712}, {0x2714, 0x2714}, {0x2716, 0x2716},
	{0x271D, 0x271D}, {0x2721, 0x2721}, {0x2728, 0x2728}, {0x2733, 0x2734},
	{0x2744, 0x2744}, {0x2747, 0x2747}, {0x274C, 0x274C}, {0x274E, 0x274E},
	{0x2753, 0x2755}, {0x2757, 0x2757}, {0x2763, 0x2767}, {0x2795, 0x2797},
	{0x27A1, 0x27A1}, {0x27B0, 0x27B0}, {0x27BF, 0x27BF}, {0x2934, 0x2935},
	{0x2B05, 0x2B07}, {0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2B55, 0x2B55},
	{0x3030, 0x3030}, {0x303D, 0x303D}, {0x3297, 0x3297}, {0x3299, 0x3299},
}
