// Package tokenclock is the conformance harness for HTTP clients that refresh expired
// auth tokens. The root package holds only the Ginkgo conformance suite
// (suite_test.go); the harness lives in fakeserver, scenarios, clientunderTest and
// reports, and the standalone server in cmd/tokenclock.
package tokenclock
