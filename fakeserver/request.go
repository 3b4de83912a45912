package fakeserver

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"net/url"
	"time"
)

// request carries one API request through the pipeline: what arrived, and the
// labels and states judged so far, copied into its journal entry when it finishes.
type request struct {
	r     *http.Request
	entry *journalSlot
	id    string // {id} of /api/ideas/{id}

	body          []byte // the whole body, for the handler
	kept          []byte // what the journal keeps of it (Options.JournalBodyBytes)
	bodyTruncated bool   // kept is less than what arrived
	tooLarge      bool
	readErr       bool
	bodyHash      string
	bodyLength    int        // bytes received, discarded ones included
	streamed      bool       // the handler reads the body as it streams (an upload), not the pipeline
	bodyRead      bool       // a streamed body was read (or drained)
	parts         []BodyPart // a multipart upload's parts (attachments_body.go)

	idempotencyKey   string // label of the Idempotency-Key (idempotency.go)
	idempotentReplay bool   // the answer is the stored response of an earlier request

	// form is an oauth2 token or revocation request's form body (peekForm), grant
	// its grant_type, and call the auth call it makes (authCall).
	form    url.Values
	formBad bool // the body was no form, or over formPeekBytes
	grant   string
	call    string

	verified verifiedAccess // signature checked once, judged again when handled
	access   accessJudgement
	// cookie is the refresh token presented: the refresh cookie, or under oauth2 the
	// form's refresh_token (a grant) or token (a revocation).
	cookie    string
	hasCookie bool
	refresh   refreshJudgement
	// graceReuse: the refresh handler accepted a spent token inside the grace window.
	graceReuse bool

	issuedAccess, issuedRefresh string
	faults                      []string // names of the rules that acted
	waited                      []*Fault // rules that made it wait before handling
	clientGone                  bool     // the client disconnected while the request was held
	noCORSCredentials           bool     // a cors-no-credentials rule acted (fault_cors.go)
	finished                    bool

	extra requestExtras // what event streams and GraphQL add (request_extras.go)
}

// drainLimit bounds how much of an oversized body is read and discarded, so the
// client gets its 413 instead of a broken pipe, without reading forever.
const drainLimit = 8 << 20

// readBody reads up to MaxBodyBytes; more is tooLarge (413), read errors are 400.
// The hash covers the whole body when it could be read to its end. keep is how
// much of it the journal keeps.
func (rq *request) readBody(keep int) {
	if rq.r.Body == nil || rq.r.Body == http.NoBody {
		return
	}
	defer func() {
		rq.kept = keptBody(rq.body, keep)
		rq.bodyTruncated = rq.tooLarge || rq.readErr || len(rq.kept) < len(rq.body)
	}()
	h := sha256.New()
	b, err := io.ReadAll(io.TeeReader(io.LimitReader(rq.r.Body, MaxBodyBytes+1), h))
	rq.bodyLength = len(b)
	if err != nil {
		rq.readErr = true
		return
	}
	if len(b) > MaxBodyBytes {
		rq.tooLarge = true
		n, err := io.Copy(h, io.LimitReader(rq.r.Body, drainLimit))
		rq.bodyLength += int(n)
		if err == nil && n < drainLimit {
			rq.bodyHash = hexSum(h)
		}
		return
	}
	if len(b) > 0 {
		rq.body, rq.bodyHash = b, hexSum(h)
	}
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// readCookie reads the refresh token presented: the refresh cookie (a value
// net/http cannot parse counts as absent), or under oauth2 the form's refresh_token
// or token.
func (rq *request) readCookie() {
	if rq.form != nil {
		name := "refresh_token"
		if rq.r.URL.Path == PathRevoke {
			name = "token"
		}
		_, rq.hasCookie = rq.form[name]
		rq.cookie = rq.form.Get(name)
		return
	}
	c, err := rq.r.Cookie(refreshCookieName)
	if errors.Is(err, http.ErrNoCookie) || err != nil {
		return
	}
	rq.cookie, rq.hasCookie = c.Value, true
}

// judgeTokens labels and judges both tokens as they stand now, without side
// effects; handlers that decide (authenticate, refresh) overwrite their part.
func (s *Server) judgeTokens(rq *request) {
	rq.access = s.judgeAccess(rq.verified, s.Now())
	rq.refresh = s.peekRefresh(rq.cookie, rq.hasCookie, rq.call == PathRefresh)
}

// copyInto fills the entry from the request (the caller holds the journal lock).
func (rq *request) copyInto(e *Entry) {
	e.AccessToken, e.AccessState = rq.access.label, rq.access.state
	e.RefreshToken, e.RefreshState = rq.refresh.label, rq.refresh.state
	e.BodySha256, e.Body, e.BodyTruncated = rq.bodyHash, rq.kept, rq.bodyTruncated
	e.IssuedAccess, e.IssuedRefresh = rq.issuedAccess, rq.issuedRefresh
	e.Fault = joinNames(rq.faults)
	e.ClientGone = rq.clientGone
	e.GraceReuse = rq.graceReuse
	e.BodyLength, e.Parts = rq.bodyLength, rq.parts
	e.IdempotencyKey, e.IdempotentReplay = rq.idempotencyKey, rq.idempotentReplay
	rq.extra.copyInto(e)
}

func joinNames(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ","
		}
		out += n
	}
	return out
}

// acted records a rule's name once, in the order rules acted.
func (rq *request) acted(name string) {
	for _, n := range rq.faults {
		if n == name {
			return
		}
	}
	rq.faults = append(rq.faults, name)
}

// realOffsetMs is real milliseconds since the server was built.
func (s *Server) realOffsetMs() float64 {
	return float64(time.Since(s.started)) / float64(time.Millisecond)
}

// waitedOn reports whether rule f made this request wait (held it) before handling.
func (rq *request) waitedOn(f *Fault) bool {
	for _, h := range rq.waited {
		if h == f {
			return true
		}
	}
	return false
}
