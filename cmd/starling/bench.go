package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/starling-social/starling/loadtest"
)

// runBench dispatches `starling bench seed`, `starling bench run` and `starling bench ratio`.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	if len(args) == 0 {
		return usageError{errors.New("bench needs a subcommand: seed, run or ratio")}
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "seed":
		return runBenchSeed(ctx, rest, stdout, stderr, lookupEnv)
	case "run":
		return runBenchRun(ctx, rest, stdout, stderr, lookupEnv)
	case "ratio":
		return runBenchRatio(ctx, rest, stdout, stderr, lookupEnv)
	default:
		return usageError{fmt.Errorf("unknown bench command %q", cmd)}
	}
}

// seedFlags are the flags of `bench seed` beyond the shared settings.
type seedFlags struct {
	accounts      int
	follows       int64
	celebrities   []int
	posts         int
	graph         string
	graphBothWays bool
	exponent      float64
	manifest      string
	seed          uint64
}

// runBenchSeed seeds the configured database with a follow graph of
// usable accounts and writes the manifest that `bench run` reads.
func runBenchSeed(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	f := seedFlags{accounts: 10_000, posts: 2, exponent: loadtest.DefaultExponent, manifest: "bench-seed.json", seed: 1}
	followsSet := false
	cfg, err := parseCommand("bench seed", args, stderr, lookupEnv, func(fs *flag.FlagSet) {
		fs.IntVar(&f.accounts, "accounts", f.accounts, "`number` of accounts of a synthetic graph")
		fs.Func("follows", "total `number` of follows of a synthetic graph, celebrities' included (default 20 per account)",
			func(s string) error {
				n, err := strconv.ParseInt(s, 10, 64)
				if err != nil || n < 0 {
					return errors.New("want a whole number, 0 or more")
				}
				f.follows, followsSet = n, true
				return nil
			})
		fs.Func("celebrity-followers", "comma-separated followers `counts`: celebrity k is account k, followed by "+
			"accounts len(list) .. len(list)+count-1 (default none)",
			func(s string) error {
				f.celebrities = nil
				for part := range strings.SplitSeq(s, ",") {
					if part = strings.TrimSpace(part); part == "" {
						continue
					}
					n, err := strconv.Atoi(part)
					if err != nil || n < 0 {
						return errors.New("want whole numbers separated by commas, such as 10000,100000")
					}
					f.celebrities = append(f.celebrities, n)
				}
				return nil
			})
		fs.IntVar(&f.posts, "posts-per-account", f.posts, "`number` of public posts each account gets, spread over the past day")
		fs.StringVar(&f.graph, "graph", "", "`path` of a real graph's NAME.edges (NAME.nodes beside it); then --accounts and --follows are the graph's")
		fs.Func("graph-format", "`format` of --graph: directed (each line SRC DST: SRC follows DST) or undirected (each edge seeded both ways, for friendship graphs such as socfb-Reed98) (default directed)",
			func(s string) error {
				switch s {
				case "directed":
					f.graphBothWays = false
				case "undirected":
					f.graphBothWays = true
				default:
					return errors.New("want directed or undirected")
				}
				return nil
			})
		fs.Float64Var(&f.exponent, "zipf-exponent", f.exponent, "popularity `exponent` s of a synthetic graph: rank r is followed in proportion to r^-s")
		fs.StringVar(&f.manifest, "manifest", f.manifest, "`path` to write the manifest to")
		fs.Uint64Var(&f.seed, "seed", f.seed, "`seed` of the graph and the posts: the same seed, the same graph")
	})
	if err != nil {
		return err
	}
	if !followsSet {
		f.follows = 20 * int64(f.accounts)
	}
	if f.graph == "" && f.accounts < 2 {
		return usageError{errors.New("--accounts: want 2 or more")}
	}
	if f.posts < 0 {
		return usageError{errors.New("--posts-per-account: want 0 or more")}
	}
	if f.exponent <= 0 {
		return usageError{errors.New("--zipf-exponent: want more than 0")}
	}
	if f.graph == "" {
		for _, c := range f.celebrities {
			if c > f.accounts-len(f.celebrities) {
				return usageError{fmt.Errorf("--celebrity-followers: %d followers need %d accounts besides the %d celebrities, and there are %d accounts",
					c, c, len(f.celebrities), f.accounts)}
			}
		}
	}

	db, err := openDatabase(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	store, ok := db.(loadtest.BulkStore)
	if !ok {
		return fmt.Errorf("the %T store cannot bulk load", db)
	}
	m, err := loadtest.Seed(ctx, store, loadtest.SeedOptions{
		Accounts:        f.accounts,
		Follows:         f.follows,
		Exponent:        f.exponent,
		GraphPath:       f.graph,
		GraphBothWays:   f.graphBothWays,
		Celebrities:     f.celebrities,
		PostsPerAccount: f.posts,
		Seed:            f.seed,
		Log:             stdout,
	})
	if err != nil {
		return err
	}
	if err := m.Save(f.manifest); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %d accounts and %d follows in %.1fs; manifest %s\n",
		m.Accounts, m.Follows, m.SeedSeconds, f.manifest)
	return nil
}
