package e2e

import (
	"bufio"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The crash test's shape. One author has more followers than the
// threshold, so its posts are merged on read; the others have fewer and
// are fanned out. With one worker and five authors posting at once, the
// outbox usually still holds jobs when the server is stopped (the test
// logs the deepest it saw). Sign-ups dominate the setup: each hashes a
// password with argon2id.
const (
	crashThreshold  = 50
	crashFollowers  = 60 // every follower follows the big author: 60 > crashThreshold
	crashOrdinary   = 4  // each followed by 2*crashFollowers/crashOrdinary = 30 <= crashThreshold
	crashPostBudget = 200
	crashStopAfter  = 120 // acknowledged posts before the stop is sent
	crashAfterwards = 3   // posts per author after the restart, delivered to cached timelines
	crashPageLimit  = 40
)

// drainTimeout is a safety net, not a speed assertion. It has to exceed
// the engine's one-minute claim lease: jobs the killed process had
// claimed are hidden from the restarted one until their lease runs out.
const drainTimeout = 3 * time.Minute

// TestCrashDuringFanout posts from several authors at once, stops the
// server (SIGKILL, or SIGTERM, after which it must drain and exit 0) while
// fan-out jobs are pending, restarts it on the same data, waits for the
// outbox to empty, and checks that every acknowledged post is in the home
// timeline of its author and of every follower, exactly once.
func TestCrashDuringFanout(t *testing.T) {
	for _, b := range backends(t) {
		for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM} {
			t.Run(b.name+"/"+signalName(sig), func(t *testing.T) {
				// The variants share nothing but the binary, and most of
				// their time is spent waiting on the outbox.
				t.Parallel()
				crashDuringFanout(t, t.TempDir(), b.dbURL(t), sig)
			})
		}
	}
}

func signalName(sig syscall.Signal) string {
	if sig == syscall.SIGKILL {
		return "kill"
	}
	return "term"
}

// crashUser is an account the test signed up, with its token.
type crashUser struct {
	id, name, token string
}

func crashDuringFanout(t *testing.T, data, dbURL string, sig syscall.Signal) {
	srv, metricsURL := startFanout(t, data, dbURL)
	app := clientToken(t, srv)

	authors := signUpMany(t, srv, app, "author", 1+crashOrdinary)
	followers := signUpMany(t, srv, app, "follower", crashFollowers)
	big, ordinary := authors[0], authors[1:]
	// audience maps each author's id to the accounts whose home timeline
	// must show its posts: its followers and itself.
	audience := map[string][]crashUser{}
	for _, a := range authors {
		audience[a.id] = []crashUser{a}
	}
	var follows [][2]crashUser // follower, followed
	for i, f := range followers {
		follows = append(follows, [2]crashUser{f, big})
		for k := range 2 {
			follows = append(follows, [2]crashUser{f, ordinary[(i+k)%crashOrdinary]})
		}
	}
	parallel(t, len(follows), func(i int) error {
		f, a := follows[i][0], follows[i][1]
		var rel struct{ Following bool }
		code, err := srv.call("POST", "/api/v1/accounts/"+a.id+"/follow", f.token, nil, &rel)
		if err != nil || code != http.StatusOK || !rel.Following {
			return fmt.Errorf("%s follows %s: %d %v %+v", f.name, a.name, code, err, rel)
		}
		return nil
	})
	for _, fl := range follows {
		audience[fl[1].id] = append(audience[fl[1].id], fl[0])
	}
	if n := len(audience[big.id]) - 1; n <= crashThreshold {
		t.Fatalf("the big author has %d followers, not more than the threshold %d", n, crashThreshold)
	}
	viewers := append(slices.Clone(authors), followers...)
	// Reading each home once puts it in the cache, so that the posts below
	// are delivered by fan-out rather than found by a rebuild.
	parallel(t, len(viewers), func(i int) error {
		_, err := homePage(srv, viewers[i].token, "")
		return err
	})

	acked, maxDepth := postUntilStopped(t, srv, metricsURL, authors, sig)
	t.Logf("%d posts acknowledged before %s; outbox depth seen up to %d", len(acked), sig, maxDepth)
	if len(acked) < crashStopAfter {
		t.Fatalf("only %d posts acknowledged before the stop:\n%s", len(acked), srv.log)
	}

	srv, metricsURL = startFanout(t, data, dbURL)
	waitReady(t, srv)
	// Read every home while jobs from before the stop may still wait, so
	// that their delivery meets rebuilt, cached timelines.
	parallel(t, len(viewers), func(i int) error {
		_, err := homePage(srv, viewers[i].token, "")
		return err
	})
	// And post again: these go through fan-out in the restarted process.
	var mu sync.Mutex
	parallel(t, len(authors)*crashAfterwards, func(i int) error {
		a := authors[i%len(authors)]
		var st struct{ ID string }
		code, err := srv.call("POST", "/api/v1/statuses", a.token, map[string]string{"status": fmt.Sprintf("after restart %d", i)}, &st)
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("post after restart: %d %v", code, err)
		}
		mu.Lock()
		acked = append(acked, crashPost{st.ID, a.id})
		mu.Unlock()
		return nil
	})
	began := time.Now()
	waitDrained(t, srv, metricsURL)
	t.Logf("outbox drained %s after the restart's posts", time.Since(began).Round(time.Millisecond))

	want := map[string][]string{} // viewer token -> status ids it must see
	for _, p := range acked {
		for _, v := range audience[p.author] {
			want[v.token] = append(want[v.token], p.id)
		}
	}
	parallel(t, len(viewers), func(i int) error {
		v := viewers[i]
		seen, err := wholeHome(srv, v.token)
		if err != nil {
			return fmt.Errorf("%s: %w", v.name, err)
		}
		var missing []string
		for _, id := range want[v.token] {
			if !seen[id] {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("%s (account %s) misses %d of %d acknowledged posts in its home timeline: %v",
				v.name, v.id, len(missing), len(want[v.token]), missing)
		}
		return nil
	})
}

