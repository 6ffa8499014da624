// Package accounts is the use-case layer for people: signing up, checking
// passwords, editing profiles, finding accounts and changing roles.
package accounts

import (
	"context"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/snowflake"
	"github.com/starling-social/starling/text"
)

// Service implements account use cases on top of a starling.Store.
type Service struct {
	store     starling.Store
	ids       *snowflake.Generator
	publicURL string // without a trailing slash
	host      string // the instance's host (with port), lower case: the domain part of a local acct
	hash      HashParams
	// slots holds one token per password hash or verification running, so
	// that at most cap(slots) run at once (see hashing).
	slots chan struct{}
	// onHash, when set (by tests), is called in each slot before hashing.
	onHash func()
}

// New returns a Service. publicURL is the instance's base URL, from which
// profile links in bios and the local domain of user@domain are derived.
func New(store starling.Store, ids *snowflake.Generator, publicURL string) *Service {
	publicURL = strings.TrimSuffix(publicURL, "/")
	var host string
	if u, err := url.Parse(publicURL); err == nil {
		host = strings.ToLower(u.Host)
	}
	return &Service{store: store, ids: ids, publicURL: publicURL, host: host, hash: DefaultHashParams(),
		slots: make(chan struct{}, runtime.GOMAXPROCS(0))}
}

// SetHashParams changes the cost of new password hashes. Tests lower it
// so that each sign-up does not cost 19 MiB and two passes; call it before
// the Service is used.
func (s *Service) SetHashParams(p HashParams) { s.hash = p }

// SetHashConcurrency changes how many password hashes and verifications
// may run at once (GOMAXPROCS by default, at least 1); call it before the
// Service is used.
func (s *Service) SetHashConcurrency(n int) { s.slots = make(chan struct{}, max(n, 1)) }

// hashing runs fn, an argon2id computation, once a slot is free. Each
// computation holds its memory cost (19 MiB by default) for its duration,
// and logins are open to anyone: without a bound, a few hundred
// concurrent wrong passwords take gigabytes. More computations than
// processors would not finish sooner anyway, so the rest wait, each no
// longer than its request: when ctx ends first the answer is EUNAVAILABLE,
// and the client may try again.
func (s *Service) hashing(ctx context.Context, fn func()) error {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return starling.Errorf(starling.EUNAVAILABLE, "Server busy, try again")
	}
	defer func() { <-s.slots }()
	if s.onHash != nil {
		s.onHash()
	}
	fn()
	return nil
}

// MaxUsernameLength is the longest username, as in Mastodon.
const MaxUsernameLength = 30

// usernameRe is the alphabet of usernames: ASCII letters, digits and
// underscores, so that a name reads the same everywhere and cannot imitate
// another with look-alike characters.
var usernameRe = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// ReservedUsernames cannot be registered, whatever their case: they name
// the instance's own pages and routes, the people who run it, and
// addresses that mail systems and clients treat specially, so that nobody
// can pass as staff or shadow a URL.
var ReservedUsernames = map[string]bool{
	"about": true, "abuse": true, "account": true, "accounts": true, "admin": true,
	"administrator": true, "api": true, "apps": true, "auth": true, "contact": true,
	"directory": true, "explore": true, "favourites": true, "help": true, "home": true,
	"hostmaster": true, "info": true, "instance": true, "lists": true, "localhost": true,
	"login": true, "logout": true, "mailer_daemon": true, "mastodon": true, "media": true,
	"mod": true, "moderator": true, "moderators": true, "nobody": true, "nodeinfo": true,
	"noreply": true, "no_reply": true, "notifications": true, "null": true, "oauth": true,
	"owner": true, "postmaster": true, "privacy": true, "public": true, "root": true,
	"rules": true, "search": true, "security": true, "settings": true, "signin": true,
	"sign_in": true, "signup": true, "sign_up": true, "staff": true, "starling": true,
	"static": true, "status": true, "statuses": true, "support": true, "system": true,
	"tags": true, "terms": true, "timelines": true, "undefined": true, "users": true,
	"webmaster": true, "well_known": true, "www": true,
}

// Other limits on sign-up input.
const (
	maxEmailLength = 254 // RFC 5321's limit on a forward path
)

