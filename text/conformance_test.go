package text

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The twitter-text conformance suite is the specification of counting,
// validation and extraction. Its README asks implementations to read the
// YAML files at test time rather than copy the cases, so this test does:
// every file, every group, every case.

// conformanceDir returns the suite's folder: $TWITTER_TEXT_CONFORMANCE, or
// shared/conformance/twitter-text beside the repository.
func conformanceDir() string {
	if d := os.Getenv("TWITTER_TEXT_CONFORMANCE"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "shared", "conformance", "twitter-text")
}

type conformanceCase struct {
	Description string    `yaml:"description"`
	Text        string    `yaml:"text"`
	Expected    yaml.Node `yaml:"expected"`
}

// caseRunner checks one case and returns a description of the mismatch,
// or "" when it passes.
type caseRunner func(t *testing.T, c conformanceCase) string

// Files that are not Starling's to pass, and why.
var skippedFiles = map[string]string{
	"autolink.yml":         "twitter-text's own HTML, not Starling's",
	"hit_highlighting.yml": "twitter-text's own HTML, not Starling's",
	"tld_lib.yml":          "TLD data, not tests (compiled into tld_list.go by gen_tlds.go)",
}

var conformanceGroups = map[string]map[string]caseRunner{
	"extract.yml": {
		"mentions":                       stringsCase(ExtractMentionedScreenNames),
		"mentions_with_indices":          indicesCase("screen_name", ExtractMentionsWithIndices),
		"mentions_or_lists_with_indices": indicesCase("screen_name", ExtractMentionsOrListsWithIndices),
		"replies":                        replyCase,
		"urls":                           stringsCase(ExtractURLs),
		"urls_with_indices":              indicesCase("url", ExtractURLsWithIndices),
		"urls_with_directional_markers":  indicesCase("url", ExtractURLsWithIndices),
		"tco_urls_with_params":           stringsCase(ExtractURLs),
		"hashtags":                       stringsCase(ExtractHashtags),
		"hashtags_from_astral":           stringsCase(ExtractHashtags),
		"hashtags_with_indices":          indicesCase("hashtag", ExtractHashtagsWithIndices),
		"cashtags":                       stringsCase(ExtractCashtags),
		"cashtags_with_indices":          indicesCase("cashtag", ExtractCashtagsWithIndices),
	},
	"validate.yml": {
		"tweets":                    boolCase(func(s string) bool { return V1.Parse(s).Valid }),
		"usernames":                 boolCase(IsValidUsername),
		"lists":                     boolCase(IsValidList),
		"hashtags":                  boolCase(IsValidHashtag),
		"urls":                      boolCase(func(s string) bool { return IsValidURL(s, true) }),
		"urls_without_protocol":     boolCase(func(s string) bool { return IsValidURL(s, false) }),
		"WeightedTweetsCounterTest": parseCase(V2),
		"WeightedTweetsWithDiscountedEmojiCounterTest": parseCase(V3),
		"UnicodeDirectionalMarkerCounterTest":          parseCase(V3),
	},
	"tlds.yml": {
		"country": stringsCase(ExtractURLs),
		"generic": stringsCase(ExtractURLs),
	},
}

// requiredFiles must be present in the suite; a missing one means the
// suite has changed shape and this test needs a look.
var requiredFiles = []string{"extract.yml", "validate.yml", "tlds.yml"}

