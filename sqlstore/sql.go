package sqlstore

import "strconv"

// Column lists, selected in this order by each adapter's scanner.
const (
	// AccountCols are an account's columns, the table aliased a.
	AccountCols = `a.id, a.username, a.email, a.password_hash, a.display_name, a.note, a.note_html,
	a.locked, a.bot, a.discoverable, a.fields, a.role, a.approved, a.sign_up_reason, a.locale,
	a.default_visibility, a.default_sensitive, a.default_language,
	a.created_at, a.updated_at, a.last_status_at,
	a.statuses_count, a.followers_count, a.following_count`

	// StatusCols are a status's columns, the table aliased s.
	StatusCols = `s.id, s.account_id, s.text, s.content, s.spoiler_text, s.sensitive, s.visibility,
	s.language, s.in_reply_to_id, s.in_reply_to_account_id, s.application_id, s.created_at, s.edited_at,
	s.replies_count, s.reblogs_count, s.favourites_count, s.pinned_at`

	// AppCols are an OAuth app's columns.
	AppCols = `id, name, website, redirect_uris, scopes, client_id, client_secret_hash, created_at`

	// TokenCols are a token's columns, in the order InsertToken binds them.
	TokenCols = `id, access_hash, refresh_hash, app_id, account_id, scopes, created_at`

	// AuthCodeCols are an authorization code's columns, in the order
	// InsertAuthCode binds them.
	AuthCodeCols = `hash, app_id, account_id, redirect_uri, scopes, code_challenge, code_challenge_method,
	created_at, expires_at`
)

// Accounts.
const (
	// InsertAccount binds id, username, username_lower, email, email_lower,
	// password_hash, display_name, display_name_lower, note, note_html,
	// locked, bot, discoverable, fields, role, approved, sign_up_reason,
	// locale, default_visibility, default_sensitive, default_language,
	// created_at, updated_at, last_status_at ($1 to $24).
	InsertAccount = `INSERT INTO accounts (id, username, username_lower, email, email_lower,
	password_hash, display_name, display_name_lower, note, note_html, locked, bot, discoverable, fields,
	role, approved, sign_up_reason, locale, default_visibility, default_sensitive, default_language,
	created_at, updated_at, last_status_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
	$23, $24)`

	// UpdateAccount saves the account $1's editable fields: email $2,
	// email_lower $3, password_hash $4, display_name $5, display_name_lower
	// $6, note $7, note_html $8, locked $9, bot $10, discoverable $11,
	// fields $12, role $13, approved $14, default_visibility $15,
	// default_sensitive $16, default_language $17, updated_at $18,
	// sign_up_reason $19, locale $20.
	UpdateAccount = `UPDATE accounts SET email = $2, email_lower = $3, password_hash = $4,
	display_name = $5, display_name_lower = $6, note = $7, note_html = $8,
	locked = $9, bot = $10, discoverable = $11, fields = $12, role = $13, approved = $14,
	default_visibility = $15, default_sensitive = $16, default_language = $17, updated_at = $18,
	sign_up_reason = $19, locale = $20
	WHERE id = $1`
)

