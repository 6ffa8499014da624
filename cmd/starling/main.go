// Command starling runs a Starling instance and its operator tasks: serve
// the API and web app, apply database migrations, and manage accounts and
// tokens from the shell. It is the only package that knows every other
// one: it parses the configuration once and wires the store, the services
// and the HTTP server together.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
)

// version is Starling's release, replaced at build time with
// -ldflags "-X main.version=…".
var version = "0.1.0"

const usage = `Starling: a microblogging service that speaks the Mastodon client API.

Usage:
  starling serve [flags]             run the server (migrates the database first)
  starling migrate [flags]           apply database migrations and exit
  starling admin create-account --username U --password P [--email E] [--role user|moderator|admin]
  starling admin set-role --username U --role R
  starling admin approve --username U
  starling admin token --username U [--scopes "read write follow"]
                                     print a new access token for the account
  starling bench seed|run [flags]    seed a follow graph for load tests; drive a server with load
  starling bench ratio --url U --path P [--token T] [flags]
                                     measure a page with wrk beside a bare handler serving its bytes
  starling version                   print the version
  starling help                      print this help

Every flag can also be set with an environment variable STARLING_<FLAG>
(upper case, dashes as underscores: --public-url is STARLING_PUBLIC_URL).
A flag on the command line wins over the environment. Run
"starling serve -h" for the flags and their defaults.
`

// usageError is a mistake on the command line: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv)
	stop()
	os.Exit(code)
}

// run executes one command and returns the process's exit code: 0 for
// success, 1 for a failure while running, 2 for a bad command line or
// configuration. ctx is cancelled when the process is asked to stop.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	err := dispatch(ctx, args, stdout, stderr, lookupEnv)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "starling: %v\nRun \"starling help\" for usage.\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "starling: %v\n", err)
		return 1
	}
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{errors.New("no command given")}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stderr, lookupEnv)
	case "migrate":
		return runMigrate(ctx, rest, stderr, lookupEnv)
	case "admin":
		return runAdmin(ctx, rest, stdout, stderr, lookupEnv)
	case "bench":
		return runBench(ctx, rest, stdout, stderr, lookupEnv)
	case "version":
		fmt.Fprintln(stdout, versionLine())
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return usageError{fmt.Errorf("unknown command %q", cmd)}
}

// versionLine names the release, the Go version and, when the binary was
// built from a Git checkout, the commit.
func versionLine() string {
	line := "starling " + version + " (" + runtime.Version()
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				line += ", " + s.Value[:12]
			}
		}
	}
	return line + ")"
}

// parseCommand parses a command's flags: the shared settings, plus any
// the command adds through extra. Help (-h) prints the flags to stderr.
func parseCommand(name string, args []string, stderr io.Writer, lookupEnv func(string) (string, bool),
	extra func(fs *flag.FlagSet)) (Config, error) {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("starling "+name, flag.ContinueOnError)
	bindConfig(fs, &cfg)
	if extra != nil {
		extra(fs)
	}
	err := parseFlags(fs, args, lookupEnv)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stderr)
		fmt.Fprintf(stderr, "Usage of starling %s:\n", name)
		fs.PrintDefaults()
		return cfg, err
	}
	if err != nil {
		return cfg, usageError{err}
	}
	return cfg, nil
}
