// Package fakeserver is the fake auth + ideas backend the harness runs clients
// against. Its clock is injected (a clockwork fake clock in the harness), it expires,
// revokes and rotates tokens on demand, injects faults by rule, and journals every
// request with the labels and judged states of the tokens it carried. Everything it
// keeps is bounded (Options: journal entries and bytes, users, families, tokens,
// ideas), so a long serve session stays within a memory ceiling. Shaped like
// net/http/httptest: New, Start, URL, Close, Reset.
package fakeserver
