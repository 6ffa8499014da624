package loadtest

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// checkGraph fails the test when g's edges are unsorted, repeated, self
// follows or out of range.
func checkGraph(t *testing.T, g *Graph) {
	t.Helper()
	for i, e := range g.Edges {
		if i > 0 && g.Edges[i-1] >= e {
			t.Fatalf("edge %d (%d→%d) not after the one before it", i, Follower(e), Followee(e))
		}
		if Follower(e) == Followee(e) {
			t.Fatalf("self follow of %d", Follower(e))
		}
		if Follower(e) >= g.Nodes || Followee(e) >= g.Nodes {
			t.Fatalf("edge %d→%d outside %d nodes", Follower(e), Followee(e), g.Nodes)
		}
	}
}

func TestSynthetic(t *testing.T) {
	o := SyntheticOptions{Nodes: 20_000, Follows: 400_000, Exponent: DefaultExponent,
		Celebrities: []int{5_000, 15_000}, Seed: 7}
	g, err := Synthetic(o)
	if err != nil {
		t.Fatal(err)
	}
	checkGraph(t, g)
	if int64(len(g.Edges)) != o.Follows {
		t.Errorf("%d follows, want %d", len(g.Edges), o.Follows)
	}

	// The celebrities' followers are exactly the announced ones.
	in := g.InDegrees()
	for k, f := range o.Celebrities {
		if int(in[k]) != f {
			t.Errorf("celebrity %d has %d followers, want %d", k, in[k], f)
		}
	}
	for _, e := range g.Edges {
		if k := Followee(e); k < len(o.Celebrities) {
			if f := Follower(e); f < len(o.Celebrities) || f >= len(o.Celebrities)+o.Celebrities[k] {
				t.Fatalf("account %d follows celebrity %d", f, k)
			}
		}
	}

	// A power law: the most followed (celebrities aside) has many times
	// the mean, and most accounts have fewer than the mean.
	others := in[len(o.Celebrities):]
	mean := float64(o.Follows-20_000) / float64(len(others))
	maxIn, below := int32(0), 0
	for _, d := range others {
		maxIn = max(maxIn, d)
		if float64(d) < mean {
			below++
		}
	}
	if float64(maxIn) < 50*mean {
		t.Errorf("max in-degree %d, want far above the mean %.1f", maxIn, mean)
	}
	if below < len(others)*3/5 {
		t.Errorf("%d of %d accounts below the mean in-degree, want most", below, len(others))
	}

	// The same seed, the same graph; another seed, another one.
	again, err := Synthetic(o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.Edges, again.Edges) {
		t.Error("the same options made another graph")
	}
	o.Seed = 8
	other, err := Synthetic(o)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(g.Edges, other.Edges) {
		t.Error("another seed made the same graph")
	}
}

func TestSyntheticTiny(t *testing.T) {
	// More follows than fit: every account follows every other.
	g, err := Synthetic(SyntheticOptions{Nodes: 5, Follows: 100, Exponent: 1.5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkGraph(t, g)
	if len(g.Edges) > 20 {
		t.Errorf("%d follows among 5 accounts", len(g.Edges))
	}
	if _, err := Synthetic(SyntheticOptions{Nodes: 10, Follows: 100, Exponent: 1, Celebrities: []int{10}}); err == nil {
		t.Error("a celebrity with more followers than accounts was accepted")
	}
	if _, err := Synthetic(SyntheticOptions{Nodes: 100, Follows: 10, Exponent: 1, Celebrities: []int{50}}); err == nil {
		t.Error("fewer follows than celebrity followers were accepted")
	}
}

func TestReadGraph(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tiny.edges")
	os.WriteFile(filepath.Join(dir, "tiny.nodes"), []byte("5\n"), 0o600)
	os.WriteFile(path, []byte("0 1\n1 2\n% comment\n\n2 2\n0 1\n3 4\n4 0\n"), 0o600)

	g, err := ReadGraph(path, false)
	if err != nil {
		t.Fatal(err)
	}
	checkGraph(t, g)
	want := []uint64{Edge(0, 1), Edge(1, 2), Edge(3, 4), Edge(4, 0)}
	if g.Nodes != 5 || !slices.Equal(g.Edges, want) {
		t.Errorf("read %d nodes, %v; want 5, %v", g.Nodes, g.Edges, want)
	}

	g, err = ReadGraph(path, true)
	if err != nil {
		t.Fatal(err)
	}
	checkGraph(t, g)
	if len(g.Edges) != 8 {
		t.Errorf("both ways: %d edges, want 8", len(g.Edges))
	}

	// Celebrity 0 keeps only its announced followers: 1 and 2.
	if err := g.AddCelebrities([]int{2}); err != nil {
		t.Fatal(err)
	}
	checkGraph(t, g)
	var followers []int
	for _, e := range g.Edges {
		if Followee(e) == 0 {
			followers = append(followers, Follower(e))
		}
	}
	if !slices.Equal(followers, []int{1, 2}) {
		t.Errorf("celebrity followers %v, want [1 2]", followers)
	}

	os.WriteFile(path, []byte("0 5\n"), 0o600)
	if _, err := ReadGraph(path, false); err == nil {
		t.Error("an edge to node 5 of 5 was accepted")
	}
}

func TestRealGraphs(t *testing.T) {
	path := "../../shared/graphs/twitter-ego/hersheycareers.edges"
	if _, err := os.Stat(path); err != nil {
		t.Skip("no shared graphs here")
	}
	g, err := ReadGraph(path, false)
	if err != nil {
		t.Fatal(err)
	}
	checkGraph(t, g)
	// The sizes shared/graphs/README.md gives.
	if g.Nodes != 3726 || g.MaxInDegree() != 417 {
		t.Errorf("%d nodes, max in-degree %d; want 3726, 417", g.Nodes, g.MaxInDegree())
	}
}
