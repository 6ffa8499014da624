// Package loadtest is the load tool behind `starling bench`: seed builds a
// follow graph of real, usable accounts in a Starling database (from a
// real graph's edge list or a synthetic power-law one), and run drives a
// running server over its public HTTP API with a social-network mix and
// reports throughput, latency per operation, errors and how long a post
// takes to become visible to its followers.
//
// The two halves meet in a Manifest, written by seed and read by run: it
// says which accounts exist and how to derive each one's access token, so
// that run can act as any of them without a token file of a million lines.
package loadtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"
)

// Manifest describes a seeded graph.
type Manifest struct {
	// Graph says where the graph came from: a file's path, or
	// "synthetic power-law" with its parameters.
	Graph    string `json:"graph"`
	Accounts int    `json:"accounts"`
	Follows  int64  `json:"follows"`
	// FirstID is the id of account 0; account i has id FirstID+i and the
	// username UsernamePrefix+i.
	FirstID        int64  `json:"first_id"`
	UsernamePrefix string `json:"username_prefix"`
	// Password is every seeded account's password (they share one hash, so
	// that seeding does not spend hours in argon2id).
	Password string `json:"password"`
	// TokenSecret derives the access token of each account (Token).
	TokenSecret string `json:"token_secret"`
	// Celebrities are the accounts given a set number of followers on top
	// of the graph (--celebrity-followers), to measure posting to a huge
	// audience: celebrity k is account k, and its followers are accounts
	// len(Celebrities) .. len(Celebrities)+Followers-1.
	Celebrities []Celebrity `json:"celebrities,omitempty"`
	// PostsPerAccount is how many statuses each account was given.
	PostsPerAccount int       `json:"posts_per_account"`
	SeededAt        time.Time `json:"seeded_at"`
	SeedSeconds     float64   `json:"seed_seconds"`
}

// Celebrity is an account with a chosen number of followers.
type Celebrity struct {
	Index     int `json:"index"`
	Followers int `json:"followers"`
}

// AccountID is the id of account i.
func (m *Manifest) AccountID(i int) int64 { return m.FirstID + int64(i) }

// Username is the username of account i.
func (m *Manifest) Username(i int) string { return m.UsernamePrefix + strconv.Itoa(i) }

// Token is the access token of account i: an HMAC of its index under the
// manifest's secret, so that anyone holding the manifest can act as any
// seeded account and nobody else can. The database keeps only its
// SHA-256, as for every token.
func (m *Manifest) Token(i int) string {
	mac := hmac.New(sha256.New, []byte(m.TokenSecret))
	fmt.Fprintf(mac, "bench-token:%d", i)
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// Save writes the manifest as JSON to path.
func (m *Manifest) Save(path string) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

// LoadManifest reads a manifest that Save wrote.
func LoadManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	if m.Accounts <= 0 || m.FirstID <= 0 || m.TokenSecret == "" {
		return nil, fmt.Errorf("manifest %s: not a seed manifest (no accounts, first id or token secret)", path)
	}
	return &m, nil
}
