package storetest

import (
	"testing"
	"time"

	"github.com/starling-social/starling"
)

func testAccountRoundTrip(t *testing.T, w *world) {
	// Times with a zone and nanoseconds come back in UTC, to the millisecond.
	zone := time.FixedZone("UTC+2", 2*3600)
	created := time.Date(2026, 3, 4, 5, 6, 7, 891_234_567, zone)
	verified := time.Date(2026, 3, 5, 0, 0, 0, 999_999, zone)
	a := &starling.Account{
		ID:           w.id(),
		Username:     "Alice",
		Email:        "Alice@Example.COM",
		PasswordHash: "$argon2id$hash",
		DisplayName:  "Alice Ängström",
		Note:         "I <3 birds",
		NoteHTML:     "<p>I &lt;3 birds</p>",
		Locked:       true,
		Bot:          true,
		Discoverable: true,
		Fields: []starling.Field{
			{Name: "Web", Value: "https://alice.example", ValueHTML: `<a href="https://alice.example">alice.example</a>`, VerifiedAt: verified},
			{Name: "Pronouns", Value: "she/her", ValueHTML: "she/her"},
		},
		Role:              starling.RoleModerator,
		Approved:          true,
		SignUpReason:      "I band birds 🐦 and\nwant to share it",
		Locale:            "pt-BR",
		DefaultVisibility: starling.VisibilityPrivate,
		DefaultSensitive:  true,
		DefaultLanguage:   "de",
		CreatedAt:         created,
		UpdatedAt:         created.Add(time.Minute),
		StatusesCount:     7, // counts start at zero whatever a holds
		FollowersCount:    8,
		FollowingCount:    9,
	}
	w.ok(w.s.CreateAccount(w.ctx, a), "CreateAccount")

	want := *a
	want.Fields = []starling.Field{a.Fields[0], a.Fields[1]}
	want.Fields[0].VerifiedAt = verified.UTC().Truncate(time.Millisecond)
	want.CreatedAt = created.UTC().Truncate(time.Millisecond)
	want.UpdatedAt = created.Add(time.Minute).UTC().Truncate(time.Millisecond)
	want.StatusesCount, want.FollowersCount, want.FollowingCount = 0, 0, 0
	equal(t, "account after CreateAccount", *a, want)

	for _, tc := range []struct {
		name string
		get  func() (*starling.Account, error)
	}{
		{"AccountByID", func() (*starling.Account, error) { return w.s.AccountByID(w.ctx, a.ID) }},
		{"AccountByUsername exact", func() (*starling.Account, error) { return w.s.AccountByUsername(w.ctx, "Alice") }},
		{"AccountByUsername lower", func() (*starling.Account, error) { return w.s.AccountByUsername(w.ctx, "alice") }},
		{"AccountByUsername upper", func() (*starling.Account, error) { return w.s.AccountByUsername(w.ctx, "ALICE") }},
		{"AccountByEmail exact", func() (*starling.Account, error) { return w.s.AccountByEmail(w.ctx, "Alice@Example.COM") }},
		{"AccountByEmail other case", func() (*starling.Account, error) { return w.s.AccountByEmail(w.ctx, "alice@example.com") }},
	} {
		got, err := tc.get()
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		equal(t, tc.name, *got, want)
		if got.CreatedAt.Location() != time.UTC {
			t.Errorf("%s: CreatedAt in %v, want UTC", tc.name, got.CreatedAt.Location())
		}
	}

	// The smallest account: no e-mail, no fields, never posted.
	b := &starling.Account{ID: w.id(), Username: "b", Role: starling.RoleUser,
		DefaultVisibility: starling.VisibilityPublic, CreatedAt: w.tick()}
	b.UpdatedAt = b.CreatedAt
	w.ok(w.s.CreateAccount(w.ctx, b), "CreateAccount(minimal)")
	equal(t, "minimal account", *w.reload(b), *b)
}

