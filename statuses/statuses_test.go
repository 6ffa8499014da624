package statuses_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/snowflake"
	"github.com/starling-social/starling/sqlite"
	"github.com/starling-social/starling/sqlite/sqlitetest"
	"github.com/starling-social/starling/statuses"
)

// env is a fresh SQLite store with the service on top.
type env struct {
	store *sqlite.DB
	ids   *snowflake.Generator
	svc   *statuses.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, ids := sqlitetest.Open(t), sqlitetest.IDs(t)
	return &env{store: db, ids: ids, svc: statuses.New(db, ids, "https://example.test/", nil)}
}

func (e *env) account(t *testing.T, username string, edit ...func(*starling.Account)) *starling.Account {
	t.Helper()
	return sqlitetest.CreateAccount(t, e.store, e.ids, username, edit...)
}

func (e *env) follow(t *testing.T, follower, followee *starling.Account) {
	t.Helper()
	if err := e.store.Follow(context.Background(), follower.ID, followee.ID); err != nil {
		t.Fatal(err)
	}
}

func (e *env) post(t *testing.T, author *starling.Account, in statuses.CreateInput) *starling.Status {
	t.Helper()
	st, err := e.svc.Create(context.Background(), author, 0, in)
	if err != nil {
		t.Fatalf("posting %q: %v", in.Text, err)
	}
	return st
}

// audience creates the accounts most visibility tests need: an author,
// a follower of the author, and a stranger who follows nobody.
func (e *env) audience(t *testing.T) (author, follower, stranger *starling.Account) {
	t.Helper()
	author, follower, stranger = e.account(t, "author"), e.account(t, "follower"), e.account(t, "stranger")
	e.follow(t, follower, author)
	return author, follower, stranger
}

func code(err error) string { return starling.ErrorCode(err) }

func details(err error) map[string][]starling.FieldError {
	var e *starling.Error
	if errors.As(err, &e) {
		return e.Details
	}
	return nil
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t)
	author := e.account(t, "alice")
	long := strings.Repeat("a", 301)
	tests := []struct {
		name      string
		in        statuses.CreateInput
		field     string
		errCode   string
		inMessage string
	}{
		{"empty", statuses.CreateInput{Text: ""}, "text", starling.ErrBlank, "can't be blank"},
		{"only spaces", statuses.CreateInput{Text: " \n\t "}, "text", starling.ErrBlank, "can't be blank"},
		{"one over the limit", statuses.CreateInput{Text: long}, "text", starling.ErrTooLong,
			"is too long (301 weighted characters; the limit is 280)"},
		{"wide characters count double", statuses.CreateInput{Text: strings.Repeat("字", 141)}, "text", starling.ErrTooLong,
			"is too long (282 weighted characters; the limit is 280)"},
		{"spoiler over the limit", statuses.CreateInput{Text: "hi", SpoilerText: long}, "spoiler_text", starling.ErrTooLong,
			"301 weighted characters"},
		{"forbidden character", statuses.CreateInput{Text: "hi \ufeff"}, "text", starling.ErrInvalid, "not allowed"},
		{"forbidden character in the spoiler", statuses.CreateInput{Text: "hi", SpoilerText: "\uffff"}, "spoiler_text",
			starling.ErrInvalid, "not allowed"},
		{"unknown visibility", statuses.CreateInput{Text: "hi", Visibility: "friends"}, "visibility", starling.ErrInclusion, ""},
		{"three-letter language", statuses.CreateInput{Text: "hi", Language: "eng"}, "language", starling.ErrInvalid, ""},
		{"language with a digit", statuses.CreateInput{Text: "hi", Language: "e1"}, "language", starling.ErrInvalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.Create(context.Background(), author, 0, tt.in)
			if code(err) != starling.EINVALID {
				t.Fatalf("err = %v, want %s", err, starling.EINVALID)
			}
			d := details(err)[tt.field]
			if len(d) != 1 || d[0].Error != tt.errCode {
				t.Fatalf("details[%s] = %+v, want %s", tt.field, d, tt.errCode)
			}
			if !strings.Contains(starling.ErrorMessage(err), tt.inMessage) {
				t.Errorf("message %q does not contain %q", starling.ErrorMessage(err), tt.inMessage)
			}
		})
	}
	a, err := e.store.AccountByID(context.Background(), author.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.StatusesCount != 0 {
		t.Errorf("failed posts were written: statuses_count = %d", a.StatusesCount)
	}
}

