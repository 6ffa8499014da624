package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/logbuf"
	"github.com/starling-social/starling/mastodon"
	"github.com/starling-social/starling/snowflake"
)

// envPrefix names the environment variable behind every flag:
// --public-url is also STARLING_PUBLIC_URL.
const envPrefix = "STARLING_"

// Config is every setting of the process, parsed once from the command
// line and the environment, validated, and passed down.
type Config struct {
	Listen        string   // host:port; port 0 picks a free one
	MetricsListen string   // host:port of the metrics listener; empty: no metrics served
	DataDir       string   // holds starling.db when DatabaseURL is empty
	PublicURL     *url.URL // base of every absolute URL, without a trailing slash
	DatabaseURL   string   // empty: SQLite in DataDir; postgres:// or postgresql://: PostgreSQL
	RateLimits    bool
	Registrations string // one of the mastodon.Registrations* modes
	NodeID        int    // Snowflake node id, unique per running instance
	LogLevel      slog.Level
	LogFormat     string // text or json
	MaxBodyBytes  int64
	// ShutdownTimeout bounds how long in-flight requests may run on
	// after a stop signal.
	ShutdownTimeout time.Duration

	// TimelineCacheMB is the memory budget of the in-process timeline
	// cache, in MiB; the least recently read lists are evicted beyond it.
	TimelineCacheMB int
	// CacheEntries bounds each kind of object (tokens, accounts,
	// statuses) the read-through cache keeps.
	CacheEntries int
	// TimelineLength is how many status ids a cached timeline keeps.
	TimelineLength int
	// FanoutThreshold is the followers count above which an author's
	// posts are merged into home timelines on read instead of copied on
	// write.
	FanoutThreshold int64
	// FanoutWorkers is how many deliveries run at once.
	FanoutWorkers int
	// FanoutLease is how long a claimed fan-out job stays hidden from
	// other claims: after a crash, the jobs the dead process held wait
	// this long before they are delivered again.
	FanoutLease time.Duration
	// CeilingEndpoint serves GET /api/v1/starling/ceiling, a fixed page
	// of 20 statuses through the whole HTTP stack, which `starling bench`
	// measures as the most the machine can serve. Off in production.
	CeilingEndpoint bool
}

// defaultConfig is what an unconfigured `starling serve` runs with: a
// local instance for one developer.
func defaultConfig() Config {
	u, _ := url.Parse("http://localhost:8080")
	return Config{
		Listen:          "127.0.0.1:8080",
		DataDir:         "./data",
		PublicURL:       u,
		RateLimits:      true,
		Registrations:   mastodon.RegistrationsOpen,
		LogLevel:        slog.LevelInfo,
		LogFormat:       "text",
		MaxBodyBytes:    1 << 20,
		ShutdownTimeout: 15 * time.Second,
		// Metrics are on by default, on a port of their own that only
		// this machine reaches: they reveal how busy the instance is and
		// which routes fail, so they are kept off the public listener.
		MetricsListen: "127.0.0.1:9464",
		// 256 MiB keeps about 40,000 full timelines of 800 ids, and many
		// more of the short ones most readers have.
		TimelineCacheMB: 256,
		TimelineLength:  800,
		// About 200 MB of statuses and accounts: the authors and posts
		// that the pages of tens of thousands of active readers show.
		CacheEntries:    200_000,
		FanoutThreshold: 10_000,
		FanoutWorkers:   2,
		FanoutLease:     time.Minute,
	}
}

