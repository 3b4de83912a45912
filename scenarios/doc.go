// Package scenarios is the conformance catalog: the retry contract (RC1–RC14), one
// value per scenario of spec/scenarios.md, and the engine that plays a scenario
// against a client on a fresh fake server and judges it from the server's journal
// plus what the callers saw. Plain Go: the Ginkgo suite turns the catalog into specs.
package scenarios
