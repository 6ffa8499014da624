package text

import (
	"reflect"
	"testing"
)

// These tests pin down the package API as Starling uses it; the
// conformance suite covers twitter-text's behaviour in depth.

func TestExtract(t *testing.T) {
	got := Extract("@alice/list hi ＠bob: see http://ex.com/#x and #golang $GO 👩🏽‍💻 #日本")
	want := []Entity{
		{Type: Mention, Text: "alice", ListSlug: "list", Start: 0, End: 11},
		{Type: Mention, Text: "bob", Start: 15, End: 19},
		{Type: URL, Text: "http://ex.com/#x", Start: 25, End: 41},
		{Type: Hashtag, Text: "golang", Start: 46, End: 53},
		{Type: Cashtag, Text: "GO", Start: 54, End: 57},
		{Type: Hashtag, Text: "日本", Start: 66, End: 69},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Extract:\n got  %+v\n want %+v", got, want)
	}
	if got := Extract("nothing to see"); got != nil {
		t.Errorf("Extract(plain) = %v, want nil", got)
	}
}

func TestParseConfigs(t *testing.T) {
	for _, tt := range []struct {
		cfg             *Config
		in              string
		weighted        int
		valid           bool
		validRangeEnd   int
		displayRangeEnd int
	}{
		{V3, "", 0, false, 0, 0},
		{V3, "hello", 5, true, 4, 4},
		{V3, "日本", 4, true, 1, 1},
		{V1, "日本", 2, true, 1, 1},
		{V2, "👍🏽", 4, true, 3, 3},
		{V3, "👍🏽", 2, true, 3, 3},
		{V3, "see https://example.com/a/very/long/path/indeed", 27, true, 46, 46},
		{V3, "bad \uFFFF char", 11, false, 3, 9},
	} {
		r := tt.cfg.Parse(tt.in)
		if r.WeightedLength != tt.weighted || r.Valid != tt.valid || r.ValidRangeEnd != tt.validRangeEnd ||
			r.DisplayRangeEnd != tt.displayRangeEnd {
			t.Errorf("v%d Parse(%q) = %+v", tt.cfg.Version, tt.in, r)
		}
	}
	long := make([]byte, MaxWeightedLength+1)
	for i := range long {
		long[i] = 'x'
	}
	if r := Parse(string(long)); r.Valid || r.Permillage != 1003 || r.ValidRangeEnd != MaxWeightedLength-1 {
		t.Errorf("Parse(281 x) = %+v", r)
	}
}

func TestValidators(t *testing.T) {
	for _, tt := range []struct {
		f    func(string) bool
		in   string
		want bool
	}{
		{IsValidUsername, "@alice", true},
		{IsValidUsername, "＠alice", true},
		{IsValidUsername, "alice", false},
		{IsValidUsername, "@alice bob", false},
		{IsValidHashtag, "＃タグ", true},
		{IsValidHashtag, "#tag!", false},
		{IsValidList, "@alice/friends", true},
		{func(s string) bool { return IsValidURL(s, true) }, "https://example.com/a?b=c#d", true},
		{func(s string) bool { return IsValidURL(s, true) }, "javascript:alert(1)", false},
		{func(s string) bool { return IsValidURL(s, false) }, "example.com", true},
	} {
		if got := tt.f(tt.in); got != tt.want {
			t.Errorf("validator(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