func TestCreateDefaults(t *testing.T) {
	e := newEnv(t)
	plain := e.account(t, "plain")
	private := e.account(t, "quiet", func(a *starling.Account) {
		a.DefaultVisibility = starling.VisibilityPrivate
		a.DefaultLanguage = "de"
	})
	tests := []struct {
		name       string
		author     *starling.Account
		in         statuses.CreateInput
		visibility starling.Visibility
		language   string
		sensitive  bool
	}{
		{"exactly the limit", plain, statuses.CreateInput{Text: strings.Repeat("é", 280)}, starling.VisibilityPublic, "", false},
		{"URLs count 23 whatever their length", plain, statuses.CreateInput{
			Text: strings.Repeat("a", 256) + " https://example.com/" + strings.Repeat("x", 100)}, starling.VisibilityPublic, "", false},
		{"author's defaults", private, statuses.CreateInput{Text: "hallo"}, starling.VisibilityPrivate, "de", false},
		{"explicit beats default", private, statuses.CreateInput{Text: "hi", Visibility: "unlisted", Language: "EN"},
			starling.VisibilityUnlisted, "en", false},
		{"spoiler makes it sensitive", plain, statuses.CreateInput{Text: "x", SpoilerText: "cw"}, starling.VisibilityPublic, "", true},
		{"sensitive without spoiler", plain, statuses.CreateInput{Text: "x", Sensitive: true}, starling.VisibilityPublic, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := e.svc.Create(context.Background(), tt.author, 0, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if st.Visibility != tt.visibility || st.Language != tt.language || st.Sensitive != tt.sensitive {
				t.Errorf("got visibility %q language %q sensitive %v, want %q %q %v",
					st.Visibility, st.Language, st.Sensitive, tt.visibility, tt.language, tt.sensitive)
			}
			if !st.CreatedAt.Equal(snowflake.Time(st.ID)) {
				t.Errorf("CreatedAt %v is not the id's time %v", st.CreatedAt, snowflake.Time(st.ID))
			}
			got, err := e.svc.Get(context.Background(), tt.author.ID, st.ID)
			if err != nil || got.Text != tt.in.Text {
				t.Errorf("stored %+v, %v", got, err)
			}
		})
	}
}

func TestMentionsAndTags(t *testing.T) {
	e := newEnv(t)
	alice := e.account(t, "alice")
	bob := e.account(t, "Bob")
	e.account(t, "pending", func(a *starling.Account) { a.Approved = false })

	st := e.post(t, alice, statuses.CreateInput{
		Text: "hi @bob and @nobody and @BOB again, @pending too #Go #go #Rust"})
	want := []starling.Mention{{AccountID: bob.ID, Username: "Bob"}}
	if !slices.Equal(st.Mentions, want) {
		t.Errorf("mentions = %+v, want %+v", st.Mentions, want)
	}
	if !slices.Equal(st.Tags, []string{"Go", "Rust"}) {
		t.Errorf("tags = %q, want [Go Rust]", st.Tags)
	}
	for _, want := range []string{`href="https://example.test/@Bob"`, `href="https://example.test/tags/Go"`,
		`href="https://example.test/tags/Rust"`, " @nobody ", "@pending"} {
		if !strings.Contains(st.Content, want) {
			t.Errorf("content lacks %s: %s", want, st.Content)
		}
	}
	for _, bad := range []string{"/@nobody", "/@pending"} {
		if strings.Contains(st.Content, bad) {
			t.Errorf("content links %s: %s", bad, st.Content)
		}
	}

	none := e.post(t, alice, statuses.CreateInput{Text: "no one here"})
	if len(none.Mentions) != 0 || len(none.Tags) != 0 {
		t.Errorf("plain post got mentions %+v tags %q", none.Mentions, none.Tags)
	}
}

func TestVisibility(t *testing.T) {
	e := newEnv(t)
	author := e.account(t, "author")
	follower := e.account(t, "follower")
	mentioned := e.account(t, "mentioned")
	stranger := e.account(t, "stranger")
	e.follow(t, follower, author)

	viewers := []struct {
		name string
		id   int64
	}{{"author", author.ID}, {"follower", follower.ID}, {"mentioned", mentioned.ID}, {"stranger", stranger.ID}, {"anonymous", 0}}
	tests := []struct {
		visibility string
		canSee     []bool // in the order of viewers
	}{
		{"public", []bool{true, true, true, true, true}},
		{"unlisted", []bool{true, true, true, true, true}},
		{"private", []bool{true, true, true, false, false}},
		{"direct", []bool{true, false, true, false, false}},
	}
	for _, tt := range tests {
		st := e.post(t, author, statuses.CreateInput{Text: "hello @mentioned", Visibility: tt.visibility})
		for i, v := range viewers {
			t.Run(tt.visibility+"/"+v.name, func(t *testing.T) {
				got, err := e.svc.Get(context.Background(), v.id, st.ID)
				switch {
				case tt.canSee[i] && (err != nil || got.ID != st.ID):
					t.Errorf("want visible, got %v", err)
				case !tt.canSee[i] && code(err) != starling.ENOTFOUND:
					t.Errorf("want ENOTFOUND, got %v", err)
				}
			})
		}
	}
	if _, err := e.svc.Get(context.Background(), author.ID, e.ids.Next()); code(err) != starling.ENOTFOUND {
		t.Errorf("missing status: %v, want ENOTFOUND", err)
	}
}

