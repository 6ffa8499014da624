package text

import (
	"math/rand"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// refURLs is a direct, quadratic transcription of twitter-text's URL
// pattern: every attempt reads all labels from scratch. The scanner's
// caches must not change its results.
func refURLs(s string) []span {
	var dst []span
	if strings.IndexByte(s, '.') < 0 {
		return nil
	}
	for m := 0; m < len(s); {
		r, size := utf8.DecodeRuneInString(s[m:])
		var u rawURL
		ok := false
		if urlMayFollow(r) {
			u, ok = refMatchURLAt(s, m+size)
		}
		before := r
		if !ok && m == 0 {
			u, ok = refMatchURLAt(s, 0)
			before = 0
		}
		if !ok {
			m += size
			continue
		}
		m = u.end
		dst = appendValidURL(dst, s, u, before)
	}
	return dst
}

func refMatchURLAt(s string, p int) (u rawURL, ok bool) {
	u.start = p
	if n := protocolLen(s, p); n > 0 {
		end, ok := refMatchDomain(s, p+n)
		if !ok {
			return u, false
		}
		u.proto, u.domStart, u.domEnd = n, p+n, end
	} else {
		end, ok := refMatchDomain(s, p)
		if !ok {
			return u, false
		}
		u.domStart, u.domEnd = p, end
	}
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

func refMatchDomain(s string, p int) (int, bool) {
	var labels []label
	for q := p; ; {
		l, next, ok := scanLabel(s, q)
		if !ok {
			break
		}
		labels = append(labels, l)
		q = next
	}
	if len(labels) == 0 {
		return 0, false
	}
	k := 0
	for k < len(labels) && labels[k].edgesOK {
		k++
	}
	for k = min(k, len(labels)-1); k >= 0; k-- {
		if l := labels[k]; l.edgesOK && !l.underscore {
			if e, ok := matchTLD(s, l.end+1); ok {
				return e, true
			}
		}
	}
	return 0, false
}

func TestURLScannerMatchesReference(t *testing.T) {
	pieces := []string{"a", "b", "com", "co", "jp", "uk", ".", ".", "-", "_", " ", "/", ":", "?", "=",
		"http", "https://", "http://", "日", "本", "é", "@", "#", "$", "(", ")", "xn--", "1", "\n", "t.co/"}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 200000; i++ {
		var b strings.Builder
		for n := rng.Intn(20); n >= 0; n-- {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		s := b.String()
		if got, want := appendURLs(nil, s), refURLs(s); !slices.Equal(got, want) {
			t.Fatalf("%q: scanner %v, reference %v", s, got, want)
		}
	}
}
