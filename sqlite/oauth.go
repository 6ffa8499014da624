package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/sqlstore"
)

// CreateApp inserts app. A zero CreatedAt is set to now.
func (db *DB) CreateApp(ctx context.Context, app *starling.App) error {
	sqlstore.Stamp(&app.CreatedAt)
	uris, err := json.Marshal(app.RedirectURIs)
	if err != nil {
		return starling.Internal(err, "create app")
	}
	_, err = db.w.ExecContext(ctx, sqlstore.InsertApp,
		app.ID, app.Name, app.Website, string(uris), app.Scopes, app.ClientID, app.ClientSecretHash, ms(app.CreatedAt))
	if err != nil {
		return dbError(err, "create app")
	}
	return nil
}

func (db *DB) app(ctx context.Context, op, where string, arg any) (*starling.App, error) {
	var (
		app       starling.App
		uris      string
		createdAt int64
	)
	err := db.r.QueryRowContext(ctx, `SELECT `+sqlstore.AppCols+` FROM apps WHERE `+where, arg).
		Scan(&app.ID, &app.Name, &app.Website, &uris, &app.Scopes, &app.ClientID, &app.ClientSecretHash, &createdAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqlstore.NotFound()
	}
	if err != nil {
		return nil, starling.Internal(err, op)
	}
	if err := json.Unmarshal([]byte(uris), &app.RedirectURIs); err != nil {
		return nil, starling.Internal(err, op)
	}
	if len(app.RedirectURIs) == 0 {
		app.RedirectURIs = nil
	}
	app.CreatedAt = fromMS(createdAt)
	return &app, nil
}

func (db *DB) AppByID(ctx context.Context, id int64) (*starling.App, error) {
	return db.app(ctx, "app by id", `id = $1`, id)
}

func (db *DB) AppByClientID(ctx context.Context, clientID string) (*starling.App, error) {
	return db.app(ctx, "app by client id", `client_id = $1`, clientID)
}

// tokenArgs are the arguments of sqlstore.InsertToken for t.
func tokenArgs(t *starling.Token) []any {
	return []any{t.ID, t.AccessHash, t.RefreshHash, nullID(t.AppID), nullID(t.AccountID), t.Scopes, ms(t.CreatedAt)}
}

func scanToken(row sqlstore.Scanner) (*starling.Token, error) {
	var (
		t              starling.Token
		appID, account sql.NullInt64
		createdAt      int64
	)
	if err := row.Scan(&t.ID, &t.AccessHash, &t.RefreshHash, &appID, &account, &t.Scopes, &createdAt); err != nil {
		return nil, err
	}
	t.AppID, t.AccountID, t.CreatedAt = appID.Int64, account.Int64, fromMS(createdAt)
	return &t, nil
}

// CreateToken inserts t. A zero CreatedAt is set to now.
func (db *DB) CreateToken(ctx context.Context, t *starling.Token) error {
	sqlstore.Stamp(&t.CreatedAt)
	if _, err := db.w.ExecContext(ctx, sqlstore.InsertToken, tokenArgs(t)...); err != nil {
		return dbError(err, "create token")
	}
	return nil
}

func (db *DB) token(ctx context.Context, op, where string, arg any) (*starling.Token, error) {
	t, err := scanToken(db.r.QueryRowContext(ctx, `SELECT `+sqlstore.TokenCols+` FROM tokens WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
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
	return db.token(ctx, "token by access hash", `access_hash = $1`, hash)
}

// TokenByRefreshHash never matches the empty hash of tokens without a
// refresh token.
func (db *DB) TokenByRefreshHash(ctx context.Context, hash string) (*starling.Token, error) {
	if hash == "" {
		return nil, sqlstore.NotFound()
	}
	return db.token(ctx, "token by refresh hash", `refresh_hash = $1`, hash)
}

func (db *DB) RevokeToken(ctx context.Context, id int64) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM tokens WHERE id = $1`, id); err != nil {
		return starling.Internal(err, "revoke token")
	}
	return nil
}

// RotateToken deletes the token with the refresh hash and inserts next in
// one write transaction. Writes go through the single writer connection
// one transaction at a time, so a second rotation of the same token finds
// it deleted by the first.
func (db *DB) RotateToken(ctx context.Context, refreshHash string, next *starling.Token) (*starling.Token, error) {
	if refreshHash == "" {
		return nil, sqlstore.NotFound()
	}
	sqlstore.Stamp(&next.CreatedAt)
	var old *starling.Token
	err := db.write(ctx, func(tx wtx) error {
		var err error
		old, err = scanToken(tx.QueryRowContext(ctx, sqlstore.RotateToken, refreshHash))
		if errors.Is(err, sql.ErrNoRows) {
			return sqlstore.NotFound()
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, sqlstore.InsertToken, tokenArgs(next)...)
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
	_, err := db.w.ExecContext(ctx, sqlstore.InsertAuthCode,
		c.Hash, c.AppID, c.AccountID, c.RedirectURI, c.Scopes, c.CodeChallenge, c.CodeChallengeMethod,
		ms(c.CreatedAt), ms(c.ExpiresAt))
	if err != nil {
		return dbError(err, "create auth code")
	}
	return nil
}

// TakeAuthCode deletes and returns the code in one statement, so of two
// concurrent takers only one gets it.
func (db *DB) TakeAuthCode(ctx context.Context, hash string) (*starling.AuthCode, error) {
	var (
		c                    starling.AuthCode
		createdAt, expiresAt int64
	)
	err := db.w.QueryRowContext(ctx, sqlstore.TakeAuthCode, hash).
		Scan(&c.Hash, &c.AppID, &c.AccountID, &c.RedirectURI, &c.Scopes, &c.CodeChallenge, &c.CodeChallengeMethod,
			&createdAt, &expiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqlstore.NotFound()
	}
	if err != nil {
		return nil, starling.Internal(err, "take auth code")
	}
	c.CreatedAt, c.ExpiresAt = fromMS(createdAt), fromMS(expiresAt)
	return &c, nil
}
