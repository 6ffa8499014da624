-- Counts no longer include what not everyone may see (as in Mastodon):
-- direct statuses leave statuses_count and last_status_at, and private and
-- direct replies leave replies_count. Only the rows those statuses counted
-- in change, so only they are recomputed.
UPDATE accounts SET
    statuses_count = (SELECT count(*) FROM statuses s
                      WHERE s.account_id = accounts.id AND s.visibility <> 'direct'),
    last_status_at = (SELECT max(s.created_at) FROM statuses s
                      WHERE s.account_id = accounts.id AND s.visibility <> 'direct')
WHERE id IN (SELECT account_id FROM statuses WHERE visibility = 'direct');

UPDATE statuses SET
    replies_count = (SELECT count(*) FROM statuses r
                     WHERE r.in_reply_to_id = statuses.id AND r.in_reply_to_id <> 0
                     AND r.visibility IN ('public', 'unlisted'))
WHERE id IN (SELECT in_reply_to_id FROM statuses
             WHERE in_reply_to_id <> 0 AND visibility IN ('private', 'direct'));
