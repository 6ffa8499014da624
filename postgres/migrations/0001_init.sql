-- Ids other than the follow cursors are Snowflake ids chosen by the caller.
-- Lower-cased copies of usernames, e-mail addresses and display names are
-- computed in Go, so that both adapters fold case alike; they use the "C"
-- collation so that prefix searches are byte-wise ranges that a btree
-- index answers whatever the database's collation.

CREATE TABLE accounts (
    id                 bigint      PRIMARY KEY,
    username           text        NOT NULL,
    username_lower     text        COLLATE "C" NOT NULL,
    email              text        NOT NULL DEFAULT '',
    email_lower        text        NOT NULL DEFAULT '',
    password_hash      text        NOT NULL DEFAULT '',
    display_name       text        NOT NULL DEFAULT '',
    display_name_lower text        COLLATE "C" NOT NULL DEFAULT '',
    note               text        NOT NULL DEFAULT '',
    note_html          text        NOT NULL DEFAULT '',
    locked             boolean     NOT NULL DEFAULT false,
    bot                boolean     NOT NULL DEFAULT false,
    discoverable       boolean     NOT NULL DEFAULT false,
    fields             jsonb       NOT NULL DEFAULT '[]',
    role               text        NOT NULL DEFAULT 'user',
    approved           boolean     NOT NULL DEFAULT false,
    default_visibility text        NOT NULL DEFAULT 'public',
    default_sensitive  boolean     NOT NULL DEFAULT false,
    default_language   text        NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    last_status_at     timestamptz,
    statuses_count     bigint      NOT NULL DEFAULT 0,
    followers_count    bigint      NOT NULL DEFAULT 0,
    following_count    bigint      NOT NULL DEFAULT 0,
    CONSTRAINT accounts_username_lower_key UNIQUE (username_lower)
);

-- Accounts without an e-mail address (admin-created, bots) do not collide.
CREATE UNIQUE INDEX accounts_email_lower_key ON accounts (email_lower) WHERE email_lower <> '';
-- Account search is a prefix range scan on either name.
CREATE INDEX accounts_display_name_lower_idx ON accounts (display_name_lower);

CREATE TABLE apps (
    id                 bigint      PRIMARY KEY,
    name               text        NOT NULL,
    website            text        NOT NULL DEFAULT '',
    redirect_uris      text[]      NOT NULL DEFAULT '{}',
    scopes             text        NOT NULL DEFAULT '',
    client_id          text        NOT NULL UNIQUE,
    client_secret_hash text        NOT NULL,
    created_at         timestamptz NOT NULL
);

-- app_id and account_id are NULL (not 0) when absent so that they can be
-- foreign keys.
CREATE TABLE tokens (
    id           bigint      PRIMARY KEY,
    access_hash  text        NOT NULL UNIQUE,
    refresh_hash text        NOT NULL DEFAULT '',
    app_id       bigint      REFERENCES apps (id) ON DELETE CASCADE,
    account_id   bigint      REFERENCES accounts (id) ON DELETE CASCADE,
    scopes       text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL
);

CREATE UNIQUE INDEX tokens_refresh_hash_key ON tokens (refresh_hash) WHERE refresh_hash <> '';
CREATE INDEX tokens_app_id_idx ON tokens (app_id);
CREATE INDEX tokens_account_id_idx ON tokens (account_id);

CREATE TABLE auth_codes (
    hash                  text        PRIMARY KEY,
    app_id                bigint      NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    account_id            bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    redirect_uri          text        NOT NULL,
    scopes                text        NOT NULL DEFAULT '',
    code_challenge        text        NOT NULL DEFAULT '',
    code_challenge_method text        NOT NULL DEFAULT '',
    created_at            timestamptz NOT NULL,
    expires_at            timestamptz NOT NULL
);

CREATE INDEX auth_codes_app_id_idx ON auth_codes (app_id);
CREATE INDEX auth_codes_account_id_idx ON auth_codes (account_id);

-- in_reply_to_id is not a foreign key: a reply outlives its parent.
-- 0 stands for "none" in in_reply_to_id, in_reply_to_account_id and
-- application_id.
CREATE TABLE statuses (
    id                     bigint      PRIMARY KEY,
    account_id             bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    text                   text        NOT NULL DEFAULT '',
    content                text        NOT NULL DEFAULT '',
    spoiler_text           text        NOT NULL DEFAULT '',
    sensitive              boolean     NOT NULL DEFAULT false,
    visibility             text        NOT NULL CHECK (visibility IN ('public', 'unlisted', 'private', 'direct')),
    language               text        NOT NULL DEFAULT '',
    in_reply_to_id         bigint      NOT NULL DEFAULT 0,
    in_reply_to_account_id bigint      NOT NULL DEFAULT 0,
    application_id         bigint      NOT NULL DEFAULT 0,
    created_at             timestamptz NOT NULL,
    edited_at              timestamptz,
    replies_count          bigint      NOT NULL DEFAULT 0,
    reblogs_count          bigint      NOT NULL DEFAULT 0,
    favourites_count       bigint      NOT NULL DEFAULT 0,
    has_media              boolean     NOT NULL DEFAULT false
);

-- Profile pages and the home timeline walk one account's statuses by id.
CREATE INDEX statuses_account_id_id_idx ON statuses (account_id, id DESC);
-- The public timeline walks public statuses by id.
CREATE INDEX statuses_public_id_idx ON statuses (id DESC) WHERE visibility = 'public';
-- Threads (descendants) look replies up by parent.
CREATE INDEX statuses_in_reply_to_id_idx ON statuses (in_reply_to_id) WHERE in_reply_to_id <> 0;

-- The username is copied at posting time: usernames never change.
-- position keeps the order in which the caller listed the mentions.
CREATE TABLE status_mentions (
    status_id  bigint  NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    account_id bigint  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    username   text    NOT NULL,
    position   integer NOT NULL,
    PRIMARY KEY (status_id, account_id)
);

CREATE INDEX status_mentions_account_id_idx ON status_mentions (account_id, status_id);

CREATE TABLE status_tags (
    status_id  bigint  NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    name       text    NOT NULL,
    name_lower text    NOT NULL,
    position   integer NOT NULL,
    PRIMARY KEY (status_id, name_lower)
);

-- Hashtag timelines walk one tag's statuses by id.
CREATE INDEX status_tags_name_lower_idx ON status_tags (name_lower, status_id DESC);

-- The status foreign key is deferred because the key is claimed before the
-- status it names is inserted; deleting the status frees the key.
CREATE TABLE idempotency_keys (
    account_id bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key        text        NOT NULL,
    status_id  bigint      NOT NULL REFERENCES statuses (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (account_id, key)
);

CREATE INDEX idempotency_keys_status_id_idx ON idempotency_keys (status_id);

-- A follow's id, the cursor of follower lists, comes from a sequence: it
-- only grows and is never reused after an unfollow.
CREATE TABLE follows (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    follower_id bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    followee_id bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    UNIQUE (follower_id, followee_id)
);

CREATE INDEX follows_followee_id_id_idx ON follows (followee_id, id);
CREATE INDEX follows_follower_id_id_idx ON follows (follower_id, id);

CREATE TABLE follow_requests (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    follower_id bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    followee_id bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    UNIQUE (follower_id, followee_id)
);

CREATE INDEX follow_requests_followee_id_id_idx ON follow_requests (followee_id, id);
