package mastodon

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/starling-social/starling"
	"github.com/starling-social/starling/statuses"
	"github.com/starling-social/starling/storecache"
)

// newCachedTestAPI is the test API over the read-through cache, as in
// production, so that a stale cached status would show.
func newCachedTestAPI(t *testing.T) *testAPI {
	t.Helper()
	return newTestAPIOver(t, nil, func(db starling.Store) starling.Store {
		return storecache.New(db, storecache.Options{})
	})
}

// pinned reports the pinned field of a status entity: nil when absent.
func pinnedOf(t *testing.T, api *testAPI, id, token string) *bool {
	t.Helper()
	rec := api.do(t, http.MethodGet, "/api/v1/statuses/"+id, token, nil)
	wantStatus(t, rec, http.StatusOK)
	return decode[Status](t, rec).Pinned
}

func TestPinAndUnpin(t *testing.T) {
	api := newCachedTestAPI(t)
	alice, aliceID := api.signUp(t, "alice")
	bob, _ := api.signUp(t, "bob")
	public := api.post(t, alice, url.Values{"status": {"pin me"}})
	private := api.post(t, alice, url.Values{"status": {"friends"}, "visibility": {"private"}})
	direct := api.post(t, alice, url.Values{"status": {"@bob hi"}, "visibility": {"direct"}})
	bobs := api.post(t, bob, url.Values{"status": {"bob's"}})

	// Read first, so that the status and its rendering are kept: the pin
	// must still show at once.
	if got := pinnedOf(t, api, public.ID, alice); got == nil || *got {
		t.Fatalf("pinned before pinning = %v, want false", got)
	}
	for _, step := range []struct {
		name, action string
		want         bool
	}{
		{"pin", "pin", true},
		{"pin again", "pin", true},
		{"unpin", "unpin", false},
		{"unpin again", "unpin", false},
		{"pin after unpin", "pin", true},
	} {
		rec := api.do(t, http.MethodPost, "/api/v1/statuses/"+public.ID+"/"+step.action, alice, nil)
		wantStatus(t, rec, http.StatusOK)
		if got := decode[Status](t, rec); got.ID != public.ID || got.Pinned == nil || *got.Pinned != step.want {
			t.Errorf("%s: answered %s with pinned %v, want %v", step.name, got.ID, got.Pinned, step.want)
		}
		if got := pinnedOf(t, api, public.ID, alice); got == nil || *got != step.want {
			t.Errorf("%s: read back with pinned %v, want %v", step.name, got, step.want)
		}
		// Others are never told, and see the same status otherwise.
		if got := pinnedOf(t, api, public.ID, bob); got != nil {
			t.Errorf("%s: bob is told pinned %v", step.name, *got)
		}
		if got := pinnedOf(t, api, public.ID, ""); got != nil {
			t.Errorf("%s: an anonymous reader is told pinned %v", step.name, *got)
		}
	}

	// The author's timelines show the flag too.
	for _, path := range []string{"/api/v1/timelines/home", "/api/v1/accounts/" + aliceID + "/statuses"} {
		rec := api.do(t, http.MethodGet, path, alice, nil)
		wantStatus(t, rec, http.StatusOK)
		for _, st := range decode[[]Status](t, rec) {
			if want := st.ID == public.ID; st.Pinned == nil || *st.Pinned != want {
				t.Errorf("%s: status %s pinned %v, want %v", path, st.ID, st.Pinned, want)
			}
		}
	}

	readOnly := api.tokenFor(t, mustID(t, public.Account.ID), "read write:statuses")
	tests := []struct {
		name, token, id, action string
		status                  int
		message                 string
	}{
		{"another's status", bob, public.ID, "pin", 422, "Validation failed: Someone else's post cannot be pinned"},
		{"another's status, unpinned", bob, public.ID, "unpin", 200, ""},
		{"a status hidden from the caller", bob, private.ID, "pin", 404, "Record not found"},
		{"a status hidden from the caller, unpinned", bob, private.ID, "unpin", 404, "Record not found"},
		{"a missing status", alice, "123456", "pin", 404, "Record not found"},
		{"a missing status, unpinned", alice, "123456", "unpin", 404, "Record not found"},
		{"direct", alice, direct.ID, "pin", 422, "Validation failed: Posts that are only visible to mentioned users cannot be pinned"},
		{"direct, by its recipient", bob, direct.ID, "pin", 422, "Validation failed: Someone else's post cannot be pinned"},
		{"a token without write:accounts", readOnly, private.ID, "pin", 403, ""},
		{"a token without write:accounts, unpinned", readOnly, public.ID, "unpin", 403, ""},
		{"anonymous", "", public.ID, "pin", 401, ""},
		{"an app token", api.appToken(t, "write"), public.ID, "pin", 422, ""},
		{"a bad id", alice, "abc", "pin", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, http.MethodPost, "/api/v1/statuses/"+tt.id+"/"+tt.action, tt.token, nil)
			wantStatus(t, rec, tt.status)
			if tt.message != "" {
				if got := decode[apiError](t, rec).Error; got != tt.message {
					t.Errorf("error %q, want %q", got, tt.message)
				}
			}
		})
	}
	if got := pinnedOf(t, api, public.ID, alice); got == nil || !*got {
		t.Errorf("the refused calls changed the pin: pinned %v", got)
	}
	if got := pinnedOf(t, api, private.ID, alice); got == nil || *got {
		t.Errorf("a refused pin pinned the private status")
	}
	if got := pinnedOf(t, api, bobs.ID, bob); got == nil || *got {
		t.Errorf("bob's status is pinned")
	}

	// Deleting a pinned status takes it off the profile.
	wantStatus(t, api.do(t, http.MethodDelete, "/api/v1/statuses/"+public.ID, alice, nil), http.StatusOK)
	if got, _ := api.getStatuses(t, "/api/v1/accounts/"+aliceID+"/statuses?pinned=true", alice); len(got) != 0 {
		t.Errorf("pins after deleting the pinned status: %v", got)
	}
}

