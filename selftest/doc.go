// Package selftest checks the conformance binary from the outside, the way CI and
// scripts use it: built once with `go test -c`, run from a directory outside the
// source tree, judged by exit code, console output and the report files.
package selftest
