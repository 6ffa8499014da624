package mastodon

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/starling-social/starling"
)

// countingStore counts the instance-size queries; every other method of
// starling.Store is left nil, as instanceUsage calls none of them.
type countingStore struct {
	starling.Store
	accounts, statuses int64
	calls              int
	fail               bool
}

func (c *countingStore) CountAccounts(context.Context) (int64, error) {
	c.calls++
	if c.fail {
		return 0, errors.New("database down")
	}
	return c.accounts, nil
}

func (c *countingStore) CountStatuses(context.Context) (int64, error) { return c.statuses, nil }

func TestInstanceUsageIsRememberedForAMinute(t *testing.T) {
	store := &countingStore{accounts: 3, statuses: 7}
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	s := &Server{svc: Services{Store: store}}
	s.usage.now = func() time.Time { return at }
	ctx := context.Background()

	steps := []struct {
		name      string
		advance   time.Duration
		accounts  int64
		fail      bool
		wantUsers int64
		wantCalls int
		wantErr   bool
	}{
		{"first call counts", 0, 3, false, 3, 1, false},
		{"within the minute: remembered", 59 * time.Second, 4, false, 3, 1, false},
		{"a minute later: counted again", time.Second, 4, false, 4, 2, false},
		{"a failed count is an error", 2 * time.Minute, 5, true, 0, 3, true},
		{"and is not remembered", 0, 5, false, 5, 4, false},
	}
	for _, st := range steps {
		at = at.Add(st.advance)
		store.accounts, store.fail = st.accounts, st.fail
		u, err := s.instanceUsage(ctx)
		if (err != nil) != st.wantErr || u.users != st.wantUsers || store.calls != st.wantCalls {
			t.Fatalf("%s: users %d err %v after %d counts; want %d, error %v, %d counts",
				st.name, u.users, err, store.calls, st.wantUsers, st.wantErr, st.wantCalls)
		}
		if err == nil && u.statuses != 7 {
			t.Fatalf("%s: statuses %d", st.name, u.statuses)
		}
	}
}
