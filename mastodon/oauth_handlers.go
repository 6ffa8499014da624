package mastodon

import (
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/oauth"
	"github.com/starling-social/starling/snowflake"
)

// oauthRoutes registers the OAuth 2 endpoints: app registration, the
// token and revocation endpoints, server metadata, and the authorization
// page with its stylesheet.
func (s *Server) oauthRoutes() {
	s.handle("POST /api/v1/apps", anyone, "", s.createApp)
	s.handle("GET /api/v1/apps/verify_credentials", anyone, "", s.verifyApp)
	// The token and revocation endpoints authenticate clients, not bearer
	// tokens, and answer in RFC 6749's error shape, so they are not behind
	// s.handle; the middleware limits the token endpoint per address.
	s.mux.Handle("POST /oauth/token", s.wrap(s.token))
	s.mux.Handle("POST /oauth/revoke", s.wrap(s.revoke))
	s.mux.Handle("GET /.well-known/oauth-authorization-server", s.wrap(s.oauthMetadata))
	s.mux.Handle("GET /oauth/authorize", http.HandlerFunc(s.authorizePage))
	s.mux.Handle("POST /oauth/authorize", http.HandlerFunc(s.authorizeSubmit))
	s.mux.Handle("GET /oauth/style.css", http.HandlerFunc(serveAuthorizeCSS))
}

// Application is Mastodon's Application entity.
type Application struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Website      *string  `json:"website"`
	Scopes       []string `json:"scopes"`
	RedirectURI  string   `json:"redirect_uri"` // the URIs joined by newlines, for older clients
	RedirectURIs []string `json:"redirect_uris"`
	// VapidKey is required by the entity; Starling has no Web Push, so
	// it is empty.
	VapidKey string `json:"vapid_key"`
}

// CredentialApplication is the Application with its client credentials,
// returned once, when the app is registered.
type CredentialApplication struct {
	Application
	ClientID              string `json:"client_id"`
	ClientSecret          string `json:"client_secret"`
	ClientSecretExpiresAt int64  `json:"client_secret_expires_at"` // 0: never
}

func applicationEntity(app *starling.App) Application {
	var website *string
	if app.Website != "" {
		website = &app.Website
	}
	return Application{
		ID:           snowflake.Format(app.ID),
		Name:         app.Name,
		Website:      website,
		Scopes:       strings.Fields(app.Scopes),
		RedirectURI:  strings.Join(app.RedirectURIs, "\n"),
		RedirectURIs: app.RedirectURIs,
	}
}

// Token is Mastodon's Token entity, with the refresh token when one was
// issued.
type Token struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	CreatedAt    int64  `json:"created_at"` // Unix seconds
	RefreshToken string `json:"refresh_token,omitempty"`
}

func tokenEntity(iss *oauth.Issued) Token {
	return Token{
		AccessToken:  iss.AccessToken,
		TokenType:    "Bearer",
		Scope:        iss.Token.Scopes,
		CreatedAt:    iss.Token.CreatedAt.Unix(),
		RefreshToken: iss.RefreshToken,
	}
}

// createApp is POST /api/v1/apps.
func (s *Server) createApp(w http.ResponseWriter, r *http.Request) error {
	p, err := s.params(w, r)
	if err != nil {
		return err
	}
	app, secret, err := s.svc.OAuth.RegisterApp(r.Context(), p.String("client_name"), p.String("website"),
		p.Strings("redirect_uris"), p.String("scopes"))
	if err != nil {
		return err
	}
	return ok(w, CredentialApplication{
		Application:  applicationEntity(app),
		ClientID:     app.ClientID,
		ClientSecret: secret,
	})
}

