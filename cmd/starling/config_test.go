package main

import (
	"bytes"
	"context"
	"flag"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func envOf(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

func parse(args []string, env map[string]string) (Config, error) {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	bindConfig(fs, &cfg)
	err := parseFlags(fs, args, envOf(env))
	return cfg, err
}

func TestDefaults(t *testing.T) {
	cfg, err := parse(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:8080" || cfg.DataDir != "./data" || cfg.PublicURL.String() != "http://localhost:8080" ||
		cfg.DatabaseURL != "" || !cfg.RateLimits || cfg.Registrations != "open" || cfg.NodeID != 0 ||
		cfg.LogLevel != slog.LevelInfo || cfg.LogFormat != "text" || cfg.MaxBodyBytes != 1<<20 ||
		cfg.ShutdownTimeout != 15*time.Second || cfg.usesPostgres() || cfg.MetricsListen != "127.0.0.1:9464" {
		t.Fatalf("defaults: %+v", cfg)
	}
}

func TestConfigSources(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(Config) bool
	}{
		{"flag", []string{"--listen", "0.0.0.0:9000"}, nil,
			func(c Config) bool { return c.Listen == "0.0.0.0:9000" }},
		{"single dash and equals", []string{"-listen=127.0.0.1:0"}, nil,
			func(c Config) bool { return c.Listen == "127.0.0.1:0" }},
		{"env", nil, map[string]string{"STARLING_LISTEN": "127.0.0.1:9001"},
			func(c Config) bool { return c.Listen == "127.0.0.1:9001" }},
		{"flag beats env", []string{"--listen", "127.0.0.1:1"}, map[string]string{"STARLING_LISTEN": "127.0.0.1:2"},
			func(c Config) bool { return c.Listen == "127.0.0.1:1" }},
		{"dashes become underscores", nil, map[string]string{"STARLING_PUBLIC_URL": "https://social.example/"},
			func(c Config) bool { return c.PublicURL.String() == "https://social.example" }},
		{"empty env value is a value", nil, map[string]string{"STARLING_DATABASE_URL": ""},
			func(c Config) bool { return c.DatabaseURL == "" }},
		{"postgres", []string{"--database-url", "postgres://u@db/starling"}, nil,
			func(c Config) bool { return c.usesPostgres() }},
		{"postgresql scheme", nil, map[string]string{"STARLING_DATABASE_URL": "postgresql://u@db/s?sslmode=disable"},
			func(c Config) bool { return c.usesPostgres() }},
		{"rate limits off", []string{"--rate-limits", "off"}, nil,
			func(c Config) bool { return !c.RateLimits }},
		{"rate limits off by env", nil, map[string]string{"STARLING_RATE_LIMITS": "OFF"},
			func(c Config) bool { return !c.RateLimits }},
		{"registrations", []string{"--registrations", "approval"}, nil,
			func(c Config) bool { return c.Registrations == "approval" }},
		{"node id edge", []string{"--node-id", "1023"}, nil,
			func(c Config) bool { return c.NodeID == 1023 }},
		{"log settings", nil, map[string]string{"STARLING_LOG_LEVEL": "debug", "STARLING_LOG_FORMAT": "json"},
			func(c Config) bool { return c.LogLevel == slog.LevelDebug && c.LogFormat == "json" }},
		{"max body", []string{"--max-body", "2048"}, nil,
			func(c Config) bool { return c.MaxBodyBytes == 2048 }},
		{"metrics listener", []string{"--metrics-listen", "127.0.0.1:9464"}, nil,
			func(c Config) bool { return c.MetricsListen == "127.0.0.1:9464" }},
		{"metrics listener by env", nil, map[string]string{"STARLING_METRICS_LISTEN": "[::1]:0"},
			func(c Config) bool { return c.MetricsListen == "[::1]:0" }},
		{"metrics listener off", []string{"--metrics-listen", ""}, map[string]string{"STARLING_METRICS_LISTEN": "127.0.0.1:1"},
			func(c Config) bool { return c.MetricsListen == "" }},
		{"shutdown timeout", []string{"--shutdown-timeout", "2s"}, nil,
			func(c Config) bool { return c.ShutdownTimeout == 2*time.Second }},
		{"unrelated env ignored", nil, map[string]string{"LISTEN": "x", "STARLING_UNKNOWN": "y"},
			func(c Config) bool { return c.Listen == "127.0.0.1:8080" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parse(tt.args, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(cfg) {
				t.Fatalf("got %+v", cfg)
			}
		})
	}
}

func TestInvalidConfig(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string // in the error message
	}{
		{"listen without port", []string{"--listen", "localhost"}, nil, "-listen: want host:port"},
		{"metrics listen without port", []string{"--metrics-listen", "127.0.0.1"}, nil, "-metrics-listen: want host:port"},
		{"public url without scheme", []string{"--public-url", "social.example"}, nil, "-public-url"},
		{"public url with path", []string{"--public-url", "https://social.example/starling"}, nil, "no path"},
		{"public url ftp", []string{"--public-url", "ftp://social.example"}, nil, "http or https"},
		{"database url scheme", []string{"--database-url", "mysql://db"}, nil, "postgres://"},
		{"rate limits", []string{"--rate-limits", "maybe"}, nil, "want on or off"},
		{"registrations", []string{"--registrations", "invite"}, nil, "want open, approval or closed"},
		{"node id too big", []string{"--node-id", "1024"}, nil, "0 to 1023"},
		{"node id negative", []string{"--node-id", "-1"}, nil, "0 to 1023"},
		{"node id not a number", []string{"--node-id", "one"}, nil, "0 to 1023"},
		{"log level", []string{"--log-level", "loud"}, nil, "-log-level"},
		{"log format", []string{"--log-format", "xml"}, nil, "want text or json"},
		{"max body too small", []string{"--max-body", "10"}, nil, "at least 1024"},
		{"shutdown timeout", []string{"--shutdown-timeout", "0s"}, nil, "positive duration"},
		{"empty data dir", []string{"--data", ""}, nil, "must not be empty"},
		{"unknown flag", []string{"--colour", "blue"}, nil, "flag provided but not defined"},
		{"stray argument", []string{"extra"}, nil, `unexpected argument "extra"`},
		{"bad env names its variable", nil, map[string]string{"STARLING_NODE_ID": "2000"}, "STARLING_NODE_ID"},
		{"bad env overridden by a good flag", []string{"--node-id", "5"}, map[string]string{"STARLING_NODE_ID": "x"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(tt.args, tt.env)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestEnvName(t *testing.T) {
	for flagName, want := range map[string]string{
		"listen": "STARLING_LISTEN", "public-url": "STARLING_PUBLIC_URL", "node-id": "STARLING_NODE_ID",
	} {
		if got := envName(flagName); got != want {
			t.Errorf("envName(%q) = %q, want %q", flagName, got, want)
		}
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"no command", nil, 2, "", "no command given"},
		{"unknown command", []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{"help", []string{"help"}, 0, "starling serve", ""},
		{"version", []string{"version"}, 0, "starling " + version, ""},
		{"serve help", []string{"serve", "-h"}, 0, "", "-public-url"},
		{"bad flag value", []string{"serve", "--registrations", "sometimes"}, 2, "", "want open, approval or closed"},
		{"admin without subcommand", []string{"admin"}, 2, "", "admin needs a subcommand"},
		{"admin unknown", []string{"admin", "delete-everything"}, 2, "", "unknown admin command"},
		{"create-account needs a password", []string{"admin", "create-account", "--username", "a"}, 2, "", "needs --password"},
		{"set-role needs a valid role", []string{"admin", "set-role", "--username", "a", "--role", "king"}, 2, "", "--role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr, envOf(nil))
			if code != tt.code {
				t.Fatalf("exit code %d, want %d; stderr: %s", code, tt.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
				t.Fatalf("stdout %q, stderr %q; want %q and %q", stdout.String(), stderr.String(), tt.stdout, tt.stderr)
			}
		})
	}
}