func TestTwitterTextConformance(t *testing.T) {
	dir := conformanceDir()
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("twitter-text conformance suite not found at %s (set TWITTER_TEXT_CONFORMANCE): %v", dir, err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, path := range files {
		name := filepath.Base(path)
		seen[name] = true
		if why, ok := skippedFiles[name]; ok {
			t.Logf("skipped: %s (%s)", name, why)
			fmt.Printf("skipped: %s (%s)\n", name, why)
			continue
		}
		groups, ok := conformanceGroups[name]
		if !ok {
			t.Errorf("%s: unknown conformance file; teach conformance_test.go about it", name)
			continue
		}
		t.Run(name, func(t *testing.T) { runConformanceFile(t, path, groups) })
	}
	for _, name := range requiredFiles {
		if !seen[name] {
			t.Errorf("%s missing from %s", name, dir)
		}
	}
}

func runConformanceFile(t *testing.T, path string, runners map[string]caseRunner) {
	name := filepath.Base(path)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests map[string][]conformanceCase `yaml:"tests"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	groups := make([]string, 0, len(doc.Tests))
	for g := range doc.Tests {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	for _, g := range groups {
		run, ok := runners[g]
		if !ok {
			t.Errorf("%s/%s: unknown group; teach conformance_test.go about it", name, g)
			continue
		}
		passed, failed := 0, 0
		for _, c := range doc.Tests[g] {
			if msg := run(t, c); msg != "" {
				failed++
				t.Errorf("%s/%s: %s\n  text: %q\n  %s", name, g, c.Description, c.Text, msg)
			} else {
				passed++
			}
		}
		line := fmt.Sprintf("%s/%s: %d passed, %d failed", name, g, passed, failed)
		t.Log(line)
		fmt.Println(line)
	}
}

func decode[T any](t *testing.T, n yaml.Node) T {
	t.Helper()
	var v T
	if err := n.Decode(&v); err != nil {
		t.Fatalf("decoding expected value: %v", err)
	}
	return v
}

func mismatch(got, want any) string {
	if reflect.DeepEqual(got, want) {
		return ""
	}
	return fmt.Sprintf("got  %#v\n  want %#v", got, want)
}

func stringsCase(f func(string) []string) caseRunner {
	return func(t *testing.T, c conformanceCase) string {
		want := decode[[]string](t, c.Expected)
		for i := range want {
			want[i] = Normalize(want[i])
		}
		got := f(c.Text)
		if len(got) == 0 && len(want) == 0 {
			return ""
		}
		return mismatch(got, want)
	}
}

func boolCase(f func(string) bool) caseRunner {
	return func(t *testing.T, c conformanceCase) string {
		return mismatch(f(c.Text), decode[bool](t, c.Expected))
	}
}

func replyCase(t *testing.T, c conformanceCase) string {
	want := decode[*string](t, c.Expected)
	got, ok := ExtractReplyScreenName(c.Text)
	switch {
	case want == nil && !ok:
		return ""
	case want == nil:
		return fmt.Sprintf("got %q, want none", got)
	}
	return mismatch(got, *want)
}

// indicesCase compares entities with expectations of the form
// {<field>: text, indices: [start, end]} (plus list_slug for lists).
func indicesCase(field string, f func(string) []Entity) caseRunner {
	return func(t *testing.T, c conformanceCase) string {
		var want []map[string]any
		for _, m := range decode[[]map[string]any](t, c.Expected) {
			idx := m["indices"].([]any)
			w := map[string]any{"text": m[field], "start": idx[0], "end": idx[1]}
			if slug, ok := m["list_slug"]; ok {
				w["list_slug"] = slug
			}
			want = append(want, w)
		}
		var got []map[string]any
		for _, e := range f(c.Text) {
			g := map[string]any{"text": e.Text, "start": e.Start, "end": e.End}
			if len(want) > 0 {
				if _, ok := want[0]["list_slug"]; ok {
					slug := ""
					if e.ListSlug != "" {
						slug = "/" + e.ListSlug
					}
					g["list_slug"] = slug
				}
			}
			got = append(got, g)
		}
		return mismatch(got, want)
	}
}

func parseCase(cfg *Config) caseRunner {
	return func(t *testing.T, c conformanceCase) string {
		want := decode[struct {
			WeightedLength    int  `yaml:"weightedLength"`
			Valid             bool `yaml:"valid"`
			Permillage        int  `yaml:"permillage"`
			DisplayRangeStart int  `yaml:"displayRangeStart"`
			DisplayRangeEnd   int  `yaml:"displayRangeEnd"`
			ValidRangeStart   int  `yaml:"validRangeStart"`
			ValidRangeEnd     int  `yaml:"validRangeEnd"`
		}](t, c.Expected)
		r := cfg.Parse(c.Text)
		got := want
		got.WeightedLength, got.Valid, got.Permillage = r.WeightedLength, r.Valid, r.Permillage
		got.DisplayRangeStart, got.DisplayRangeEnd = r.DisplayRangeStart, r.DisplayRangeEnd
		got.ValidRangeStart, got.ValidRangeEnd = r.ValidRangeStart, r.ValidRangeEnd
		if got == want {
			return ""
		}
		return strings.Replace(mismatch(got, want), "struct", "", 2)
	}
}