func TestReply(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	author, follower, stranger := e.audience(t)
	public := e.post(t, author, statuses.CreateInput{Text: "public"})
	private := e.post(t, author, statuses.CreateInput{Text: "followers only", Visibility: "private"})

	t.Run("to a status the author cannot see", func(t *testing.T) {
		_, err := e.svc.Create(ctx, stranger, 0, statuses.CreateInput{Text: "hi", InReplyToID: private.ID})
		if code(err) != starling.ENOTFOUND {
			t.Fatalf("err = %v, want ENOTFOUND", err)
		}
	})
	t.Run("to a missing status", func(t *testing.T) {
		_, err := e.svc.Create(ctx, stranger, 0, statuses.CreateInput{Text: "hi", InReplyToID: e.ids.Next()})
		if code(err) != starling.ENOTFOUND {
			t.Fatalf("err = %v, want ENOTFOUND", err)
		}
	})
	t.Run("public reply", func(t *testing.T) {
		r := e.post(t, stranger, statuses.CreateInput{Text: "nice", InReplyToID: public.ID})
		if r.InReplyToID != public.ID || r.InReplyToAccountID != author.ID {
			t.Errorf("in reply to %d/%d, want %d/%d", r.InReplyToID, r.InReplyToAccountID, public.ID, author.ID)
		}
		if len(r.Mentions) != 0 {
			t.Errorf("public reply got implicit mentions %+v", r.Mentions)
		}
	})
	t.Run("private reply stays visible to the author replied to", func(t *testing.T) {
		r := e.post(t, follower, statuses.CreateInput{Text: "just between us", Visibility: "private", InReplyToID: private.ID})
		if !r.MentionsAccount(author.ID) {
			t.Fatalf("mentions = %+v, want the parent's author", r.Mentions)
		}
		if strings.Contains(r.Content, "@author") {
			t.Errorf("implicit mention leaked into the content: %q", r.Content)
		}
		// author does not follow follower, so only the mention lets them see it.
		if _, err := e.svc.Get(ctx, author.ID, r.ID); err != nil {
			t.Errorf("author cannot see the reply: %v", err)
		}
		if _, err := e.svc.Get(ctx, stranger.ID, r.ID); code(err) != starling.ENOTFOUND {
			t.Errorf("stranger sees the reply: %v", err)
		}
	})
	t.Run("self-reply adds no mention", func(t *testing.T) {
		r := e.post(t, author, statuses.CreateInput{Text: "and more", Visibility: "private", InReplyToID: private.ID})
		if len(r.Mentions) != 0 {
			t.Errorf("mentions = %+v", r.Mentions)
		}
	})
}

func TestIdempotency(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alice := e.account(t, "alice")
	first := e.post(t, alice, statuses.CreateInput{Text: "once", IdempotencyKey: "k1"})
	again := e.post(t, alice, statuses.CreateInput{Text: "once", IdempotencyKey: "k1"})
	if again.ID != first.ID {
		t.Errorf("retry posted %d, want the first status %d", again.ID, first.ID)
	}
	other := e.post(t, alice, statuses.CreateInput{Text: "once", IdempotencyKey: "k2"})
	if other.ID == first.ID {
		t.Error("a different key returned the first status")
	}
	a, err := e.store.AccountByID(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.StatusesCount != 2 {
		t.Errorf("statuses_count = %d, want 2", a.StatusesCount)
	}
}

func TestDeleteAndOwn(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	author := e.account(t, "author")
	stranger := e.account(t, "stranger")
	public := e.post(t, author, statuses.CreateInput{Text: "public"})
	private := e.post(t, author, statuses.CreateInput{Text: "private", Visibility: "private"})

	tests := []struct {
		name   string
		viewer int64
		id     int64
		want   string
	}{
		{"stranger, visible", stranger.ID, public.ID, starling.EFORBIDDEN},
		{"stranger, invisible", stranger.ID, private.ID, starling.ENOTFOUND},
		{"missing", author.ID, e.ids.Next(), starling.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := e.svc.Own(ctx, tt.viewer, tt.id); code(err) != tt.want {
				t.Errorf("Own: %v, want %s", err, tt.want)
			}
			if _, err := e.svc.Delete(ctx, tt.viewer, tt.id); code(err) != tt.want {
				t.Errorf("Delete: %v, want %s", err, tt.want)
			}
		})
	}

	deleted, err := e.svc.Delete(ctx, author.ID, private.ID)
	if err != nil {
		t.Fatal(err)
	}
	if deleted.ID != private.ID || deleted.Text != "private" {
		t.Errorf("deleted = %+v", deleted)
	}
	if _, err := e.svc.Get(ctx, author.ID, private.ID); code(err) != starling.ENOTFOUND {
		t.Errorf("deleted status still readable: %v", err)
	}
	if _, err := e.svc.Delete(ctx, author.ID, private.ID); code(err) != starling.ENOTFOUND {
		t.Errorf("deleting twice: %v, want ENOTFOUND", err)
	}
}

