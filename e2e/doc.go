// Package e2e tests the built starling binary from the outside, as an
// operator and a Mastodon app meet it: it builds ./cmd/starling, runs it on
// a free port, drives it with the npm client library masto (the script
// masto_flow.mjs), and checks that it keeps acknowledged posts across a
// kill -9 and exits cleanly on SIGTERM. It has no code outside its tests.
//
// The client tests need the npm packages of package.json: run `npm ci` in
// this directory (.ci/run does). Without them those tests skip and say so,
// or fail when STARLING_E2E=1, as .ci/run sets it.
// With STARLING_TEST_DATABASE_URL set, every test runs on PostgreSQL as
// well as on SQLite, each in a database of its own.
package e2e
