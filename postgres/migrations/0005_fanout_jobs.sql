-- The fan-out outbox. A job is written in the transaction that creates or
-- deletes a status and deleted once delivered, so that the table holds only
-- the backlog. status_id is not a foreign key: a delete job outlives its
-- status. leased_until hides a claimed job from other claims until its
-- lease runs out, after which a crashed delivery is claimed again; claims
-- skip the rows another instance has locked.
CREATE TABLE fanout_jobs (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text        NOT NULL CHECK (kind IN ('post', 'delete')),
    status_id    bigint      NOT NULL,
    author_id    bigint      NOT NULL,
    created_at   timestamptz NOT NULL,
    leased_until timestamptz NOT NULL DEFAULT '-infinity'
);
