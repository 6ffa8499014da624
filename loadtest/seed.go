package loadtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	mrand "math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/accounts"
	"github.com/starling-social/starling/snowflake"
	"github.com/starling-social/starling/text"
)

// BulkStore is what seeding needs of a database: a bulk load that may
// take shortcuts no normal write would (one big transaction, indexes
// rebuilt after the rows, COPY), as long as what it leaves is exactly
// what normal writes would have. *sqlite.DB and *postgres.DB implement it.
//
// The rows come as iterators, so that neither side holds a million
// accounts or twenty million follows as objects; a yielded pointer is
// valid only until the next one.
type BulkStore interface {
	// CountUsernamePrefix counts the accounts whose username starts with
	// prefix (compared in lower case).
	CountUsernamePrefix(ctx context.Context, prefix string) (int64, error)
	// BulkLoad inserts, in one transaction where the database allows it:
	// the accounts with their counts and last_status_at already set, each
	// with its token; the follows, as (follower id, followee id) sorted
	// by follower then followee, all created at followedAt; and the
	// statuses, in id order. progress, when not nil, is told every so
	// often how many rows of a stage are in.
	BulkLoad(ctx context.Context, accounts iter.Seq2[*starling.Account, *starling.Token],
		follows iter.Seq2[int64, int64], followedAt time.Time,
		statuses iter.Seq[*starling.Status], progress func(stage string, rows int64)) error
}

// DefaultPrefix is the username prefix of seeded accounts.
const DefaultPrefix = "bench"

// TokenScopes are the scopes of every seeded token: all a person's own
// client may do.
const TokenScopes = "read write follow"

// SeedOptions say what to seed.
type SeedOptions struct {
	// Accounts and Follows size a synthetic graph; both are ignored when
	// GraphPath is set (the graph's own sizes count).
	Accounts int
	Follows  int64
	// Exponent is the synthetic graph's popularity exponent (0:
	// DefaultExponent).
	Exponent float64
	// GraphPath is a real graph's NAME.edges (see ReadGraph);
	// GraphBothWays seeds each of its edges in both directions.
	GraphPath     string
	GraphBothWays bool
	// Celebrities are followers counts of accounts 0.. (see
	// Manifest.Celebrities).
	Celebrities     []int
	PostsPerAccount int
	// Seed makes the graph and the posts; the same seed gives the same
	// ones. The password and the token secret are random regardless.
	Seed uint64
	// Prefix is the usernames' (DefaultPrefix when empty).
	Prefix string
	// Start is the seed's time (now when zero): FirstID is its Snowflake
	// id, and the posts are spread over the day before it.
	Start time.Time
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// Seed builds the graph that o describes and loads it into store,
// refusing when accounts with the prefix exist already. It returns the
// manifest, with SeedSeconds set, for the caller to save.
func Seed(ctx context.Context, store BulkStore, o SeedOptions) (*Manifest, error) {
	began := time.Now()
	logw := o.Log
	if logw == nil {
		logw = io.Discard
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(logw, "%6.1fs  %s\n", time.Since(began).Seconds(), fmt.Sprintf(format, args...))
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.Exponent == 0 {
		o.Exponent = DefaultExponent
	}
	if o.PostsPerAccount < 0 {
		return nil, errors.New("posts per account: want 0 or more")
	}
	start := o.Start
	if start.IsZero() {
		start = time.Now()
	}
	start = start.UTC().Truncate(time.Millisecond)

	// A second seed into the same database would collide on usernames
	// halfway through; say so before spending minutes.
	taken, err := store.CountUsernamePrefix(ctx, o.Prefix)
	if err != nil {
		return nil, err
	}
	if taken > 0 {
		return nil, fmt.Errorf("the database already has %d accounts named %s…: seed into an empty database", taken, o.Prefix)
	}

	var g *Graph
	var source string
	if o.GraphPath != "" {
		if g, err = ReadGraph(o.GraphPath, o.GraphBothWays); err != nil {
			return nil, err
		}
		if err := g.AddCelebrities(o.Celebrities); err != nil {
			return nil, err
		}
		source = o.GraphPath
		if o.GraphBothWays {
			source += " (both ways)"
		}
	} else {
		g, err = Synthetic(SyntheticOptions{Nodes: o.Accounts, Follows: o.Follows, Exponent: o.Exponent,
			Celebrities: o.Celebrities, Seed: o.Seed})
		if err != nil {
			return nil, err
		}
		source = fmt.Sprintf("synthetic power-law (exponent %g, seed %d)", o.Exponent, o.Seed)
	}
	n := g.Nodes
	in, out := g.InDegrees(), g.OutDegrees()
	maxIn := int32(0)
	for _, d := range in {
		maxIn = max(maxIn, d)
	}
	logf("graph: %d accounts, %d follows, max in-degree %d", n, len(g.Edges), maxIn)

	m := &Manifest{
		Graph:           source,
		Accounts:        n,
		Follows:         int64(len(g.Edges)),
		FirstID:         snowflake.FromTime(start),
		UsernamePrefix:  o.Prefix,
		Password:        randomString(18),
		TokenSecret:     randomString(32),
		PostsPerAccount: o.PostsPerAccount,
		SeededAt:        start,
	}
	for k, f := range o.Celebrities {
		m.Celebrities = append(m.Celebrities, Celebrity{Index: k, Followers: f})
	}
	// One hash for every account, made as sign-up makes it, which login
	// verifies: hashing a million passwords would take hours.
	hash, err := accounts.HashPassword(m.Password, accounts.DefaultHashParams())
	if err != nil {
		return nil, err
	}
	tokens := tokenHashes(m)
	posts := newPostPlan(n, o.PostsPerAccount, start, o.Seed)
	logf("tokens and password hashed")

	// Accounts were created a day before the seed, so that every post
	// comes after its author's sign-up.
	created := start.Add(-postWindow - time.Minute)
	accountRows := func(yield func(*starling.Account, *starling.Token) bool) {
		a := &starling.Account{}
		t := &starling.Token{}
		for i := range n {
			*a = starling.Account{
				ID:                m.AccountID(i),
				Username:          m.Username(i),
				PasswordHash:      hash,
				Discoverable:      true, // as Register leaves it
				Role:              starling.RoleUser,
				Approved:          true,
				DefaultVisibility: starling.VisibilityPublic,
				CreatedAt:         created,
				UpdatedAt:         created,
				LastStatusAt:      posts.last(i),
				StatusesCount:     int64(o.PostsPerAccount),
				FollowersCount:    int64(in[i]),
				FollowingCount:    int64(out[i]),
			}
			*t = starling.Token{ID: m.AccountID(i), AccessHash: hex.EncodeToString(tokens[i][:]),
				AccountID: a.ID, Scopes: TokenScopes, CreatedAt: start}
			if !yield(a, t) {
				return
			}
		}
	}
	followRows := func(yield func(int64, int64) bool) {
		for _, e := range g.Edges {
			if !yield(m.AccountID(Follower(e)), m.AccountID(Followee(e))) {
				return
			}
		}
	}
	statusRows := func(yield func(*starling.Status) bool) {
		s := &starling.Status{}
		posts.each(func(id int64, account, number int) bool {
			// About as long as a post on the platform modelled (and as the
			// ceiling page's), with a link, so that pages of seeded posts
			// weigh what real ones do.
			body := "Seed post " + strconv.Itoa(number) + " of account " + strconv.Itoa(account) +
				": the release notes are up and the numbers look good to me, details in the post https://example.com/posts/" +
				strconv.Itoa(number)
			*s = starling.Status{
				ID:         id,
				AccountID:  m.AccountID(account),
				Text:       body,
				Content:    text.Render(body, text.Links{}),
				Visibility: starling.VisibilityPublic,
				CreatedAt:  snowflake.Time(id),
			}
			return yield(s)
		})
	}
	progress := func(stage string, rows int64) { logf("%s: %d rows", stage, rows) }
	if err := store.BulkLoad(ctx, accountRows, followRows, start, statusRows, progress); err != nil {
		return nil, err
	}
	m.SeedSeconds = time.Since(began).Seconds()
	logf("done: %d accounts, %d follows (max in-degree %d), %d posts", n, len(g.Edges), maxIn,
		int64(n)*int64(o.PostsPerAccount))
	return m, nil
}

// randomString returns n random bytes, base64url-encoded.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails; see crypto/rand
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenHashes returns the SHA-256 of every account's token (what
// oauth.HashSecret stores, before hex), computed on every core: two
// hashes per account add up to seconds for a million.
func tokenHashes(m *Manifest) [][sha256.Size]byte {
	out := make([][sha256.Size]byte, m.Accounts)
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < m.Accounts; i += workers {
				out[i] = sha256.Sum256([]byte(m.Token(i)))
			}
		})
	}
	wg.Wait()
	return out
}