// crashPost is an acknowledged status and its author's account id.
type crashPost struct{ id, author string }

// postUntilStopped posts from every author at once until crashStopAfter
// posts are acknowledged and the outbox has been seen non-empty (or the
// budget is spent), then sends sig and returns the acknowledged posts and
// the deepest outbox seen. Posting goes on while the signal is sent.
func postUntilStopped(t *testing.T, srv *server, metricsURL string, authors []crashUser, sig syscall.Signal) ([]crashPost, int64) {
	t.Helper()
	var (
		mu       sync.Mutex
		acked    []crashPost
		budget   atomic.Int64
		maxDepth atomic.Int64
		enough   = make(chan struct{})
		once     sync.Once
		wg       sync.WaitGroup
		firstErr atomic.Value // why the first poster stopped, for a failure message
	)
	budget.Store(crashPostBudget)
	for _, a := range authors {
		wg.Go(func() {
			for i := 0; budget.Add(-1) >= 0; i++ {
				var st struct{ ID string }
				code, err := srv.call("POST", "/api/v1/statuses", a.token,
					map[string]string{"status": fmt.Sprintf("%s says %d", a.name, i)}, &st)
				if err != nil || code != http.StatusOK {
					// The server is stopping or gone, or failed before the
					// stop, which the caller reports.
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%s posting: %d %v", a.name, code, err))
					return
				}
				mu.Lock()
				acked = append(acked, crashPost{st.ID, a.id})
				n := len(acked)
				mu.Unlock()
				if n < crashStopAfter {
					continue
				}
				// The depth is read after the post was acknowledged, so a
				// non-zero depth means jobs were pending while posting went on.
				if d, err := queueDepth(metricsURL); err == nil {
					maxDepth.Store(max(maxDepth.Load(), d))
					if d > 0 {
						once.Do(func() { close(enough) })
					}
				}
			}
		})
	}
	posted := make(chan struct{})
	go func() { wg.Wait(); close(posted) }()
	select {
	case <-enough:
	case <-posted:
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n < crashStopAfter {
			t.Fatalf("posting stopped after %d posts, before the signal: %v\n%s", n, firstErr.Load(), srv.log)
		}
		t.Logf("the outbox was not seen non-empty while posting; stopping right after the last post")
	}
	if err := srv.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	<-srv.exited
	<-posted
	code := srv.cmd.ProcessState.ExitCode()
	if sig == syscall.SIGTERM {
		if code != 0 {
			t.Fatalf("exit code %d after SIGTERM, want 0:\n%s", code, srv.log)
		}
		if _, ok := srv.log.wait("msg=stopped"); !ok {
			t.Fatalf("no clean stop logged:\n%s", srv.log)
		}
	} else if code != -1 {
		t.Fatalf("exit code %d after SIGKILL, want -1 (killed)", code)
	}
	mu.Lock()
	defer mu.Unlock()
	return acked, maxDepth.Load()
}

