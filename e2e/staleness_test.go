package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestRenderedEntitiesAreNeverStale proves the promise of the server's
// caches (the read-through cache of package storecache and the rendered
// JSON of package mastodon): a change made through the API is never served
// stale. The very next read, on every endpoint that shows the status or the
// account changed, shows the change.
//
// The test keeps a model of what it did (accounts, profiles, statuses,
// follows) and derives from it everything every endpoint must show: counts,
// last_status_at, profile fields, which lists hold which statuses and
// accounts. Each case reads every endpoint first, so that every cache holds
// the value about to change, makes one change through the API, and at once
// (no sleep, no retry) reads every endpoint again. Besides the model, every
// rendering of a status or an account met in one pass must be the same on
// every endpoint and for every viewer, but for the per-viewer fields, so
// that one viewer's fields cannot leak into another's answer.
func TestRenderedEntitiesAreNeverStale(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			w := newStaleWorld(t, t.TempDir(), b.dbURL(t))
			w.checkAll(t) // warms every cache, and checks the setup

			alice := w.byName["alice"]
			cases := []struct {
				name   string
				change func(t *testing.T)
			}{
				{"another viewer", func(t *testing.T) { w.readInEveryViewerOrder(t) }},
				{"display name", func(t *testing.T) {
					w.updateProfile(t, map[string]any{"display_name": "Alice Ng ✓"}, func(a map[string]any) {
						alice.displayName = "Alice Ng ✓"
					})
				}},
				{"note", func(t *testing.T) {
					const note = "Watches caches & <b>stale</b> things"
					w.updateProfile(t, map[string]any{"note": note}, func(a map[string]any) {
						html, _ := a["note"].(string)
						if !strings.Contains(html, "Watches caches &amp; &lt;b&gt;stale&lt;/b&gt; things") {
							t.Errorf("PATCH update_credentials: note rendered as %q", html)
						}
						alice.note, alice.noteSource = html, note
					})
				}},
				{"locked", func(t *testing.T) {
					w.updateProfile(t, map[string]any{"locked": !alice.locked}, func(map[string]any) { alice.locked = !alice.locked })
				}},
				{"bot", func(t *testing.T) {
					w.updateProfile(t, map[string]any{"bot": !alice.bot}, func(map[string]any) { alice.bot = !alice.bot })
				}},
				{"discoverable", func(t *testing.T) {
					w.updateProfile(t, map[string]any{"discoverable": !alice.discoverable},
						func(map[string]any) { alice.discoverable = !alice.discoverable })
				}},
				{"profile fields", func(t *testing.T) {
					attrs := []any{
						map[string]any{"name": "Site", "value": "https://example.com/alice"},
						map[string]any{"name": "Pronouns", "value": "she/her"},
					}
					w.updateProfile(t, map[string]any{"fields_attributes": attrs}, func(a map[string]any) {
						fields, _ := a["fields"].([]any)
						if len(fields) != 2 || !strings.Contains(fmt.Sprint(fields[0]), "example.com/alice") ||
							!strings.Contains(fmt.Sprint(fields[1]), "she/her") {
							t.Errorf("PATCH update_credentials: fields rendered as %s", show(fields))
						}
						alice.fields = fields
						alice.sourceFields = []any{
							map[string]any{"name": "Site", "value": "https://example.com/alice", "verified_at": nil},
							map[string]any{"name": "Pronouns", "value": "she/her", "verified_at": nil},
						}
					})
				}},
				{"unlocked again", func(t *testing.T) {
					// Later cases follow alice, which must not make requests.
					w.updateProfile(t, map[string]any{"locked": false}, func(map[string]any) { alice.locked = false })
				}},
				{"new post by the author", func(t *testing.T) {
					w.post(t, "alice", map[string]any{"status": "A second post by alice"}, false)
				}},
				{"public reply by another", func(t *testing.T) {
					w.post(t, "carol", map[string]any{"status": "A public reply by carol", "in_reply_to_id": w.p.id}, false)
				}},
				{"private reply by another", func(t *testing.T) {
					// Only public and unlisted replies count in replies_count.
					w.post(t, "carol", map[string]any{"status": "A private reply by carol", "in_reply_to_id": w.p.id,
						"visibility": "private"}, false)
				}},
				{"unfollow", func(t *testing.T) { w.setFollow(t, "carol", "alice", false) }},
				{"follow", func(t *testing.T) { w.setFollow(t, "dave", "alice", true) }},
				{"role set by another process", func(t *testing.T) {
					// storecache's doc: writes made by other processes are
					// not seen until the entry expires (accounts: a minute).
					// Nothing about the role is promised at once, so either
					// role may show now; the next case makes the promise
					// that is immediate.
					admin(t, w.data, w.dbURL, "set-role", "--username", "alice", "--role", "moderator")
					if me := w.getObject(t, "after set-role", "/api/v1/accounts/verify_credentials", alice.token); me != nil {
						t.Logf("right after set-role, verify_credentials shows role %s (either is allowed)", show(me["role"]))
					}
					old := alice.role
					alice.oldRole, alice.role = &old, "Moderator"
				}},
				{"API write after a role set by another process", func(t *testing.T) {
					// A write through the API forgets the account, so the
					// next read reads the store, which has the new role; and
					// the write must not put the old role back.
					alice.oldRole = nil
					w.updateProfile(t, map[string]any{"display_name": "Alice, moderator"}, func(map[string]any) {
						alice.displayName = "Alice, moderator"
					})
				}},
				{"pin", func(t *testing.T) { w.setPin(t, "alice", w.p, true) }},
				{"unpin", func(t *testing.T) { w.setPin(t, "alice", w.p, false) }},
				{"pinned again", func(t *testing.T) { w.setPin(t, "alice", w.p, true) }},
				{"delete", func(t *testing.T) { w.deleteStatus(t, "alice", w.p) }},
			}
			for i, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					w.round = i + 1
					w.checkAll(t) // the caches hold the value about to change
					w.resetSeen()
					c.change(t)
					w.checkAll(t)
				})
			}
		})
	}
}

