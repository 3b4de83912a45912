// Package conformance is the engine and the rules of tokenclock: the retry contract
// as typed requirement constants, the outcomes, the result model behind results.json,
// expected-failures files, the one function that turns results into verdicts and an
// exit code (Judge), the Session API that scenario authors use, and Run, which plays
// a catalog against clients. The CLI (`tokenclock run`) and the Ginkgo suite both call
// Run; reports only write what Judge decided.
package conformance