// startFanout starts the server with fan-out tuned for the crash test
// and returns it with the URL of its metrics.
func startFanout(t *testing.T, dataDir, dbURL string) (*server, string) {
	t.Helper()
	s := start(t, dataDir, dbURL,
		"--fanout-threshold", strconv.Itoa(crashThreshold), "--fanout-workers", "1",
		// A job the killed process held is retried when its lease runs out:
		// a short lease keeps the test quick.
		"--fanout-lease", "2s")
	line, _ := s.log.wait(`msg="metrics listening"`)
	m := regexp.MustCompile(`addr=(\S+)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no metrics address logged:\n%s", s.log)
	}
	return s, "http://" + m[1] + "/metrics"
}

// clientToken registers an app and returns an app token for sign-ups.
func clientToken(t *testing.T, srv *server) string {
	t.Helper()
	var app struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if code, err := srv.call("POST", "/api/v1/apps", "", map[string]string{
		"client_name": "crash", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read write follow",
	}, &app); err != nil || code != http.StatusOK {
		t.Fatalf("register app: %d %v", code, err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if code, err := srv.call("POST", "/oauth/token", "", map[string]string{
		"grant_type": "client_credentials", "client_id": app.ClientID, "client_secret": app.ClientSecret,
		"scope": "read write follow",
	}, &tok); err != nil || code != http.StatusOK {
		t.Fatalf("app token: %d %v", code, err)
	}
	return tok.AccessToken
}

// signUpMany signs up n accounts named prefix0… over the API.
func signUpMany(t *testing.T, srv *server, appToken, prefix string, n int) []crashUser {
	t.Helper()
	users := make([]crashUser, n)
	parallel(t, n, func(i int) error {
		u := crashUser{name: fmt.Sprintf("%s%d", prefix, i)}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		code, err := srv.call("POST", "/api/v1/accounts", appToken, map[string]any{
			"username": u.name, "email": u.name + "@example.com", "password": "a long enough password",
			"agreement": true, "locale": "en",
		}, &tok)
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("sign up %s: %d %v", u.name, code, err)
		}
		u.token = tok.AccessToken
		var me struct{ ID string }
		if code, err := srv.call("GET", "/api/v1/accounts/verify_credentials", u.token, nil, &me); err != nil || code != http.StatusOK {
			return fmt.Errorf("verify %s: %d %v", u.name, code, err)
		}
		u.id = me.ID
		users[i] = u
		return nil
	})
	return users
}

// parallel runs f(0) … f(n-1) on a few goroutines and fails the test
// with the first error.
func parallel(t *testing.T, n int, f func(i int) error) {
	t.Helper()
	var (
		next atomic.Int64
		errs = make(chan error, n)
		wg   sync.WaitGroup
	)
	for range 8 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := f(i); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	var all []string
	for err := range errs {
		all = append(all, err.Error())
	}
	if len(all) > 0 {
		t.Fatalf("%d failures, the first ones:\n%s", len(all), strings.Join(all[:min(len(all), 10)], "\n"))
	}
}

// homePage reads one page of the home timeline below maxID ("" for the
// newest) and returns its status ids.
func homePage(srv *server, token, maxID string) ([]string, error) {
	path := "/api/v1/timelines/home?limit=" + strconv.Itoa(crashPageLimit)
	if maxID != "" {
		path += "&max_id=" + maxID
	}
	var page []struct{ ID string }
	code, err := srv.call("GET", path, token, nil, &page)
	if err != nil || code != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d %v", path, code, err)
	}
	ids := make([]string, len(page))
	for i, s := range page {
		ids[i] = s.ID
	}
	return ids, nil
}

// wholeHome pages through a home timeline by max_id and returns the ids
// seen, failing on any id seen twice or out of order.
func wholeHome(srv *server, token string) (map[string]bool, error) {
	seen := map[string]bool{}
	var last int64
	for maxID := ""; ; {
		ids, err := homePage(srv, token, maxID)
		if err != nil || len(ids) == 0 {
			return seen, err
		}
		for _, id := range ids {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				return seen, fmt.Errorf("status id %q: %v", id, err)
			}
			if seen[id] {
				return seen, fmt.Errorf("status %s twice in the home timeline (page below max_id %q: %v)", id, maxID, ids)
			}
			if last != 0 && n >= last {
				return seen, fmt.Errorf("status %s after %d: not newest first (page below max_id %q)", id, last, maxID)
			}
			seen[id], last = true, n
		}
		maxID = ids[len(ids)-1]
	}
}

// waitReady polls /readyz until the server says it is ready.
func waitReady(t *testing.T, srv *server) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, err := srv.call("GET", "/readyz", "", nil, nil)
		if err == nil && code == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready after restart: %d %v\n%s", code, err, srv.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitDrained polls the outbox's depth until it is 0.
func waitDrained(t *testing.T, srv *server, metricsURL string) {
	t.Helper()
	deadline := time.Now().Add(drainTimeout)
	for {
		d, err := queueDepth(metricsURL)
		if err == nil && d == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the outbox did not drain in %s: depth %d, %v\n%s", drainTimeout, d, err, srv.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// queueDepth scrapes starling_fanout_queue_depth.
func queueDepth(metricsURL string) (int64, error) {
	resp, err := http.Get(metricsURL)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "starling_fanout_queue_depth "); ok {
			f, err := strconv.ParseFloat(v, 64)
			return int64(f), err
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no starling_fanout_queue_depth in %s (status %d)", metricsURL, resp.StatusCode)
}