// verifyApp is GET /api/v1/apps/verify_credentials: any valid token, app
// or user, whatever its scopes.
func (s *Server) verifyApp(w http.ResponseWriter, r *http.Request) error {
	g := grantOf(r)
	if g == nil {
		return starling.Errorf(starling.EUNAUTHORIZED, "The access token is invalid")
	}
	if g.App == nil {
		return starling.Errorf(starling.ENOTFOUND, "This token was made by an administrator, not by an application")
	}
	return ok(w, applicationEntity(g.App))
}

// oauthStatus is the HTTP status of each OAuth error code: 401 for a
// client that failed to authenticate (RFC 6749 §5.2), 403 for revoking
// another client's token (RFC 7009 §2.2.1), 400 otherwise.
func oauthStatus(code string) int {
	switch code {
	case oauth.InvalidClient:
		return http.StatusUnauthorized
	case oauth.UnauthorizedClient:
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// asOAuthError gives the token and revocation endpoints' errors the shape
// of RFC 6749: protocol errors and malformed requests become *OAuthError;
// failures of the server stay as they are, for writeError to log.
func asOAuthError(err error) error {
	var oe *oauth.Error
	if errors.As(err, &oe) {
		return &OAuthError{Status: oauthStatus(oe.Code), Code: oe.Code, Description: oe.Description}
	}
	if starling.ErrorCode(err) == starling.EBADREQUEST {
		return &OAuthError{Status: http.StatusBadRequest, Code: oauth.InvalidRequest, Description: starling.ErrorMessage(err)}
	}
	return err
}

// clientOf reads the client's credentials from HTTP Basic authentication
// (form-encoded, RFC 6749 §2.3.1) or from the body. Using both with
// different values is refused, since one of them is then a mistake.
func clientOf(r *http.Request, p *Params) (oauth.Client, error) {
	body := oauth.Client{ID: p.String("client_id"), Secret: p.String("client_secret")}
	id, secret, basic := r.BasicAuth()
	if !basic {
		return body, nil
	}
	var c oauth.Client
	var err1, err2 error
	c.ID, err1 = url.QueryUnescape(id)
	c.Secret, err2 = url.QueryUnescape(secret)
	if err1 != nil || err2 != nil {
		return c, &OAuthError{Status: http.StatusBadRequest, Code: oauth.InvalidRequest, Description: "Malformed HTTP Basic credentials."}
	}
	if (body.ID != "" && body.ID != c.ID) || (body.Secret != "" && body.Secret != c.Secret) {
		return c, &OAuthError{Status: http.StatusBadRequest, Code: oauth.InvalidRequest,
			Description: "Client credentials were sent both in the Authorization header and in the body, and differ."}
	}
	return c, nil
}

// token is POST /oauth/token.
func (s *Server) token(w http.ResponseWriter, r *http.Request) error {
	p, err := s.params(w, r)
	if err != nil {
		return asOAuthError(err)
	}
	c, err := clientOf(r, p)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var iss *oauth.Issued
	switch grant := p.String("grant_type"); grant {
	case "authorization_code":
		iss, err = s.svc.OAuth.ExchangeCode(ctx, c, p.String("code"), p.String("redirect_uri"), p.String("code_verifier"))
	case "client_credentials":
		iss, err = s.svc.OAuth.ClientCredentials(ctx, c, p.String("scope"))
	case "refresh_token":
		iss, err = s.svc.OAuth.Refresh(ctx, c, p.String("refresh_token"), p.String("scope"))
	case "password":
		iss, err = s.svc.OAuth.PasswordGrant(ctx, c, p.String("username"), p.String("password"), p.String("scope"))
	case "":
		err = &oauth.Error{Code: oauth.InvalidRequest, Description: "The grant_type parameter is missing."}
	default:
		err = &oauth.Error{Code: oauth.UnsupportedGrantType, Description: "The authorization grant type is not supported by the authorization server."}
	}
	if err != nil {
		var oe *oauth.Error
		if _, _, basic := r.BasicAuth(); basic && errors.As(err, &oe) && oe.Code == oauth.InvalidClient {
			// RFC 6749 §5.2: a client that failed Basic authentication
			// gets the challenge of the scheme it tried.
			w.Header().Set("WWW-Authenticate", `Basic realm="Starling"`)
		}
		return asOAuthError(err)
	}
	noStore(w)
	return ok(w, tokenEntity(iss))
}

// noStore keeps responses that carry secrets out of every cache.
func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}

// revoke is POST /oauth/revoke (RFC 7009).
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) error {
	p, err := s.params(w, r)
	if err != nil {
		return asOAuthError(err)
	}
	c, err := clientOf(r, p)
	if err != nil {
		return err
	}
	if err := s.svc.OAuth.Revoke(r.Context(), c, p.String("token")); err != nil {
		return asOAuthError(err)
	}
	return ok(w, struct{}{})
}