// staleAccount is the model of an account: what every endpoint must show
// of it, but for the counts, which staleWorld derives.
type staleAccount struct {
	name, id, token string
	displayName     string
	note            string // as rendered (HTML)
	noteSource      string // as typed, shown to the owner in source.note
	locked, bot     bool
	discoverable    bool
	fields          []any // as the API shows them: [{name, value (HTML), verified_at}]
	sourceFields    []any // as typed, in source.fields
	createdAt       string
	role            string // role.name on verify_credentials
	// oldRole, when set, is the role before another process changed it:
	// until a write through the API forgets the account, either may show.
	oldRole *string
}

// staleStatus is the model of a status.
type staleStatus struct {
	id, author                  string // author is a username
	inReplyTo, inReplyToAccount string // an id and a username, "" when not a reply
	visibility                  string
	createdAt                   string
	mentions                    []string // usernames, as the server added them
	tagged                      bool     // carries #staleness
	// old statuses were posted before any home timeline was read, so
	// they are in every home timeline they belong to.
	old     bool
	deleted bool
	pinned  bool // to its author's profile
}

// seenEntity is the first rendering of an entity met in a pass, without
// its per-viewer fields, and where it was read.
type seenEntity struct {
	where string
	v     map[string]any
}

// staleWorld is a running server and the model of what was done to it.
type staleWorld struct {
	srv         *server
	data, dbURL string
	accounts    []*staleAccount
	byName      map[string]*staleAccount
	byID        map[string]*staleAccount
	statuses    []*staleStatus // in posting order
	statusByID  map[string]*staleStatus
	follows     map[[2]string]bool // {follower, followed} usernames
	p           *staleStatus       // alice's status P, which every case looks at
	round       int                // rotates the order of the reads of checkAll
	seenStatus  map[string]seenEntity
	seenAccount map[string]seenEntity
}

// staleViewers are who reads the statuses: anonymous, a follower of the
// author, and the author.
var staleViewers = []string{"", "bob", "alice"}

// viewerFields are a status's fields that differ between viewers.
var viewerFields = []string{"favourited", "reblogged", "muted", "bookmarked", "pinned", "filtered"}

// newStaleWorld creates alice, bob, carol and dave with tokens, starts the
// server with its default caches, has bob and carol follow alice, and has
// alice post P (tagged #staleness) and bob reply to it.
func newStaleWorld(t *testing.T, data, dbURL string) *staleWorld {
	t.Helper()
	w := &staleWorld{data: data, dbURL: dbURL, byName: map[string]*staleAccount{}, byID: map[string]*staleAccount{},
		statusByID: map[string]*staleStatus{}, follows: map[[2]string]bool{}}
	w.resetSeen()
	for _, name := range []string{"alice", "bob", "carol", "dave"} {
		admin(t, data, dbURL, "create-account", "--username", name, "--password", "a long enough password")
		a := &staleAccount{name: name, token: admin(t, data, dbURL, "token", "--username", name)}
		w.accounts = append(w.accounts, a)
		w.byName[name] = a
	}
	w.srv = start(t, data, dbURL)
	// The model starts from what the server says of the new accounts.
	for _, a := range w.accounts {
		me := w.getObject(t, "setup", "/api/v1/accounts/verify_credentials", a.token)
		if me == nil {
			t.FailNow()
		}
		src, _ := me["source"].(map[string]any)
		role, _ := me["role"].(map[string]any)
		a.id, _ = me["id"].(string)
		a.displayName, _ = me["display_name"].(string)
		a.note, _ = me["note"].(string)
		a.locked, _ = me["locked"].(bool)
		a.bot, _ = me["bot"].(bool)
		a.discoverable, _ = me["discoverable"].(bool)
		a.fields, _ = me["fields"].([]any)
		a.createdAt, _ = me["created_at"].(string)
		a.noteSource, _ = src["note"].(string)
		a.sourceFields, _ = src["fields"].([]any)
		a.role, _ = role["name"].(string)
		w.byID[a.id] = a
	}
	w.setFollow(t, "bob", "alice", true)
	w.setFollow(t, "carol", "alice", true)
	w.p = w.post(t, "alice", map[string]any{"status": "Hello from alice #staleness"}, true)
	w.post(t, "bob", map[string]any{"status": "Nice to see you here", "in_reply_to_id": w.p.id}, true)
	return w
}

