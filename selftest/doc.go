// Package selftest checks tokenclock from the outside, the way a user, CI and
// scripts meet it: installed with `go install ./cmd/tokenclock` into a temporary
// GOBIN, run from a directory outside the source tree, judged by exit code, console
// output and the report files; and the repository itself (self-contained docs).
package selftest
