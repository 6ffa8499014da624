// Package follows is the use-case layer for relationships: following,
// unfollowing, follow requests to locked accounts, and the lists and
// relationship flags built from them.
package follows

// Service implements relationship use cases on top of a starling.Store.
type Service struct{}