// resetSeen starts a new pass: renderings are compared within a pass.
func (w *staleWorld) resetSeen() {
	w.seenStatus = map[string]seenEntity{}
	w.seenAccount = map[string]seenEntity{}
}

// call makes an API request, failing the test when it cannot be made, and
// returns the status code and the decoded answer (nil unless 2xx).
func (w *staleWorld) call(t *testing.T, method, path, token string, body any) (int, any) {
	t.Helper()
	var out any
	code, err := w.srv.call(method, path, token, body, &out)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return code, out
}

// getObject GETs path, which must answer 200 with an object; otherwise it
// reports an error naming where and returns nil.
func (w *staleWorld) getObject(t *testing.T, where, path, token string) map[string]any {
	t.Helper()
	code, out := w.call(t, "GET", path, token, nil)
	obj, ok := out.(map[string]any)
	if code != http.StatusOK || !ok {
		t.Errorf("%s: GET %s%s answered %d %s, want 200 with an object", where, path, as(token, w), code, show(out))
		return nil
	}
	return obj
}

// getList is getObject for an array.
func (w *staleWorld) getList(t *testing.T, where, path, token string) ([]any, bool) {
	t.Helper()
	code, out := w.call(t, "GET", path, token, nil)
	list, ok := out.([]any)
	if code != http.StatusOK || !ok {
		t.Errorf("%s: GET %s%s answered %d %s, want 200 with a list", where, path, as(token, w), code, show(out))
		return nil, false
	}
	return list, true
}

// as names the viewer of a token in messages.
func as(token string, w *staleWorld) string {
	if token == "" {
		return " anonymously"
	}
	for _, a := range w.accounts {
		if a.token == token {
			return " as @" + a.name
		}
	}
	return " with a token"
}

func (w *staleWorld) token(viewer string) string {
	if viewer == "" {
		return ""
	}
	return w.byName[viewer].token
}

// show renders a JSON value for a message, shortened.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// --- changes ---------------------------------------------------------------

// post has author post body, adds the status to the model and checks the
// answer, which shows the status and its author after the write.
func (w *staleWorld) post(t *testing.T, author string, body map[string]any, old bool) *staleStatus {
	t.Helper()
	code, out := w.call(t, "POST", "/api/v1/statuses", w.byName[author].token, body)
	st, ok := out.(map[string]any)
	if code != http.StatusOK || !ok {
		t.Fatalf("@%s posts %s: %d %s", author, show(body), code, show(out))
	}
	s := &staleStatus{author: author, visibility: "public", tagged: strings.Contains(fmt.Sprint(body["status"]), "#staleness"), old: old}
	s.id, _ = st["id"].(string)
	s.createdAt, _ = st["created_at"].(string)
	if v, ok := body["visibility"].(string); ok {
		s.visibility = v
	}
	if id, ok := body["in_reply_to_id"].(string); ok {
		s.inReplyTo = id
		s.inReplyToAccount = w.statusByID[id].author
	}
	// The texts name nobody, but a private reply mentions the author
	// replied to, so that they see it.
	mentions, _ := st["mentions"].([]any)
	for _, m := range mentions {
		acct, _ := m.(map[string]any)
		name, _ := acct["acct"].(string)
		s.mentions = append(s.mentions, name)
	}
	if want := s.visibility == "private" && s.inReplyToAccount != "" && s.inReplyToAccount != author; want != (len(s.mentions) == 1) {
		t.Errorf("@%s posts %s: mentions %v", author, show(body), s.mentions)
	}
	w.statuses = append(w.statuses, s)
	w.statusByID[s.id] = s
	w.checkStatus(t, "POST /api/v1/statuses answer", author, st)
	return s
}

// updateProfile PATCHes alice's profile with body; model updates the model
// from the answer (for what the server renders, such as the note's HTML)
// before the answer is checked against it.
func (w *staleWorld) updateProfile(t *testing.T, body map[string]any, model func(answer map[string]any)) {
	t.Helper()
	code, out := w.call(t, "PATCH", "/api/v1/accounts/update_credentials", w.byName["alice"].token, body)
	a, ok := out.(map[string]any)
	if code != http.StatusOK || !ok {
		t.Fatalf("PATCH update_credentials %s: %d %s", show(body), code, show(out))
	}
	model(a)
	w.checkAccount(t, "PATCH /api/v1/accounts/update_credentials answer", a, true)
}