// MaxReasonLength is the longest sign-up reason, in characters after
// Unicode normalisation.
const MaxReasonLength = 1000

// RegisterInput is a sign-up.
type RegisterInput struct {
	Username  string
	Email     string
	Password  string
	Agreement bool
	// Locale is the person's interface language, a short BCP 47 tag: a
	// language ("en", "kmr"), optionally a script ("sr-Latn") and a region
	// ("pt-BR", "es-419"). It is checked for form only, since Starling has
	// no translated interface to choose yet, and stored in canonical case
	// with hyphens ("pt_br" becomes "pt-BR"). Empty when not given.
	Locale string
	// Reason is the applicant's note to moderators about why they want to
	// join, at most MaxReasonLength characters. It is optional even when
	// registrations need approval: Mastodon requires it only when the
	// instance asks for it (its require_invite_text setting), and Starling
	// has no such setting, so a blank reason is accepted and stored empty.
	Reason   string
	Role     starling.Role // RoleUser when empty
	Approved bool
	// SelfService is set when the person signs up through the API rather
	// than being created by an operator: an e-mail address and agreement
	// to the rules are then required.
	SelfService bool
	// Token, when not nil, is the account's first token (from
	// oauth.Service.SignUpToken): it is stored with the account in one
	// transaction, its AccountID set, so that a sign-up never leaves an
	// account behind without the token its client was waiting for.
	Token *starling.Token
}

// localeRe is the form of Locale, once underscores are hyphens: language,
// then optionally script and region. Longer tags (variants, extensions)
// name no interface anyone ships, so they are refused.
var localeRe = regexp.MustCompile(`^([A-Za-z]{2,3})(?:-([A-Za-z]{4}))?(?:-([A-Za-z]{2}|[0-9]{3}))?$`)

// canonicalLocale returns the locale in canonical case ("pt-BR",
// "zh-Hant-TW"), or false when it is not of localeRe's form.
func canonicalLocale(locale string) (string, bool) {
	m := localeRe.FindStringSubmatch(strings.ReplaceAll(locale, "_", "-"))
	if m == nil {
		return "", false
	}
	out := strings.ToLower(m[1])
	if m[2] != "" {
		out += "-" + strings.ToUpper(m[2][:1]) + strings.ToLower(m[2][1:])
	}
	if m[3] != "" {
		out += "-" + strings.ToUpper(m[3])
	}
	return out, true
}

// Register creates an account. Every invalid field is reported at once in
// one EINVALID error.
func (s *Service) Register(ctx context.Context, in RegisterInput) (*starling.Account, error) {
	var v starling.ValidationError
	s.checkUsername(&v, in.Username)
	email := strings.TrimSpace(in.Email)
	switch {
	case email == "" && in.SelfService:
		v.Add("email", starling.ErrBlank, "can't be blank")
	case email != "" && !validEmail(email):
		v.Add("email", starling.ErrInvalid, "is invalid")
	}
	checkPassword(&v, in.Password)
	if in.SelfService && !in.Agreement {
		v.Add("agreement", starling.ErrAccepted, "must be accepted")
	}
	locale := strings.TrimSpace(in.Locale)
	if locale != "" {
		var ok bool
		if locale, ok = canonicalLocale(locale); !ok {
			v.Add("locale", starling.ErrInvalid, "is not a language tag such as en or pt-BR")
		}
	}
	// NUL is dropped: no reader wants it, and PostgreSQL cannot store it.
	reason := strings.ReplaceAll(text.Normalize(strings.TrimSpace(in.Reason)), "\x00", "")
	if utf8.RuneCountInString(reason) > MaxReasonLength {
		v.Add("reason", starling.ErrTooLong, fmt.Sprintf("is too long (maximum is %d characters)", MaxReasonLength))
	}
	role := in.Role
	if role == "" {
		role = starling.RoleUser
	}
	if _, ok := starling.ParseRole(string(role)); !ok {
		v.Add("role", starling.ErrInclusion, "is not a known role")
	}
	// Whether the username or address is taken is checked here too, so
	// that it is reported together with the other problems; the store's
	// unique index still decides races.
	if err := s.checkTaken(ctx, &v, in.Username, email); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var hash string
	var hashErr error
	if err := s.hashing(ctx, func() { hash, hashErr = HashPassword(in.Password, s.hash) }); err != nil {
		return nil, err
	}
	if hashErr != nil {
		return nil, starling.Internal(hashErr, "hash password")
	}
	now := time.Now().UTC()
	a := &starling.Account{
		ID:                s.ids.Next(),
		Username:          in.Username,
		Email:             email,
		PasswordHash:      hash,
		Discoverable:      true,
		Role:              role,
		Approved:          in.Approved,
		SignUpReason:      reason,
		Locale:            locale,
		DefaultVisibility: starling.VisibilityPublic,
		CreatedAt:         now,
		UpdatedAt:         now,
	}
	if err := s.store.CreateAccountWithToken(ctx, a, in.Token); err != nil {
		return nil, err
	}
	return a, nil
}

