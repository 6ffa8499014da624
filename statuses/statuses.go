// Package statuses is the use-case layer for posts: composing (length,
// mentions, hashtags, rendering), reading with visibility checks, threads
// and deleting.
package statuses

// Service implements status use cases on top of a starling.Store.
type Service struct{}