func TestPinLimit(t *testing.T) {
	api := newCachedTestAPI(t)
	alice, _ := api.signUp(t, "alice")
	var ids []string
	for range statuses.MaxPins + 1 {
		ids = append(ids, api.post(t, alice, url.Values{"status": {"a post"}, "visibility": {"unlisted"}}).ID)
	}
	for _, id := range ids[:statuses.MaxPins] {
		wantStatus(t, api.do(t, http.MethodPost, "/api/v1/statuses/"+id+"/pin", alice, nil), http.StatusOK)
	}
	rec := api.do(t, http.MethodPost, "/api/v1/statuses/"+ids[statuses.MaxPins]+"/pin", alice, nil)
	wantStatus(t, rec, http.StatusUnprocessableEntity)
	if got := decode[apiError](t, rec); got.Error != "Validation failed: You have already pinned the maximum number of posts" {
		t.Errorf("error %q", got.Error)
	}
	if got := pinnedOf(t, api, ids[statuses.MaxPins], alice); got == nil || *got {
		t.Errorf("the sixth status is pinned")
	}
	// Pinning a pinned status at the limit is no new pin.
	wantStatus(t, api.do(t, http.MethodPost, "/api/v1/statuses/"+ids[0]+"/pin", alice, nil), http.StatusOK)
	// An unpin makes room.
	wantStatus(t, api.do(t, http.MethodPost, "/api/v1/statuses/"+ids[0]+"/unpin", alice, nil), http.StatusOK)
	wantStatus(t, api.do(t, http.MethodPost, "/api/v1/statuses/"+ids[statuses.MaxPins]+"/pin", alice, nil), http.StatusOK)
}

func TestPinnedStatuses(t *testing.T) {
	api := newCachedTestAPI(t)
	alice, aliceID := api.signUp(t, "alice")
	follower, _ := api.signUp(t, "follower")
	stranger, _ := api.signUp(t, "stranger")
	api.follow(t, follower, aliceID)
	older := api.post(t, alice, url.Values{"status": {"older"}})
	private := api.post(t, alice, url.Values{"status": {"friends"}, "visibility": {"private"}})
	newer := api.post(t, alice, url.Values{"status": {"newer"}, "visibility": {"unlisted"}})
	api.post(t, alice, url.Values{"status": {"not pinned"}})
	// Pinned out of posting order: the list follows the pins.
	for _, st := range []Status{newer, private, older} {
		wantStatus(t, api.do(t, http.MethodPost, "/api/v1/statuses/"+st.ID+"/pin", alice, nil), http.StatusOK)
	}
	base := "/api/v1/accounts/" + aliceID + "/statuses?pinned=true"

	tests := []struct {
		name, path, token string
		want              []string
		pinnedShown       bool
	}{
		{"author", base, alice, []string{older.ID, private.ID, newer.ID}, true},
		{"follower", base, follower, []string{older.ID, private.ID, newer.ID}, false},
		{"stranger", base, stranger, []string{older.ID, newer.ID}, false},
		{"anonymous", base, "", []string{older.ID, newer.ID}, false},
		{"paging parameters change nothing", base + "&limit=1&max_id=" + older.ID, "", []string{older.ID, newer.ID}, false},
		{"pinned=false is every status", "/api/v1/accounts/" + aliceID + "/statuses?pinned=false&limit=2", "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := api.do(t, http.MethodGet, tt.path, tt.token, nil)
			wantStatus(t, rec, http.StatusOK)
			list := decode[[]Status](t, rec)
			if tt.want == nil {
				if len(list) != 2 || rec.Header().Get("Link") == "" {
					t.Errorf("got %v and Link %q, want a page of 2 with a Link", statusIDs(list), rec.Header().Get("Link"))
				}
				return
			}
			if got := statusIDs(list); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if link := rec.Header().Get("Link"); link != "" {
				t.Errorf("Link %q, want none", link)
			}
			for _, st := range list {
				if shown := st.Pinned != nil; shown != tt.pinnedShown || (shown && !*st.Pinned) {
					t.Errorf("status %s: pinned %v, want shown %v and true", st.ID, st.Pinned, tt.pinnedShown)
				}
			}
		})
	}

	// An unpin shows at once, in the list and in the entity.
	wantStatus(t, api.do(t, http.MethodPost, "/api/v1/statuses/"+private.ID+"/unpin", alice, nil), http.StatusOK)
	if got, _ := api.getStatuses(t, base, alice); !slices.Equal(got, []string{older.ID, newer.ID}) {
		t.Errorf("after an unpin: %v", got)
	}
	if got := pinnedOf(t, api, private.ID, alice); got == nil || *got {
		t.Errorf("unpinned status read with pinned %v", got)
	}
}
