// Package web serves the public, server-rendered pages of Starling: each
// post's permanent page (at /@username/id, and at Twitter's
// /username/status/id so that shared links keep working), a profile page
// with recent posts, redirects from the account and status URIs the API
// hands out (/users/username…) to those pages, and the static files those
// pages and the API's entities point at (default avatar and header, the
// stylesheet), and a hashtag's page of recent public posts. It shows
// anonymous visitors only what policy lets anyone see; everything else is
// a 404 page that does not tell a private post from a missing one.
//
// The pages run no scripts and load nothing from elsewhere, so they are
// served under a Content-Security-Policy that allows only this site's
// stylesheet and images.
package web

import (
	"bytes"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/accounts"
	"github.com/starling-social/starling/snowflake"
	"github.com/starling-social/starling/statuses"
	"github.com/starling-social/starling/timeline"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static/style.css
var styleCSS []byte

// contentSecurityPolicy allows the pages nothing but this site's
// stylesheet and images: no scripts, frames, forms or plugins.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// profilePageSize is how many posts a profile page shows.
const profilePageSize = 20

// tagPageSize is how many posts a hashtag page shows.
const tagPageSize = 20

// Config is what the pages need to know about the instance.
type Config struct {
	// PublicURL is the base of the absolute URLs in links and meta tags.
	PublicURL *url.URL
	// Title names the instance in titles and og:site_name; the host when empty.
	Title string
}

// Handler serves the pages.
type Handler struct {
	cfg      Config
	accounts *accounts.Service
	statuses *statuses.Service
	// timelines reads hashtag pages, so that they list what the API's
	// hashtag timeline lists.
	timelines *timeline.Service
	store     starling.Store
	log       *slog.Logger
	pages     map[string]*template.Template
	avatar    []byte
	header    []byte
}

// New builds the pages' handler. It parses the templates and draws the
// default images once, here.
func New(cfg Config, accounts *accounts.Service, statuses *statuses.Service, store starling.Store, log *slog.Logger) *Handler {
	if cfg.Title == "" {
		cfg.Title = cfg.PublicURL.Host
	}
	// The pages read no home timeline, so the service's engine is the
	// store's own and New needs no more than the store.
	h := &Handler{cfg: cfg, accounts: accounts, statuses: statuses, store: store, log: log,
		timelines: timeline.New(store, timeline.NewStoreHome(store)),
		pages:     map[string]*template.Template{},
		avatar:    defaultAvatar(), header: defaultHeader()}
	for _, name := range []string{"status", "profile", "tag", "error"} {
		// The templates are compiled into the binary, so a parse error is
		// a bug that every test run catches.
		h.pages[name] = template.Must(template.ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html"))
	}
	return h
}

// Register adds the pages' routes to mux (a *http.ServeMux, or the API
// server's Handle so that the pages share its middleware).
//
// The page patterns deliberately name no method: a pattern with both a
// wildcard path and a method would conflict with any method-less pattern
// of the same length elsewhere on the mux (/oauth/token, say), whereas
// these are simply less specific than every literal path. ServeMux cannot
// match a prefix within a segment (/@{username}), so the handlers check
// for the @ themselves.
func (h *Handler) Register(mux interface{ Handle(string, http.Handler) }) {
	mux.Handle("/{handle}", h.page(h.profile))
	mux.Handle("/{handle}/{id}", h.page(h.atStatus))
	mux.Handle("/{username}/status/{id}", h.page(h.twitterStatus))
	mux.Handle("/users/{username}", h.page(h.accountURI))
	mux.Handle("/users/{username}/statuses/{id}", h.page(h.statusURI))
	mux.Handle("/tags/{tag}", h.page(h.tag))
	// The mux would answer /tags/ and /tags/name/ with its plain-text 404;
	// these give them the 404 page. A wider pattern (/tags/{rest...})
	// would conflict with /{username}/status/{id}.
	mux.Handle("/tags/{$}", h.page(missing))
	mux.Handle("/tags/{tag}/{$}", h.page(missing))
	mux.Handle("GET /static/avatar.png", h.static("avatar.png", h.avatar))
	mux.Handle("GET /static/header.png", h.static("header.png", h.header))
	mux.Handle("GET /static/style.css", h.static("style.css", styleCSS))
}

// pageFunc handles a page: it writes it, or returns an error that page
// turns into the 404 or 500 page.
type pageFunc func(w http.ResponseWriter, r *http.Request) error

func (h *Handler) page(f pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "Method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if err := f(w, r); err != nil {
			h.fail(w, r, err)
		}
	})
}

