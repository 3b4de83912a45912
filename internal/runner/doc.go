// Package runner is `tokenclock run` and `tokenclock list` as functions: flags → one
// conformance.Options → conformance.Run → reports and console → exit code. The
// binary (cmd/tokenclock) and the Ginkgo suite at the repository root both call it,
// so every entry point gives the same results for the same flags.
package runner