func testAccountUniqueness(t *testing.T, w *world) {
	w.account("Alice", func(a *starling.Account) { a.Email = "Alice@Example.com" })
	w.account("noemail1", func(a *starling.Account) { a.Email = "" })

	for _, tc := range []struct {
		name, username, email string
		taken                 string // the field reported, "" when creation succeeds
	}{
		{"same username", "Alice", "other1@example.com", "username"},
		{"username in other case", "aLICE", "other2@example.com", "username"},
		{"email in other case", "carol", "alice@EXAMPLE.com", "email"},
		{"second account without email", "noemail2", "", ""},
		{"new username and email", "dave", "dave@example.com", ""},
		{"username of a new account taken in turn", "DAVE", "dave2@example.com", "username"},
	} {
		a := &starling.Account{ID: w.id(), Username: tc.username, Email: tc.email, Approved: true,
			Role: starling.RoleUser, DefaultVisibility: starling.VisibilityPublic, CreatedAt: w.tick()}
		err := w.s.CreateAccount(w.ctx, a)
		if tc.taken == "" {
			if err != nil {
				t.Errorf("%s: CreateAccount: %v", tc.name, err)
			}
			continue
		}
		wantTaken(t, err, tc.taken, tc.name)
		if _, err := w.s.AccountByID(w.ctx, a.ID); starling.ErrorCode(err) != starling.ENOTFOUND {
			t.Errorf("%s: the refused account was stored (%v)", tc.name, err)
		}
	}
	if n, err := w.s.CountAccounts(w.ctx); err != nil || n != 4 {
		t.Errorf("CountAccounts() = %d, %v; want 4", n, err)
	}
}

func testUpdateAccount(t *testing.T, w *world) {
	a := w.account("alice")
	b := w.account("bob")
	w.follow(b, a)
	w.post(a, starling.VisibilityPublic)

	before := w.reload(a)
	changed := *before
	changed.Username = "mallory" // ignored
	changed.CreatedAt = before.CreatedAt.Add(time.Hour)
	changed.StatusesCount, changed.FollowersCount, changed.FollowingCount = 100, 100, 100
	changed.Email = "New@Example.com"
	changed.PasswordHash = "$argon2id$new"
	changed.DisplayName = "Alice B."
	changed.Note, changed.NoteHTML = "bio", "<p>bio</p>"
	changed.Locked, changed.Bot, changed.Discoverable = true, true, true
	changed.Fields = []starling.Field{{Name: "a", Value: "b", ValueHTML: "b", VerifiedAt: w.tick()}}
	changed.Role = starling.RoleAdmin
	changed.Approved = false
	changed.SignUpReason = "edited by a moderator"
	changed.Locale = "de"
	changed.DefaultVisibility = starling.VisibilityUnlisted
	changed.DefaultSensitive = true
	changed.DefaultLanguage = "fr"
	w.ok(w.s.UpdateAccount(w.ctx, &changed), "UpdateAccount")
	if changed.UpdatedAt.IsZero() || changed.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("UpdatedAt = %v after update, was %v: not set", changed.UpdatedAt, before.UpdatedAt)
	}

	want := changed
	want.Username, want.CreatedAt = before.Username, before.CreatedAt
	want.StatusesCount, want.FollowersCount, want.FollowingCount = 1, 1, 0
	equal(t, "account after UpdateAccount", *w.reload(a), want)
	if got, err := w.s.AccountByEmail(w.ctx, "new@example.com"); err != nil || got.ID != a.ID {
		t.Errorf("AccountByEmail(new address) = %v, %v", got, err)
	}
	if _, err := w.s.AccountByEmail(w.ctx, "alice@example.com"); starling.ErrorCode(err) != starling.ENOTFOUND {
		t.Errorf("AccountByEmail(old address): %v, want ENOTFOUND", err)
	}

	// Taking another account's address is refused and changes nothing.
	bb := *w.reload(b)
	bb.Email = "NEW@example.com"
	bb.DisplayName = "changed"
	wantTaken(t, w.s.UpdateAccount(w.ctx, &bb), "email", "UpdateAccount(email of another account)")
	if got := w.reload(b); got.DisplayName != "bob" {
		t.Errorf("refused update saved DisplayName %q", got.DisplayName)
	}
}

func testAccountsByIDsAndUsernames(t *testing.T, w *world) {
	a, b, c := w.account("Alice"), w.account("bob"), w.account("carol")
	missing := w.id()

	byID := func(as []*starling.Account) map[int64]starling.Account {
		m := map[int64]starling.Account{}
		for _, a := range as {
			if _, dup := m[a.ID]; dup {
				t.Errorf("account %d returned twice", a.ID)
			}
			m[a.ID] = *a
		}
		return m
	}
	want := func(as ...*starling.Account) map[int64]starling.Account {
		m := map[int64]starling.Account{}
		for _, a := range as {
			m[a.ID] = *a
		}
		return m
	}

	for _, tc := range []struct {
		name string
		ids  []int64
		want map[int64]starling.Account
	}{
		{"none", nil, want()},
		{"one", []int64{b.ID}, want(b)},
		{"several with a missing one", []int64{c.ID, missing, a.ID}, want(a, c)},
		{"only missing", []int64{missing}, want()},
		{"repeated", []int64{a.ID, a.ID}, want(a)},
	} {
		got, err := w.s.AccountsByIDs(w.ctx, tc.ids)
		if err != nil {
			t.Errorf("AccountsByIDs(%s): %v", tc.name, err)
			continue
		}
		equal(t, "AccountsByIDs("+tc.name+")", byID(got), tc.want)
	}

	for _, tc := range []struct {
		name  string
		names []string
		want  map[int64]starling.Account
	}{
		{"none", nil, want()},
		{"one in other case", []string{"ALICE"}, want(a)},
		{"several with a missing one", []string{"Carol", "nobody", "bob"}, want(b, c)},
		{"only missing", []string{"nobody"}, want()},
		{"with names that are not text", []string{"bob", "b\xffb", "bob\x00"}, want(b)},
	} {
		got, err := w.s.AccountsByUsernames(w.ctx, tc.names)
		if err != nil {
			t.Errorf("AccountsByUsernames(%s): %v", tc.name, err)
			continue
		}
		equal(t, "AccountsByUsernames("+tc.name+")", byID(got), tc.want)
	}
}