// checkUsername adds the username's problems of form to v.
func (s *Service) checkUsername(v *starling.ValidationError, username string) {
	switch {
	case username == "":
		v.Add("username", starling.ErrBlank, "can't be blank")
	case len(username) > MaxUsernameLength:
		v.Add("username", starling.ErrTooLong, fmt.Sprintf("is too long (maximum is %d characters)", MaxUsernameLength))
	case !usernameRe.MatchString(username):
		v.Add("username", starling.ErrInvalid, "must contain only letters, numbers and underscores")
	case ReservedUsernames[strings.ToLower(username)]:
		v.Add("username", starling.ErrReserved, "is reserved")
	}
}

// checkTaken adds ERR_TAKEN for a username or e-mail address in use. Only
// well-formed values are looked up.
func (s *Service) checkTaken(ctx context.Context, v *starling.ValidationError, username, email string) error {
	if username != "" && len(username) <= MaxUsernameLength && usernameRe.MatchString(username) {
		switch _, err := s.store.AccountByUsername(ctx, username); starling.ErrorCode(err) {
		case "":
			v.Add("username", starling.ErrTaken, "is already taken")
		case starling.ENOTFOUND:
		default:
			return err
		}
	}
	if email != "" && validEmail(email) {
		switch _, err := s.store.AccountByEmail(ctx, email); starling.ErrorCode(err) {
		case "":
			v.Add("email", starling.ErrTaken, "is already taken")
		case starling.ENOTFOUND:
		default:
			return err
		}
	}
	return nil
}

