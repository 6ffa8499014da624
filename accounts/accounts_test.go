package accounts

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/sqlite/sqlitetest"
)

// cheap makes argon2id fast enough to sign up many accounts per test.
var cheap = HashParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func newService(t *testing.T) *Service {
	t.Helper()
	db, ids := sqlitetest.Open(t), sqlitetest.IDs(t)
	s := New(db, ids, "https://starling.test/")
	s.SetHashParams(cheap)
	return s
}

func mustRegister(t *testing.T, s *Service, username string) *starling.Account {
	t.Helper()
	a, err := s.Register(context.Background(), RegisterInput{Username: username, Email: username + "@example.com",
		Password: "password123", Approved: true})
	if err != nil {
		t.Fatalf("register %s: %v", username, err)
	}
	return a
}

// details returns field → codes of a validation error.
func details(t *testing.T, err error) map[string][]string {
	t.Helper()
	var e *starling.Error
	if !errors.As(err, &e) || e.Code != starling.EINVALID {
		t.Fatalf("error %v, want EINVALID", err)
	}
	out := map[string][]string{}
	for f, fes := range e.Details {
		for _, fe := range fes {
			out[f] = append(out[f], fe.Error)
		}
	}
	return out
}

func TestRegisterValidation(t *testing.T) {
	s := newService(t)
	mustRegister(t, s, "Taken_Name")
	valid := RegisterInput{Username: "newbie", Email: "newbie@example.com", Password: "password123",
		Agreement: true, SelfService: true}
	tests := []struct {
		name   string
		change func(*RegisterInput)
		want   map[string][]string
	}{
		{"blank username", func(in *RegisterInput) { in.Username = "" }, map[string][]string{"username": {starling.ErrBlank}}},
		{"31 characters", func(in *RegisterInput) { in.Username = strings.Repeat("a", 31) }, map[string][]string{"username": {starling.ErrTooLong}}},
		{"dot", func(in *RegisterInput) { in.Username = "a.b" }, map[string][]string{"username": {starling.ErrInvalid}}},
		{"non-ASCII letter", func(in *RegisterInput) { in.Username = "zoë" }, map[string][]string{"username": {starling.ErrInvalid}}},
		{"reserved", func(in *RegisterInput) { in.Username = "admin" }, map[string][]string{"username": {starling.ErrReserved}}},
		{"reserved in capitals", func(in *RegisterInput) { in.Username = "Well_Known" }, map[string][]string{"username": {starling.ErrReserved}}},
		{"taken in another case", func(in *RegisterInput) { in.Username = "taken_name" }, map[string][]string{"username": {starling.ErrTaken}}},
		{"e-mail taken in another case", func(in *RegisterInput) { in.Email = "TAKEN_NAME@example.com" }, map[string][]string{"email": {starling.ErrTaken}}},
		{"blank e-mail", func(in *RegisterInput) { in.Email = " " }, map[string][]string{"email": {starling.ErrBlank}}},
		{"e-mail without domain", func(in *RegisterInput) { in.Email = "newbie@" }, map[string][]string{"email": {starling.ErrInvalid}}},
		{"e-mail with display name", func(in *RegisterInput) { in.Email = "N <newbie@example.com>" }, map[string][]string{"email": {starling.ErrInvalid}}},
		{"e-mail without dot", func(in *RegisterInput) { in.Email = "newbie@localhost" }, map[string][]string{"email": {starling.ErrInvalid}}},
		{"short password", func(in *RegisterInput) { in.Password = "1234567" }, map[string][]string{"password": {starling.ErrTooShort}}},
		{"long password", func(in *RegisterInput) { in.Password = strings.Repeat("p", MaxPasswordLength+1) }, map[string][]string{"password": {starling.ErrTooLong}}},
		{"blank password", func(in *RegisterInput) { in.Password = "" }, map[string][]string{"password": {starling.ErrBlank}}},
		{"no agreement", func(in *RegisterInput) { in.Agreement = false }, map[string][]string{"agreement": {starling.ErrAccepted}}},
		{"bad locale", func(in *RegisterInput) { in.Locale = "not a locale" }, map[string][]string{"locale": {starling.ErrInvalid}}},
		{"locale with a variant", func(in *RegisterInput) { in.Locale = "de-CH-1901" }, map[string][]string{"locale": {starling.ErrInvalid}}},
		{"locale too long", func(in *RegisterInput) { in.Locale = "english" }, map[string][]string{"locale": {starling.ErrInvalid}}},
		{"long reason", func(in *RegisterInput) { in.Reason = strings.Repeat("r", 1001) }, map[string][]string{"reason": {starling.ErrTooLong}}},
		{"long reason in letters beyond ASCII", func(in *RegisterInput) { in.Reason = strings.Repeat("é", 1001) }, map[string][]string{"reason": {starling.ErrTooLong}}},
		{"unknown role", func(in *RegisterInput) { in.Role = "king" }, map[string][]string{"role": {starling.ErrInclusion}}},
		{"everything at once", func(in *RegisterInput) { *in = RegisterInput{SelfService: true} }, map[string][]string{
			"username": {starling.ErrBlank}, "email": {starling.ErrBlank}, "password": {starling.ErrBlank},
			"agreement": {starling.ErrAccepted}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid
			tt.change(&in)
			_, err := s.Register(context.Background(), in)
			got := details(t, err)
			if len(got) != len(tt.want) {
				t.Fatalf("details %v, want %v", got, tt.want)
			}
			for f, codes := range tt.want {
				if strings.Join(got[f], ",") != strings.Join(codes, ",") {
					t.Errorf("%s: %v, want %v", f, got[f], codes)
				}
			}
		})
	}
	// None of the failures wrote anything.
	if _, err := s.ByUsername(context.Background(), "newbie"); starling.ErrorCode(err) != starling.ENOTFOUND {
		t.Fatalf("newbie exists after failed sign-ups: %v", err)
	}
}