func testSearchAccounts(t *testing.T, w *world) {
	display := func(name string) func(*starling.Account) {
		return func(a *starling.Account) { a.DisplayName = name }
	}
	anna := w.account("anna", display("Anna"))
	annabel := w.account("annabel", display("Annabel Lee"))
	annette := w.account("annette", display("Annette"))
	bob := w.account("bob", display("Anna's friend Bob"))
	w.account("annpending", func(a *starling.Account) { a.Approved = false })
	carl := w.account("carl", display("Carl"))
	w.account("under_score", display("under_score"))
	w.account("underXscore", display("x"))
	w.account("zoe", display("Ännchen"))
	// Followers: annette 3, annabel 2, anna 1, bob 0.
	for _, f := range []*starling.Account{anna, annabel, bob} {
		w.follow(f, annette)
	}
	w.follow(anna, annabel)
	w.follow(bob, annabel)
	w.follow(carl, anna)

	names := func(as []*starling.Account) []string {
		out := []string{}
		for _, a := range as {
			out = append(out, a.Username)
		}
		return out
	}
	for _, tc := range []struct {
		query         string
		limit, offset int
		want          []string
	}{
		// The exact match first, then by followers; unapproved never.
		{"ann", 10, 0, []string{"annette", "annabel", "anna", "bob"}},
		{"anna", 10, 0, []string{"anna", "annabel", "bob"}},
		{"ANNA", 10, 0, []string{"anna", "annabel", "bob"}},
		{"Annabel L", 10, 0, []string{"annabel"}},
		{"ann", 2, 0, []string{"annette", "annabel"}},
		{"ann", 2, 2, []string{"anna", "bob"}},
		{"ann", 2, 4, []string{}},
		{"ännchen", 10, 0, []string{"zoe"}},
		{"nobody", 10, 0, []string{}},
		// Wildcards of LIKE are plain characters.
		{"under_", 10, 0, []string{"under_score"}},
		{"%", 10, 0, []string{}},
	} {
		got, err := w.s.SearchAccounts(w.ctx, tc.query, tc.limit, tc.offset)
		if err != nil {
			t.Errorf("SearchAccounts(%q): %v", tc.query, err)
			continue
		}
		equal(t, "SearchAccounts("+tc.query+")", names(got), tc.want)
	}
	got, err := w.s.SearchAccounts(w.ctx, "annette", 1, 0)
	if err != nil || len(got) != 1 {
		t.Fatalf("SearchAccounts(annette) = %v, %v", got, err)
	}
	equal(t, "found account", *got[0], *w.reload(annette))
}

func testCountAccounts(t *testing.T, w *world) {
	count := func() int64 {
		t.Helper()
		n, err := w.s.CountAccounts(w.ctx)
		w.ok(err, "CountAccounts")
		return n
	}
	if n := count(); n != 0 {
		t.Errorf("CountAccounts() = %d on an empty store", n)
	}
	w.account("a")
	w.account("b")
	pending := w.account("c", func(a *starling.Account) { a.Approved = false })
	if n := count(); n != 2 {
		t.Errorf("CountAccounts() = %d, want 2 (one awaits approval)", n)
	}
	pending.Approved = true
	w.ok(w.s.UpdateAccount(w.ctx, pending), "UpdateAccount")
	if n := count(); n != 3 {
		t.Errorf("CountAccounts() = %d after approval, want 3", n)
	}
}

