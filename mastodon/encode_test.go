package mastodon

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/starling-social/starling"
)

// stdJSON is v as writeJSON encoded it before the fast path: encoding/json
// with HTML escaping off. It is nil when encoding/json fails.
func stdJSON(t testing.TB, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil
	}
	return b.Bytes()
}

// fastJSON is v as the fast path encodes it.
func fastJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, ok := appendEntity(nil, v)
	if !ok {
		t.Fatalf("no fast encoding for %T", v)
	}
	return b
}

// sameJSON fails t unless both encoders write the same bytes for v.
func sameJSON(t testing.TB, v any) {
	t.Helper()
	want := stdJSON(t, v)
	if want == nil {
		t.Fatalf("encoding/json cannot encode %T", v)
	}
	if got := fastJSON(t, v); !bytes.Equal(got, want) {
		t.Errorf("fast encoding differs from encoding/json\n got: %s\nwant: %s\nfirst difference at byte %d",
			got, want, firstDiff(got, want))
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func ptr[T any](v T) *T { return &v }

// controlChars is every byte below 0x20, which all need escaping.
func controlChars() string {
	var b strings.Builder
	for c := range 0x20 {
		b.WriteByte(byte(c))
	}
	return b.String()
}

// testAccount is an account as accountEntity renders it, with a field.
func testAccount() Account {
	return Account{
		ID: "110000000000000001", Username: "alice", Acct: "alice",
		URL: "https://example.com/@alice", URI: "https://example.com/users/alice",
		DisplayName: "Alice", Note: `<p>Hi &amp; "welcome"</p>`,
		Avatar: "https://example.com/static/avatar.png", AvatarStatic: "https://example.com/static/avatar.png",
		Header: "https://example.com/static/header.png", HeaderStatic: "https://example.com/static/header.png",
		Locked: true, Discoverable: true, Indexable: true,
		Fields: []AccountField{
			{Name: "web", Value: `<a href="https://alice.example">alice.example</a>`, VerifiedAt: ptr("2024-01-02T03:04:05.000Z")},
			{Name: "pronouns", Value: "she/her"},
		},
		Emojis: []any{}, Roles: []any{},
		CreatedAt: "2023-01-01T00:00:00.000Z", LastStatusAt: ptr("2024-05-06"),
		StatusesCount: 12, FollowersCount: -3, FollowingCount: 1 << 62,
	}
}

// testStatus is a status as statusEntity renders it for a viewer.
func testStatus() Status {
	no := false
	filtered := []any{}
	return Status{
		ID: "110000000000000100", URI: "https://example.com/users/alice/statuses/110000000000000100",
		URL: "https://example.com/@alice/110000000000000100", CreatedAt: "2024-05-06T07:08:09.010Z",
		Account:    testAccount(),
		Content:    `<p><span class="h-card"><a href="https://example.com/@bob" class="u-url mention">@<span>bob</span></a></span> see <a href="https://example.com/x?a=1&b=2">this</a></p>`,
		Visibility: "public", SpoilerText: "", MediaAttachments: []any{},
		Mentions:     []StatusMention{{ID: "2", Username: "bob", URL: "https://example.com/@bob", Acct: "bob"}},
		Tags:         []StatusTag{{Name: "go", URL: "https://example.com/tags/go"}},
		Emojis:       []any{},
		ReblogsCount: 1, FavouritesCount: 2, RepliesCount: 3,
		Language:   ptr("en"),
		Favourited: &no, Reblogged: &no, Muted: &no, Bookmarked: &no,
		Filtered: &filtered,
	}
}

func TestFastJSONMatchesEncodingJSON(t *testing.T) {
	specials := `"\/<>&'` + "\x7f" + controlChars()
	withString := func(s string) Status {
		st := testStatus()
		st.Content, st.SpoilerText, st.Account.DisplayName = s, s, s
		st.Account.Fields[0].Value = s
		st.Mentions[0].Username = s
		st.Tags[0].Name = s
		st.Text = &s
		return st
	}
	cases := []struct {
		name string
		v    any
	}{
		{"status", testStatus()},
		{"zero status", Status{}},
		{"zero account", Account{}},
		{"empty strings", withString("")},
		{"special characters", withString(specials)},
		{"specials between text", withString("a" + strings.Join(strings.Split(specials, ""), "b") + "c")},
		{"invalid UTF-8", withString("a\xffb\xc3(c\xed\xa0\x80d\xf4\x90\x80\x80e\xe2\x80")},
		{"invalid UTF-8 at the end", withString("abc\xe2\x82")},
		{"line and paragraph separators", withString("a\u2028b\u2029c\u2027d\u202a")},
		{"emoji and accents", withString("😀 café 日本語 \U0010FFFF \uFFFD")},
		{"long content", withString(strings.Repeat("<p>a \"b\" é\n</p>", 40000))},
		{"nil slices", func() Status {
			st := testStatus()
			st.MediaAttachments, st.Mentions, st.Tags, st.Emojis = nil, nil, nil, nil
			st.Account.Fields, st.Account.Emojis, st.Account.Roles = nil, nil, nil
			var nilFiltered []any
			st.Filtered = &nilFiltered
			return st
		}()},
		{"empty slices", func() Status {
			st := testStatus()
			st.Mentions, st.Tags, st.Account.Fields = []StatusMention{}, []StatusTag{}, []AccountField{}
			return st
		}()},
		{"nil pointers", func() Status {
			st := testStatus()
			st.Language, st.Account.LastStatusAt = nil, nil
			st.Favourited, st.Reblogged, st.Muted, st.Bookmarked, st.Pinned, st.Filtered = nil, nil, nil, nil, nil, nil
			return st
		}()},
		{"every pointer set", func() Status {
			st := testStatus()
			yes := true
			st.EditedAt, st.InReplyToID, st.InReplyToAccountID = ptr("2024-05-06T08:00:00.000Z"), ptr("9"), ptr("8")
			st.Text, st.Pinned, st.Muted = ptr("raw @bob"), &yes, &yes
			st.Sensitive, st.Account.Bot, st.Account.Group, st.Account.HideCollection = true, true, true, true
			return st
		}()},
		{"reblog", func() Status {
			st, inner := testStatus(), testStatus()
			inner.ID, inner.Content, inner.Filtered = "1", "inner <b>\"x\"</b>", nil
			st.Reblog = &inner
			return st
		}()},
		{"reblog of a reblog", func() Status {
			st, mid, inner := testStatus(), testStatus(), testStatus()
			mid.Reblog, st.Reblog = &inner, &mid
			return st
		}()},
		{"values encoding/json encodes", func() Status {
			st := testStatus()
			app := any(map[string]any{"name": "<app> & \u2028", "website": nil})
			var nilAny any
			st.Application, st.Poll, st.Card = &app, &nilAny, ptr(any([]int{1, 2}))
			st.MediaAttachments = []any{map[string]string{"type": "image"}, 3.5}
			st.Emojis = []any{json.RawMessage(`{ "shortcode" : "<x>" }`)}
			filtered := []any{"a&b"}
			st.Filtered = &filtered
			st.Account.Emojis, st.Account.Roles = []any{true}, []any{nil}
			return st
		}()},
		{"credential account", func() Account {
			a := testAccount()
			a.Source = &AccountSource{Privacy: "unlisted", Sensitive: true, Language: "fr", Note: "hi <3\n",
				Fields: []AccountField{{Name: "web", Value: "https://alice.example", VerifiedAt: ptr("x")}}, FollowRequestsCount: 4}
			a.Role = &AccountRole{ID: "3", Name: "Admin", Permissions: "1", Highlighted: true}
			return a
		}()},
		{"source with nil fields and no role", func() Account {
			a := testAccount()
			a.Source = &AccountSource{}
			return a
		}()},
		{"role without source", func() Account {
			a := testAccount()
			a.Role = &AccountRole{ID: "-99", Permissions: "0"}
			return a
		}()},
		{"status page", []Status{testStatus(), withString(specials), {}}},
		{"empty status page", []Status{}},
		{"nil status page", []Status(nil)},
		{"account list", []Account{testAccount(), {}}},
		{"empty account list", []Account{}},
		{"nil account list", []Account(nil)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { sameJSON(t, c.v) })
	}
}

// TestFastJSONLeavesOtherTypes checks that only the entities with a fast
// path take it.
func TestFastJSONLeavesOtherTypes(t *testing.T) {
	for _, v := range []any{&Status{}, &Account{}, map[string]string{"error": "x"}, Relationship{}, nil} {
		if b, ok := appendEntity([]byte("x"), v); ok || string(b) != "x" {
			t.Errorf("%T took the fast path", v)
		}
	}
}

// TestWriteJSONFastPath checks that what writeJSON writes is unchanged by
// the fast path: for pages and single entities, for other types, and for
// the values encoding/json refuses, which writeJSON refuses with an error,
// having written nothing, so that the handler's caller answers 500.
func TestWriteJSONFastPath(t *testing.T) {
	cyclic := testStatus()
	cyclic.Reblog = &cyclic
	unencodable := testStatus()
	unencodable.Poll = ptr(any(make(chan int)))
	deep := testStatus()
	for range maxReblogDepth + 5 {
		inner := deep
		deep = testStatus()
		deep.Reblog = &inner
	}
	for name, v := range map[string]any{
		"ceiling page":     testPage(t),
		"status":           testStatus(),
		"account":          testAccount(),
		"accounts":         []Account{testAccount()},
		"nil page":         []Status(nil),
		"error map":        map[string]string{"error": "<no> & \u2028"},
		"reblog cycle":     cyclic,
		"unencodable poll": []Status{unencodable},
		"deep reblogs":     deep,
	} {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			err := writeJSON(rec, http.StatusCreated, v)
			want := stdJSON(t, v)
			if want == nil {
				if err == nil || rec.Body.Len() > 0 || len(rec.Header()) > 0 {
					t.Errorf("unencodable value: err %v, body %q, header %v; want an error and nothing written",
						err, rec.Body.Bytes(), rec.Header())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rec.Code != http.StatusCreated {
				t.Errorf("status %d", rec.Code)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("content type %q", ct)
			}
			if cl := rec.Header().Get("Content-Length"); cl != strconv.Itoa(len(want)) {
				t.Errorf("content length %q, want %d", cl, len(want))
			}
			if !bytes.Equal(rec.Body.Bytes(), want) {
				t.Errorf("writeJSON wrote\n%s\nwant\n%s", rec.Body.Bytes(), want)
			}
		})
	}
}

// jsonPieces are the fragments random strings are made of: plain text and
// every kind of byte the escaping treats apart.
var jsonPieces = []string{
	"", "a", "hello world", "<p>", "</p>", "&amp;", `"`, `\`, "/", "\x00", "\b", "\f", "\n", "\r", "\t",
	"\x1f", "\x7f", "é", "日本", "😀", "\u2028", "\u2029", "\ufffd", "\xff", "\xc3", "\xe2\x80", "\xed\xa0\x80",
	"\xf4\x90\x80\x80", "\U0010ffff", "https://example.com/@bob?a=1&b=2",
}

// entityGen makes random entities that cover every field's shapes: set
// and nil pointers, nil, empty and filled slices.
type entityGen struct{ r *rand.Rand }

func (g entityGen) string() string {
	var b strings.Builder
	for range g.r.IntN(6) {
		b.WriteString(jsonPieces[g.r.IntN(len(jsonPieces))])
	}
	return b.String()
}

func (g entityGen) optString() *string {
	if g.r.IntN(2) == 0 {
		return nil
	}
	return ptr(g.string())
}

func (g entityGen) optBool() *bool {
	if g.r.IntN(2) == 0 {
		return nil
	}
	return ptr(g.r.IntN(2) == 0)
}

func (g entityGen) int() int64 {
	if g.r.IntN(2) == 0 {
		return int64(g.r.IntN(1000))
	}
	return int64(g.r.Uint64())
}

// size is -1 for a nil slice, otherwise a length.
func (g entityGen) size() int { return g.r.IntN(4) - 1 }

func (g entityGen) anySlice() []any {
	switch g.r.IntN(5) {
	case 0:
		return nil
	case 1:
		return []any{g.string(), g.int()}
	}
	return []any{}
}

func (g entityGen) anyPtr() *any {
	if g.r.IntN(4) > 0 {
		return nil
	}
	v := any(map[string]string{"k": g.string()})
	return &v
}

func (g entityGen) fields() []AccountField {
	n := g.size()
	if n < 0 {
		return nil
	}
	out := make([]AccountField, n)
	for i := range out {
		out[i] = AccountField{Name: g.string(), Value: g.string(), VerifiedAt: g.optString()}
	}
	return out
}

func (g entityGen) account() Account {
	a := Account{
		ID: g.string(), Username: g.string(), Acct: g.string(), URL: g.string(), URI: g.string(),
		DisplayName: g.string(), Note: g.string(), Avatar: g.string(), AvatarStatic: g.string(),
		Header: g.string(), HeaderStatic: g.string(),
		Locked: g.r.IntN(2) == 0, Bot: g.r.IntN(2) == 0, Group: g.r.IntN(2) == 0,
		Discoverable: g.r.IntN(2) == 0, Indexable: g.r.IntN(2) == 0, HideCollection: g.r.IntN(2) == 0,
		Fields: g.fields(), Emojis: g.anySlice(), Roles: g.anySlice(),
		CreatedAt: g.string(), LastStatusAt: g.optString(),
		StatusesCount: g.int(), FollowersCount: g.int(), FollowingCount: g.int(),
	}
	if g.r.IntN(3) == 0 {
		a.Source = &AccountSource{Privacy: g.string(), Sensitive: g.r.IntN(2) == 0, Language: g.string(),
			Note: g.string(), Fields: g.fields(), FollowRequestsCount: g.int(), Indexable: g.r.IntN(2) == 0}
	}
	if g.r.IntN(3) == 0 {
		a.Role = &AccountRole{ID: g.string(), Name: g.string(), Color: g.string(), Permissions: g.string(),
			Highlighted: g.r.IntN(2) == 0}
	}
	return a
}

func (g entityGen) status(depth int) Status {
	st := Status{
		ID: g.string(), URI: g.string(), URL: g.string(), CreatedAt: g.string(), EditedAt: g.optString(),
		Account: g.account(), Content: g.string(), Visibility: g.string(), Sensitive: g.r.IntN(2) == 0,
		SpoilerText: g.string(), MediaAttachments: g.anySlice(), Application: g.anyPtr(),
		Emojis: g.anySlice(), ReblogsCount: g.int(), FavouritesCount: g.int(), RepliesCount: g.int(),
		InReplyToID: g.optString(), InReplyToAccountID: g.optString(), Poll: g.anyPtr(), Card: g.anyPtr(),
		Language: g.optString(), Text: g.optString(), Favourited: g.optBool(), Reblogged: g.optBool(),
		Muted: g.optBool(), Bookmarked: g.optBool(), Pinned: g.optBool(),
	}
	if n := g.size(); n >= 0 {
		st.Mentions = make([]StatusMention, n)
		for i := range st.Mentions {
			st.Mentions[i] = StatusMention{ID: g.string(), Username: g.string(), URL: g.string(), Acct: g.string()}
		}
	}
	if n := g.size(); n >= 0 {
		st.Tags = make([]StatusTag, n)
		for i := range st.Tags {
			st.Tags[i] = StatusTag{Name: g.string(), URL: g.string()}
		}
	}
	if g.r.IntN(2) == 0 {
		f := g.anySlice()
		st.Filtered = &f
	}
	if depth < 2 && g.r.IntN(3) == 0 {
		st.Reblog = ptr(g.status(depth + 1))
	}
	return st
}

// TestFastJSONRandom compares the encoders on random entities, the same
// ones every run.
func TestFastJSONRandom(t *testing.T) {
	g := entityGen{rand.New(rand.NewPCG(1, 2))}
	for range 2000 {
		sameJSON(t, g.status(0))
		sameJSON(t, g.account())
		if t.Failed() {
			return
		}
	}
	page := make([]Status, 20)
	for i := range page {
		page[i] = g.status(0)
	}
	sameJSON(t, page)
}

// FuzzStatusJSON compares the encoders on statuses whose free-text fields
// (content, names, links, the spoiler) are anything at all.
func FuzzStatusJSON(f *testing.F) {
	f.Add(`<p>hi "there"</p>`, "Alice", "cw", "https://example.com/@bob", "raw\ttext")
	f.Add("\x00\x1f\x7f\\", "\u2028\u2029", "\xff\xfe", "😀", "")
	f.Add("", "", "", "", "\xe2\x80")
	f.Fuzz(func(t *testing.T, content, name, spoiler, link, raw string) {
		st := testStatus()
		st.Content, st.SpoilerText, st.Text, st.URL = content, spoiler, &raw, link
		st.Account.DisplayName, st.Account.Note, st.Account.URL = name, content, link
		st.Account.Fields = append(st.Account.Fields, AccountField{Name: name, Value: content, VerifiedAt: &raw})
		st.Mentions = append(st.Mentions, StatusMention{ID: raw, Username: name, URL: link, Acct: name})
		st.Tags = append(st.Tags, StatusTag{Name: spoiler, URL: link})
		st.EditedAt, st.Language = &spoiler, &name
		inner := testStatus()
		inner.Content, inner.Account.Username = raw, name
		st.Reblog = &inner
		a := st.Account
		a.Source = &AccountSource{Privacy: spoiler, Note: raw, Language: name, Fields: a.Fields}
		a.Role = &AccountRole{ID: raw, Name: name, Color: spoiler, Permissions: link}
		sameJSON(t, []Status{st, inner})
		sameJSON(t, a)
	})
}

// testPage is the ceiling page: 20 statuses as a home timeline shows them
// to a signed-in reader, each ~145 characters with a mention and a link.
func testPage(t testing.TB) []Status {
	u, err := url.Parse("https://starling.example")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{cfg: Config{PublicURL: u}, publicBase: starling.AbsURL(u, "")}
	return s.ceilingPage(time.Date(2025, 3, 4, 5, 6, 7, 8e6, time.UTC))
}

// BenchmarkEncodeStatusPage compares encoding/json, as writeJSON used it,
// with the fast path on the ceiling page.
func BenchmarkEncodeStatusPage(b *testing.B) {
	page := testPage(b)
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(stdJSON(b, page))))
		for b.Loop() {
			enc := json.NewEncoder(io.Discard)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(page); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(stdJSON(b, page))))
		buf := make([]byte, 0, 64<<10)
		for b.Loop() {
			out, ok := appendEntity(buf[:0], page)
			if !ok {
				b.Fatal("no fast path")
			}
			_, _ = io.Discard.Write(out)
		}
	})
}