// setSecurityHeaders sets what only these pages need; the API server's
// middleware sets the headers common to every response (nosniff, the
// referrer policy).
func setSecurityHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
}

// static serves a file held in memory; ServeContent answers HEAD and
// ranges and picks the content type from the name.
func (h *Handler) static(name string, body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w)
		w.Header().Set("Cache-Control", "public, max-age=86400")
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
	})
}

// fail writes the 404 page for ENOTFOUND and the 500 page, logged, for
// anything else.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	if starling.ErrorCode(err) == starling.ENOTFOUND {
		h.render(w, r, http.StatusNotFound, "error", "Not found", nil, errorPage{
			Heading: "This page isn't here",
			Message: "There is no such post or profile, or it is not public. " +
				"A post may have been deleted, or be visible only to its author's followers.",
		})
		return
	}
	h.log.ErrorContext(r.Context(), "web page failed", slog.String("path", r.URL.Path), slog.Any("err", err))
	h.render(w, r, http.StatusInternalServerError, "error", "Error", nil, errorPage{
		Heading: "Something went wrong",
		Message: "The page could not be shown. Please try again in a moment.",
	})
}

type errorPage struct{ Heading, Message string }

// layout is what the layout template reads; Page is the page's own data.
type layout struct {
	Lang  string
	Title string
	Meta  *meta
	Page  any
}

// meta fills the canonical link and the OpenGraph tags.
type meta struct {
	SiteName    string
	Type        string // og:type: "article", "profile" or "website" (a hashtag)
	Title       string
	Description string
	URL         string
	Image       string
	Published   string // RFC 3339, articles only
	NoIndex     bool
}

