package loadtest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Graph is a follow graph over the accounts 0..Nodes-1.
//
// Edges packs each follow into one uint64, the follower in the high 32
// bits and the followee in the low 32, so that the plain sort of the
// numbers is the order (follower, followee) in which the databases like
// to receive them, and 20 million follows take 160 MB rather than the
// 320 MB of [][2]int64. Edges is sorted, holds no duplicate and no self
// follow.
type Graph struct {
	Nodes int
	Edges []uint64
}

// Edge packs the follow of followee by follower.
func Edge(follower, followee int) uint64 { return uint64(follower)<<32 | uint64(uint32(followee)) }

// Follower is the account that follows in the packed edge e.
func Follower(e uint64) int { return int(e >> 32) }

// Followee is the account followed in the packed edge e.
func Followee(e uint64) int { return int(uint32(e)) }

// maxNodes bounds the accounts of a graph: an account index must fit the
// 32 bits Edge gives it, and the seeded ids must stay within the 2^22 ids
// of one Snowflake millisecond (see Manifest.FirstID).
const maxNodes = 1 << 22

// InDegrees returns the followers count of every account.
func (g *Graph) InDegrees() []int32 {
	d := make([]int32, g.Nodes)
	for _, e := range g.Edges {
		d[Followee(e)]++
	}
	return d
}

// OutDegrees returns the following count of every account.
func (g *Graph) OutDegrees() []int32 {
	d := make([]int32, g.Nodes)
	for _, e := range g.Edges {
		d[Follower(e)]++
	}
	return d
}

// MaxInDegree returns the largest followers count in g.
func (g *Graph) MaxInDegree() int {
	m := int32(0)
	for _, d := range g.InDegrees() {
		m = max(m, d)
	}
	return int(m)
}

// SyntheticOptions shape a synthetic power-law graph.
type SyntheticOptions struct {
	Nodes int
	// Follows is the number of follows in the graph, celebrities'
	// included. It is reached exactly unless the graph is too small to
	// hold that many distinct follows.
	Follows int64
	// Exponent s of the popularity law: the account of popularity rank r
	// is picked as followee with a probability proportional to r^-s. The
	// in-degree distribution then has a power-law tail of exponent 1+1/s;
	// s = 0.8 gives 2.25, within the 2-2.5 measured on Twitter.
	Exponent float64
	// Celebrities are followers counts (see Manifest.Celebrities).
	Celebrities []int
	Seed        uint64
}

// DefaultExponent is the popularity exponent of synthetic graphs.
const DefaultExponent = 0.8

// zipf draws popularity ranks 0..n-1 with probability about
// proportional to (rank+1)^-s, by inverting the continuous law's CDF: one
// Pow per draw, and any s > 0 (math/rand's Zipf wants s > 1, whose head
// is far heavier than real follow graphs).
type zipf struct {
	n, s, a float64
}

func newZipf(n int, s float64) zipf {
	z := zipf{n: float64(n), s: s}
	if s != 1 {
		z.a = math.Pow(z.n, 1-s) - 1
	}
	return z
}

func (z zipf) draw(r *rand.Rand) int {
	u := r.Float64()
	var x float64
	if z.s == 1 {
		x = math.Exp(u * math.Log(z.n))
	} else {
		x = math.Pow(1+u*z.a, 1/(1-z.s))
	}
	k := int(x) - 1
	return min(max(k, 0), int(z.n)-1)
}

