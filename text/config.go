package text

import "unicode/utf8"

// Config is a twitter-text counting configuration: how much each
// character weighs and how long a post may be.
type Config struct {
	Version int
	// MaxWeightedLength is the longest valid post, in weighted units.
	MaxWeightedLength int
	// Scale divides weights: a character of weight Scale counts as 1.
	Scale int
	// DefaultWeight applies to characters outside every range.
	DefaultWeight int
	// TransformedURLLength is what any URL counts, whatever its length.
	TransformedURLLength int
	// EmojiParsing makes an emoji sequence (skin tones, ZWJ families,
	// flags, keycaps) count as one character of DefaultWeight.
	EmojiParsing bool
	Ranges       []WeightRange
}

// WeightRange gives the UTF-16 code units Start through End (inclusive)
// a weight other than the default. Characters outside the Basic
// Multilingual Plane are weighed by their second (low surrogate) unit, as
// twitter-text does.
type WeightRange struct {
	Start, End rune
	Weight     int
}

// The published twitter-text configurations (config/v1.json, v2.json and
// v3.json in twitter-text). V1 counts every character as 1 up to 140; V2
// and V3 count Latin, general punctuation and similar narrow scripts as 1
// and everything else (CJK, emoji...) as 2, up to 280. V3 also counts an
// emoji sequence as a single character.
var (
	V1 = &Config{Version: 1, MaxWeightedLength: 140, Scale: 1, DefaultWeight: 1, TransformedURLLength: URLLength}
	V2 = &Config{Version: 2, MaxWeightedLength: MaxWeightedLength, Scale: 100, DefaultWeight: 200,
		TransformedURLLength: URLLength, Ranges: narrowRanges}
	V3 = &Config{Version: 3, MaxWeightedLength: MaxWeightedLength, Scale: 100, DefaultWeight: 200,
		TransformedURLLength: URLLength, EmojiParsing: true, Ranges: narrowRanges}
)

var narrowRanges = []WeightRange{
	{Start: 0, End: 4351, Weight: 100},        // Latin through Georgian
	{Start: 0x2000, End: 0x200D, Weight: 100}, // spaces and zero-width characters
	{Start: 0x2010, End: 0x201F, Weight: 100}, // dashes and quotation marks
	{Start: 0x2032, End: 0x2037, Weight: 100}, // primes
}

// Result is the outcome of Parse.
type Result struct {
	// WeightedLength is the post's length as counted against the limit.
	WeightedLength int
	// Permillage is WeightedLength in thousandths of the limit (rounded
	// down); over 1000 means too long.
	Permillage int
	// Valid is true when the post is non-empty, within the limit and free
	// of invalid characters (U+FFFE, U+FEFF, U+FFFF).
	Valid bool
	// DisplayRangeStart and DisplayRangeEnd bound the whole text, and
	// ValidRangeStart and ValidRangeEnd its part within the limit, as
	// inclusive UTF-16 offsets into the text as given (not normalised).
	DisplayRangeStart, DisplayRangeEnd int
	ValidRangeStart, ValidRangeEnd     int
}

// Parse counts s with the v3 configuration.
func Parse(s string) Result { return V3.Parse(s) }

// Parse counts s with configuration c, following twitter-text's
// parseTweet: the text is normalised to NFC, every URL counts
// TransformedURLLength, and each other character (or emoji sequence) its
// weight.
func (c *Config) Parse(s string) Result {
	text, ascii := normalize(s)
	var buf [8]span
	urls := appendURLs(buf[:0], text)
	scale := max(c.Scale, 1)
	limit := c.MaxWeightedLength * scale
	asciiWeight, asciiUniform := c.asciiWeight()

	weighted, units, validEnd, valid := 0, 0, 0, true
	for i := 0; i < len(text); {
		for len(urls) > 0 && urls[0].start < i {
			urls = urls[1:] // began inside an emoji sequence
		}
		stop := len(text)
		if len(urls) > 0 {
			stop = urls[0].start
		}
		// Plain ASCII, the bulk of most posts, weighs the same throughout
		// and contains no invalid characters, so runs of it are counted
		// at once. A digit, '#' or '*' before a non-ASCII character may
		// start a keycap emoji, which the general path below handles.
		if asciiUniform {
			end := stop
			if !ascii {
				end = i + asciiPrefix(text[i:stop])
			}
			if c.EmojiParsing && end > i && end < len(text) && text[end] >= 0x80 && isKeycapBase(text[end-1]) {
				end--
			}
			if n := end - i; n > 0 {
				if valid && weighted+asciiWeight <= limit {
					fit := n
					if asciiWeight > 0 {
						fit = min(n, (limit-weighted)/asciiWeight)
					}
					validEnd = units + fit - 1
				}
				weighted += n * asciiWeight
				units += n
				i = end
			}
			if i >= len(text) {
				break
			}
		}
		var r rune // the item's last character, checked for validity
		switch {
		case len(urls) > 0 && urls[0].start == i:
			weighted += c.TransformedURLLength * scale
			if ascii {
				units += urls[0].end - i
			} else {
				units += utf16Len(text[i:urls[0].end])
			}
			i = urls[0].end
			urls = urls[1:]
			r, _ = utf8.DecodeLastRuneInString(text[:i])
		default:
			if c.EmojiParsing {
				if e := emojiEnd(text, i); e > i {
					weighted += c.DefaultWeight
					units += utf16Len(text[i:e])
					i = e
					r, _ = utf8.DecodeLastRuneInString(text[:i])
					break
				}
			}
			var size int
			r, size = utf8.DecodeRuneInString(text[i:])
			weighted += c.weight(r)
			units += utf16Units(r)
			i += size
		}
		if valid {
			valid = !isInvalidChar(r)
		}
		if valid && weighted <= limit {
			validEnd = units - 1
		}
	}

	res := Result{
		WeightedLength: weighted / scale,
		Valid:          valid && weighted > 0 && weighted <= limit,
	}
	if c.MaxWeightedLength > 0 {
		res.Permillage = weighted * 1000 / limit
	}
	// Ranges refer to the text as given, which NFC may have shortened or
	// lengthened.
	n := units
	if len(text) != len(s) || text != s {
		n = utf16Len(s)
	}
	res.ValidRangeEnd = validEnd + n - units
	res.DisplayRangeEnd = max(n-1, 0)
	return res
}

// weight returns the weight of r, judged like twitter-text by its last
// UTF-16 code unit.
func (c *Config) weight(r rune) int {
	unit := r
	if r >= 0x10000 {
		unit = 0xDC00 + (r-0x10000)&0x3FF
	}
	for _, rg := range c.Ranges {
		if unit >= rg.Start && unit <= rg.End {
			return rg.Weight
		}
	}
	return c.DefaultWeight
}

// asciiWeight reports whether all of ASCII weighs the same, and how much;
// it lets Parse skip the range lookup for most characters.
func (c *Config) asciiWeight() (int, bool) {
	w := c.weight(0)
	for _, rg := range c.Ranges {
		if rg.Start <= 0x7F && rg.End >= 0 {
			if rg.Start > 0 || rg.End < 0x7F {
				return 0, false
			}
			return w, true
		}
	}
	return w, true
}