// setFollow has follower follow or unfollow followed.
func (w *staleWorld) setFollow(t *testing.T, follower, followed string, follow bool) {
	t.Helper()
	verb := "unfollow"
	if follow {
		verb = "follow"
	}
	code, out := w.call(t, "POST", "/api/v1/accounts/"+w.byName[followed].id+"/"+verb, w.byName[follower].token, nil)
	rel, _ := out.(map[string]any)
	if code != http.StatusOK || rel["following"] != follow || rel["requested"] != false {
		t.Fatalf("@%s %ss @%s: %d %s", follower, verb, followed, code, show(out))
	}
	w.follows[[2]string{follower, followed}] = follow
}

// setPin has author pin s to their profile, or unpin it.
func (w *staleWorld) setPin(t *testing.T, author string, s *staleStatus, pin bool) {
	t.Helper()
	action := "unpin"
	if pin {
		action = "pin"
	}
	code, out := w.call(t, "POST", "/api/v1/statuses/"+s.id+"/"+action, w.byName[author].token, nil)
	st, ok := out.(map[string]any)
	if code != http.StatusOK || !ok || st["id"] != s.id || st["pinned"] != pin {
		t.Fatalf("@%s: %s %s: %d %s", author, action, s.id, code, show(out))
	}
	s.pinned = pin
}

// deleteStatus has author delete s.
func (w *staleWorld) deleteStatus(t *testing.T, author string, s *staleStatus) {
	t.Helper()
	code, out := w.call(t, "DELETE", "/api/v1/statuses/"+s.id, w.byName[author].token, nil)
	st, ok := out.(map[string]any)
	if code != http.StatusOK || !ok || st["id"] != s.id {
		t.Fatalf("@%s deletes %s: %d %s", author, s.id, code, show(out))
	}
	s.deleted = true
	// The answer shows the deleted status (its counts as they were), and
	// its author as the delete left it.
	w.checkAccount(t, "DELETE /api/v1/statuses/:id answer, its account", st["account"], false)
}

// --- what the model says --------------------------------------------------

func (w *staleWorld) following(follower, followed string) bool {
	return w.follows[[2]string{follower, followed}]
}

// statusesCount counts the account's statuses that are not direct.
func (w *staleWorld) statusesCount(name string) int {
	n := 0
	for _, s := range w.statuses {
		if s.author == name && !s.deleted && s.visibility != "direct" {
			n++
		}
	}
	return n
}

// lastStatusAt is the date of the account's latest status that is not
// direct, deleted or not (a delete leaves it), or nil.
func (w *staleWorld) lastStatusAt(name string) any {
	var last any
	for _, s := range w.statuses {
		if s.author == name && s.visibility != "direct" && len(s.createdAt) >= 10 {
			last = s.createdAt[:10] // statuses are in posting order
		}
	}
	return last
}

func (w *staleWorld) followers(name string) []string {
	var out []string
	for _, a := range w.accounts {
		if w.following(a.name, name) {
			out = append(out, a.name)
		}
	}
	return out
}

func (w *staleWorld) followed(name string) []string {
	var out []string
	for _, a := range w.accounts {
		if w.following(name, a.name) {
			out = append(out, a.name)
		}
	}
	return out
}

// repliesCount counts the public and unlisted replies to s.
func (w *staleWorld) repliesCount(s *staleStatus) int {
	n := 0
	for _, r := range w.statuses {
		if r.inReplyTo == s.id && !r.deleted && (r.visibility == "public" || r.visibility == "unlisted") {
			n++
		}
	}
	return n
}

// visibleTo is policy.CanView.
func (w *staleWorld) visibleTo(viewer string, s *staleStatus) bool {
	mentioned := viewer != "" && slices.Contains(s.mentions, viewer)
	switch {
	case viewer != "" && viewer == s.author:
		return true
	case s.visibility == "public" || s.visibility == "unlisted":
		return true
	case s.visibility == "private":
		return viewer != "" && w.following(viewer, s.author) || mentioned
	case s.visibility == "direct":
		return mentioned
	}
	return false
}

// inHome is policy.InHome.
func (w *staleWorld) inHome(viewer string, s *staleStatus) bool {
	if viewer == "" {
		return false
	}
	if s.author == viewer {
		return true
	}
	if !w.following(viewer, s.author) || !w.visibleTo(viewer, s) {
		return false
	}
	to := s.inReplyToAccount
	return to == "" || to == s.author || to == viewer || w.following(viewer, to)
}

// newestFirst returns the ids of the statuses keep selects, newest first.
func (w *staleWorld) newestFirst(keep func(*staleStatus) bool) []string {
	var ids []string
	for i := len(w.statuses) - 1; i >= 0; i-- {
		if s := w.statuses[i]; !s.deleted && keep(s) {
			ids = append(ids, s.id)
		}
	}
	return ids
}

