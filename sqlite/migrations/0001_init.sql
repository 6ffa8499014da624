-- Times are Unix milliseconds (UTC). Booleans are 0/1. Ids other than the
-- follow cursors are Snowflake ids chosen by the caller. Lower-cased copies
-- of usernames, e-mail addresses and display names are computed in Go, since
-- SQLite's lower() only folds ASCII, so that both adapters compare alike.

CREATE TABLE accounts (
    id                 INTEGER PRIMARY KEY,
    username           TEXT    NOT NULL,
    username_lower     TEXT    NOT NULL UNIQUE,
    email              TEXT    NOT NULL DEFAULT '',
    email_lower        TEXT    NOT NULL DEFAULT '',
    password_hash      TEXT    NOT NULL DEFAULT '',
    display_name       TEXT    NOT NULL DEFAULT '',
    display_name_lower TEXT    NOT NULL DEFAULT '',
    note               TEXT    NOT NULL DEFAULT '',
    note_html          TEXT    NOT NULL DEFAULT '',
    locked             INTEGER NOT NULL DEFAULT 0,
    bot                INTEGER NOT NULL DEFAULT 0,
    discoverable       INTEGER NOT NULL DEFAULT 0,
    fields             TEXT    NOT NULL DEFAULT '[]',
    role               TEXT    NOT NULL DEFAULT 'user',
    approved           INTEGER NOT NULL DEFAULT 0,
    default_visibility TEXT    NOT NULL DEFAULT 'public',
    default_sensitive  INTEGER NOT NULL DEFAULT 0,
    default_language   TEXT    NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    last_status_at     INTEGER,
    statuses_count     INTEGER NOT NULL DEFAULT 0,
    followers_count    INTEGER NOT NULL DEFAULT 0,
    following_count    INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Accounts without an e-mail address (admin-created, bots) do not collide.
CREATE UNIQUE INDEX accounts_email_lower_key ON accounts (email_lower) WHERE email_lower <> '';
-- Account search is a prefix range scan on either name.
CREATE INDEX accounts_display_name_lower_idx ON accounts (display_name_lower);

CREATE TABLE apps (
    id                 INTEGER PRIMARY KEY,
    name               TEXT    NOT NULL,
    website            TEXT    NOT NULL DEFAULT '',
    redirect_uris      TEXT    NOT NULL DEFAULT '[]',
    scopes             TEXT    NOT NULL DEFAULT '',
    client_id          TEXT    NOT NULL UNIQUE,
    client_secret_hash TEXT    NOT NULL,
    created_at         INTEGER NOT NULL
) STRICT;

-- app_id and account_id are NULL (not 0) when absent so that they can be
-- foreign keys.
CREATE TABLE tokens (
    id           INTEGER PRIMARY KEY,
    access_hash  TEXT    NOT NULL UNIQUE,
    refresh_hash TEXT    NOT NULL DEFAULT '',
    app_id       INTEGER REFERENCES apps (id) ON DELETE CASCADE,
    account_id   INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    scopes       TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX tokens_refresh_hash_key ON tokens (refresh_hash) WHERE refresh_hash <> '';
CREATE INDEX tokens_app_id_idx ON tokens (app_id);
CREATE INDEX tokens_account_id_idx ON tokens (account_id);

CREATE TABLE auth_codes (
    hash                  TEXT    PRIMARY KEY,
    app_id                INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    account_id            INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    redirect_uri          TEXT    NOT NULL,
    scopes                TEXT    NOT NULL DEFAULT '',
    code_challenge        TEXT    NOT NULL DEFAULT '',
    code_challenge_method TEXT    NOT NULL DEFAULT '',
    created_at            INTEGER NOT NULL,
    expires_at            INTEGER NOT NULL
) STRICT;

CREATE INDEX auth_codes_app_id_idx ON auth_codes (app_id);
CREATE INDEX auth_codes_account_id_idx ON auth_codes (account_id);

-- in_reply_to_id is not a foreign key: a reply outlives its parent.
-- 0 stands for "none" in in_reply_to_id, in_reply_to_account_id and
-- application_id.
CREATE TABLE statuses (
    id                     INTEGER PRIMARY KEY,
    account_id             INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    text                   TEXT    NOT NULL DEFAULT '',
    content                TEXT    NOT NULL DEFAULT '',
    spoiler_text           TEXT    NOT NULL DEFAULT '',
    sensitive              INTEGER NOT NULL DEFAULT 0,
    visibility             TEXT    NOT NULL CHECK (visibility IN ('public', 'unlisted', 'private', 'direct')),
    language               TEXT    NOT NULL DEFAULT '',
    in_reply_to_id         INTEGER NOT NULL DEFAULT 0,
    in_reply_to_account_id INTEGER NOT NULL DEFAULT 0,
    application_id         INTEGER NOT NULL DEFAULT 0,
    created_at             INTEGER NOT NULL,
    edited_at              INTEGER,
    replies_count          INTEGER NOT NULL DEFAULT 0,
    reblogs_count          INTEGER NOT NULL DEFAULT 0,
    favourites_count       INTEGER NOT NULL DEFAULT 0,
    has_media              INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Profile pages and the home timeline walk one account's statuses by id.
CREATE INDEX statuses_account_id_id_idx ON statuses (account_id, id DESC);
-- The public timeline walks public statuses by id.
CREATE INDEX statuses_public_id_idx ON statuses (id DESC) WHERE visibility = 'public';
-- Threads (descendants) look replies up by parent.
CREATE INDEX statuses_in_reply_to_id_idx ON statuses (in_reply_to_id) WHERE in_reply_to_id <> 0;

-- The username is copied at posting time: usernames never change.
-- position keeps the order in which the caller listed the mentions.
CREATE TABLE status_mentions (
    status_id  INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    username   TEXT    NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (status_id, account_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX status_mentions_account_id_idx ON status_mentions (account_id, status_id);

CREATE TABLE status_tags (
    status_id  INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    name_lower TEXT    NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (status_id, name_lower)
) STRICT, WITHOUT ROWID;

-- Hashtag timelines walk one tag's statuses by id.
CREATE INDEX status_tags_name_lower_idx ON status_tags (name_lower, status_id DESC);

-- The status foreign key is deferred because the key is claimed before the
-- status it names is inserted; deleting the status frees the key.
CREATE TABLE idempotency_keys (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key        TEXT    NOT NULL,
    status_id  INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, key)
) STRICT, WITHOUT ROWID;

CREATE INDEX idempotency_keys_status_id_idx ON idempotency_keys (status_id);

-- AUTOINCREMENT so that a follow's id, the cursor of follower lists, only
-- grows and is never reused after an unfollow.
CREATE TABLE follows (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    follower_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    followee_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    UNIQUE (follower_id, followee_id)
) STRICT;

CREATE INDEX follows_followee_id_id_idx ON follows (followee_id, id);
CREATE INDEX follows_follower_id_id_idx ON follows (follower_id, id);

CREATE TABLE follow_requests (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    follower_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    followee_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    UNIQUE (follower_id, followee_id)
) STRICT;

CREATE INDEX follow_requests_followee_id_id_idx ON follow_requests (followee_id, id);
