// Package accounts is the use-case layer for people: signing up, checking
// passwords, editing profiles, finding accounts and changing roles.
package accounts

// Service implements account use cases on top of a starling.Store.
type Service struct{}