// validEmail accepts a bare address (no display name) with a dotted domain.
func validEmail(email string) bool {
	if len(email) > maxEmailLength {
		return false
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email {
		return false
	}
	at := strings.LastIndexByte(email, '@')
	domain := email[at+1:]
	return at > 0 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") &&
		!strings.HasSuffix(domain, ".") && !strings.ContainsAny(email, " \t\r\n")
}

// errBadLogin is the one answer to every failed login, so that it does not
// tell which part was wrong.
func errBadLogin() error {
	return starling.Errorf(starling.EUNAUTHORIZED, "Invalid username, e-mail address or password")
}

// Authenticate checks a password for a username or an e-mail address
// (anything with an @ is taken for an address). Every mismatch is the
// same EUNAUTHORIZED error, and a login to a missing account costs the
// same argon2 work as a real one.
func (s *Service) Authenticate(ctx context.Context, login, password string) (*starling.Account, error) {
	a, err := s.findLogin(ctx, strings.TrimSpace(login))
	if starling.ErrorCode(err) == starling.ENOTFOUND || (err == nil && a.PasswordHash == "") ||
		len(password) > 4*MaxPasswordLength {
		if err := s.hashing(ctx, func() { burnHash(password, s.hash) }); err != nil {
			return nil, err
		}
		return nil, errBadLogin()
	}
	if err != nil {
		return nil, err
	}
	var match bool
	var verifyErr error
	if err := s.hashing(ctx, func() { match, verifyErr = verifyPassword(password, a.PasswordHash) }); err != nil {
		return nil, err
	}
	if verifyErr != nil {
		return nil, starling.Internal(fmt.Errorf("account %d: %w", a.ID, verifyErr), "verify password")
	}
	if !match {
		return nil, errBadLogin()
	}
	return a, nil
}

// findLogin returns the account a login names; ENOTFOUND for one that
// cannot name any.
func (s *Service) findLogin(ctx context.Context, login string) (*starling.Account, error) {
	switch {
	case login == "" || len(login) > maxEmailLength:
		return nil, starling.Errorf(starling.ENOTFOUND, "Record not found")
	case strings.Contains(login, "@"):
		return s.store.AccountByEmail(ctx, login)
	}
	return s.store.AccountByUsername(ctx, login)
}

// Get returns the account with that id, whether or not others may see it
// yet: for the account itself and for moderators.
func (s *Service) Get(ctx context.Context, id int64) (*starling.Account, error) {
	return s.store.AccountByID(ctx, id)
}

// ByUsername returns the account with that username, whatever its case,
// whether or not others may see it yet (for operators).
func (s *Service) ByUsername(ctx context.Context, username string) (*starling.Account, error) {
	return s.store.AccountByUsername(ctx, username)
}

// Visible returns the account with that id if others may see it
// (starling.Account.Visible); ENOTFOUND alike when it is missing and when
// it awaits approval, so that a pending sign-up is not revealed. Every
// path that shows one account to another person asks this (or
// VisibleByUsername, or Account.Visible on accounts read in bulk).
func (s *Service) Visible(ctx context.Context, id int64) (*starling.Account, error) {
	return visible(s.store.AccountByID(ctx, id))
}

// VisibleByUsername is Visible for a username, whatever its case.
func (s *Service) VisibleByUsername(ctx context.Context, username string) (*starling.Account, error) {
	return visible(s.store.AccountByUsername(ctx, username))
}

func visible(a *starling.Account, err error) (*starling.Account, error) {
	if err != nil {
		return nil, err
	}
	if !a.Visible() {
		return nil, starling.Errorf(starling.ENOTFOUND, "Record not found")
	}
	return a, nil
}

// Lookup finds a visible account by its acct: "user", "@user", or
// "user@this-host". Accounts on other hosts are not known (ENOTFOUND).
func (s *Service) Lookup(ctx context.Context, acct string) (*starling.Account, error) {
	username, ok := s.localUsername(acct)
	if !ok || !usernameRe.MatchString(username) || len(username) > MaxUsernameLength {
		return nil, starling.Errorf(starling.ENOTFOUND, "Record not found")
	}
	return s.VisibleByUsername(ctx, username)
}

// localUsername strips a leading @ and this instance's domain from acct;
// false when acct names another domain.
func (s *Service) localUsername(acct string) (string, bool) {
	acct = strings.TrimPrefix(strings.TrimSpace(acct), "@")
	user, domain, hasDomain := strings.Cut(acct, "@")
	if hasDomain && !strings.EqualFold(domain, s.host) {
		return "", false
	}
	return user, true
}

// Search finds approved accounts whose username or display name starts
// with query. A query may be written as an acct (@user, user@this-host);
// one naming another domain finds nothing.
func (s *Service) Search(ctx context.Context, query string, limit, offset int) ([]*starling.Account, error) {
	q, ok := s.localUsername(query)
	if !ok || q == "" {
		return []*starling.Account{}, nil
	}
	return s.store.SearchAccounts(ctx, q, limit, offset)
}

// SetRole changes what an account may do beyond posting. Like every
// account change it goes through the store's UpdateAccount, which changes
// the row it has locked, so a profile edit at the same moment cannot undo
// it (nor it the edit).
func (s *Service) SetRole(ctx context.Context, username string, role starling.Role) error {
	if _, ok := starling.ParseRole(string(role)); !ok {
		return starling.Errorf(starling.EBADREQUEST, "Unknown role %q (user, moderator or admin)", role)
	}
	return s.update(ctx, username, func(a *starling.Account) { a.Role = role })
}

// Approve lets an account that signed up while registrations needed
// approval use its tokens. Approving twice is not an error.
func (s *Service) Approve(ctx context.Context, username string) error {
	return s.update(ctx, username, func(a *starling.Account) { a.Approved = true })
}

// update applies change to the account with that username. Usernames never
// change, so the id read first still names the same account.
func (s *Service) update(ctx context.Context, username string, change func(*starling.Account)) error {
	a, err := s.store.AccountByUsername(ctx, username)
	if err != nil {
		return err
	}
	_, err = s.store.UpdateAccount(ctx, a.ID, func(a *starling.Account) error {
		change(a)
		return nil
	})
	return err
}
