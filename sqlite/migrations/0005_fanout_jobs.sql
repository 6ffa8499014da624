-- The fan-out outbox. A job is written in the transaction that creates or
-- deletes a status and deleted once delivered, so that the table holds only
-- the backlog. status_id is not a foreign key: a delete job outlives its
-- status. leased_until (Unix milliseconds) hides a claimed job from other
-- claims until its lease runs out, after which a crashed delivery is
-- claimed again. AUTOINCREMENT keeps job ids in the order of writing, never
-- reused, which is the order of delivery.
CREATE TABLE fanout_jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL CHECK (kind IN ('post', 'delete')),
    status_id    INTEGER NOT NULL,
    author_id    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    leased_until INTEGER NOT NULL DEFAULT 0
) STRICT;