// Synthetic generates a follow graph whose in-degrees follow a power law:
// every follower is uniform, which gives a Poisson out-degree around the
// mean, and every followee is drawn by popularity rank, the ranks given
// to the accounts in a random order so that popularity has nothing to do
// with an account's index. Celebrities (accounts 0..len(Celebrities)-1)
// are never drawn: their followers are exactly the ones
// Manifest.Celebrities names. The same options give the same graph.
func Synthetic(o SyntheticOptions) (*Graph, error) {
	n, nc := o.Nodes, len(o.Celebrities)
	if n < 2 || n > maxNodes {
		return nil, fmt.Errorf("accounts: want 2 to %d, not %d", maxNodes, n)
	}
	if o.Exponent <= 0 {
		return nil, fmt.Errorf("exponent: want more than 0, not %g", o.Exponent)
	}
	var celebrityFollows int64
	for _, f := range o.Celebrities {
		if f < 0 || f > n-nc {
			return nil, fmt.Errorf("a celebrity with %d followers needs at least %d accounts, not %d", f, f+nc, n)
		}
		celebrityFollows += int64(f)
	}
	if nc >= n {
		return nil, fmt.Errorf("%d celebrities leave no other account among %d", nc, n)
	}
	random := o.Follows - celebrityFollows
	if random < 0 {
		return nil, fmt.Errorf("%d follows are fewer than the celebrities' %d followers", o.Follows, celebrityFollows)
	}
	r := rand.New(rand.NewPCG(o.Seed, 0x5eed_b1a5))

	// Out-degrees: each follow's follower uniform, as counts, so that the
	// follows can then be made follower by follower, already in order.
	out := make([]int32, n)
	for range random {
		out[r.IntN(n)]++
	}
	// The popularity order of the accounts that can be followed.
	targets := make([]int32, n-nc)
	for i := range targets {
		targets[i] = int32(nc + i)
	}
	r.Shuffle(len(targets), func(i, j int) { targets[i], targets[j] = targets[j], targets[i] })
	z := newZipf(len(targets), o.Exponent)

	g := &Graph{Nodes: n, Edges: make([]uint64, 0, o.Follows)}
	// mark[t] == follower+1 when follower already follows t.
	mark := make([]int32, n)
	var mine []int
	for follower := range n {
		mine = mine[:0]
		for k, f := range o.Celebrities {
			if follower >= nc && follower < nc+f {
				mine = append(mine, k)
			}
		}
		want := int(out[follower])
		available := len(targets)
		if follower >= nc {
			available-- // not oneself
		}
		want = min(want, available)
		stamp := int32(follower + 1)
		got := 0
		// Rejection of repeats and of oneself; a follower wanting nearly
		// every account (only in tiny graphs) gets the rest by a scan.
		for tries := 0; got < want && tries < 20*want+100; tries++ {
			t := int(targets[z.draw(r)])
			if t == follower || mark[t] == stamp {
				continue
			}
			mark[t] = stamp
			mine = append(mine, t)
			got++
		}
		for i := 0; got < want && i < len(targets); i++ {
			t := int(targets[i])
			if t == follower || mark[t] == stamp {
				continue
			}
			mark[t] = stamp
			mine = append(mine, t)
			got++
		}
		slices.Sort(mine)
		for _, t := range mine {
			g.Edges = append(g.Edges, Edge(follower, t))
		}
	}
	return g, nil
}

// ReadGraph reads a graph in the format of shared/graphs: path is
// NAME.edges, one "SRC DST" per line (SRC follows DST, counted from 0),
// and NAME.nodes beside it holds the number of accounts. bothWays makes
// every edge a follow in both directions, for undirected graphs. Self
// loops and repeated edges are dropped.
func ReadGraph(path string, bothWays bool) (*Graph, error) {
	nodesPath := strings.TrimSuffix(path, ".edges") + ".nodes"
	b, err := os.ReadFile(nodesPath)
	if err != nil {
		return nil, fmt.Errorf("graph nodes: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n < 2 || n > maxNodes {
		return nil, fmt.Errorf("graph nodes %s: want a number of accounts from 2 to %d", nodesPath, maxNodes)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("graph edges: %w", err)
	}
	defer f.Close()
	g := &Graph{Nodes: n}
	if err := g.readEdges(f, bothWays); err != nil {
		return nil, fmt.Errorf("graph edges %s: %w", path, err)
	}
	return g, nil
}

func (g *Graph) readEdges(rd io.Reader, bothWays bool) error {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		fields := bytes.Fields(sc.Bytes())
		if len(fields) == 0 || fields[0][0] == '#' || fields[0][0] == '%' {
			continue
		}
		if len(fields) < 2 {
			return fmt.Errorf("line %d: want SRC DST", line)
		}
		src, err1 := strconv.Atoi(string(fields[0]))
		dst, err2 := strconv.Atoi(string(fields[1]))
		if err1 != nil || err2 != nil || src < 0 || dst < 0 || src >= g.Nodes || dst >= g.Nodes {
			return fmt.Errorf("line %d: want two node numbers from 0 to %d", line, g.Nodes-1)
		}
		if src == dst {
			continue
		}
		g.Edges = append(g.Edges, Edge(src, dst))
		if bothWays {
			g.Edges = append(g.Edges, Edge(dst, src))
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	g.normalize()
	return nil
}

// normalize sorts the edges and drops repeats.
func (g *Graph) normalize() {
	slices.Sort(g.Edges)
	g.Edges = slices.Compact(g.Edges)
}

// AddCelebrities makes accounts 0..len(followers)-1 celebrities: the
// graph's follows of them are replaced by followers[k] follows of
// celebrity k, from accounts len(followers) onwards, so that each has
// exactly the audience Manifest.Celebrities announces.
func (g *Graph) AddCelebrities(followers []int) error {
	nc := len(followers)
	if nc == 0 {
		return nil
	}
	for _, f := range followers {
		if f < 0 || f > g.Nodes-nc {
			return fmt.Errorf("a celebrity with %d followers needs at least %d accounts, not %d", f, f+nc, g.Nodes)
		}
	}
	g.Edges = slices.DeleteFunc(g.Edges, func(e uint64) bool { return Followee(e) < nc })
	for k, f := range followers {
		for i := range f {
			g.Edges = append(g.Edges, Edge(nc+i, k))
		}
	}
	g.normalize()
	return nil
}