func testNotFound(t *testing.T, w *world) {
	a := w.account("alice", func(a *starling.Account) { a.Email = "" })
	missing := w.id()
	ignore := func(_ any, err error) error { return err }
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"AccountByID", func() error { return ignore(w.s.AccountByID(w.ctx, missing)) }},
		{"AccountByUsername", func() error { return ignore(w.s.AccountByUsername(w.ctx, "bob")) }},
		{"AccountByEmail", func() error { return ignore(w.s.AccountByEmail(w.ctx, "bob@example.com")) }},
		{"AccountByEmail empty", func() error { return ignore(w.s.AccountByEmail(w.ctx, "")) }},
		{"AccountByUsername not UTF-8", func() error { return ignore(w.s.AccountByUsername(w.ctx, "al\xffce")) }},
		{"AccountByUsername with NUL", func() error { return ignore(w.s.AccountByUsername(w.ctx, "alice\x00")) }},
		{"AccountByEmail not UTF-8", func() error { return ignore(w.s.AccountByEmail(w.ctx, "\xff@example.com")) }},
		{"UpdateAccount", func() error {
			return w.s.UpdateAccount(w.ctx, &starling.Account{ID: missing, Username: "x", Role: starling.RoleUser,
				DefaultVisibility: starling.VisibilityPublic})
		}},
		{"AppByID", func() error { return ignore(w.s.AppByID(w.ctx, missing)) }},
		{"AppByClientID", func() error { return ignore(w.s.AppByClientID(w.ctx, "nope")) }},
		{"TokenByAccessHash", func() error { return ignore(w.s.TokenByAccessHash(w.ctx, "nope")) }},
		{"TokenByRefreshHash", func() error { return ignore(w.s.TokenByRefreshHash(w.ctx, "nope")) }},
		{"TokenByRefreshHash empty", func() error { return ignore(w.s.TokenByRefreshHash(w.ctx, "")) }},
		{"TakeAuthCode", func() error { return ignore(w.s.TakeAuthCode(w.ctx, "nope")) }},
		{"StatusByID", func() error { return ignore(w.s.StatusByID(w.ctx, missing)) }},
		{"DeleteStatus", func() error { return w.s.DeleteStatus(w.ctx, missing) }},
		{"AuthorizeFollowRequest", func() error { return w.s.AuthorizeFollowRequest(w.ctx, missing, a.ID) }},
		{"RejectFollowRequest", func() error { return w.s.RejectFollowRequest(w.ctx, missing, a.ID) }},
	} {
		wantCode(t, tc.call(), starling.ENOTFOUND, tc.name)
	}

	// Lists of nothing are empty, not errors.
	for _, tc := range []struct {
		name string
		call func() (int, error)
	}{
		{"HomeTimeline", func() (int, error) { ss, err := w.s.HomeTimeline(w.ctx, a.ID, page(20)); return len(ss), err }},
		{"HomeTimeline anonymous", func() (int, error) { ss, err := w.s.HomeTimeline(w.ctx, 0, page(20)); return len(ss), err }},
		{"PublicTimeline", func() (int, error) {
			ss, err := w.s.PublicTimeline(w.ctx, starling.PublicTimelineQuery{}, page(20))
			return len(ss), err
		}},
		{"AccountStatuses", func() (int, error) {
			ss, err := w.s.AccountStatuses(w.ctx, starling.AccountStatusesQuery{AccountID: a.ID}, page(20))
			return len(ss), err
		}},
		{"AccountStatuses of a missing account", func() (int, error) {
			ss, err := w.s.AccountStatuses(w.ctx, starling.AccountStatusesQuery{AccountID: missing}, page(20))
			return len(ss), err
		}},
		{"Ancestors", func() (int, error) { ss, err := w.s.Ancestors(w.ctx, missing, 10); return len(ss), err }},
		{"Descendants", func() (int, error) { ss, err := w.s.Descendants(w.ctx, missing, 10); return len(ss), err }},
		{"StatusesByIDs", func() (int, error) { ss, err := w.s.StatusesByIDs(w.ctx, []int64{missing}); return len(ss), err }},
		{"Followers", func() (int, error) { es, err := w.s.Followers(w.ctx, a.ID, page(20)); return len(es), err }},
		{"Following", func() (int, error) { es, err := w.s.Following(w.ctx, a.ID, page(20)); return len(es), err }},
		{"FollowRequests", func() (int, error) { es, err := w.s.FollowRequests(w.ctx, a.ID, page(20)); return len(es), err }},
		{"SearchAccounts", func() (int, error) { as, err := w.s.SearchAccounts(w.ctx, "zz", 10, 0); return len(as), err }},
		{"SearchAccounts empty", func() (int, error) { as, err := w.s.SearchAccounts(w.ctx, "", 10, 0); return len(as), err }},
		{"SearchAccounts not UTF-8", func() (int, error) { as, err := w.s.SearchAccounts(w.ctx, "a\xff", 10, 0); return len(as), err }},
	} {
		n, err := tc.call()
		if err != nil || n != 0 {
			t.Errorf("%s = %d items, %v; want none", tc.name, n, err)
		}
	}
}