func TestRegisterDefaults(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	tests := []struct {
		name string
		in   RegisterInput
		role starling.Role
	}{
		{"operator-made without e-mail or agreement", RegisterInput{Username: "op_made", Password: "password123", Approved: true}, starling.RoleUser},
		{"self-service", RegisterInput{Username: "self", Email: "self@example.com", Password: "password123", Agreement: true,
			SelfService: true, Locale: "pt-BR"}, starling.RoleUser},
		{"admin", RegisterInput{Username: "boss", Password: "password123", Role: starling.RoleAdmin}, starling.RoleAdmin},
		{"longest name", RegisterInput{Username: strings.Repeat("x", 30), Password: "password123"}, starling.RoleUser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := s.Register(ctx, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Get(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Role != tt.role || got.Approved != tt.in.Approved || got.DefaultVisibility != starling.VisibilityPublic ||
				got.Username != tt.in.Username {
				t.Fatalf("stored %+v", got)
			}
			if !regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(got.PasswordHash) {
				t.Fatalf("password hash %q is not a PHC argon2id string", got.PasswordHash)
			}
		})
	}
}

// TestRegisterReasonAndLocale checks what Register stores of the sign-up
// reason and locale.
func TestRegisterReasonAndLocale(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	tests := []struct {
		name           string
		reason, locale string
		wantReason     string
		wantLocale     string
	}{
		{"both", "  I band birds.\n\nLet me in!  ", "pt-BR", "I band birds.\n\nLet me in!", "pt-BR"},
		{"a blank reason while approval is pending", " \t", "", "", ""},
		{"locale in other case with underscore", "", "PT_br", "", "pt-BR"},
		{"locale with script and region", "", "zh-hant-tw", "", "zh-Hant-TW"},
		{"three-letter language, numeric region", "", "kmr", "", "kmr"},
		{"numeric region", "", "es-419", "", "es-419"},
		{"decomposed letters are composed, NUL dropped", "cafe\u0301\x00!", "", "café!", ""},
		{"the longest reason", strings.Repeat("é", MaxReasonLength), "en", strings.Repeat("é", MaxReasonLength), "en"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("applicant%d", i)
			a, err := s.Register(ctx, RegisterInput{Username: name, Email: name + "@example.com", Password: "password123",
				Agreement: true, SelfService: true, Reason: tt.reason, Locale: tt.locale})
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Get(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Approved || got.SignUpReason != tt.wantReason || got.Locale != tt.wantLocale ||
				a.SignUpReason != tt.wantReason || a.Locale != tt.wantLocale {
				t.Fatalf("stored reason %q, locale %q (returned %q, %q); want %q, %q",
					got.SignUpReason, got.Locale, a.SignUpReason, a.Locale, tt.wantReason, tt.wantLocale)
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	alice := mustRegister(t, s, "Alice")
	tests := []struct {
		name, login, password string
		ok                    bool
	}{
		{"username", "Alice", "password123", true},
		{"username in another case", "alice", "password123", true},
		{"e-mail", "alice@example.com", "password123", true},
		{"e-mail in another case with spaces", " ALICE@example.com ", "password123", true},
		{"wrong password", "alice", "password124", false},
		{"empty password", "alice", "", false},
		{"unknown username", "bob", "password123", false},
		{"unknown e-mail", "bob@example.com", "password123", false},
		{"empty login", "", "password123", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := s.Authenticate(ctx, tt.login, tt.password)
			if tt.ok {
				if err != nil || a.ID != alice.ID {
					t.Fatalf("got %v, %v", a, err)
				}
				return
			}
			if starling.ErrorCode(err) != starling.EUNAUTHORIZED || a != nil {
				t.Fatalf("got %v, %v; want EUNAUTHORIZED", a, err)
			}
			if msg := starling.ErrorMessage(err); msg != "Invalid username, e-mail address or password" {
				t.Fatalf("message %q gives away which part was wrong", msg)
			}
		})
	}
}

func TestVerifyPassword(t *testing.T) {
	hash, err := HashPassword("s3cret-pass", cheap)
	if err != nil {
		t.Fatal(err)
	}
	// The hash of a different cost still verifies: parameters come from the string.
	costly, err := HashPassword("s3cret-pass", HashParams{Memory: 128, Time: 2, Threads: 2, SaltLen: 8, KeyLen: 16})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, password, hash string
		match                bool
		bad                  bool
	}{
		{"right", "s3cret-pass", hash, true, false},
		{"wrong", "s3cret-pasS", hash, false, false},
		{"other parameters", "s3cret-pass", costly, true, false},
		{"empty", "s3cret-pass", "", false, true},
		{"bcrypt", "s3cret-pass", "$2a$10$abcdefghijklmnopqrstuu", false, true},
		{"argon2i", "s3cret-pass", strings.Replace(hash, "argon2id", "argon2i", 1), false, true},
		{"other version", "s3cret-pass", strings.Replace(hash, "v=19", "v=16", 1), false, true},
		{"huge memory", "s3cret-pass", strings.Replace(hash, "m=64", "m=99999999", 1), false, true},
		{"bad salt", "s3cret-pass", strings.Replace(hash, "p=1$", "p=1$!!", 1), false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			match, err := verifyPassword(tt.password, tt.hash)
			if match != tt.match || (err != nil) != tt.bad {
				t.Fatalf("match %v, err %v", match, err)
			}
		})
	}
	if again, _ := HashPassword("s3cret-pass", cheap); again == hash {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
}

func TestUpdateProfile(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	a := mustRegister(t, s, "carol")
	str := func(v string) *string { return &v }
	yes := true
	vis := func(v starling.Visibility) *starling.Visibility { return &v }
	fields := func(fs ...starling.Field) *[]starling.Field { return &fs }

	t.Run("partial update keeps the rest", func(t *testing.T) {
		if _, err := s.UpdateProfile(ctx, a.ID, ProfileUpdate{DisplayName: str("Carol"), Note: str("Hello"),
			Fields: fields(starling.Field{Name: "Site", Value: "https://carol.example"})}); err != nil {
			t.Fatal(err)
		}
		got, err := s.UpdateProfile(ctx, a.ID, ProfileUpdate{Locked: &yes, Privacy: vis(starling.VisibilityPrivate),
			Language: str("DE"), Sensitive: &yes})
		if err != nil {
			t.Fatal(err)
		}
		if got.DisplayName != "Carol" || got.Note != "Hello" || got.NoteHTML != "<p>Hello</p>" || len(got.Fields) != 1 ||
			!got.Locked || got.DefaultVisibility != starling.VisibilityPrivate || got.DefaultLanguage != "de" || !got.DefaultSensitive {
			t.Fatalf("%+v", got)
		}
		stored, _ := s.Get(ctx, a.ID)
		if stored.DisplayName != "Carol" || !stored.Locked || stored.DefaultLanguage != "de" {
			t.Fatalf("stored %+v", stored)
		}
	})
	t.Run("fields are normalised and empty rows dropped", func(t *testing.T) {
		got, err := s.UpdateProfile(ctx, a.ID, ProfileUpdate{Fields: fields(
			starling.Field{Name: " Pronouns\n", Value: "she /\n her"}, starling.Field{}, starling.Field{Name: "<b>", Value: "a & b"})})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Fields) != 2 || got.Fields[0].Name != "Pronouns" || got.Fields[0].Value != "she / her" ||
			got.Fields[1].ValueHTML != "a &amp; b" {
			t.Fatalf("%+v", got.Fields)
		}
	})
	t.Run("mentions link existing accounts only", func(t *testing.T) {
		mustRegister(t, s, "Bob")
		got, err := s.UpdateProfile(ctx, a.ID, ProfileUpdate{Note: str("hi @bob and @ghost"),
			Fields: fields(starling.Field{Name: "Partner", Value: "@BOB"})})
		if err != nil {
			t.Fatal(err)
		}
		for _, html := range []string{got.NoteHTML, got.Fields[0].ValueHTML} {
			if !strings.Contains(html, `href="https://starling.test/@Bob"`) || strings.Contains(html, "/@ghost") {
				t.Errorf("rendered %q", html)
			}
		}
		if strings.HasPrefix(got.Fields[0].ValueHTML, "<p>") {
			t.Errorf("field value wrapped in a paragraph: %q", got.Fields[0].ValueHTML)
		}
	})
	t.Run("clearing", func(t *testing.T) {
		got, err := s.UpdateProfile(ctx, a.ID, ProfileUpdate{Note: str(""), Fields: fields(), Language: str("")})
		if err != nil {
			t.Fatal(err)
		}
		if got.Note != "" || got.NoteHTML != "" || len(got.Fields) != 0 || got.DefaultLanguage != "" {
			t.Fatalf("%+v", got)
		}
	})

	four := make([]starling.Field, 4)
	for i := range four {
		four[i] = starling.Field{Name: "n", Value: "v"}
	}
	invalid := []struct {
		name  string
		u     ProfileUpdate
		field string
		code  string
	}{
		{"display name of 31", ProfileUpdate{DisplayName: str(strings.Repeat("é", 31))}, "display_name", starling.ErrTooLong},
		{"note of 501", ProfileUpdate{Note: str(strings.Repeat("n", 501))}, "note", starling.ErrTooLong},
		{"five fields", ProfileUpdate{Fields: fields(append(four, starling.Field{Name: "5", Value: "5"})...)}, "fields_attributes", starling.ErrTooLong},
		{"field name of 256", ProfileUpdate{Fields: fields(starling.Field{Name: strings.Repeat("n", 256), Value: "v"})}, "fields_attributes[0][name]", starling.ErrTooLong},
		{"field value of 256", ProfileUpdate{Fields: fields(starling.Field{Name: "n", Value: strings.Repeat("v", 256)})}, "fields_attributes[0][value]", starling.ErrTooLong},
		{"value without name", ProfileUpdate{Fields: fields(starling.Field{Value: "v"})}, "fields_attributes[0][name]", starling.ErrBlank},
		{"direct by default", ProfileUpdate{Privacy: vis(starling.VisibilityDirect)}, "source[privacy]", starling.ErrInclusion},
		{"unknown privacy", ProfileUpdate{Privacy: vis("secret")}, "source[privacy]", starling.ErrInclusion},
		{"three-letter language", ProfileUpdate{Language: str("deu")}, "source[language]", starling.ErrInclusion},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := s.Get(ctx, a.ID)
			_, err := s.UpdateProfile(ctx, a.ID, tt.u)
			got := details(t, err)
			if len(got) != 1 || len(got[tt.field]) != 1 || got[tt.field][0] != tt.code {
				t.Fatalf("details %v, want %s %s", got, tt.field, tt.code)
			}
			after, _ := s.Get(ctx, a.ID)
			if !after.UpdatedAt.Equal(before.UpdatedAt) {
				t.Fatal("a failed update wrote")
			}
		})
	}
	t.Run("limits are inclusive", func(t *testing.T) {
		_, err := s.UpdateProfile(ctx, a.ID, ProfileUpdate{DisplayName: str(strings.Repeat("é", 30)),
			Note: str(strings.Repeat("n", 500)), Fields: fields(four...)})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("missing account", func(t *testing.T) {
		if _, err := s.UpdateProfile(ctx, 42, ProfileUpdate{Note: str("x")}); starling.ErrorCode(err) != starling.ENOTFOUND {
			t.Fatalf("err %v", err)
		}
	})
}

func TestLinksFor(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	mustRegister(t, s, "Dave")
	if _, err := s.Register(ctx, RegisterInput{Username: "pending", Password: "password123"}); err != nil {
		t.Fatal(err)
	}
	links, err := s.linksFor(ctx, "hi @dave and @nobody", "", "@PENDING #go")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		username string
		href     string
		ok       bool
	}{
		{"dave", "https://starling.test/@Dave", true},
		{"DAVE", "https://starling.test/@Dave", true},
		{"nobody", "", false},
		{"pending", "", false}, // awaiting approval
	}
	for _, tt := range tests {
		if href, ok := links.Mention(tt.username); href != tt.href || ok != tt.ok {
			t.Errorf("Mention(%q) = %q, %v; want %q, %v", tt.username, href, ok, tt.href, tt.ok)
		}
	}
	if got := links.Hashtag("café"); got != "https://starling.test/tags/caf%C3%A9" {
		t.Errorf("Hashtag: %q", got)
	}
	// No mentions, no query: the zero-mention case must not touch the store.
	if _, err := s.linksFor(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestLookupAndSearch(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	erin := mustRegister(t, s, "erin")
	mustRegister(t, s, "erik")
	lookups := []struct {
		acct string
		ok   bool
	}{
		{"erin", true}, {"@erin", true}, {"ERIN", true}, {"erin@starling.test", true}, {"@erin@STARLING.test", true},
		{"erin@elsewhere.example", false}, {"nobody", false}, {"", false}, {"er in", false}, {"@", false},
	}
	for _, tt := range lookups {
		a, err := s.Lookup(ctx, tt.acct)
		if tt.ok && (err != nil || a.ID != erin.ID) {
			t.Errorf("Lookup(%q) = %v, %v", tt.acct, a, err)
		}
		if !tt.ok && starling.ErrorCode(err) != starling.ENOTFOUND {
			t.Errorf("Lookup(%q): err %v, want ENOTFOUND", tt.acct, err)
		}
	}
	searches := []struct {
		q    string
		want []string
	}{
		{"eri", []string{"erik", "erin"}},
		{"@erin", []string{"erin"}},
		{"erin@starling.test", []string{"erin"}},
		{"erin@elsewhere.example", nil},
		{"zed", nil},
	}
	for _, tt := range searches {
		got, err := s.Search(ctx, tt.q, 40, 0)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, a := range got {
			names = append(names, a.Username)
		}
		slices.Sort(names)
		if strings.Join(names, ",") != strings.Join(tt.want, ",") {
			t.Errorf("Search(%q) = %v, want %v", tt.q, names, tt.want)
		}
	}
}

func TestRolesAndApproval(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	if _, err := s.Register(ctx, RegisterInput{Username: "frank", Password: "password123"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Approve(ctx, "FRANK"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRole(ctx, "frank", starling.RoleModerator); err != nil {
		t.Fatal(err)
	}
	a, _ := s.ByUsername(ctx, "frank")
	if !a.Approved || a.Role != starling.RoleModerator {
		t.Fatalf("%+v", a)
	}
	if err := s.Approve(ctx, "frank"); err != nil {
		t.Fatalf("approving twice: %v", err)
	}
	if err := s.SetRole(ctx, "frank", "king"); starling.ErrorCode(err) != starling.EBADREQUEST {
		t.Fatalf("unknown role: %v", err)
	}
	if err := s.Approve(ctx, "nobody"); starling.ErrorCode(err) != starling.ENOTFOUND {
		t.Fatalf("approve nobody: %v", err)
	}
	if err := s.SetRole(ctx, "nobody", starling.RoleAdmin); starling.ErrorCode(err) != starling.ENOTFOUND {
		t.Fatalf("promote nobody: %v", err)
	}
}

// TestHashConcurrency checks that no more password hashes run at once than
// the Service allows, whichever path asks (sign-up, login, the dummy hash
// of an unknown login), and that a request whose context ends while it
// waits is told the server is busy.
func TestHashConcurrency(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	mustRegister(t, s, "alice")
	const slots = 2
	s.SetHashConcurrency(slots)

	var (
		mu      sync.Mutex
		inside  int
		most    int
		entered = make(chan struct{}, 16)
		release = make(chan struct{})
	)
	s.onHash = func() {
		mu.Lock()
		inside++
		most = max(most, inside)
		mu.Unlock()
		entered <- struct{}{}
		<-release
		mu.Lock()
		inside--
		mu.Unlock()
	}
	calls := []func() error{
		func() error { _, err := s.Authenticate(ctx, "alice", "password123"); return err },
		func() error { _, err := s.Authenticate(ctx, "alice", "password123"); return err },
		func() error {
			_, err := s.Authenticate(ctx, "alice", "wrong password")
			return wantCode(err, starling.EUNAUTHORIZED)
		},
		func() error {
			_, err := s.Authenticate(ctx, "nobody", "password123")
			return wantCode(err, starling.EUNAUTHORIZED)
		},
		func() error {
			_, err := s.Register(ctx, RegisterInput{Username: "bob", Password: "password123", Approved: true})
			return err
		},
		func() error {
			_, err := s.Register(ctx, RegisterInput{Username: "carol", Password: "password123", Approved: true})
			return err
		},
	}
	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	for i, call := range calls {
		wg.Go(func() { errs[i] = call() })
	}
	// Once the slots are taken, a request whose context has ended does
	// not wait for one.
	for range slots {
		<-entered
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	err := s.hashing(cancelled, func() { t.Error("hashed without a free slot") })
	if starling.ErrorCode(err) != starling.EUNAVAILABLE || starling.ErrorMessage(err) != "Server busy, try again" {
		t.Errorf("waiting with an ended context: %v, want EUNAVAILABLE", err)
	}
	close(release)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if most != slots {
		t.Errorf("%d hashes ran at once, want at most (and, with %d callers, exactly) %d", most, len(calls), slots)
	}
}

// wantCode returns nil when err has the code, else an error saying so.
func wantCode(err error, code string) error {
	if starling.ErrorCode(err) != code {
		return fmt.Errorf("error %v, want %s", err, code)
	}
	return nil
}

// TestConcurrentRoleAndProfile checks that `admin set-role` and a profile
// edit at the same moment both take effect.
func TestConcurrentRoleAndProfile(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	a := mustRegister(t, s, "dave")
	name := "Dave"
	for _, role := range []starling.Role{starling.RoleAdmin, starling.RoleModerator, starling.RoleUser} {
		name += "!"
		var wg sync.WaitGroup
		var roleErr, profileErr error
		wg.Go(func() { roleErr = s.SetRole(ctx, "dave", role) })
		wg.Go(func() { _, profileErr = s.UpdateProfile(ctx, a.ID, ProfileUpdate{DisplayName: &name}) })
		wg.Wait()
		if err := errors.Join(roleErr, profileErr); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Role != role || got.DisplayName != name {
			t.Fatalf("role %q, display name %q; want %q and %q", got.Role, got.DisplayName, role, name)
		}
	}
}

// TestRegisterWithToken checks that a sign-up's account and token are
// stored together: when the token cannot be stored the account is not
// either, so the sign-up can be retried under the same username.
func TestRegisterWithToken(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	token := func(access string) *starling.Token {
		return &starling.Token{ID: s.ids.Next(), AccessHash: access, Scopes: "read"}
	}
	in := RegisterInput{Username: "erin", Email: "erin@example.com", Password: "password123", Approved: true}
	first := in
	first.Username, first.Email, first.Token = "first", "first@example.com", token("taken")
	a, err := s.Register(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if first.Token.AccountID != a.ID {
		t.Fatalf("token's AccountID %d, want %d", first.Token.AccountID, a.ID)
	}

	in.Token = token("taken") // its insert fails
	if _, err := s.Register(ctx, in); err == nil {
		t.Fatal("sign-up with a token that cannot be stored succeeded")
	}
	if _, err := s.ByUsername(ctx, "erin"); starling.ErrorCode(err) != starling.ENOTFOUND {
		t.Fatalf("account left behind by the failed sign-up: %v", err)
	}
	in.Token = token("fresh")
	if _, err := s.Register(ctx, in); err != nil {
		t.Fatalf("retried sign-up: %v", err)
	}
}

// TestVisible checks the one rule for showing an account to others: an
// account awaiting approval is missing for them, and only for them.
func TestVisible(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	pending, err := s.Register(ctx, RegisterInput{Username: "gina", Password: "password123"})
	if err != nil {
		t.Fatal(err)
	}
	lookups := []struct {
		name string
		get  func() (*starling.Account, error)
	}{
		{"Visible", func() (*starling.Account, error) { return s.Visible(ctx, pending.ID) }},
		{"VisibleByUsername", func() (*starling.Account, error) { return s.VisibleByUsername(ctx, "GINA") }},
		{"Lookup", func() (*starling.Account, error) { return s.Lookup(ctx, "@gina") }},
	}
	for _, l := range lookups {
		if _, err := l.get(); starling.ErrorCode(err) != starling.ENOTFOUND {
			t.Errorf("%s of an account awaiting approval: %v, want ENOTFOUND", l.name, err)
		}
	}
	if _, err := s.Get(ctx, pending.ID); err != nil {
		t.Errorf("Get of an account awaiting approval, for itself: %v", err)
	}
	if _, err := s.Visible(ctx, 12345); starling.ErrorCode(err) != starling.ENOTFOUND {
		t.Errorf("Visible of a missing account: %v", err)
	}
	if err := s.Approve(ctx, "gina"); err != nil {
		t.Fatal(err)
	}
	for _, l := range lookups {
		if a, err := l.get(); err != nil || a.ID != pending.ID {
			t.Errorf("%s once approved: %v, %v", l.name, a, err)
		}
	}
}
