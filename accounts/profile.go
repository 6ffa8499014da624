package accounts

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/text"
)

// Profile limits, in characters after Unicode normalisation.
const (
	MaxDisplayNameLength = 30
	MaxNoteLength        = 500
	MaxFields            = 4
	MaxFieldNameLength   = 255
	MaxFieldValueLength  = 255
)

// ProfileUpdate is a partial profile edit: nil fields stay as they are.
type ProfileUpdate struct {
	DisplayName  *string
	Note         *string
	Locked       *bool
	Bot          *bool
	Discoverable *bool
	// Fields replaces the whole metadata table; rows with neither a name
	// nor a value are dropped.
	Fields *[]starling.Field
	// Posting defaults.
	Privacy   *starling.Visibility
	Sensitive *bool
	Language  *string // ISO 639-1, or "" for none
}

// UpdateProfile applies u to the account and saves it, changing only the
// fields u gives: the store's UpdateAccount changes the row it has locked,
// so a concurrent change of other fields (a role, an approval) is kept.
// The bio and the field values given are rendered to HTML here, once,
// with mentions linked to the accounts that exist now; those not given
// keep the HTML they were saved with.
func (s *Service) UpdateProfile(ctx context.Context, accountID int64, u ProfileUpdate) (*starling.Account, error) {
	var v starling.ValidationError
	var displayName, note, language string
	if u.DisplayName != nil {
		displayName = text.Normalize(strings.TrimSpace(*u.DisplayName))
		checkLength(&v, "display_name", displayName, MaxDisplayNameLength)
	}
	if u.Note != nil {
		note = text.Normalize(strings.TrimSpace(*u.Note))
		checkLength(&v, "note", note, MaxNoteLength)
	}
	var fields []starling.Field
	if u.Fields != nil {
		fields = checkFields(&v, *u.Fields)
	}
	if u.Privacy != nil {
		switch *u.Privacy {
		case starling.VisibilityPublic, starling.VisibilityUnlisted, starling.VisibilityPrivate:
		default:
			v.Add("source[privacy]", starling.ErrInclusion, "must be public, unlisted or private")
		}
	}
	if u.Language != nil {
		language = strings.ToLower(strings.TrimSpace(*u.Language))
		if language != "" && !starling.ValidLanguage(language) {
			v.Add("source[language]", starling.ErrInclusion, "must be an ISO 639-1 language code")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}

	// Mentions are looked up before the transaction, which must not call
	// the store.
	texts := []string{note}
	for _, f := range fields {
		texts = append(texts, f.Value)
	}
	links, err := s.linksFor(ctx, texts...)
	if err != nil {
		return nil, err
	}
	for i := range fields {
		// A field value is one line shown in a table cell, so it goes
		// without the paragraph that Render wraps around text.
		html := text.Render(fields[i].Value, links)
		fields[i].ValueHTML = strings.TrimSuffix(strings.TrimPrefix(html, "<p>"), "</p>")
	}
	return s.store.UpdateAccount(ctx, accountID, func(a *starling.Account) error {
		if u.DisplayName != nil {
			a.DisplayName = displayName
		}
		if u.Note != nil {
			a.Note, a.NoteHTML = note, text.Render(note, links)
		}
		if u.Fields != nil {
			a.Fields = fields
		}
		setIf(&a.Locked, u.Locked)
		setIf(&a.Bot, u.Bot)
		setIf(&a.Discoverable, u.Discoverable)
		setIf(&a.DefaultVisibility, u.Privacy)
		setIf(&a.DefaultSensitive, u.Sensitive)
		if u.Language != nil {
			a.DefaultLanguage = language
		}
		return nil
	})
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func checkLength(v *starling.ValidationError, field, s string, maxLen int) {
	if utf8.RuneCountInString(s) > maxLen {
		v.Add(field, starling.ErrTooLong, fmt.Sprintf("is too long (maximum is %d characters)", maxLen))
	}
}

// checkFields validates the metadata rows and returns them normalised,
// without the empty ones.
func checkFields(v *starling.ValidationError, in []starling.Field) []starling.Field {
	out := make([]starling.Field, 0, len(in))
	for _, f := range in {
		name := text.Normalize(oneLine(f.Name))
		value := text.Normalize(oneLine(f.Value))
		if name == "" && value == "" {
			continue
		}
		out = append(out, starling.Field{Name: name, Value: value})
	}
	if len(out) > MaxFields {
		v.Add("fields_attributes", starling.ErrTooLong, fmt.Sprintf("has too many fields (maximum is %d)", MaxFields))
		return nil
	}
	for i, f := range out {
		key := fmt.Sprintf("fields_attributes[%d]", i)
		if f.Name == "" {
			v.Add(key+"[name]", starling.ErrBlank, "can't be blank")
		}
		checkLength(v, key+"[name]", f.Name, MaxFieldNameLength)
		checkLength(v, key+"[value]", f.Value, MaxFieldValueLength)
	}
	return out
}

// oneLine turns runs of white space, line breaks included, into single
// spaces and trims the ends: a field is one table cell.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// linksFor returns the Links to render texts with, having looked up every
// username they mention in one query, so that only accounts that exist
// (and are approved) are linked, to their profile with the username as
// registered.
func (s *Service) linksFor(ctx context.Context, texts ...string) (text.Links, error) {
	var usernames []string
	seen := map[string]bool{}
	for _, t := range texts {
		for _, e := range text.Extract(t) {
			if k := strings.ToLower(e.Text); e.Type == text.Mention && !seen[k] {
				seen[k] = true
				usernames = append(usernames, e.Text)
			}
		}
	}
	known := map[string]string{} // lower-case username → username as registered
	if len(usernames) > 0 {
		found, err := s.store.AccountsByUsernames(ctx, usernames)
		if err != nil {
			return text.Links{}, err
		}
		for _, m := range found {
			if m.Visible() {
				known[strings.ToLower(m.Username)] = m.Username
			}
		}
	}
	return text.Links{
		Mention: func(username string) (string, bool) {
			name, ok := known[strings.ToLower(username)]
			if !ok {
				return "", false
			}
			return s.publicURL + "/@" + name, true
		},
		Hashtag: func(tag string) string { return s.publicURL + "/tags/" + url.PathEscape(tag) },
	}, nil
}
