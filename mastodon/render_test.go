package mastodon

import (
	"bytes"
	"math/rand/v2"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/starling-social/starling"
)

// renderServer is a Server with only what rendering needs.
func renderServer(t testing.TB, renderedEntries int) *Server {
	t.Helper()
	u, err := url.Parse("https://starling.example")
	if err != nil {
		t.Fatal(err)
	}
	return &Server{cfg: Config{PublicURL: u}, publicBase: starling.AbsURL(u, ""), rendered: newRenderCache(renderedEntries)}
}

// referenceStatus is st rendered the one slow way: the entity, encoded.
func referenceStatus(t testing.TB, s *Server, st *starling.Status, author, viewer *starling.Account) []byte {
	t.Helper()
	e := s.statusEntity(st, author, viewer)
	b, err := appendStatus(nil, &e, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func referenceAccount(t testing.TB, s *Server, a *starling.Account) []byte {
	t.Helper()
	e := s.accountEntity(a)
	b, err := appendAccount(nil, &e, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sameRendering fails t unless the kept rendering of st, assembled now,
// is the reference rendering of st as it is now.
func sameRendering(t *testing.T, s *Server, what string, st *starling.Status, author, viewer *starling.Account) {
	t.Helper()
	want := referenceStatus(t, s, st, author, viewer)
	if got := s.appendStatusJSON(nil, st, author, viewer); !bytes.Equal(got, want) {
		t.Errorf("%s: assembled status differs from its entity\n got: %s\nwant: %s\nfirst difference at byte %d",
			what, got, want, firstDiff(got, want))
	}
	wantAccount := referenceAccount(t, s, author)
	if got := s.appendAccountJSON(nil, author); !bytes.Equal(got, wantAccount) {
		t.Errorf("%s: assembled account differs from its entity\n got: %s\nwant: %s", what, got, wantAccount)
	}
}

// domainGen makes random accounts and statuses out of the strings that
// the encoder treats apart (jsonPieces), with every optional field both
// set and not.
type domainGen struct{ r *rand.Rand }

func (g domainGen) str() string {
	var b []byte
	for range g.r.IntN(4) {
		b = append(b, jsonPieces[g.r.IntN(len(jsonPieces))]...)
	}
	return string(b)
}

func (g domainGen) time() time.Time {
	if g.r.IntN(4) == 0 {
		return time.Time{}
	}
	return time.Date(2000+g.r.IntN(40), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), g.r.IntN(24), g.r.IntN(60), 0,
		g.r.IntN(1e9), time.FixedZone("", 3600*(g.r.IntN(25)-12)))
}

func (g domainGen) account(id int64) *starling.Account {
	a := &starling.Account{
		ID: id, Username: "user" + g.str(), DisplayName: g.str(), Note: g.str(), NoteHTML: g.str(),
		Locked: g.r.IntN(2) == 0, Bot: g.r.IntN(2) == 0, Discoverable: g.r.IntN(2) == 0, Approved: true,
		CreatedAt: g.time(), LastStatusAt: g.time(),
		StatusesCount: g.r.Int64N(1e6), FollowersCount: g.r.Int64N(1e8), FollowingCount: g.r.Int64N(1e4),
	}
	for range g.r.IntN(3) {
		a.Fields = append(a.Fields, starling.Field{Name: g.str(), Value: g.str(), ValueHTML: g.str(), VerifiedAt: g.time()})
	}
	return a
}

func (g domainGen) status(id int64, author *starling.Account) *starling.Status {
	st := &starling.Status{
		ID: id, AccountID: author.ID, Text: g.str(), Content: g.str(), SpoilerText: g.str(),
		Sensitive: g.r.IntN(2) == 0, Visibility: starling.VisibilityPublic, CreatedAt: g.time(), EditedAt: g.time(),
		RepliesCount: g.r.Int64N(1e5), ReblogsCount: g.r.Int64N(1e5), FavouritesCount: g.r.Int64N(1e6),
	}
	if g.r.IntN(2) == 0 {
		st.Language = "en"
	}
	if g.r.IntN(3) == 0 {
		st.InReplyToID, st.InReplyToAccountID = id-1, author.ID+1
	}
	for range g.r.IntN(3) {
		st.Mentions = append(st.Mentions, starling.Mention{AccountID: g.r.Int64N(1 << 62), Username: g.str()})
	}
	for range g.r.IntN(3) {
		st.Tags = append(st.Tags, g.str())
	}
	if g.r.IntN(2) == 0 {
		st.PinnedAt = g.time()
	}
	return st
}

// TestRenderedMatchesEntity renders random statuses, each for an
// anonymous reader, another account and its author in turn, with the
// cache cold and then warm (warmed by another viewer: one viewer's fields
// must never reach another), and compares every answer with the entity
// rendered from scratch. A cache of two entries makes most lookups evict.
func TestRenderedMatchesEntity(t *testing.T) {
	g := domainGen{rand.New(rand.NewPCG(1, 2))}
	for _, size := range []int{2, 1000} {
		s := renderServer(t, size)
		for i := range 300 {
			author := g.account(int64(1000 + i%7))
			st := g.status(int64(1_000_000+i%50), author)
			other := g.account(42)
			for _, viewer := range []*starling.Account{nil, other, author, nil, author, other} {
				sameRendering(t, s, "random status", st, author, viewer)
			}
			if t.Failed() {
				return
			}
		}
	}
}

// TestRenderedNeverStale changes, one at a time, every field of a status
// and of its author, found by reflection so that a field added later is
// covered too, after the rendering of the unchanged values was kept; the
// answer must be the entity of the changed values. Counts and other
// fields spliced in afresh, fields compared before a kept rendering is
// used, and fields no entity shows are all checked the same way.
func TestRenderedNeverStale(t *testing.T) {
	g := domainGen{rand.New(rand.NewPCG(3, 4))}
	s := renderServer(t, 1000)
	author := g.account(7)
	author.Fields = []starling.Field{{Name: "site", Value: "x", ValueHTML: "<a>x</a>", VerifiedAt: time.Now()}}
	author.LastStatusAt = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	st := g.status(99, author)
	st.Language, st.Mentions, st.Tags = "en", []starling.Mention{{AccountID: 5, Username: "bob"}}, []string{"tag"}
	viewer := g.account(8)

	for _, v := range variants(t, reflect.ValueOf(*st)) {
		changed := v.value.Interface().(starling.Status)
		// The author too, who is shown what others are not (pinned).
		for _, viewer := range []*starling.Account{viewer, author} {
			sameRendering(t, s, "status before", st, author, viewer) // keeps the unchanged rendering
			sameRendering(t, s, "status."+v.path, &changed, author, viewer)
		}
	}
	for _, v := range variants(t, reflect.ValueOf(*author)) {
		changed := v.value.Interface().(starling.Account)
		sameRendering(t, s, "author before", st, author, viewer)
		sameRendering(t, s, "author."+v.path, st, &changed, viewer)
	}
}

// variant is a value with one field changed, named by path.
type variant struct {
	path  string
	value reflect.Value
}

// variants returns a copy of v, a struct, for each of its fields (and each
// field of the first element of a slice of structs) with that field
// changed. A field of a kind it cannot change fails t: teach it the kind.
func variants(t *testing.T, v reflect.Value) []variant {
	t.Helper()
	var out []variant
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		for _, changed := range changes(t, name, v.Field(i)) {
			cp := reflect.New(v.Type()).Elem()
			cp.Set(v)
			cp.Field(i).Set(changed.value)
			out = append(out, variant{path: name + changed.path, value: cp})
		}
	}
	return out
}

// changes returns the changed versions of f, a field's value.
func changes(t *testing.T, name string, f reflect.Value) []variant {
	t.Helper()
	one := func(v any) []variant { return []variant{{value: reflect.ValueOf(v).Convert(f.Type())}} }
	switch x := f.Interface().(type) {
	case time.Time:
		return []variant{{value: reflect.ValueOf(x.Add(49*time.Hour + time.Millisecond))},
			{path: "(zero)", value: reflect.ValueOf(time.Time{})}}
	}
	switch f.Kind() {
	case reflect.String:
		return one(f.String() + "x")
	case reflect.Bool:
		return one(!f.Bool())
	case reflect.Int64:
		return one(f.Int() + 1)
	case reflect.Slice:
		grown := reflect.Append(f.Slice3(0, f.Len(), f.Len()), reflect.New(f.Type().Elem()).Elem())
		out := []variant{{path: "(appended)", value: grown}, {path: "(empty)", value: reflect.MakeSlice(f.Type(), 0, 0)}}
		if f.Len() > 0 {
			first := f.Index(0)
			var elems []variant
			if first.Kind() == reflect.Struct && first.Type() != reflect.TypeFor[time.Time]() {
				elems = variants(t, first)
			} else {
				elems = changes(t, name, first)
			}
			for _, e := range elems {
				s := reflect.MakeSlice(f.Type(), f.Len(), f.Len())
				reflect.Copy(s, f)
				s.Index(0).Set(e.value)
				out = append(out, variant{path: "[0]." + e.path, value: s})
			}
		}
		return out
	}
	t.Fatalf("field %s: no change known for kind %s; add one to changes", name, f.Kind())
	return nil
}

// TestRenderedAccountKeepsNoSecrets checks that a kept rendering holds
// only what it compares: no e-mail, password hash or other private field
// of the account stays in the cache.
func TestRenderedAccountKeepsNoSecrets(t *testing.T) {
	s := renderServer(t, 10)
	a := domainGen{rand.New(rand.NewPCG(5, 6))}.account(3)
	a.Email, a.PasswordHash, a.SignUpReason, a.Note = "a@example.com", "$argon2id$secret", "spam", "raw bio"
	r := s.renderedAccountOf(a)
	if r.src.Email != "" || r.src.PasswordHash != "" || r.src.SignUpReason != "" || r.src.Note != "" {
		t.Errorf("the kept rendering holds private fields: %+v", r.src)
	}
	if bytes.Contains(r.json, []byte("a@example.com")) || bytes.Contains(r.json, []byte("argon2id")) {
		t.Errorf("the kept rendering shows private fields: %s", r.json)
	}
}

// TestStatusListLeavesOutMissingAuthors checks the page assembly: order
// kept, statuses without an author left out, commas right at the edges.
func TestStatusListLeavesOutMissingAuthors(t *testing.T) {
	s := renderServer(t, 10)
	g := domainGen{rand.New(rand.NewPCG(7, 8))}
	alice, bob := g.account(1), g.account(2)
	list := []*starling.Status{g.status(30, alice), g.status(20, bob), g.status(10, alice)}
	for _, tc := range []struct {
		name    string
		list    []*starling.Status
		authors []*starling.Account
		want    []*starling.Status
	}{
		{"empty", nil, nil, nil},
		{"all", list, []*starling.Account{bob, alice}, list},
		{"first author gone", list, []*starling.Account{bob}, list[1:2]},
		{"middle author gone", list, []*starling.Account{alice}, []*starling.Status{list[0], list[2]}},
		{"every author gone", list, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &statusList{s: s, list: tc.list, authors: newAuthorSet(slices.Clone(tc.authors))}
			want := []byte{'['}
			for i, st := range tc.want {
				if i > 0 {
					want = append(want, ',')
				}
				author := alice
				if st.AccountID == bob.ID {
					author = bob
				}
				want = append(want, referenceStatus(t, s, st, author, nil)...)
			}
			want = append(want, ']')
			if got := l.appendJSON(nil); !bytes.Equal(got, want) {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

// TestRenderedKeepsTheNewestCopy checks that a status or account read
// again (equal, but new strings, as after the read-through cache's entry
// expired) takes the place of the one the rendering was compared with, so
// that later comparisons are of strings with themselves; and that it does
// so at most once a second, since values read by SQL are new copies on
// every request.
func TestRenderedKeepsTheNewestCopy(t *testing.T) {
	s := renderServer(t, 10)
	clock := int64(1_000_000_000)
	s.rendered.now = func() int64 { return clock }
	g := domainGen{rand.New(rand.NewPCG(9, 10))}
	author := g.account(1)
	author.NoteHTML = "<p>bio</p>"
	st := g.status(2, author)
	st.Content = "<p>text</p>"
	s.appendStatusJSON(nil, st, author, nil)

	kept := func() (string, string) {
		rs, ok := s.rendered.statuses.Get(st.ID, 0)
		ra, ok2 := s.rendered.accounts.Get(author.ID, 0)
		if !ok || !ok2 {
			t.Fatal("no kept rendering")
		}
		return rs.src.Content, ra.src.NoteHTML
	}
	for _, tc := range []struct {
		name    string
		advance time.Duration
		taken   bool
	}{
		{"within the second", refreshEvery - 1, false},
		{"a second after", 1, true},
		{"just after taking one", 1, false},
	} {
		clock += int64(tc.advance)
		again, authorAgain := *st, *author
		again.Content, authorAgain.NoteHTML = strings.Clone(st.Content), strings.Clone(author.NoteHTML)
		sameRendering(t, s, tc.name, &again, &authorAgain, nil)
		content, note := kept()
		if sameString(content, again.Content) != tc.taken || sameString(note, authorAgain.NoteHTML) != tc.taken {
			t.Errorf("%s: the newer copy taken: %v and %v, want %v", tc.name,
				sameString(content, again.Content), sameString(note, authorAgain.NoteHTML), tc.taken)
		}
	}
}