// OAuth apps, tokens and codes.
const (
	// InsertApp binds the AppCols in order ($1 to $8).
	InsertApp = `INSERT INTO apps (` + AppCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`

	// InsertToken binds the TokenCols in order ($1 to $7).
	InsertToken = `INSERT INTO tokens (` + TokenCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7)`

	// RotateToken deletes the token whose refresh hash is $1, returning it.
	RotateToken = `DELETE FROM tokens WHERE refresh_hash = $1 RETURNING ` + TokenCols

	// InsertAuthCode binds the AuthCodeCols in order ($1 to $9).
	InsertAuthCode = `INSERT INTO auth_codes (` + AuthCodeCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`

	// TakeAuthCode deletes the code whose hash is $1, returning it.
	TakeAuthCode = `DELETE FROM auth_codes WHERE hash = $1 RETURNING ` + AuthCodeCols
)

// Statuses.
const (
	// ClaimIdempotencyKey records the key $2 of account $1 for status $3 at
	// $4, unless the account has that key from after $5 (the start of the
	// window): then it returns no row, and PriorIdempotencyKey finds the
	// status that holds it.
	ClaimIdempotencyKey = `INSERT INTO idempotency_keys (account_id, key, status_id, created_at)
	VALUES ($1, $2, $3, $4)
	ON CONFLICT (account_id, key) DO UPDATE
	SET status_id = excluded.status_id, created_at = excluded.created_at
	WHERE idempotency_keys.created_at <= $5
	RETURNING status_id`

	// PriorIdempotencyKey returns the status holding the key $2 of account $1.
	PriorIdempotencyKey = `SELECT status_id FROM idempotency_keys WHERE account_id = $1 AND key = $2`

	// InsertStatus binds id, account_id, text, content, spoiler_text,
	// sensitive, visibility, language, in_reply_to_id,
	// in_reply_to_account_id, application_id, created_at, edited_at ($1
	// to $13).
	InsertStatus = `INSERT INTO statuses (id, account_id, text, content, spoiler_text, sensitive,
	visibility, language, in_reply_to_id, in_reply_to_account_id, application_id, created_at, edited_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`

	// AddReply counts one more reply to the status $1.
	AddReply = `UPDATE statuses SET replies_count = replies_count + 1 WHERE id = $1`

	// PinOf selects the pinned_at of the status $2 if the account $1
	// wrote it (no row otherwise).
	PinOf = `SELECT pinned_at FROM statuses WHERE id = $2 AND account_id = $1`

	// CountPins counts the statuses the account $1 has pinned and selects
	// the latest pinned_at among them (NULL when none), from the partial
	// index of pins.
	CountPins = `SELECT count(*), max(pinned_at) FROM statuses WHERE account_id = $1 AND pinned_at IS NOT NULL`

	// Pin pins the status $2 of the account $1 at $3, unless it is pinned.
	Pin = `UPDATE statuses SET pinned_at = $3 WHERE id = $2 AND account_id = $1 AND pinned_at IS NULL`

	// Unpin unpins the status $2 of the account $1.
	Unpin = `UPDATE statuses SET pinned_at = NULL WHERE id = $2 AND account_id = $1 AND pinned_at IS NOT NULL`

	// PinnedStatuses selects the StatusCols of the statuses the account
	// $2 has pinned that the viewer $1 may see, most recently pinned
	// first, from the partial index of pins.
	PinnedStatuses = `SELECT ` + StatusCols + ` FROM statuses s
	WHERE s.account_id = $2 AND s.pinned_at IS NOT NULL AND ` + VisibleTo + `
	ORDER BY s.pinned_at DESC, s.id DESC`
)

// Conditions on statuses (aliased s) for the timelines.
const (
	// VisibleTo is the SQL form of policy.CanView for the viewer bound to
	// parameter $1 (0 when anonymous).
	VisibleTo = `(s.account_id = $1
	OR s.visibility IN ('public', 'unlisted')
	OR (s.visibility = 'private' AND EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = $1 AND f.followee_id = s.account_id))
	OR (s.visibility IN ('private', 'direct') AND EXISTS (SELECT 1 FROM status_mentions m WHERE m.status_id = s.id AND m.account_id = $1)))`

	// NotReplyToOthers keeps statuses that reply to nobody or to their own
	// author (threads).
	NotReplyToOthers = `s.in_reply_to_account_id IN (0, s.account_id)`

	// HomeTimeline is policy.InHome for the viewer $1. The account_id IN
	// (…) condition comes first so that the planner walks the (account_id,
	// id) index of the viewer and each followee; the rest filters those
	// rows:
	//   - the viewer's own statuses pass;
	//   - a followee's status passes unless it is direct and does not
	//     mention the viewer (private ones are visible to followers);
	//   - and unless it replies to someone other than its author, the
	//     viewer or an account the viewer follows.
	HomeTimeline = `s.account_id IN (SELECT followee_id FROM follows WHERE follower_id = $1 UNION ALL SELECT $1)
	AND ` + homeVisible

	// homeVisible is HomeTimeline but for its first condition, which
	// names the authors.
	homeVisible = `(s.account_id = $1 OR (
		(s.visibility <> 'direct'
		  OR EXISTS (SELECT 1 FROM status_mentions m WHERE m.status_id = s.id AND m.account_id = $1))
		AND (s.in_reply_to_account_id IN (0, s.account_id, $1)
		  OR s.in_reply_to_account_id IN (SELECT followee_id FROM follows WHERE follower_id = $1))))`

	// PublicTimeline is every public status that is not a reply to
	// another account.
	PublicTimeline = `s.visibility = 'public' AND ` + NotReplyToOthers
)

// HomeTimelineIDs selects the ids of the newest $2 statuses of the home
// timeline of $1 but for those of the followees in the set $3, written as
// the dialect writes a subquery of the ids of one array parameter: the
// authors merged on read, whose statuses the engine reads from their own
// lists, so that rebuilding the timeline of a follower of an account with
// a hundred thousand posts does not sort them all.
func HomeTimelineIDs(set string) string {
	return `SELECT s.id FROM statuses s WHERE s.account_id IN (
		SELECT followee_id FROM follows WHERE follower_id = $1 AND followee_id NOT IN ` + set + `
		UNION ALL SELECT $1)
	AND ` + homeVisible + ` ORDER BY s.id DESC LIMIT $2`
}

// Tagged is the condition that a status carries the hashtag whose
// lower-cased name is parameter $n.
func Tagged(n int) string {
	return `EXISTS (SELECT 1 FROM status_tags t WHERE t.status_id = s.id AND t.name_lower = $` + strconv.Itoa(n) + `)`
}

// Ancestors walks up the reply chain from the status $2, at most $4 steps
// (MaxThreadDepth) and stopping at a parent that no longer exists, and
// selects the StatusCols of the nearest $3 that the viewer $1 may see,
// nearest first. Each step reads one row by primary key.
const Ancestors = `WITH RECURSIVE chain (id, parent, depth) AS (
		SELECT id, in_reply_to_id, 0 FROM statuses WHERE id = $2
		UNION ALL
		SELECT s.id, s.in_reply_to_id, c.depth + 1 FROM chain c JOIN statuses s ON s.id = c.parent
		WHERE c.depth < $4
	)
	SELECT ` + StatusCols + ` FROM chain c JOIN statuses s ON s.id = c.id
	WHERE c.depth > 0 AND ` + VisibleTo + `
	ORDER BY c.depth LIMIT $3`

// Follows.
const (
	// InsertFollow makes $1 follow $2 since $3, unless it already does.
	InsertFollow = `INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3)
	ON CONFLICT (follower_id, followee_id) DO NOTHING`

	// DeleteFollow makes $1 stop following $2.
	DeleteFollow = `DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2`

	// InsertFollowRequest records $1's request, at $3, to follow $2,
	// unless there is one.
	InsertFollowRequest = `INSERT INTO follow_requests (follower_id, followee_id, created_at)
	VALUES ($1, $2, $3) ON CONFLICT (follower_id, followee_id) DO NOTHING`

	// DeleteFollowRequest deletes $1's request to follow $2.
	DeleteFollowRequest = `DELETE FROM follow_requests WHERE follower_id = $1 AND followee_id = $2`

	// CountFollowRequests counts the requests to follow $1, with the
	// (followee_id, id) index alone.
	CountFollowRequests = `SELECT count(*) FROM follow_requests WHERE followee_id = $1`
)

// Fan-out: the outbox and the reads of delivery and timeline rebuilds.
const (
	// InsertFanoutJob records a job of kind $1 for the status $2 by $3,
	// written at $4.
	InsertFanoutJob = `INSERT INTO fanout_jobs (kind, status_id, author_id, created_at) VALUES ($1, $2, $3, $4)`

	// FanoutRecipients pages through the followers of the author $1 after
	// the follow cursor $2, in the (followee_id, id) index, keeping those
	// whose home timeline the status $4 (visibility $3, replying to the
	// account $5) belongs in by policy.InHome: all of them for a delete
	// ($3 empty); for a direct status the mentioned ones; for a reply to
	// someone else those who follow that account or are it. $6 is the
	// page size.
	FanoutRecipients = `SELECT f.id, f.follower_id FROM follows f
	WHERE f.followee_id = $1 AND f.id > $2
	AND (CAST($3 AS TEXT) = '' OR (
		(CAST($3 AS TEXT) <> 'direct'
		  OR EXISTS (SELECT 1 FROM status_mentions m WHERE m.status_id = $4 AND m.account_id = f.follower_id))
		AND (CAST($5 AS BIGINT) IN (0, $1) OR f.follower_id = $5
		  OR EXISTS (SELECT 1 FROM follows g WHERE g.follower_id = f.follower_id AND g.followee_id = $5))))
	ORDER BY f.id LIMIT $6`

	// AccountStatusIDs selects the ids of the newest $2 statuses of the
	// account $1, from its (account_id, id) index alone.
	AccountStatusIDs = `SELECT id FROM statuses WHERE account_id = $1 ORDER BY id DESC LIMIT $2`
)