// postWindow is how far back the seeded posts go.
const postWindow = 24 * time.Hour

// postPlan places the seeded posts: post k of all n*perAccount, in time
// order, is spread evenly over the day before the seed, and written by
// account order[k/n][k%n], so that every account posts perAccount times
// and whose turn it is does not follow the account index.
type postPlan struct {
	n, perAccount int
	from          int64 // Unix ms of the first post
	order         [][]int32
	lastMS        []int64 // Unix ms of each account's latest post
}

func newPostPlan(n, perAccount int, start time.Time, seed uint64) *postPlan {
	p := &postPlan{n: n, perAccount: perAccount, from: start.Add(-postWindow).UnixMilli()}
	if perAccount == 0 {
		return p
	}
	r := mrand.New(mrand.NewPCG(seed, 0x9057))
	for range perAccount {
		o := make([]int32, n)
		for i := range o {
			o[i] = int32(i)
		}
		r.Shuffle(n, func(i, j int) { o[i], o[j] = o[j], o[i] })
		p.order = append(p.order, o)
	}
	p.lastMS = make([]int64, n)
	p.each(func(id int64, account, _ int) bool {
		p.lastMS[account] = snowflake.Time(id).UnixMilli()
		return true
	})
	return p
}

// each calls fn with every post's id, author index and number (from 1,
// by time) in id order, until fn returns false. The ids are Snowflake ids
// of node 0 whose time is the post's; posts that share a millisecond
// (more than one a millisecond) count up its sequence.
func (p *postPlan) each(fn func(id int64, account, number int) bool) {
	total := int64(p.n) * int64(p.perAccount)
	window := postWindow.Milliseconds()
	prevMS, seq := int64(-1), int64(0)
	for k := range total {
		at := p.from + k*window/total
		if at == prevMS {
			seq++
		} else {
			prevMS, seq = at, 0
		}
		id := snowflake.FromTime(time.UnixMilli(at)) | seq
		round := int(k / int64(p.n))
		if !fn(id, int(p.order[round][k%int64(p.n)]), round+1) {
			return
		}
	}
}

// last is the time of account i's latest post, zero when it has none.
func (p *postPlan) last(i int) time.Time {
	if p.perAccount == 0 {
		return time.Time{}
	}
	return time.UnixMilli(p.lastMS[i]).UTC()
}
