// Package scenarios is the conformance catalog: one value per scenario, a file per
// family, built only on the conformance package's exported API (the Session that
// drives a client and the checks over the fake server's journal). Plain Go: the
// engine (conformance.Run) plays it, and the Ginkgo suite and `tokenclock run` both
// call that engine.
package scenarios