// render executes a page into a buffer first, so that a template error
// becomes a clean 500 rather than half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name, title string, m *meta, page any) {
	var b bytes.Buffer
	data := layout{Lang: "en", Title: title + " - " + h.cfg.Title, Meta: m, Page: page}
	if err := h.pages[name].ExecuteTemplate(&b, "layout", data); err != nil {
		h.log.ErrorContext(r.Context(), "web template failed", slog.String("page", name), slog.Any("err", err))
		http.Error(w, "Internal server error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// absURL returns the absolute URL of path on this instance.
func (h *Handler) absURL(path string) string { return starling.AbsURL(h.cfg.PublicURL, path) }

func notFound() error { return starling.Errorf(starling.ENOTFOUND, "not found") }

// missing is a page that does not exist, so that it gets the 404 page.
func missing(http.ResponseWriter, *http.Request) error { return notFound() }

// accountURI serves /users/username, the account's uri in the API: it
// redirects to the profile page, which decides whether there is one.
func (h *Handler) accountURI(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/@"+url.PathEscape(r.PathValue("username")), http.StatusMovedPermanently)
	return nil
}

// statusURI serves /users/username/statuses/id, a status's uri in the
// API: it redirects to the post's page.
func (h *Handler) statusURI(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/@"+url.PathEscape(r.PathValue("username"))+"/"+url.PathEscape(r.PathValue("id")),
		http.StatusMovedPermanently)
	return nil
}

// atStatus serves /@username/id.
func (h *Handler) atStatus(w http.ResponseWriter, r *http.Request) error {
	username, ok := strings.CutPrefix(r.PathValue("handle"), "@")
	if !ok {
		return notFound()
	}
	return h.status(w, r, username, r.PathValue("id"))
}

// twitterStatus serves /username/status/id, the form of Twitter's links.
func (h *Handler) twitterStatus(w http.ResponseWriter, r *http.Request) error {
	return h.status(w, r, r.PathValue("username"), r.PathValue("id"))
}

type authorView struct {
	Name, Username, ProfilePath string
}

type statusView struct {
	// Author is set in lists of several people's posts (a hashtag's), and
	// nil where the page names the author once (a profile, a post).
	Author                       *authorView
	Path, Date, DateTime         string
	SpoilerText                  string
	Content                      template.HTML
	Unlisted                     bool
	Replies, Reblogs, Favourites int64
}

type statusPage struct {
	Author authorView
	Status statusView
}

// status shows a post that anyone may see, when username names its author
// (in any case: a different case redirects to the canonical address).
func (h *Handler) status(w http.ResponseWriter, r *http.Request, username, rawID string) error {
	id, ok := snowflake.Parse(rawID)
	if !ok {
		return notFound()
	}
	st, err := h.statuses.Get(r.Context(), 0, id)
	if err != nil {
		return err
	}
	// An author awaiting approval does not exist yet for visitors, and
	// neither do their posts.
	author, err := h.accounts.Visible(r.Context(), st.AccountID)
	if err != nil {
		return err
	}
	if !strings.EqualFold(author.Username, username) {
		return notFound()
	}
	if author.Username != username {
		http.Redirect(w, r, statusPath(author.Username, st.ID), http.StatusMovedPermanently)
		return nil
	}
	a := authorOf(author)
	description := st.Text
	if st.SpoilerText != "" {
		// The content warning is all a preview may show.
		description = "Content warning: " + st.SpoilerText
	}
	view := viewStatus(st, author.Username)
	h.render(w, r, http.StatusOK, "status", a.Name+": \""+excerpt(description, 60)+"\"", &meta{
		SiteName:    h.cfg.Title,
		Type:        "article",
		Title:       a.Name + " (@" + author.Username + ")",
		Description: description,
		URL:         h.absURL(view.Path),
		Image:       h.absURL("/static/avatar.png"),
		Published:   view.DateTime,
		NoIndex:     st.Visibility != starling.VisibilityPublic,
	}, statusPage{Author: a, Status: view})
	return nil
}

func statusPath(username string, id int64) string {
	return "/@" + username + "/" + snowflake.Format(id)
}

func authorOf(a *starling.Account) authorView {
	name := strings.TrimSpace(a.DisplayName)
	if name == "" {
		name = a.Username
	}
	return authorView{Name: name, Username: a.Username, ProfilePath: "/@" + a.Username}
}

// viewStatus prepares st, written by username, for a page. Content was
// rendered to safe HTML when the post was written, so it is marked as such.
func viewStatus(st *starling.Status, username string) statusView {
	return statusView{
		Path:        statusPath(username, st.ID),
		Date:        st.CreatedAt.UTC().Format("2 Jan 2006, 15:04 UTC"),
		DateTime:    st.CreatedAt.UTC().Format(time.RFC3339),
		SpoilerText: st.SpoilerText,
		Content:     template.HTML(st.Content),
		Unlisted:    st.Visibility == starling.VisibilityUnlisted,
		Replies:     st.RepliesCount,
		Reblogs:     st.ReblogsCount,
		Favourites:  st.FavouritesCount,
	}
}

// excerpt shortens s to about n characters at a word boundary.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

type profilePage struct {
	Author                         authorView
	Note                           template.HTML
	Fields                         []fieldView
	Statuses, Following, Followers int64
	Posts                          []statusView
	Paged                          bool   // the page starts below the newest posts
	Older                          string // the next page's path, when there may be one
}

type fieldView struct {
	Name  string
	Value template.HTML
}

// profile serves /@username: the account and its recent posts that anyone
// may see, threads included but replies to others left out.
func (h *Handler) profile(w http.ResponseWriter, r *http.Request) error {
	username, ok := strings.CutPrefix(r.PathValue("handle"), "@")
	if !ok || username == "" {
		return notFound()
	}
	account, err := h.accounts.VisibleByUsername(r.Context(), username)
	if err != nil {
		return err
	}
	if account.Username != username {
		target := "/@" + account.Username
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusMovedPermanently)
		return nil
	}
	page := starling.Page{Limit: profilePageSize}
	if v := r.URL.Query().Get("max_id"); v != "" {
		if page.MaxID, ok = snowflake.Parse(v); !ok {
			return notFound()
		}
	}
	q := starling.AccountStatusesQuery{AccountID: account.ID, ExcludeReplies: true}
	posts, err := h.store.AccountStatuses(r.Context(), q, page)
	if err != nil {
		return err
	}
	a := authorOf(account)
	view := profilePage{Author: a, Note: template.HTML(account.NoteHTML),
		Statuses: account.StatusesCount, Following: account.FollowingCount, Followers: account.FollowersCount,
		Paged: page.MaxID != 0}
	for _, f := range account.Fields {
		view.Fields = append(view.Fields, fieldView{Name: f.Name, Value: template.HTML(f.ValueHTML)})
	}
	for _, st := range posts {
		view.Posts = append(view.Posts, viewStatus(st, account.Username))
	}
	if len(posts) == profilePageSize {
		view.Older = "/@" + account.Username + "?max_id=" + snowflake.Format(posts[len(posts)-1].ID)
	}
	description := excerpt(account.Note, 200)
	if description == "" {
		description = "Posts by " + a.Name
	}
	h.render(w, r, http.StatusOK, "profile", a.Name+" (@"+account.Username+")", &meta{
		SiteName:    h.cfg.Title,
		Type:        "profile",
		Title:       a.Name + " (@" + account.Username + ")",
		Description: description,
		URL:         h.absURL("/@" + account.Username),
		Image:       h.absURL("/static/avatar.png"),
		NoIndex:     !account.Discoverable,
	}, view)
	return nil
}

