package fakeserver

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// entrySize is what JournalMaxBytes counts for an entry: a fixed overhead for the
// struct and its allocations, plus every string and the body it keeps.
func entrySize(e *Entry) int {
	n := JournalEntryOverhead + len(e.Body)
	for _, s := range []string{
		e.VirtualTime, e.VirtualOffset, e.Method, e.Path, e.AccessToken, e.AccessState,
		e.RefreshToken, e.RefreshState, e.BodySha256, e.Fault, e.IssuedAccess, e.IssuedRefresh,
		e.LastEventID, e.GraphQLOp,
		e.IdempotencyKey,
	} {
		n += len(s)
	}
	n += partsSize(e.Parts)
	return n
}

// clipString keeps at most max bytes of s and marks what it cut:
// "…[truncated: N bytes]", N the whole length. Short strings pass as they are, so
// the journal's usual paths compare exactly. The cut never falls inside a word of
// token characters (letters, digits, -_.~+=%): a token that straddles it is dropped
// whole rather than kept in part, as a part of a secret is something no scrubber
// that looks for whole secrets can find.
func clipString(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && isTokenByte(s[cut-1]) && isTokenByte(s[cut]) {
		cut--
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…[truncated: " + strconv.Itoa(len(s)) + " bytes]"
}

// isTokenByte: what tokens (JWTs, base64 and base64url secrets, their URL-encoded
// forms) are made of.
func isTokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-_.~+=%", c) >= 0
}

// keptBody is the part of body an entry keeps (Options.JournalBodyBytes): all of
// it, or a copy of its first keep bytes, so the journal never holds on to the
// whole body's memory.
func keptBody(body []byte, keep int) []byte {
	switch {
	case len(body) <= keep:
		return body
	case keep == 0:
		return nil
	}
	return append([]byte(nil), body[:keep]...)
}
