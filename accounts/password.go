package accounts

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/starling-social/starling"
)

// HashParams are the argon2id cost parameters used for new password hashes.
// Existing hashes are verified with the parameters written in them, so
// raising the cost later does not lock anyone out.
type HashParams struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over the memory
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultHashParams returns OWASP's recommended argon2id setting (19 MiB,
// two passes, one thread) with a 16-byte salt and a 32-byte key.
func DefaultHashParams() HashParams {
	return HashParams{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Password length limits, in characters. The upper bound only stops a
// client from making the server hash megabytes.
const (
	MinPasswordLength = 8
	MaxPasswordLength = 1024
)

// checkPassword adds the password's length problems to v.
func checkPassword(v *starling.ValidationError, password string) {
	switch n := utf8.RuneCountInString(password); {
	case n == 0:
		v.Add("password", starling.ErrBlank, "can't be blank")
	case n < MinPasswordLength:
		v.Add("password", starling.ErrTooShort, fmt.Sprintf("is too short (minimum is %d characters)", MinPasswordLength))
	case n > MaxPasswordLength:
		v.Add("password", starling.ErrTooLong, fmt.Sprintf("is too long (maximum is %d characters)", MaxPasswordLength))
	}
}

// HashPassword returns the PHC string of password under p (exported for
// the load tool, which gives every seeded account one hash):
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>, base64 without padding.
func HashPassword(password string, p HashParams) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// errBadHash means a stored hash is not an argon2id PHC string we can read.
var errBadHash = errors.New("accounts: malformed password hash")

// maxHashMemory bounds the memory a stored hash may ask for (1 GiB), so a
// corrupted row cannot make one login exhaust the server.
const maxHashMemory = 1 << 20

// verifyPassword reports whether password matches the PHC string phc.
func verifyPassword(password, phc string) (bool, error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var p HashParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil ||
		p.Memory == 0 || p.Memory > maxHashMemory || p.Time == 0 || p.Time > 64 || p.Threads == 0 {
		return false, errBadHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) == 0 {
		return false, errBadHash
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 1024 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// burnHash spends the time a verification under p takes, for logins to
// accounts that do not exist: without it, a fast answer would tell an
// attacker which usernames are real.
func burnHash(password string, p HashParams) {
	salt := make([]byte, p.SaltLen)
	argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}
