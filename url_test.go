package starling

import (
	"net/url"
	"testing"
)

func TestAbsURL(t *testing.T) {
	tests := []struct{ base, path, want string }{
		{"https://social.example", "/@alice", "https://social.example/@alice"},
		{"https://social.example/", "/@alice", "https://social.example/@alice"},
		{"http://localhost:8080", "/users/a/statuses/1", "http://localhost:8080/users/a/statuses/1"},
		{"https://social.example", "", "https://social.example"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.base)
		if err != nil {
			t.Fatal(err)
		}
		if got := AbsURL(u, tt.path); got != tt.want {
			t.Errorf("AbsURL(%q, %q) = %q, want %q", tt.base, tt.path, got, tt.want)
		}
	}
}