type tagPage struct {
	Name  string // as asked for, in its case
	Posts []statusView
	Paged bool   // the page starts below the newest posts
	Older string // the next page's path, when there may be one
}

// tag serves /tags/name, where the API's hashtag links point: the public
// posts with the hashtag, in any case, replies included, newest first, as
// the API's hashtag timeline lists them (timeline.Service.Tag, which also
// leaves out posts of authors awaiting approval); paged with max_id like a
// profile, the next page starting below the last post read, shown or not.
// A name that no post can carry is a 404 page naming it, shortened, since
// the name may be far longer than any hashtag.
func (h *Handler) tag(w http.ResponseWriter, r *http.Request) error {
	name, err := timeline.TagName(r.PathValue("tag"))
	if err != nil {
		raw := "#" + excerpt(r.PathValue("tag"), 60)
		h.render(w, r, http.StatusNotFound, "error", raw, nil, errorPage{
			Heading: raw,
			Message: "This is not a hashtag, so no post can have it.",
		})
		return nil
	}
	page := starling.Page{Limit: tagPageSize}
	if v := r.URL.Query().Get("max_id"); v != "" {
		var ok bool
		if page.MaxID, ok = snowflake.Parse(v); !ok {
			return notFound()
		}
	}
	l, err := h.timelines.Tag(r.Context(), starling.TagTimelineQuery{Tag: name}, page)
	if err != nil {
		return err
	}
	path := "/tags/" + url.PathEscape(name)
	view := tagPage{Name: name, Paged: page.MaxID != 0}
	for _, st := range l.Statuses {
		a := l.Authors[st.AccountID]
		v, author := viewStatus(st, a.Username), authorOf(a)
		v.Author = &author
		view.Posts = append(view.Posts, v)
	}
	if l.Read == tagPageSize {
		view.Older = path + "?max_id=" + snowflake.Format(l.OldestID)
	}
	h.render(w, r, http.StatusOK, "tag", "#"+name, &meta{
		SiteName:    h.cfg.Title,
		Type:        "website",
		Title:       "#" + name,
		Description: "Public posts with the hashtag #" + name + " on " + h.cfg.Title,
		URL:         h.absURL(path),
		Image:       h.absURL("/static/avatar.png"),
	}, view)
	return nil
}
