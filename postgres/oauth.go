package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/sqlstore"
)

// CreateApp inserts app. A zero CreatedAt is set to now.
func (db *DB) CreateApp(ctx context.Context, app *starling.App) error {
	sqlstore.Stamp(&app.CreatedAt)
	uris := app.RedirectURIs
	if uris == nil {
		uris = []string{} // the column is NOT NULL
	}
	_, err := db.pool.Exec(ctx, sqlstore.InsertApp,
		app.ID, app.Name, app.Website, uris, app.Scopes, app.ClientID, app.ClientSecretHash, app.CreatedAt)
	if err != nil {
		return dbError(err, "create app")
	}
	return nil
}

func (db *DB) app(ctx context.Context, op, where string, arg any) (*starling.App, error) {
	var (
		app       starling.App
		createdAt time.Time
	)
	err := db.pool.QueryRow(ctx, `SELECT `+sqlstore.AppCols+` FROM apps WHERE `+where, arg).
		Scan(&app.ID, &app.Name, &app.Website, &app.RedirectURIs, &app.Scopes, &app.ClientID, &app.ClientSecretHash, &createdAt)
	if isNoRows(err) {
		return nil, sqlstore.NotFound()
	}
	if err != nil {
		return nil, starling.Internal(err, op)
	}
	if len(app.RedirectURIs) == 0 {
		app.RedirectURIs = nil
	}
	app.CreatedAt = sqlstore.NormTime(createdAt)
	return &app, nil
}

func (db *DB) AppByID(ctx context.Context, id int64) (*starling.App, error) {
	return db.app(ctx, "app by id", `id = $1`, id)
}

func (db *DB) AppByClientID(ctx context.Context, clientID string) (*starling.App, error) {
	if !storable(clientID) {
		return nil, sqlstore.NotFound()
	}
	return db.app(ctx, "app by client id", `client_id = $1`, clientID)
}

// tokenArgs are the arguments of sqlstore.InsertToken for t.
func tokenArgs(t *starling.Token) []any {
	return []any{t.ID, t.AccessHash, t.RefreshHash, nullID(t.AppID), nullID(t.AccountID), t.Scopes, t.CreatedAt}
}

func scanToken(row sqlstore.Scanner) (*starling.Token, error) {
	var (
		t              starling.Token
		appID, account *int64
		createdAt      time.Time
	)
	if err := row.Scan(&t.ID, &t.AccessHash, &t.RefreshHash, &appID, &account, &t.Scopes, &createdAt); err != nil {
		return nil, err
	}
	if appID != nil {
		t.AppID = *appID
	}
	if account != nil {
		t.AccountID = *account
	}
	t.CreatedAt = sqlstore.NormTime(createdAt)
	return &t, nil
}

// CreateToken inserts t. A zero CreatedAt is set to now.
func (db *DB) CreateToken(ctx context.Context, t *starling.Token) error {
	sqlstore.Stamp(&t.CreatedAt)
	if _, err := db.pool.Exec(ctx, sqlstore.InsertToken, tokenArgs(t)...); err != nil {
		return dbError(err, "create token")
	}
	return nil
}

func (db *DB) token(ctx context.Context, op, where string, arg any) (*starling.Token, error) {
	t, err := scanToken(db.pool.QueryRow(ctx, `SELECT `+sqlstore.TokenCols+` FROM tokens WHERE `+where, arg))
	if isNoRows(err) {
		return nil, sqlstore.NotFound()
	}
	if err != nil {
		return nil, starling.Internal(err, op)
	}
	return t, nil
}

// TokenByAccessHash finds the token; revoked tokens are deleted, so every
// token found is live.
func (db *DB) TokenByAccessHash(ctx context.Context, hash string) (*starling.Token, error) {
	if !storable(hash) {
		return nil, sqlstore.NotFound()
	}
	return db.token(ctx, "token by access hash", `access_hash = $1`, hash)
}

// TokenByRefreshHash never matches the empty hash of tokens without a
// refresh token.
func (db *DB) TokenByRefreshHash(ctx context.Context, hash string) (*starling.Token, error) {
	if hash == "" || !storable(hash) {
		return nil, sqlstore.NotFound()
	}
	return db.token(ctx, "token by refresh hash", `refresh_hash = $1`, hash)
}

func (db *DB) RevokeToken(ctx context.Context, id int64) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM tokens WHERE id = $1`, id); err != nil {
		return starling.Internal(err, "revoke token")
	}
	return nil
}

// RotateToken deletes the token with the refresh hash and inserts next in
// one transaction. Of two concurrent rotations of one token, the second
// DELETE waits for the first's row lock and, once the first commits, finds
// no row (READ COMMITTED re-checks the row, which is gone): ENOTFOUND.
func (db *DB) RotateToken(ctx context.Context, refreshHash string, next *starling.Token) (*starling.Token, error) {
	if refreshHash == "" || !storable(refreshHash) {
		return nil, sqlstore.NotFound()
	}
	sqlstore.Stamp(&next.CreatedAt)
	var old *starling.Token
	err := db.write(ctx, func(tx pgx.Tx) error {
		var err error
		old, err = scanToken(tx.QueryRow(ctx, sqlstore.RotateToken, refreshHash))
		if isNoRows(err) {
			return sqlstore.NotFound()
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, sqlstore.InsertToken, tokenArgs(next)...)
		return err
	})
	if err != nil {
		return nil, dbError(err, "rotate token")
	}
	return old, nil
}

// CreateAuthCode inserts c. A zero CreatedAt is set to now.
func (db *DB) CreateAuthCode(ctx context.Context, c *starling.AuthCode) error {
	sqlstore.Stamp(&c.CreatedAt)
	c.ExpiresAt = sqlstore.NormTime(c.ExpiresAt)
	_, err := db.pool.Exec(ctx, sqlstore.InsertAuthCode,
		c.Hash, c.AppID, c.AccountID, c.RedirectURI, c.Scopes, c.CodeChallenge, c.CodeChallengeMethod,
		c.CreatedAt, c.ExpiresAt)
	if err != nil {
		return dbError(err, "create auth code")
	}
	return nil
}

// TakeAuthCode deletes and returns the code in one statement, so of two
// concurrent takers only one gets it.
func (db *DB) TakeAuthCode(ctx context.Context, hash string) (*starling.AuthCode, error) {
	if !storable(hash) {
		return nil, sqlstore.NotFound()
	}
	var (
		c                    starling.AuthCode
		createdAt, expiresAt time.Time
	)
	err := db.pool.QueryRow(ctx, sqlstore.TakeAuthCode, hash).
		Scan(&c.Hash, &c.AppID, &c.AccountID, &c.RedirectURI, &c.Scopes, &c.CodeChallenge, &c.CodeChallengeMethod,
			&createdAt, &expiresAt)
	if isNoRows(err) {
		return nil, sqlstore.NotFound()
	}
	if err != nil {
		return nil, starling.Internal(err, "take auth code")
	}
	c.CreatedAt, c.ExpiresAt = sqlstore.NormTime(createdAt), sqlstore.NormTime(expiresAt)
	return &c, nil
}