// ancestors and descendants are the context of s for viewer, as the
// store's Ancestors and Descendants describe them.
func (w *staleWorld) ancestors(viewer string, s *staleStatus) []string {
	var ids []string
	for p := w.statusByID[s.inReplyTo]; p != nil && !p.deleted; p = w.statusByID[p.inReplyTo] {
		if w.visibleTo(viewer, p) {
			ids = append([]string{p.id}, ids...)
		}
	}
	return ids
}

func (w *staleWorld) descendants(viewer string, s *staleStatus) []string {
	var ids []string
	for _, r := range w.statuses {
		if r.inReplyTo == s.id && !r.deleted {
			if w.visibleTo(viewer, r) {
				ids = append(ids, r.id)
			}
			ids = append(ids, w.descendants(viewer, r)...)
		}
	}
	return ids
}

// --- checks ----------------------------------------------------------------

// checkAll reads every endpoint that shows a status or an account and
// checks what each shows against the model. The reads start at another
// endpoint in every round, so that each is sometimes the very first read
// after a change.
func (w *staleWorld) checkAll(t *testing.T) {
	t.Helper()
	w.resetSeen()
	reads := []func(*testing.T){
		w.checkHomes, w.checkStatusByID, w.checkStatusesByIDs, w.checkAccountStatuses, w.checkPublic,
		w.checkTag, w.checkContexts, w.checkAccountByID, w.checkAccountsByIDs, w.checkLookup,
		w.checkCredentials, w.checkFollowLists, w.checkAccountSearch, w.checkSearch,
	}
	start := w.round % len(reads)
	for _, read := range append(reads[start:], reads[:start]...) {
		read(t)
	}
}

// checkStatusList checks a list of statuses read by viewer: each entry,
// and when want is not nil, exactly the ids in want, in that order.
func (w *staleWorld) checkStatusList(t *testing.T, where, viewer string, list []any, want []string) []string {
	t.Helper()
	var ids []string
	for _, v := range list {
		st, _ := v.(map[string]any)
		id, _ := st["id"].(string)
		ids = append(ids, id)
		w.checkStatus(t, where, viewer, st)
	}
	if want != nil && !slices.Equal(ids, want) {
		t.Errorf("%s%s: shows statuses %s, want %s", where, as(w.token(viewer), w), w.describe(ids), w.describe(want))
	}
	return ids
}

