// Package fakeserver is the fake auth + ideas backend the harness runs clients
// against. Its clock is injected (a clockwork fake clock in the harness), it expires,
// revokes and rotates tokens on demand, injects faults by rule, and journals every
// request with the labels and judged states of the tokens it carried. Everything it
// keeps is bounded (Options: journal entries and bytes, users, families, tokens,
// ideas, idempotency keys; uploads are read, never kept), so a long serve session
// stays within a memory ceiling. Besides REST it serves a server-sent event stream
// whose events the harness publishes (events.go; the last EventReplayLimit are kept
// for resumes) and a GraphQL endpoint of two operations (graphql.go). Shaped like
// net/http/httptest: New, Start, URL, Close, Reset.
package fakeserver
