// Package timeline reads timelines: the home timeline behind the
// starling.HomeTimeline interface (so its engine can be swapped), the
// public timeline and an account's statuses, all filtered by policy.
package timeline

// Service reads timelines.
type Service struct{}
