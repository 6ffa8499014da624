package text

import (
	"strings"
	"unicode/utf8"
)

// maxLabelLength is the DNS limit on one label of a domain, measured in
// its ASCII (punycode) form.
const maxLabelLength = 63

// Punycode parameters from RFC 3492 section 5.
const (
	pcBase, pcTMin, pcTMax = 36, 1, 26
	pcSkew, pcDamp         = 38, 700
)

// labelFits reports whether label is 1 to 63 characters long once
// converted to ASCII the way a browser would send it: every part (IDNA
// also treats U+3002, U+FF0E and U+FF61 as dots) containing non-ASCII
// characters becomes "xn--" followed by its RFC 3492 punycode encoding.
func labelFits(label string) bool {
	// Encoding never shortens a label, so a long one needs no encoding.
	if label == "" || utf8.RuneCountInString(label) > maxLabelLength {
		return false
	}
	total := 0
	for {
		i := strings.IndexFunc(label, isIDNADot)
		if i < 0 {
			total += punycodeLength(label)
			return total >= 1 && total <= maxLabelLength
		}
		_, size := utf8.DecodeRuneInString(label[i:])
		total += punycodeLength(label[:i]) + 1
		label = label[i+size:]
	}
}

func isIDNADot(r rune) bool { return r == '.' || r == 0x3002 || r == 0xFF0E || r == 0xFF61 }

// punycodeLength returns the length of part in ASCII form: itself when it
// is plain ASCII, otherwise "xn--" plus its punycode encoding. Only the
// length matters to callers, so the digits are counted, not stored.
func punycodeLength(part string) int {
	var basic, total int
	for i := 0; i < len(part); i++ {
		if part[i] < 0x80 {
			basic++
		}
	}
	if basic == len(part) {
		return len(part)
	}
	runes := []rune(part)
	total = len(runes)
	out := basic
	if basic > 0 {
		out++ // delimiter between basic code points and the encoded deltas
	}
	n, delta, bias, handled := rune(128), 0, 72, basic
	for handled < total {
		m := rune(0x7FFFFFFF)
		for _, r := range runes {
			if r >= n && r < m {
				m = r
			}
		}
		if int(m-n) > (1<<31-1-delta)/(handled+1) {
			return 1 << 30 // overflow: treat as far too long
		}
		delta += int(m-n) * (handled + 1)
		n = m
		for _, r := range runes {
			if r < n {
				delta++
			}
			if r != n {
				continue
			}
			q := delta
			for k := pcBase; ; k += pcBase {
				t := k - bias
				if t < pcTMin {
					t = pcTMin
				} else if t > pcTMax {
					t = pcTMax
				}
				if q < t {
					break
				}
				out++
				q = (q - t) / (pcBase - t)
			}
			out++
			bias = adaptBias(delta, handled+1, handled == basic)
			delta = 0
			handled++
		}
		delta++
		n++
	}
	return len("xn--") + out
}

func adaptBias(delta, numPoints int, first bool) int {
	if first {
		delta /= pcDamp
	} else {
		delta /= 2
	}
	delta += delta / numPoints
	k := 0
	for delta > ((pcBase-pcTMin)*pcTMax)/2 {
		delta /= pcBase - pcTMin
		k += pcBase
	}
	return k + (pcBase-pcTMin+1)*delta/(delta+pcSkew)
}