// usesPostgres reports whether the database is a PostgreSQL server.
func (c Config) usesPostgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// bindConfig registers the settings' flags on fs, writing into c. Each flag
// validates its value as it is set, so a bad value from the command line
// or the environment fails with the flag's name in the message.
func bindConfig(fs *flag.FlagSet, c *Config) {
	fs.Func("listen", "`address` to listen on, host:port (port 0: any free port) (default "+c.Listen+")",
		func(s string) error {
			if _, _, err := net.SplitHostPort(s); err != nil {
				return errors.New("want host:port")
			}
			c.Listen = s
			return nil
		})
	fs.Func("metrics-listen", "`address` to serve /metrics on, host:port, apart from the API; empty: not served (default "+c.MetricsListen+")",
		func(s string) error {
			if s != "" {
				if _, _, err := net.SplitHostPort(s); err != nil {
					return errors.New("want host:port, or nothing to serve no metrics")
				}
			}
			c.MetricsListen = s
			return nil
		})
	fs.Func("data", "`directory` of the SQLite database, created if missing (default "+c.DataDir+")",
		func(s string) error {
			if s == "" {
				return errors.New("must not be empty")
			}
			c.DataDir = s
			return nil
		})
	fs.Func("public-url", "`URL` the instance is reached at, the base of every link (default "+c.PublicURL.String()+")",
		func(s string) error {
			u, err := url.Parse(s)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
				u.RawQuery != "" || u.Fragment != "" || strings.Trim(u.Path, "/") != "" {
				return errors.New("want an http or https URL with a host and no path, such as https://social.example")
			}
			u.Path = ""
			c.PublicURL = u
			return nil
		})
	fs.Func("database-url", "database `URL`: postgres://… for PostgreSQL; empty for SQLite in --data",
		func(s string) error {
			c.DatabaseURL = s
			if s != "" && !c.usesPostgres() {
				return errors.New("want a postgres:// or postgresql:// URL, or nothing for SQLite")
			}
			return nil
		})
	fs.Func("rate-limits", "`on|off`: limit requests per account and per address (default on)",
		func(s string) error {
			v, err := parseOnOff(s)
			c.RateLimits = v
			return err
		})
	fs.Func("registrations", "`mode`: open, approval (a moderator approves each sign-up) or closed (default "+c.Registrations+")",
		func(s string) error {
			switch s {
			case mastodon.RegistrationsOpen, mastodon.RegistrationsApproval, mastodon.RegistrationsClosed:
				c.Registrations = s
				return nil
			}
			return errors.New("want open, approval or closed")
		})
	fs.Func("node-id", fmt.Sprintf("`id` of this instance among those sharing a database, 0..%d (default 0)", snowflake.MaxNode),
		func(s string) error {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n > snowflake.MaxNode {
				return fmt.Errorf("want a whole number from 0 to %d", snowflake.MaxNode)
			}
			c.NodeID = n
			return nil
		})
	fs.Func("log-level", "`level`: debug, info, warn or error (default info)",
		func(s string) error {
			return c.LogLevel.UnmarshalText([]byte(s))
		})
	fs.Func("log-format", "`format`: text or json (default "+c.LogFormat+")",
		func(s string) error {
			if s != "text" && s != "json" {
				return errors.New("want text or json")
			}
			c.LogFormat = s
			return nil
		})
	fs.Func("max-body", fmt.Sprintf("largest request body in `bytes` (default %d)", c.MaxBodyBytes),
		func(s string) error {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 1024 {
				return errors.New("want a number of bytes, at least 1024")
			}
			c.MaxBodyBytes = n
			return nil
		})
	fs.Func("timeline-cache-mb", fmt.Sprintf("memory budget of the timeline cache in `MiB` (default %d)", c.TimelineCacheMB),
		func(s string) error {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				return errors.New("want a whole number of MiB, at least 1")
			}
			c.TimelineCacheMB = n
			return nil
		})
	fs.Func("cache-entries", fmt.Sprintf("`number` of statuses, of accounts and of tokens each that the read-through cache keeps, and of statuses and of accounts each whose rendered JSON is kept (default %d)", c.CacheEntries),
		func(s string) error {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				return errors.New("want a whole number, at least 1")
			}
			c.CacheEntries = n
			return nil
		})
	fs.Func("timeline-length", fmt.Sprintf("status `ids` kept per cached home timeline (default %d)", c.TimelineLength),
		func(s string) error {
			n, err := strconv.Atoi(s)
			if err != nil || n < starling.MaxPageLimit {
				return fmt.Errorf("want a whole number, at least %d (one page)", starling.MaxPageLimit)
			}
			c.TimelineLength = n
			return nil
		})
	fs.Func("fanout-threshold", fmt.Sprintf("followers `count` above which posts are merged on read rather than fanned out (default %d)", c.FanoutThreshold),
		func(s string) error {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 1 {
				return errors.New("want a whole number, at least 1")
			}
			c.FanoutThreshold = n
			return nil
		})
	fs.Func("fanout-workers", fmt.Sprintf("`number` of fan-out deliveries run at once (default %d)", c.FanoutWorkers),
		func(s string) error {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > 64 {
				return errors.New("want a whole number from 1 to 64")
			}
			c.FanoutWorkers = n
			return nil
		})
	fs.Func("fanout-lease", "how long a claimed fan-out job is hidden from other claims, a `duration`: after a crash its delivery is retried this long later (default "+c.FanoutLease.String()+")",
		func(s string) error {
			d, err := time.ParseDuration(s)
			if err != nil || d < time.Second {
				return errors.New("want a duration of at least 1s, such as 1m")
			}
			c.FanoutLease = d
			return nil
		})
	fs.Func("ceiling-endpoint", "`on|off`: serve GET /api/v1/starling/ceiling, the fixed page `starling bench` measures (default off)",
		func(s string) error {
			v, err := parseOnOff(s)
			c.CeilingEndpoint = v
			return err
		})
	fs.Func("shutdown-timeout", "how long in-flight requests may finish after SIGTERM, a `duration` (default "+c.ShutdownTimeout.String()+")",
		func(s string) error {
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				return errors.New("want a positive duration such as 15s")
			}
			c.ShutdownTimeout = d
			return nil
		})
}

// parseOnOff reads a switch: on, true or 1; off, false or 0.
func parseOnOff(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "on", "true", "1":
		return true, nil
	case "off", "false", "0":
		return false, nil
	}
	return false, errors.New("want on or off")
}

// parseFlags parses args into fs, then gives each flag not set on the
// command line the value of its environment variable, if any: flag beats
// environment beats default.
func parseFlags(fs *flag.FlagSet, args []string, lookupEnv func(string) (string, bool)) error {
	fs.SetOutput(io.Discard) // errors are reported by the caller, once
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		name := envName(f.Name)
		if v, ok := lookupEnv(name); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("invalid value %q for %s: %v", v, name, e)
			}
		}
	})
	return err
}

// envName is the environment variable of a flag: upper case, dashes
// turned into underscores, with the STARLING_ prefix.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// newLogger writes to w in the configured format and level; records
// logged with a request's context carry its request id.
func newLogger(c Config, w io.Writer) *slog.Logger {
	return slog.New(mastodon.WithRequestIDs(logHandler(c, w)))
}

// newBufferedLogger is newLogger writing through w's buffer, which
// warnings and errors write out at once.
func newBufferedLogger(c Config, w *logbuf.Writer) *slog.Logger {
	return slog.New(mastodon.WithRequestIDs(logbuf.Handler(logHandler(c, w), w, slog.LevelWarn)))
}

func logHandler(c Config, w io.Writer) slog.Handler {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.NewJSONHandler(w, opts)
	}
	return slog.NewTextHandler(w, opts)
}
