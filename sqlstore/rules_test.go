package sqlstore

import (
	"errors"
	"testing"
	"time"

	"github.com/starling-social/starling"
)

func TestCountsAsReply(t *testing.T) {
	for v, want := range map[starling.Visibility]bool{
		starling.VisibilityPublic:   true,
		starling.VisibilityUnlisted: true,
		starling.VisibilityPrivate:  false,
		starling.VisibilityDirect:   false,
	} {
		if got := CountsAsReply(v); got != want {
			t.Errorf("CountsAsReply(%s) = %v, want %v", v, got, want)
		}
	}
}

func TestNormTime(t *testing.T) {
	if got := NormTime(time.Time{}); !got.IsZero() {
		t.Errorf("NormTime(zero) = %v", got)
	}
	in := time.Date(2026, 1, 2, 3, 4, 5, 678_901_234, time.FixedZone("X", 3600))
	want := time.Date(2026, 1, 2, 2, 4, 5, 678_000_000, time.UTC)
	if got := NormTime(in); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("NormTime(%v) = %v, want %v", in, got, want)
	}
}

func TestStamp(t *testing.T) {
	var zero time.Time
	before := time.Now().Add(-time.Millisecond)
	Stamp(&zero)
	if zero.Before(before) || zero.After(time.Now()) || zero.Location() != time.UTC || zero.Nanosecond()%1e6 != 0 {
		t.Errorf("Stamp(zero) = %v", zero)
	}
	set := time.Date(2026, 1, 2, 3, 4, 5, 6_000_001, time.UTC)
	Stamp(&set)
	if want := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC); !set.Equal(want) {
		t.Errorf("Stamp(set) = %v, want %v", set, want)
	}
}

func TestPrepareAccount(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 6_000_001, time.UTC)
	verified := time.Date(2026, 1, 1, 0, 0, 0, 1, time.UTC)
	a := &starling.Account{ID: 5, CreatedAt: created, Fields: []starling.Field{{Name: "x", VerifiedAt: verified}}}
	tok := &starling.Token{ID: 6}
	PrepareAccount(a, tok)
	if want := NormTime(created); !a.CreatedAt.Equal(want) || !a.UpdatedAt.Equal(want) {
		t.Errorf("created %v, updated %v, want both %v", a.CreatedAt, a.UpdatedAt, want)
	}
	if !a.LastStatusAt.IsZero() {
		t.Errorf("last status at %v, want zero", a.LastStatusAt)
	}
	if got := a.Fields[0].VerifiedAt; !got.Equal(NormTime(verified)) {
		t.Errorf("field verified at %v", got)
	}
	if tok.AccountID != 5 || tok.CreatedAt.IsZero() || !tok.CreatedAt.Equal(NormTime(tok.CreatedAt)) {
		t.Errorf("token %+v", tok)
	}

	updated := created.Add(time.Hour)
	b := &starling.Account{CreatedAt: created, UpdatedAt: updated}
	PrepareAccount(b, nil)
	if !b.UpdatedAt.Equal(NormTime(updated)) {
		t.Errorf("updated %v, want %v", b.UpdatedAt, updated)
	}
}

func TestNotFound(t *testing.T) {
	var e *starling.Error
	if err := NotFound(); !errors.As(err, &e) || e.Code != starling.ENOTFOUND {
		t.Errorf("NotFound() = %#v", err)
	}
}

func TestKeyDigest(t *testing.T) {
	a, b := KeyDigest("key"), KeyDigest("key\x00")
	if len(a) != 64 || a == b || KeyDigest("key") != a {
		t.Errorf("KeyDigest: %s, %s", a, b)
	}
}

type row []any

func (r row) Scan(dest ...any) error {
	for i, d := range dest {
		*(d.(*int)) = r[i].(int)
	}
	return nil
}

func TestPrefixed(t *testing.T) {
	var first, second, third int
	if err := (Prefixed{Row: row{1, 2, 3}, First: &first}).Scan(&second, &third); err != nil {
		t.Fatal(err)
	}
	if first != 1 || second != 2 || third != 3 {
		t.Errorf("scanned %d, %d, %d", first, second, third)
	}
}
