-- A status pinned to its author's profile: when (Unix milliseconds), or
-- NULL when not pinned. Only the author may pin a status, so the pin is a
-- column of the status, read with it, and deleted with it.
ALTER TABLE statuses ADD COLUMN pinned_at INTEGER;
-- An account's pins, listed on its profile and counted against the limit.
CREATE INDEX statuses_pinned_idx ON statuses (account_id, pinned_at DESC) WHERE pinned_at IS NOT NULL;
