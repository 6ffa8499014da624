-- PruneIdempotencyKeys deletes the keys claimed before a time; without
-- this index each of its batches would scan the whole table.
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