func TestContext(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	author, follower, stranger := e.audience(t)
	e.follow(t, author, follower)

	root := e.post(t, author, statuses.CreateInput{Text: "root"})
	hidden := e.post(t, follower, statuses.CreateInput{Text: "followers only", Visibility: "private", InReplyToID: root.ID})
	below := e.post(t, author, statuses.CreateInput{Text: "public again", InReplyToID: hidden.ID})
	side := e.post(t, stranger, statuses.CreateInput{Text: "another branch", InReplyToID: root.ID})

	tests := []struct {
		name        string
		viewer      int64
		of          int64
		ancestors   []int64
		descendants []int64
	}{
		{"root for a follower", author.ID, root.ID, nil, []int64{hidden.ID, below.ID, side.ID}},
		{"root for a stranger", stranger.ID, root.ID, nil, []int64{below.ID, side.ID}},
		{"leaf for the author", author.ID, below.ID, []int64{root.ID, hidden.ID}, nil},
		{"leaf for anonymous", 0, below.ID, []int64{root.ID}, nil},
		{"lone branch", 0, side.ID, []int64{root.ID}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			anc, desc, err := e.svc.Context(ctx, tt.viewer, tt.of)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(anc); !slices.Equal(got, tt.ancestors) {
				t.Errorf("ancestors = %v, want %v", got, tt.ancestors)
			}
			if got := ids(desc); !slices.Equal(got, tt.descendants) {
				t.Errorf("descendants = %v, want %v", got, tt.descendants)
			}
		})
	}
	if _, _, err := e.svc.Context(ctx, stranger.ID, hidden.ID); code(err) != starling.ENOTFOUND {
		t.Errorf("context of an invisible status: %v, want ENOTFOUND", err)
	}
}

// TestContextHiddenBeforeLimit checks that replies the viewer may not see
// do not count against MaxDescendants: a visible reply after more hidden
// ones than the limit is still listed.
func TestContextHiddenBeforeLimit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	author := e.account(t, "author")
	friend := e.account(t, "friend")
	root := e.post(t, author, statuses.CreateInput{Text: "root"})
	for range statuses.MaxDescendants {
		e.post(t, friend, statuses.CreateInput{Text: "followers only", Visibility: "private", InReplyToID: root.ID})
	}
	visible := e.post(t, friend, statuses.CreateInput{Text: "for everyone", InReplyToID: root.ID})
	_, desc, err := e.svc.Context(ctx, 0, root.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(desc); !slices.Equal(got, []int64{visible.ID}) {
		t.Errorf("descendants for anonymous = %v, want only %d", got, visible.ID)
	}
}

func ids(list []*starling.Status) []int64 {
	var out []int64
	for _, st := range list {
		out = append(out, st.ID)
	}
	return out
}

func TestList(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	author, follower, stranger := e.audience(t)
	public := e.post(t, author, statuses.CreateInput{Text: "public"})
	private := e.post(t, author, statuses.CreateInput{Text: "private", Visibility: "private"})
	missing := e.ids.Next()

	tests := []struct {
		name   string
		viewer int64
		ids    []int64
		want   []int64
	}{
		{"none asked", follower.ID, nil, nil},
		{"in the order asked, once each", follower.ID, []int64{private.ID, public.ID, private.ID, missing}, []int64{private.ID, public.ID}},
		{"hidden ones left out", stranger.ID, []int64{private.ID, public.ID}, []int64{public.ID}},
		{"anonymous", 0, []int64{public.ID, private.ID}, []int64{public.ID}},
		{"only missing", 0, []int64{missing}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.svc.List(ctx, tt.viewer, tt.ids)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), tt.want) {
				t.Errorf("got %v, want %v", ids(got), tt.want)
			}
		})
	}
}