// describe names statuses by author for messages.
func (w *staleWorld) describe(ids []string) string {
	var parts []string
	for _, id := range ids {
		if s := w.statusByID[id]; s != nil {
			tag := ""
			if s == w.p {
				tag = " (P)"
			}
			if s.deleted {
				tag += " (deleted)"
			}
			parts = append(parts, fmt.Sprintf("%s by @%s%s", id, s.author, tag))
		} else {
			parts = append(parts, id+" (unknown)")
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func (w *staleWorld) checkHomes(t *testing.T) {
	t.Helper()
	for _, a := range w.accounts {
		where := "GET /api/v1/timelines/home"
		list, ok := w.getList(t, where, "/api/v1/timelines/home?limit=40", a.token)
		if !ok {
			continue
		}
		ids := w.checkStatusList(t, where, a.name, list, nil)
		for _, s := range w.statuses {
			shown := slices.Contains(ids, s.id)
			switch {
			case shown && !s.deleted && !w.inHome(a.name, s):
				t.Errorf("%s as @%s: shows %s, which is not in that home any more", where, a.name, w.describe([]string{s.id}))
			case !shown && !s.deleted && w.inHome(a.name, s) && (s.old || s.author == a.name):
				// Others' new posts arrive by fan-out, a little later.
				t.Errorf("%s as @%s: does not show %s", where, a.name, w.describe([]string{s.id}))
			}
		}
	}
}

func (w *staleWorld) checkStatusByID(t *testing.T) {
	t.Helper()
	for _, s := range w.statuses {
		for _, v := range staleViewers {
			path := "/api/v1/statuses/" + s.id
			code, out := w.call(t, "GET", path, w.token(v), nil)
			where := "GET /api/v1/statuses/:id"
			if s.deleted || !w.visibleTo(v, s) {
				if code != http.StatusNotFound {
					t.Errorf("%s%s: %d %s for %s, want 404", where, as(w.token(v), w), code, show(out), w.describe([]string{s.id}))
				}
				continue
			}
			st, ok := out.(map[string]any)
			if code != http.StatusOK || !ok {
				t.Errorf("%s%s: %d %s for %s, want 200", where, as(w.token(v), w), code, show(out), w.describe([]string{s.id}))
				continue
			}
			w.checkStatus(t, where, v, st)
		}
	}
}

func (w *staleWorld) checkStatusesByIDs(t *testing.T) {
	t.Helper()
	q := url.Values{}
	var all []string
	for _, s := range w.statuses {
		q.Add("id[]", s.id)
		all = append(all, s.id)
	}
	for _, v := range staleViewers {
		where := "GET /api/v1/statuses?id[]="
		list, ok := w.getList(t, where, "/api/v1/statuses?"+q.Encode(), w.token(v))
		if !ok {
			continue
		}
		var want []string
		for _, id := range all {
			if s := w.statusByID[id]; !s.deleted && w.visibleTo(v, s) {
				want = append(want, id)
			}
		}
		w.checkStatusList(t, where, v, list, want)
	}
}

func (w *staleWorld) checkAccountStatuses(t *testing.T) {
	t.Helper()
	for _, a := range w.accounts {
		for _, v := range staleViewers {
			where := "GET /api/v1/accounts/:id/statuses of @" + a.name
			list, ok := w.getList(t, where, "/api/v1/accounts/"+a.id+"/statuses?limit=40", w.token(v))
			if !ok {
				continue
			}
			want := w.newestFirst(func(s *staleStatus) bool { return s.author == a.name && w.visibleTo(v, s) })
			w.checkStatusList(t, where, v, list, nonNil(want))
		}
	}
}

func (w *staleWorld) checkPublic(t *testing.T) {
	t.Helper()
	for _, v := range staleViewers {
		where := "GET /api/v1/timelines/public"
		list, ok := w.getList(t, where, "/api/v1/timelines/public?limit=40", w.token(v))
		if !ok {
			continue
		}
		want := w.newestFirst(func(s *staleStatus) bool {
			return s.visibility == "public" && (s.inReplyToAccount == "" || s.inReplyToAccount == s.author)
		})
		w.checkStatusList(t, where, v, list, nonNil(want))
	}
}

func (w *staleWorld) checkTag(t *testing.T) {
	t.Helper()
	for _, v := range staleViewers {
		where := "GET /api/v1/timelines/tag/staleness"
		list, ok := w.getList(t, where, "/api/v1/timelines/tag/staleness?limit=40", w.token(v))
		if !ok {
			continue
		}
		want := w.newestFirst(func(s *staleStatus) bool { return s.tagged && s.visibility == "public" })
		w.checkStatusList(t, where, v, list, nonNil(want))
	}
}

func (w *staleWorld) checkContexts(t *testing.T) {
	t.Helper()
	for _, s := range w.statuses {
		for _, v := range staleViewers {
			path := "/api/v1/statuses/" + s.id + "/context"
			where := "GET /api/v1/statuses/:id/context of " + w.describe([]string{s.id})
			code, out := w.call(t, "GET", path, w.token(v), nil)
			if s.deleted || !w.visibleTo(v, s) {
				if code != http.StatusNotFound {
					t.Errorf("%s%s: %d %s, want 404", where, as(w.token(v), w), code, show(out))
				}
				continue
			}
			c, ok := out.(map[string]any)
			anc, ok1 := c["ancestors"].([]any)
			desc, ok2 := c["descendants"].([]any)
			if code != http.StatusOK || !ok || !ok1 || !ok2 {
				t.Errorf("%s%s: %d %s, want 200 with a context", where, as(w.token(v), w), code, show(out))
				continue
			}
			w.checkStatusList(t, where+", ancestors", v, anc, nonNil(w.ancestors(v, s)))
			w.checkStatusList(t, where+", descendants", v, desc, nonNil(w.descendants(v, s)))
		}
	}
}

func (w *staleWorld) checkAccountByID(t *testing.T) {
	t.Helper()
	for _, a := range w.accounts {
		where := "GET /api/v1/accounts/:id"
		if got := w.getObject(t, where, "/api/v1/accounts/"+a.id, ""); got != nil {
			w.checkAccount(t, where, got, false)
		}
	}
}

func (w *staleWorld) checkAccountsByIDs(t *testing.T) {
	t.Helper()
	q := url.Values{}
	var want []string
	for _, a := range w.accounts {
		q.Add("id[]", a.id)
		want = append(want, a.id)
	}
	where := "GET /api/v1/accounts?id[]="
	list, ok := w.getList(t, where, "/api/v1/accounts?"+q.Encode(), "")
	if !ok {
		return
	}
	if ids := w.checkAccountList(t, where, list); !slices.Equal(ids, want) {
		t.Errorf("%s: shows accounts %v, want %v", where, ids, want)
	}
}

func (w *staleWorld) checkLookup(t *testing.T) {
	t.Helper()
	for _, a := range w.accounts {
		where := "GET /api/v1/accounts/lookup?acct=" + a.name
		if got := w.getObject(t, where, "/api/v1/accounts/lookup?acct="+a.name, ""); got != nil {
			w.checkAccount(t, where, got, false)
		}
	}
}

func (w *staleWorld) checkCredentials(t *testing.T) {
	t.Helper()
	for _, a := range w.accounts {
		where := "GET /api/v1/accounts/verify_credentials"
		if got := w.getObject(t, where, "/api/v1/accounts/verify_credentials", a.token); got != nil {
			if got["id"] != a.id {
				t.Errorf("%s as @%s: shows account %v", where, a.name, got["id"])
			}
			w.checkAccount(t, where, got, true)
		}
	}
}

func (w *staleWorld) checkFollowLists(t *testing.T) {
	t.Helper()
	for _, a := range w.accounts {
		for _, l := range []struct {
			name string
			want []string
		}{{"followers", w.followers(a.name)}, {"following", w.followed(a.name)}} {
			where := "GET /api/v1/accounts/:id/" + l.name + " of @" + a.name
			list, ok := w.getList(t, where, "/api/v1/accounts/"+a.id+"/"+l.name, "")
			if !ok {
				continue
			}
			var got []string
			for _, id := range w.checkAccountList(t, where, list) {
				if m := w.byID[id]; m != nil {
					got = append(got, m.name)
				}
			}
			sort.Strings(got)
			if !slices.Equal(got, l.want) {
				t.Errorf("%s: shows %v, want %v", where, got, l.want)
			}
		}
	}
}

func (w *staleWorld) checkAccountSearch(t *testing.T) {
	t.Helper()
	for _, a := range w.accounts {
		where := "GET /api/v1/accounts/search?q=" + a.name
		list, ok := w.getList(t, where, "/api/v1/accounts/search?q="+a.name, w.byName["bob"].token)
		if ok && !slices.Contains(w.checkAccountList(t, where, list), a.id) {
			t.Errorf("%s: @%s not found", where, a.name)
		}
	}
}

func (w *staleWorld) checkSearch(t *testing.T) {
	t.Helper()
	for _, a := range w.accounts {
		where := "GET /api/v2/search?q=" + a.name
		got := w.getObject(t, where, "/api/v2/search?type=accounts&q="+a.name, "")
		if got == nil {
			continue
		}
		list, _ := got["accounts"].([]any)
		if !slices.Contains(w.checkAccountList(t, where, list), a.id) {
			t.Errorf("%s: @%s not found in %s", where, a.name, show(got))
		}
	}
}

// checkAccountList checks every account of list and returns their ids.
func (w *staleWorld) checkAccountList(t *testing.T, where string, list []any) []string {
	t.Helper()
	var ids []string
	for _, v := range list {
		a, _ := v.(map[string]any)
		id, _ := a["id"].(string)
		ids = append(ids, id)
		w.checkAccount(t, where, a, false)
	}
	return ids
}

// checkStatus checks one status entity read by viewer ("" when
// anonymous) against the model: its counts, its author's account, its
// per-viewer fields, and that it is rendered as everywhere else.
func (w *staleWorld) checkStatus(t *testing.T, where, viewer string, st map[string]any) {
	t.Helper()
	where += as(w.token(viewer), w)
	id, _ := st["id"].(string)
	m := w.statusByID[id]
	switch {
	case m == nil:
		t.Errorf("%s: shows status %s, which the test did not post: %s", where, id, show(st))
		return
	case m.deleted:
		t.Errorf("%s: still shows %s", where, w.describe([]string{id}))
		return
	}
	what := "status " + w.describe([]string{id})
	var inReplyTo, inReplyToAccount any
	if m.inReplyTo != "" {
		inReplyTo, inReplyToAccount = m.inReplyTo, w.byName[m.inReplyToAccount].id
	}
	want := map[string]any{
		"replies_count": float64(w.repliesCount(m)), "reblogs_count": 0.0, "favourites_count": 0.0,
		"visibility": m.visibility, "created_at": m.createdAt,
		"in_reply_to_id": inReplyTo, "in_reply_to_account_id": inReplyToAccount,
	}
	checkFields(t, where, what, st, want)
	acct, _ := st["account"].(map[string]any)
	if acct["id"] != w.byName[m.author].id {
		t.Errorf("%s: %s has account %v, want @%s", where, what, acct["id"], m.author)
	}
	w.checkAccount(t, where+", account of "+what, acct, false)

	// Anonymous readers get none of the per-viewer fields; signed-in ones
	// get them all, and pinned only on their own statuses.
	for _, k := range viewerFields {
		v, has := st[k]
		wantHas := viewer != "" && (k != "pinned" || viewer == m.author)
		switch {
		case has != wantHas:
			t.Errorf("%s: %s has %q: %v, want %v (another viewer's fields?)", where, what, k, has, wantHas)
		case has && k == "filtered":
			if l, ok := v.([]any); !ok || len(l) != 0 {
				t.Errorf("%s: %s has filtered = %s, want []", where, what, show(v))
			}
		case has && k == "pinned":
			if v != m.pinned {
				t.Errorf("%s: %s has pinned = %s, want %v", where, what, show(v), m.pinned)
			}
		case has && v != false:
			t.Errorf("%s: %s has %s = %s, want false", where, what, k, show(v))
		}
	}
	w.sameEverywhere(t, w.seenStatus, what, where, without(st, viewerFields...))
}

// checkAccount checks one account entity against the model; credential
// is true for the owner's view (verify_credentials, update_credentials),
// which alone has source and role.
func (w *staleWorld) checkAccount(t *testing.T, where string, v any, credential bool) {
	t.Helper()
	a, _ := v.(map[string]any)
	id, _ := a["id"].(string)
	m := w.byID[id]
	if m == nil {
		t.Errorf("%s: shows account %s, which the test did not create: %s", where, id, show(v))
		return
	}
	what := "@" + m.name
	want := map[string]any{
		"username": m.name, "acct": m.name, "display_name": m.displayName, "note": m.note,
		"locked": m.locked, "bot": m.bot, "discoverable": m.discoverable, "indexable": m.discoverable,
		"fields": m.fields, "created_at": m.createdAt, "last_status_at": w.lastStatusAt(m.name),
		"statuses_count":  float64(w.statusesCount(m.name)),
		"followers_count": float64(len(w.followers(m.name))),
		"following_count": float64(len(w.followed(m.name))),
	}
	checkFields(t, where, what, a, want)
	_, hasSource := a["source"]
	_, hasRole := a["role"]
	if !credential {
		if hasSource || hasRole {
			t.Errorf("%s: %s shows the owner's source or role to everyone: %s", where, what, show(a))
		}
		w.sameEverywhere(t, w.seenAccount, "account "+what, where, a)
		return
	}
	src, _ := a["source"].(map[string]any)
	checkFields(t, where, what+" source", src, map[string]any{"note": m.noteSource, "fields": m.sourceFields})
	role, _ := a["role"].(map[string]any)
	got, _ := role["name"].(string)
	if got != m.role && (m.oldRole == nil || got != *m.oldRole) {
		t.Errorf("%s: %s role.name = %q, want %q", where, what, got, m.role)
	}
	w.sameEverywhere(t, w.seenAccount, "account "+what, where, without(a, "source", "role"))
}

// checkFields reports each field of got that is not as in want.
func checkFields(t *testing.T, where, what string, got, want map[string]any) {
	t.Helper()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if g, ok := got[k]; !ok || !reflect.DeepEqual(g, want[k]) {
			t.Errorf("%s: %s %s = %s, want %s", where, what, k, show(g), show(want[k]))
		}
	}
}

// sameEverywhere reports an entity rendered otherwise than the first time
// it was met in this pass.
func (w *staleWorld) sameEverywhere(t *testing.T, seen map[string]seenEntity, what, where string, v map[string]any) {
	t.Helper()
	prev, ok := seen[what]
	if !ok {
		seen[what] = seenEntity{where, v}
		return
	}
	if !reflect.DeepEqual(prev.v, v) {
		t.Errorf("%s is rendered otherwise by %s than by %s:%s", what, where, prev.where, diff(prev.v, v, ""))
	}
}

// diff lists the fields that differ between a and b, one level into
// objects.
func diff(a, b map[string]any, prefix string) string {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var out string
	for _, k := range sorted {
		if reflect.DeepEqual(a[k], b[k]) {
			continue
		}
		ao, aok := a[k].(map[string]any)
		bo, bok := b[k].(map[string]any)
		if aok && bok && prefix == "" {
			out += diff(ao, bo, k+".")
			continue
		}
		out += fmt.Sprintf("\n\t%s%s: %s there, %s here", prefix, k, show(a[k]), show(b[k]))
	}
	return out
}

// without is a copy of m without keys.
func without(m map[string]any, keys ...string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if !slices.Contains(keys, k) {
			out[k] = v
		}
	}
	return out
}

// nonNil makes "no statuses" comparable with an empty list read.
func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// readInEveryViewerOrder reads P and alice's statuses as each viewer
// first, then as the others: whoever's reading warmed the caches, each
// gets their own per-viewer fields (checkStatus), and the rest is the
// same for all (sameEverywhere).
func (w *staleWorld) readInEveryViewerOrder(t *testing.T) {
	t.Helper()
	orders := [][]string{{"", "bob", "alice"}, {"", "alice", "bob"}, {"bob", "", "alice"},
		{"bob", "alice", ""}, {"alice", "", "bob"}, {"alice", "bob", ""}}
	for i, order := range orders {
		w.resetSeen()
		for _, v := range order {
			where := "GET /api/v1/statuses/:id (viewer order " + strconv.Itoa(i) + ")"
			if st := w.getObject(t, where, "/api/v1/statuses/"+w.p.id, w.token(v)); st != nil {
				w.checkStatus(t, where, v, st)
			}
		}
		for _, v := range order {
			where := "GET /api/v1/accounts/:id/statuses of @alice (viewer order " + strconv.Itoa(i) + ")"
			if list, ok := w.getList(t, where, "/api/v1/accounts/"+w.byName["alice"].id+"/statuses", w.token(v)); ok {
				w.checkStatusList(t, where, v, list, nil)
			}
		}
	}
}
