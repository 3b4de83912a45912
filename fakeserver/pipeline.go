package fakeserver

import (
	"net/http"
	"net/url"
)

// serveAPI is every API request's life: arrive (seq, clock, fault matching, in
// arrival order), read the body, wait for delays and holds, answer (a status or
// reset rule, or the real handler), hold the response if a rule says so, then
// finish the journal entry and only then write, so a client that got its answer
// always finds its entry final.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	if s.track() {
		defer s.inflight.Done()
	}
	form, formBad := s.peekForm(r)
	rq, acting := s.arrive(r, form)
	rq.formBad = formBad
	defer s.recoverPanic(w, rq)

	rq.readCookie()
	if form == nil { // a token request's Authorization is the client's Basic credentials
		rq.verified = s.verifyAccess(r.Header.Values("Authorization"))
	}
	s.judgeTokens(rq)
	rq.streamed = streamsBody(r) // an upload's handler reads its body as it streams (attachments.go)
	if !rq.streamed {
		rq.readBody(s.opts.JournalBodyBytes)
	}
	if rq.form != nil {
		// A token request's body holds the password, the refresh token and the client
		// secret: the journal keeps its hash and length, never its bytes.
		rq.kept, rq.bodyTruncated = nil, rq.bodyLength > 0
	}
	s.labelIdempotencyKey(rq)
	s.readExtras(rq)
	s.journal.update(rq.entry, rq.copyInto)

	if !s.waitBefore(rq, acting) {
		s.abandon(rq)
	}
	var rp reply
	switch f, how := firstAnswering(acting, rq); how {
	case answerReset:
		rq.acted("reset")
		s.judgeTokens(rq)
		s.finish(rq, 0)
		resetConn(w)
		return
	case answerStatus:
		rq.acted("status")
		s.judgeTokens(rq)
		rp = s.faultReply(rq, f.status())
	default:
		s.judgeTokens(rq)
		rp = s.handle(rq)
		rp = s.replaceHandled(acting, rq, rp) // commit-401: handled, answered otherwise
	}
	for _, f := range acting {
		if f.kind.after == nil {
			continue
		}
		acted, ok := f.kind.after(f, r.Context(), s.closing)
		if acted {
			rq.acted(f.kind.journal)
		}
		if !ok {
			s.abandon(rq)
		}
	}
	rq.noCORSCredentials = dropsCORSCredentials(acting, rq)
	s.respond(w, rq, rp)
}

// arrive journals the request as pending with its seq, server time and real
// offset, and counts it against the fault rules under the same lock, so rules see
// matches in seq order.
func (s *Server) arrive(r *http.Request, form url.Values) (*request, []*Fault) {
	grant := clipString(form.Get("grant_type"), JournalPathBytes)
	if r.URL.Path != PathToken {
		grant = ""
	}
	call := authCall(s.opts.Profile, r.URL.Path, grant)
	recorded := call
	if call == r.URL.Path {
		recorded = "" // the path says it
	}
	sl := &journalSlot{e: Entry{
		Method: clipString(r.Method, JournalPathBytes), Path: clipString(r.URL.Path, JournalPathBytes),
		Pending: true, AuthorizationHeaders: len(r.Header.Values("Authorization")),
		Instance: instanceOf(r.Header), GrantType: grant, AuthCall: recorded,
	}}
	e := &sl.e
	j := s.journal
	j.mu.Lock()
	j.seq++
	e.Seq = j.seq
	now := s.Now()
	e.VirtualTime = now.UTC().Format(timeLayout)
	e.VirtualOffset = s.clockOffset(now)
	e.RealOffsetMs = s.realOffsetMs()
	j.push(sl)
	acting := s.faults.match(r.Method, r.URL.Path, call)
	j.mu.Unlock()
	return &request{r: r, entry: sl, form: form, grant: grant, call: call}, acting
}

// waitBefore runs the waits before handling (delays, holds) in the order the rules
// were added; false when the request was abandoned (client gone, server closed).
func (s *Server) waitBefore(rq *request, acting []*Fault) bool {
	ctx := rq.r.Context()
	for _, f := range acting {
		if f.kind.before == nil {
			continue
		}
		acted, ok := f.kind.before(f, ctx, s.closing)
		if acted {
			rq.acted(f.kind.journal)
			rq.waited = append(rq.waited, f)
		}
		if !ok {
			return false
		}
	}
	rq.clientGone = ctx.Err() != nil
	return true
}

// respond finishes the entry, writes the reply (with CORS headers) and reports
// the entry to OnRequest.
func (s *Server) respond(w http.ResponseWriter, rq *request, rp reply) {
	s.drainUpload(rq) // an upload no handler read: the client reads this answer, not a broken pipe
	s.applyCORS(rq.r, rp.header, !rq.noCORSCredentials)
	rq.extra.authFailure = rp.signalsAuthFailure()
	if rp.stream != nil {
		s.serveStream(w, rq, rp) // finishes the entry itself, when the stream ends
		return
	}
	e, first := s.finish(rq, rp.status)
	rp.write(w)
	if s.opts.OnRequest != nil && first {
		s.opts.OnRequest(e)
	}
}

// finish makes the entry final (once). With status 0 (reset, abandoned) it also
// calls OnRequest, as nothing more will happen; otherwise respond does after writing.
func (s *Server) finish(rq *request, status int) (final Entry, first bool) {
	if rq.finished {
		return Entry{}, false
	}
	rq.finished = true
	final = s.journal.update(rq.entry, func(e *Entry) {
		rq.copyInto(e)
		e.Status = status
		e.RespondedOffsetMs = s.realOffsetMs()
		e.Pending = false
	})
	if status == 0 && s.opts.OnRequest != nil {
		s.opts.OnRequest(final)
	}
	return final, true
}

// abandon ends a request the client gave up on, or that Close cut short: status 0,
// and no response at all. Returning normally would make net/http send an empty
// 200, so it aborts the handler the way net/http provides (recoverPanic passes
// http.ErrAbortHandler on).
func (s *Server) abandon(rq *request) {
	s.finish(rq, 0)
	panic(http.ErrAbortHandler)
}

// recoverPanic keeps the promise that nothing answers 500: a bug in a handler is
// answered 400 {message}. http.ErrAbortHandler (an abort on purpose) goes on up.
func (s *Server) recoverPanic(w http.ResponseWriter, rq *request) {
	p := recover()
	if p == nil {
		return
	}
	if p == http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
		s.finish(rq, 0)
		panic(p)
	}
	if rq.finished {
		return
	}
	s.respond(w, rq, messageReply(http.StatusBadRequest, "the request could not be handled"))
}