// TestPins checks the rules of pinning: who may pin what, the limit, and
// who sees the pins.
func TestPins(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	author, follower, stranger := e.audience(t)
	direct := e.post(t, author, statuses.CreateInput{Text: "@follower psst", Visibility: "direct"})
	private := e.post(t, author, statuses.CreateInput{Text: "followers only", Visibility: "private"})
	theirs := e.post(t, stranger, statuses.CreateInput{Text: "mine"})
	hidden := e.post(t, stranger, statuses.CreateInput{Text: "secret", Visibility: "private"})

	for _, tc := range []struct {
		name    string
		viewer  *starling.Account
		status  *starling.Status
		errCode string
		message string
	}{
		{"someone else's", author, theirs, starling.EINVALID, "Validation failed: Someone else's post cannot be pinned"},
		{"hidden from the viewer", author, hidden, starling.ENOTFOUND, "Record not found"},
		{"direct", author, direct, starling.EINVALID, "Validation failed: Posts that are only visible to mentioned users cannot be pinned"},
		{"direct, seen by its recipient", follower, direct, starling.EINVALID, "Validation failed: Someone else's post cannot be pinned"},
		{"missing", author, &starling.Status{ID: e.ids.Next()}, starling.ENOTFOUND, "Record not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.Pin(ctx, tc.viewer.ID, tc.status.ID)
			if code(err) != tc.errCode || starling.ErrorMessage(err) != tc.message {
				t.Errorf("Pin: %v, want %s %q", err, tc.errCode, tc.message)
			}
			_, err = e.svc.Unpin(ctx, tc.viewer.ID, tc.status.ID)
			if want := tc.errCode == starling.ENOTFOUND; (code(err) == starling.ENOTFOUND) != want {
				t.Errorf("Unpin: %v, want not found %v", err, want)
			}
		})
	}

	st, err := e.svc.Pin(ctx, author.ID, private.ID)
	if err != nil || st.PinnedAt.IsZero() {
		t.Fatalf("Pin of a private status: %+v, %v; want it pinned", st, err)
	}
	var pinned []int64
	for i := range statuses.MaxPins - 1 {
		st := e.post(t, author, statuses.CreateInput{Text: "pin " + string(rune('a'+i))})
		if _, err := e.svc.Pin(ctx, author.ID, st.ID); err != nil {
			t.Fatalf("Pin %d: %v", i, err)
		}
		pinned = append([]int64{st.ID}, pinned...)
	}
	sixth := e.post(t, author, statuses.CreateInput{Text: "one too many"})
	if _, err := e.svc.Pin(ctx, author.ID, sixth.ID); starling.ErrorMessage(err) !=
		"Validation failed: You have already pinned the maximum number of posts" || code(err) != starling.EINVALID {
		t.Errorf("a sixth Pin: %v, want the limit's 422", err)
	}
	if st, err := e.svc.Pin(ctx, author.ID, private.ID); err != nil || st.PinnedAt.IsZero() {
		t.Errorf("pinning a pinned status at the limit: %v", err)
	}

	for _, tc := range []struct {
		name   string
		viewer int64
		want   []int64
	}{
		{"author", author.ID, append(slices.Clone(pinned), private.ID)},
		{"follower", follower.ID, append(slices.Clone(pinned), private.ID)},
		{"stranger", stranger.ID, pinned},
		{"anonymous", 0, pinned},
	} {
		list, err := e.svc.Pinned(ctx, tc.viewer, author.ID)
		if err != nil || !slices.Equal(ids(list), tc.want) {
			t.Errorf("Pinned seen by %s: %v, %v; want %v", tc.name, ids(list), err, tc.want)
		}
	}
	if _, err := e.svc.Pinned(ctx, 0, e.ids.Next()); code(err) != starling.ENOTFOUND {
		t.Errorf("Pinned of a missing account: %v, want not found", err)
	}

	st, err = e.svc.Unpin(ctx, author.ID, private.ID)
	if err != nil || !st.PinnedAt.IsZero() {
		t.Errorf("Unpin: %+v, %v; want it unpinned", st, err)
	}
	if st, err = e.svc.Unpin(ctx, author.ID, private.ID); err != nil || !st.PinnedAt.IsZero() {
		t.Errorf("Unpin twice: %v", err)
	}
	if _, err := e.svc.Pin(ctx, author.ID, sixth.ID); err != nil {
		t.Errorf("Pin after an unpin: %v", err)
	}
}
