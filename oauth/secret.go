package oauth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
)

// secretBytes is the entropy of every secret handed out: tokens, codes,
// client ids and secrets, CSRF values.
const secretBytes = 32

// maxSecretLength bounds what is worth hashing: a longer value was not
// made by this server.
const maxSecretLength = 256

// NewSecret returns 32 random bytes, base64url-encoded without padding.
func NewSecret() string {
	b := make([]byte, secretBytes)
	// crypto/rand.Read never fails on supported platforms; it crashes the
	// program rather than return predictable bytes.
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret returns the SHA-256 of s in hex, the only form in which
// secrets are stored.
func HashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	var h [2 * sha256.Size]byte
	hex.Encode(h[:], sum[:])
	return string(h[:])
}

// Equal compares two secrets in time that does not depend on where they
// differ.
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