// oauthMetadata is GET /.well-known/oauth-authorization-server (RFC 8414).
func (s *Server) oauthMetadata(w http.ResponseWriter, r *http.Request) error {
	return ok(w, map[string]any{
		"issuer":                                     s.absURL("/"),
		"authorization_endpoint":                     s.absURL("/oauth/authorize"),
		"token_endpoint":                             s.absURL("/oauth/token"),
		"revocation_endpoint":                        s.absURL("/oauth/revoke"),
		"app_registration_endpoint":                  s.absURL("/api/v1/apps"),
		"service_documentation":                      "https://docs.joinmastodon.org/",
		"scopes_supported":                           oauth.Supported(),
		"response_types_supported":                   []string{"code"},
		"response_modes_supported":                   []string{"query"},
		"grant_types_supported":                      []string{"authorization_code", "client_credentials", "refresh_token", "password"},
		"code_challenge_methods_supported":           []string{"S256"},
		"token_endpoint_auth_methods_supported":      []string{"client_secret_basic", "client_secret_post"},
		"revocation_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

// The authorization page. It is the one HTML page of the API: a sign-in
// and consent form, and the page that shows an out-of-band code. Errors
// here are pages too, since a person, not a program, reads them.

// csrfCookie holds the double-submit value that the form echoes in a
// hidden field. SameSite=Strict keeps it off cross-site posts, and the
// comparison proves that the post came from a page this server rendered.
const csrfCookie = "starling_csrf"

// authorizeView is what the page template shows.
type authorizeView struct {
	Title   string
	Message string // an error, or a note above the form
	// The sign-in and consent form; nil on the other pages.
	Form *authorizeForm
	// Code is the out-of-band authorization code to copy.
	Code string
}

type authorizeForm struct {
	AppName    string
	AppWebsite string
	// ReturnTo is where the answer goes: the redirect URI's host (or the
	// whole URI for a custom scheme), so that a person can tell whether an
	// app is what it claims; empty for the out-of-band URI.
	ReturnTo string
	Scopes   []scopeLine
	Login    string // refilled after a failed attempt
	CSRF     string
	// The authorization request, carried through the post.
	ClientID            string
	RedirectURI         string
	ResponseType        string
	Scope               string
	State               string
	CodeChallenge       string
	CodeChallengeMethod string
}

type scopeLine struct{ Scope, Words string }

var authorizeTemplate = template.Must(template.New("authorize").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.Title}} · Starling</title>
<link rel="stylesheet" href="/oauth/style.css">
</head>
<body>
<main>
<h1>{{.Title}}</h1>
{{with .Message}}<p class="message" role="alert">{{.}}</p>{{end}}
{{with .Form}}
<p><strong>{{.AppName}}</strong>{{with .AppWebsite}} (<a href="{{.}}" rel="noopener noreferrer">{{.}}</a>){{end}} would like to use your account. It will be able to:</p>
<ul class="scopes">
{{range .Scopes}}<li>{{.Words}} <code>{{.Scope}}</code></li>
{{end}}</ul>
{{with .ReturnTo}}<p class="note">You will then be sent back to <strong>{{.}}</strong>.</p>{{end}}
<form method="post" action="/oauth/authorize">
<input type="hidden" name="csrf_token" value="{{.CSRF}}">
<input type="hidden" name="client_id" value="{{.ClientID}}">
<input type="hidden" name="redirect_uri" value="{{.RedirectURI}}">
<input type="hidden" name="response_type" value="{{.ResponseType}}">
<input type="hidden" name="scope" value="{{.Scope}}">
<input type="hidden" name="state" value="{{.State}}">
<input type="hidden" name="code_challenge" value="{{.CodeChallenge}}">
<input type="hidden" name="code_challenge_method" value="{{.CodeChallengeMethod}}">
<label for="username">Username or e-mail address</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="{{.Login}}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<div class="buttons">
<button type="submit" name="decision" value="authorize">Authorize</button>
<button type="submit" name="decision" value="deny" class="secondary" formnovalidate>Deny</button>
</div>
</form>
{{end}}
{{with .Code}}
<p>Copy this code and paste it into the application:</p>
<p><input class="code" type="text" readonly value="{{.}}" aria-label="Authorization code"></p>
{{end}}
</main>
</body>
</html>
`))

// authorizeCSS styles the page. It is served from its own URL because
// the page's Content-Security-Policy allows no inline styles.
const authorizeCSS = `:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
body { margin: 0; padding: 2rem 1rem; background: Canvas; color: CanvasText; }
main { max-width: 26rem; margin: 0 auto; }
h1 { font-size: 1.4rem; }
.message { padding: .6rem .8rem; border-left: 4px solid #c0392b; background: rgba(192, 57, 43, .1); }
.scopes { padding-left: 1.2rem; }
.note { font-size: .9em; opacity: .8; }
.scopes code { font-size: .8em; opacity: .7; }
label { display: block; margin-top: .8rem; font-weight: 600; }
input { box-sizing: border-box; width: 100%; padding: .5rem; font: inherit; }
input.code { font-family: ui-monospace, monospace; }
.buttons { display: flex; gap: .6rem; margin-top: 1.2rem; }
button { flex: 1; padding: .6rem; font: inherit; font-weight: 600; border: 0; border-radius: .3rem; background: #4c5fd5; color: #fff; cursor: pointer; }
button.secondary { background: transparent; color: inherit; border: 1px solid currentColor; }
`

func serveAuthorizeCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = io.WriteString(w, authorizeCSS)
}

// renderPage writes one of the authorization pages with headers that keep
// it out of frames, caches and Referer headers. form-action is left out of
// the policy on purpose: browsers apply it to the redirect that follows
// the post, which goes to the client's own redirect URI.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, status int, v authorizeView) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	noStore(w)
	var b strings.Builder
	if err := authorizeTemplate.Execute(&b, v); err != nil {
		s.log.ErrorContext(r.Context(), "render authorization page", slog.Any("err", err))
		http.Error(w, "Internal server error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, b.String())
}

// pageError shows err on a page: the description of an OAuth error, the
// message of a client error, and only a generic message (with the cause
// logged) for a failure of the server.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	var oe *oauth.Error
	if errors.As(err, &oe) {
		s.renderPage(w, r, http.StatusBadRequest, authorizeView{Title: "Authorization failed",
			Message: oe.Description + " Please tell the developers of the application that sent you here."})
		return
	}
	status, ok := statusOf[starling.ErrorCode(err)]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status < 500 {
		s.renderPage(w, r, status, authorizeView{Title: "Authorization failed", Message: starling.ErrorMessage(err)})
		return
	}
	s.log.ErrorContext(r.Context(), "authorization page failed", slog.String("method", r.Method), slog.Any("err", err))
	s.renderPage(w, r, status, authorizeView{Title: "Something went wrong",
		Message: "The server could not complete the request. Please try again later."})
}

// authorizeRequestOf reads the authorization request from p.
func authorizeRequestOf(p *Params) oauth.AuthorizeRequest {
	return oauth.AuthorizeRequest{
		ClientID:            p.String("client_id"),
		RedirectURI:         p.String("redirect_uri"),
		ResponseType:        p.String("response_type"),
		Scope:               p.String("scope"),
		CodeChallenge:       p.String("code_challenge"),
		CodeChallengeMethod: p.String("code_challenge_method"),
	}
}

// formFor builds the consent form of a checked request.
func formFor(a *oauth.Authorization, req oauth.AuthorizeRequest, state, csrf string) *authorizeForm {
	lines := make([]scopeLine, 0, len(a.Scopes))
	for _, sc := range a.Scopes {
		lines = append(lines, scopeLine{Scope: sc, Words: describeScope(sc)})
	}
	f := &authorizeForm{
		AppName:             a.App.Name,
		Scopes:              lines,
		CSRF:                csrf,
		ClientID:            req.ClientID,
		RedirectURI:         a.RedirectURI,
		ResponseType:        req.ResponseType,
		Scope:               a.Scopes.String(),
		State:               state,
		CodeChallenge:       req.CodeChallenge,
		CodeChallengeMethod: req.CodeChallengeMethod,
	}
	if a.RedirectURI != oauth.OOB {
		f.ReturnTo = returnTo(a.RedirectURI)
	}
	// Only web addresses become links: a javascript: website must not.
	if u, err := url.Parse(a.App.Website); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
		f.AppWebsite = a.App.Website
	}
	return f
}

// describeScope says in plain words what a scope lets an app do.
func describeScope(sc string) string {
	switch sc {
	case "read":
		return "Read all your account's data"
	case "write":
		return "Change all your account's data: post, edit your profile, follow"
	case "follow":
		return "Follow, unfollow, block and mute accounts"
	case "push":
		return "Receive your push notifications"
	case "profile":
		return "See your profile, and nothing else"
	case "admin:read":
		return "Read all moderation data of the server"
	case "admin:write":
		return "Take any moderation action on the server"
	}
	i := strings.LastIndexByte(sc, ':')
	what := strings.ReplaceAll(sc[i+1:], "_", " ")
	if what == "statuses" {
		what = "posts"
	}
	switch {
	case strings.HasPrefix(sc, "admin:read:"):
		return "Read the server's " + what + " (moderation)"
	case strings.HasPrefix(sc, "admin:write:"):
		return "Moderate the server's " + what
	case strings.HasPrefix(sc, "read:"):
		return "Read your " + what
	case strings.HasPrefix(sc, "write:"):
		return "Change your " + what
	}
	return sc
}

// csrfToken returns the browser's double-submit value, setting a new one
// when it has none, so that two open authorization tabs share it.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	v := oauth.NewSecret()
	http.SetCookie(w, &http.Cookie{
		Name:     csrfCookie,
		Value:    v,
		Path:     "/oauth/authorize",
		HttpOnly: true,
		Secure:   s.cfg.PublicURL.Scheme == "https",
		SameSite: http.SameSiteStrictMode,
	})
	return v
}

// authorizePage is GET /oauth/authorize: check the request, then ask the
// person to sign in and agree.
func (s *Server) authorizePage(w http.ResponseWriter, r *http.Request) {
	p, err := s.params(w, r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	req := authorizeRequestOf(p)
	a, err := s.svc.OAuth.CheckAuthorize(r.Context(), req)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.renderPage(w, r, http.StatusOK, authorizeView{
		Title: "Authorize " + a.App.Name,
		Form:  formFor(a, req, p.String("state"), s.csrfToken(w, r)),
	})
}

// authorizeSubmit is POST /oauth/authorize: the person's answer.
func (s *Server) authorizeSubmit(w http.ResponseWriter, r *http.Request) {
	p, err := s.params(w, r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	c, err := r.Cookie(csrfCookie)
	if err != nil || c.Value == "" || !oauth.Equal(c.Value, p.String("csrf_token")) {
		s.renderPage(w, r, http.StatusForbidden, authorizeView{Title: "Authorization failed",
			Message: "This form has expired or did not come from this site. Go back to the application and start again."})
		return
	}
	ctx := r.Context()
	req := authorizeRequestOf(p)
	a, err := s.svc.OAuth.CheckAuthorize(ctx, req)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	state := p.String("state")
	if p.String("decision") == "deny" {
		s.finishAuthorize(w, r, a, url.Values{"error": {oauth.AccessDenied},
			"error_description": {"The resource owner denied the request."}}, state)
		return
	}
	retry := func(status int, msg string) {
		f := formFor(a, req, state, c.Value)
		f.Login = p.String("username")
		s.renderPage(w, r, status, authorizeView{Title: "Authorize " + a.App.Name, Message: msg, Form: f})
	}
	// Each attempt counts against the token endpoint's per-address
	// budget, so this form is no easier a way to guess passwords.
	if err := s.takeLimit(w, r, tokenLimit, tokenLimit.name+":"+clientIP(r)); err != nil {
		if starling.ErrorCode(err) != starling.ERATELIMITED {
			s.pageError(w, r, err)
			return
		}
		retry(http.StatusTooManyRequests, "Too many attempts. Please wait a few minutes and try again.")
		return
	}
	acct, err := s.svc.Accounts.Authenticate(ctx, p.String("username"), p.String("password"))
	switch {
	case starling.ErrorCode(err) == starling.EUNAUTHORIZED:
		retry(http.StatusUnauthorized, "The username, e-mail address or password is wrong.")
		return
	case err != nil:
		s.pageError(w, r, err)
		return
	case !acct.Approved:
		retry(http.StatusForbidden, "Your account is still awaiting approval by the moderators.")
		return
	}
	code, err := s.svc.OAuth.IssueCode(ctx, a, acct)
	var oe *oauth.Error
	if errors.As(err, &oe) {
		// The request was for more than this account may have: the
		// client hears it as the RFC says, at its redirect URI.
		s.finishAuthorize(w, r, a, url.Values{"error": {oe.Code}, "error_description": {oe.Description}}, state)
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.finishAuthorize(w, r, a, url.Values{"code": {code}}, state)
}

// returnTo is how the consent page names a redirect URI: the host of a
// web address, which says who receives the answer, and the whole URI of
// any other scheme, whose "host" any app can claim (evilapp://elk.zone/
// is not Elk's).
func returnTo(redirectURI string) string {
	u, err := url.Parse(redirectURI)
	if err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		return u.Host
	}
	return redirectURI
}

// finishAuthorize sends the answer to the client: appended to the redirect
// URI's query (RFC 6749 §4.1.2), or shown on a page for the out-of-band URI.
func (s *Server) finishAuthorize(w http.ResponseWriter, r *http.Request, a *oauth.Authorization, answer url.Values, state string) {
	if a.RedirectURI == oauth.OOB {
		if code := answer.Get("code"); code != "" {
			s.renderPage(w, r, http.StatusOK, authorizeView{Title: "Authorization code", Code: code})
			return
		}
		s.renderPage(w, r, http.StatusOK, authorizeView{Title: "Authorization denied",
			Message: "You denied " + a.App.Name + " access to your account. You can close this page."})
		return
	}
	if state != "" {
		answer.Set("state", state)
	}
	// The URI was registered and parsed when the app was; it parses again.
	u, err := url.Parse(a.RedirectURI)
	if err != nil {
		s.pageError(w, r, starling.Internal(err, "parse redirect URI"))
		return
	}
	q := u.Query()
	for k, vs := range answer {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	noStore(w)
	w.Header().Set("Location", u.String())
	w.WriteHeader(http.StatusFound)
}
