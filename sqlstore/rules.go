package sqlstore

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/starling-social/starling"
)

// CountsAsReply reports whether a reply of visibility v counts in its
// parent's replies count: only replies everyone may see do.
func CountsAsReply(v starling.Visibility) bool {
	return v == starling.VisibilityPublic || v == starling.VisibilityUnlisted
}

// NormTime is what a time becomes after a round trip through the
// database, as the adapters agree to return it: UTC, to the millisecond.
// Write methods store it back into the caller's struct so that it equals
// what later reads return.
func NormTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Millisecond)
}

// Now is the current time as the database will store it.
func Now() time.Time { return NormTime(time.Now()) }

// Stamp sets a zero creation time to now and rounds it as stored.
func Stamp(t *time.Time) {
	if t.IsZero() {
		*t = Now()
	}
	*t = NormTime(*t)
}

// NormFields rounds the verification times of profile fields as the
// database will.
func NormFields(fs []starling.Field) {
	for i := range fs {
		fs[i].VerifiedAt = NormTime(fs[i].VerifiedAt)
	}
}

// PrepareAccount sets the times of an account about to be inserted, and
// of its first token t when t is not nil, as CreateAccountWithToken stores
// them: a zero CreatedAt becomes now, a zero UpdatedAt the CreatedAt, and
// every time is rounded as the database will round it. t is given the
// account's id.
func PrepareAccount(a *starling.Account, t *starling.Token) {
	Stamp(&a.CreatedAt)
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	a.UpdatedAt, a.LastStatusAt = NormTime(a.UpdatedAt), NormTime(a.LastStatusAt)
	NormFields(a.Fields)
	if t != nil {
		t.AccountID = a.ID
		Stamp(&t.CreatedAt)
	}
}

// NotFound is the error of a lookup that finds no row.
func NotFound() error {
	return starling.Errorf(starling.ENOTFOUND, "Record not found")
}

// PinTime is the PinnedAt of a new pin made at now by an account whose
// latest pin is last (zero when none): now, as stored, or a millisecond
// after last if the clock has not passed it, so that the pins of one
// account keep the order they were made in.
func PinTime(now, last time.Time) time.Time {
	now = NormTime(now)
	if !last.IsZero() && !now.After(last) {
		return NormTime(last).Add(time.Millisecond)
	}
	return now
}

// PinLimit is the error of a pin beyond the account's limit.
func PinLimit(max int) error {
	return starling.Errorf(starling.ECONFLICT, "At most %d statuses may be pinned", max)
}

// KeyDigest is how an idempotency key is stored: the header that carries
// it may hold any bytes, of any length, and a digest fits the column and its
// index whatever they are.
func KeyDigest(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// PruneBatch is how many idempotency keys PruneIdempotencyKeys deletes per
// transaction.
const PruneBatch = 1000

// Scanner is a row to scan: *sql.Row, *sql.Rows, pgx.Row, pgx.CollectableRow.
type Scanner interface{ Scan(dest ...any) error }

// Prefixed scans one extra leading column into First, so that an
// adapter's account scanner can read rows that start with an edge id.
type Prefixed struct {
	Row   Scanner
	First any
}

func (p Prefixed) Scan(dest ...any) error {
	return p.Row.Scan(append([]any{p.First}, dest...)...)
}
