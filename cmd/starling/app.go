package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/accounts"
	"github.com/starling-social/starling/follows"
	"github.com/starling-social/starling/inmem"
	"github.com/starling-social/starling/oauth"
	"github.com/starling-social/starling/postgres"
	"github.com/starling-social/starling/snowflake"
	"github.com/starling-social/starling/sqlite"
	"github.com/starling-social/starling/statuses"
	"github.com/starling-social/starling/storecache"
	"github.com/starling-social/starling/timeline"
)

// database is a store that can bring its own schema up to date.
type database interface {
	starling.Store
	Migrate(ctx context.Context) error
}

// databaseFile is the SQLite file's name inside --data.
const databaseFile = "starling.db"

// openDatabase opens the configured store: PostgreSQL when a database URL
// is set, otherwise SQLite in the data directory (created if missing).
func openDatabase(ctx context.Context, cfg Config) (database, error) {
	if cfg.usesPostgres() {
		return postgres.Open(ctx, cfg.DatabaseURL)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	return sqlite.Open(ctx, filepath.Join(cfg.DataDir, databaseFile))
}

// app is the wired program: the store and the use-case services on it.
type app struct {
	// db is the database; store is what the services read and write
	// through: db behind the read-through cache of package storecache.
	db        database
	store     *storecache.Store
	cache     *inmem.TimelineCache
	engine    *timeline.Engine
	ids       *snowflake.Generator
	accounts  *accounts.Service
	oauth     *oauth.Service
	statuses  *statuses.Service
	follows   *follows.Service
	timelines *timeline.Service
}

// openApp opens the database, brings its schema up to date and builds the
// services. Every command migrates, so that an admin command run before
// the first `serve` finds its tables.
func openApp(ctx context.Context, cfg Config, log *slog.Logger) (*app, error) {
	ids, err := snowflake.New(cfg.NodeID)
	if err != nil {
		return nil, err
	}
	db, err := openDatabase(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	public := cfg.PublicURL.String()
	store := storecache.New(db, storecache.Options{MaxEntries: cfg.CacheEntries})
	cache := inmem.NewTimelineCache(int64(cfg.TimelineCacheMB)<<20, cfg.TimelineLength)
	engine := timeline.NewEngine(store, cache, timeline.Config{
		Length:    cfg.TimelineLength,
		Threshold: cfg.FanoutThreshold,
		Workers:   cfg.FanoutWorkers,
		Lease:     cfg.FanoutLease,
		Drain:     cfg.ShutdownTimeout,
	}, log)
	acc := accounts.New(store, ids, public)
	return &app{
		db:        db,
		store:     store,
		cache:     cache,
		engine:    engine,
		ids:       ids,
		accounts:  acc,
		oauth:     oauth.New(store, ids, acc),
		statuses:  statuses.New(store, ids, public, engine),
		follows:   follows.New(store, engine),
		timelines: timeline.New(store, engine),
	}, nil
}

func (a *app) close() error { return a.db.Close() }
