// Package tokenclock is the conformance harness for HTTP clients that refresh expired
// auth tokens. The root package holds only the Ginkgo suite (suite_test.go), a thin
// shell over the engine in conformance; the catalog lives in scenarios, the clients
// under test in clientUnderTest, the server in fakeserver, the writers in reports,
// and the binary (`tokenclock run`, `list`, `serve`) in cmd/tokenclock.
package tokenclock
