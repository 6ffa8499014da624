package storetest

import (
	"errors"
	"sync"
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
	w.ok(w.s.CreateAccountWithToken(w.ctx, a, nil), "CreateAccountWithToken")

	want := *a
	want.Fields = []starling.Field{a.Fields[0], a.Fields[1]}
	want.Fields[0].VerifiedAt = verified.UTC().Truncate(time.Millisecond)
	want.CreatedAt = created.UTC().Truncate(time.Millisecond)
	want.UpdatedAt = created.Add(time.Minute).UTC().Truncate(time.Millisecond)
	want.StatusesCount, want.FollowersCount, want.FollowingCount = 0, 0, 0
	equal(t, "account after CreateAccountWithToken", *a, want)

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
	w.ok(w.s.CreateAccountWithToken(w.ctx, b, nil), "CreateAccountWithToken(minimal)")
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
		err := w.s.CreateAccountWithToken(w.ctx, a, nil)
		if tc.taken == "" {
			if err != nil {
				t.Errorf("%s: CreateAccountWithToken: %v", tc.name, err)
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
	verifiedAt := w.tick()
	edit := func(c *starling.Account) {
		c.Username = "mallory" // ignored
		c.CreatedAt = before.CreatedAt.Add(time.Hour)
		c.LastStatusAt = time.Time{}
		c.StatusesCount, c.FollowersCount, c.FollowingCount = 100, 100, 100
		c.Email = "New@Example.com"
		c.PasswordHash = "$argon2id$new"
		c.DisplayName = "Alice B."
		c.Note, c.NoteHTML = "bio", "<p>bio</p>"
		c.Locked, c.Bot, c.Discoverable = true, true, true
		c.Fields = []starling.Field{{Name: "a", Value: "b", ValueHTML: "b", VerifiedAt: verifiedAt}}
		c.Role = starling.RoleAdmin
		c.Approved = false
		c.SignUpReason = "edited by a moderator"
		c.Locale = "de"
		c.DefaultVisibility = starling.VisibilityUnlisted
		c.DefaultSensitive = true
		c.DefaultLanguage = "fr"
	}
	got, err := w.s.UpdateAccount(w.ctx, a.ID, func(c *starling.Account) error {
		equal(t, "account UpdateAccount hands to update", *c, *before)
		edit(c)
		return nil
	})
	w.ok(err, "UpdateAccount")
	if got.UpdatedAt.IsZero() || got.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("UpdatedAt = %v after update, was %v: not set", got.UpdatedAt, before.UpdatedAt)
	}

	want := *before
	edit(&want)
	want.Username, want.CreatedAt, want.LastStatusAt = before.Username, before.CreatedAt, before.LastStatusAt
	want.StatusesCount, want.FollowersCount, want.FollowingCount = 1, 1, 0
	want.UpdatedAt = got.UpdatedAt
	equal(t, "account after UpdateAccount", *w.reload(a), want)
	if got, err := w.s.AccountByEmail(w.ctx, "new@example.com"); err != nil || got.ID != a.ID {
		t.Errorf("AccountByEmail(new address) = %v, %v", got, err)
	}
	if _, err := w.s.AccountByEmail(w.ctx, "alice@example.com"); starling.ErrorCode(err) != starling.ENOTFOUND {
		t.Errorf("AccountByEmail(old address): %v, want ENOTFOUND", err)
	}

	// Taking another account's address is refused and changes nothing.
	_, err = w.s.UpdateAccount(w.ctx, b.ID, func(c *starling.Account) error {
		c.Email, c.DisplayName = "NEW@example.com", "changed"
		return nil
	})
	wantTaken(t, err, "email", "UpdateAccount(email of another account)")
	if got := w.reload(b); got.DisplayName != "bob" {
		t.Errorf("refused update saved DisplayName %q", got.DisplayName)
	}

	// An error from update is returned as it is, and nothing is written.
	refused := errors.New("refused")
	_, err = w.s.UpdateAccount(w.ctx, b.ID, func(c *starling.Account) error {
		c.DisplayName = "changed"
		return refused
	})
	if err != refused {
		t.Errorf("UpdateAccount(update fails) = %v, want the error of update", err)
	}
	if got := w.reload(b); got.DisplayName != "bob" {
		t.Errorf("failed update saved DisplayName %q", got.DisplayName)
	}
}

// testConcurrentUpdateAccount changes different fields of one account at
// once, as `admin set-role` and a profile edit may: each update reads the
// row as the other left it, so neither undoes the other. The second update
// starts while the first is inside its transaction (and must not be
// waited for there: it waits for the first).
func testConcurrentUpdateAccount(t *testing.T, w *world) {
	a := w.account("alice")
	done := make(chan error)
	_, err := w.s.UpdateAccount(w.ctx, a.ID, func(c *starling.Account) error {
		go func() {
			_, err := w.s.UpdateAccount(w.ctx, a.ID, func(c *starling.Account) error {
				c.Role = starling.RoleAdmin
				return nil
			})
			done <- err
		}()
		c.DisplayName = "Alice"
		return nil
	})
	w.ok(err, "UpdateAccount(profile)")
	w.ok(<-done, "UpdateAccount(role)")
	if got := w.reload(a); got.Role != starling.RoleAdmin || got.DisplayName != "Alice" {
		t.Errorf("after concurrent updates: role %q, display name %q; want both changes", got.Role, got.DisplayName)
	}

	// Many at once, each setting a field of its own.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i, set := range []func(*starling.Account){
		func(c *starling.Account) { c.Role = starling.RoleModerator },
		func(c *starling.Account) { c.Note = "bio" },
		func(c *starling.Account) { c.Locked = true },
		func(c *starling.Account) { c.DefaultLanguage = "de" },
	} {
		wg.Go(func() {
			_, errs[i] = w.s.UpdateAccount(w.ctx, a.ID, func(c *starling.Account) error {
				set(c)
				return nil
			})
		})
	}
	wg.Wait()
	w.ok(errors.Join(errs...), "UpdateAccount")
	if got := w.reload(a); got.Role != starling.RoleModerator || got.Note != "bio" || !got.Locked ||
		got.DefaultLanguage != "de" || got.DisplayName != "Alice" {
		t.Errorf("after concurrent updates: %+v; want every change", got)
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
	_, err := w.s.UpdateAccount(w.ctx, pending.ID, func(a *starling.Account) error {
		a.Approved = true
		return nil
	})
	w.ok(err, "UpdateAccount")
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
			return ignore(w.s.UpdateAccount(w.ctx, missing, func(*starling.Account) error { return nil }))
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
		{"Ancestors", func() (int, error) { ss, err := w.s.Ancestors(w.ctx, 0, missing, 10); return len(ss), err }},
		{"Descendants", func() (int, error) { ss, err := w.s.Descendants(w.ctx, 0, missing, 10); return len(ss), err }},
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

// testCreateAccountWithToken checks that a sign-up's account and first
// token are written together or not at all.
func testCreateAccountWithToken(t *testing.T, w *world) {
	app := w.app("client")
	newAccount := func(username string) *starling.Account {
		a := &starling.Account{ID: w.id(), Username: username, Email: username + "@example.com",
			Role: starling.RoleUser, Approved: true, DefaultVisibility: starling.VisibilityPublic, CreatedAt: w.tick()}
		a.UpdatedAt = a.CreatedAt
		return a
	}
	newToken := func(access string) *starling.Token {
		return &starling.Token{ID: w.id(), AccessHash: access, RefreshHash: "r-" + access, AppID: app.ID,
			Scopes: "read write", CreatedAt: w.tick()}
	}

	a, tok := newAccount("alice"), newToken("a1")
	w.ok(w.s.CreateAccountWithToken(w.ctx, a, tok), "CreateAccountWithToken")
	if tok.AccountID != a.ID {
		t.Errorf("token's AccountID = %d, want the account's %d", tok.AccountID, a.ID)
	}
	got, err := w.s.TokenByAccessHash(w.ctx, "a1")
	w.ok(err, "TokenByAccessHash")
	equal(t, "token stored with the account", *got, *tok)
	w.reload(a)

	for _, tc := range []struct {
		name     string
		account  *starling.Account
		token    *starling.Token
		missing  string // the username that must not exist afterwards
		noAccess string // the access hash that must not exist afterwards
	}{
		// The account fails: the token is not stored.
		{"username taken", newAccount("ALICE"), newToken("a2"), "", "a2"},
		// The token fails: the account is not stored.
		{"token conflicts", newAccount("bob"), newToken("a1"), "bob", ""},
	} {
		if err := w.s.CreateAccountWithToken(w.ctx, tc.account, tc.token); err == nil {
			t.Errorf("%s: CreateAccountWithToken succeeded", tc.name)
		}
		if tc.missing != "" {
			_, err := w.s.AccountByUsername(w.ctx, tc.missing)
			wantCode(t, err, starling.ENOTFOUND, tc.name+": AccountByUsername")
		}
		if tc.noAccess != "" {
			_, err := w.s.TokenByAccessHash(w.ctx, tc.noAccess)
			wantCode(t, err, starling.ENOTFOUND, tc.name+": TokenByAccessHash")
		}
	}

	// Without a token only the account is inserted.
	w.ok(w.s.CreateAccountWithToken(w.ctx, newAccount("carol"), nil), "CreateAccountWithToken(no token)")
}
