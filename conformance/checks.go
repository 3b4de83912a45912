package conformance

import (
	"fmt"
	"time"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// ReplayReqs names the requirement each part of a refresh-and-replay judgement
// belongs to in a given row.
type ReplayReqs struct {
	Refresh RequirementID // exactly one refresh, triggered by the 401
	Replay  RequirementID // one replay, one Authorization header, the new token
	Body    RequirementID // identical body on the replay
	Caller  RequirementID // what the caller finally saw
}

// AuthFailed reports whether the server answered e with its endpoint's auth-failure
// signal: a 401, or GraphQL's 200 with an UNAUTHENTICATED error (journal authFailure).
func AuthFailed(e fakeserver.Entry) bool { return e.Status == 401 || e.AuthFailure }

// ExpectRefreshes checks the phase j made exactly n refresh calls.
func (s *Session) ExpectRefreshes(j fakeserver.Journal, n int, req RequirementID) bool {
	got := len(j.Refreshes())
	return s.Check(got == n, req, "exactly "+Plural(n, "refresh call"),
		"%s (%s)", Plural(got, "refresh call"), RefreshList(j))
}

// ExpectAtMostRefreshes checks the phase made no more than n refresh calls.
func (s *Session) ExpectAtMostRefreshes(j fakeserver.Journal, n int, req RequirementID) bool {
	got := len(j.Refreshes())
	return s.Check(got <= n, req, fmt.Sprintf("at most %s", Plural(n, "refresh call")),
		"%s (%s)", Plural(got, "refresh call"), RefreshList(j))
}

// ExpectNoReuse checks the server never saw a spent refresh token presented again in
// this scenario (reuse detection would have revoked the family).
func (s *Session) ExpectNoReuse(req RequirementID) {
	reused := s.Server.Journal().Where(func(e fakeserver.Entry) bool { return e.RefreshState == fakeserver.StateReused })
	s.Check(len(reused) == 0, req, "no refresh-token reuse detected (the family stays alive)", "%s", RefreshList(reused))
}

// ExpectCaller checks the caller saw want (an HTTP status; no transport error).
func (s *Session) ExpectCaller(r cut.Reply, want int, req RequirementID) bool {
	return s.Check(r.Error == "" && r.Status == want, req, fmt.Sprintf("caller %d", want), "%s", ReplyText(r))
}

// ExpectReplayed judges one call that met a dead access token: its first send carried
// old and got 401, exactly one refresh followed, and exactly one replay carried the
// refreshed token in a single Authorization header with the identical body; the
// caller saw want. It returns the label the refresh minted.
func (s *Session) ExpectReplayed(j fakeserver.Journal, call cut.Call, reply cut.Reply, old string, want int, rq ReplayReqs) string {
	s.ExpectRefreshes(j, 1, rq.Refresh)
	fresh := IssuedBy(j)
	sends := SendsOf(j, cut.Call{Method: call.Method, Path: call.Path})
	what := CallText(call)
	switch {
	case len(sends) == 0:
		s.Findf(rq.Caller, "a send of "+what, "none reached the server")
	case sends[0].AccessToken != old || !AuthFailed(sends[0]):
		s.Findf(rq.Refresh, fmt.Sprintf("first send of %s with %s answered 401, then a refresh", what, old),
			"%s", TokenList(sends))
	case len(sends) == 1:
		s.Findf(rq.Replay, fmt.Sprintf("the 401 replayed once with %s", OrNew(fresh)), "no replay (%s)", TokenList(sends))
	case len(sends) > 2:
		s.Findf(rq.Replay, fmt.Sprintf("2 sends of %s (the 401, one replay)", what), "%d sends: %s", len(sends), TokenList(sends))
	}
	if len(sends) >= 2 && sends[0].AccessToken == old {
		replay := sends[1]
		s.Check(replay.AuthorizationHeaders == 1 && fresh != "" && replay.AccessToken == fresh, rq.Replay,
			fmt.Sprintf("the replay carries exactly one Authorization header, Bearer %s", OrNew(fresh)),
			"the replay carried %s", TokenList(sends[1:2]))
		if len(call.Body) > 0 {
			s.Check(JSONEqual(replay.Body, call.Body), rq.Body, "the replay carries the identical body",
				"the replay's body was %s", bodyText(replay.Body))
		}
	}
	s.ExpectCaller(reply, want, rq.Caller)
	return fresh
}

// ExpectSentOnce checks call reached the server exactly once, carrying label.
func (s *Session) ExpectSentOnce(j fakeserver.Journal, call cut.Call, label string, req RequirementID) {
	sends := SendsOf(j, cut.Call{Method: call.Method, Path: call.Path})
	s.Check(len(sends) == 1 && sends[0].AccessToken == label && sends[0].AuthorizationHeaders == 1, req,
		fmt.Sprintf("one send of %s, carrying %s", CallText(call), label), "%s", TokenList(sends))
}

// NothingAfter waits the quiet period after the last reply and fails req if any
// request arrives in it (a client still looping or replaying).
func (s *Session) NothingAfter(req RequirementID) {
	last := s.LastReply()
	time.Sleep(s.opts.QuietPeriod)
	from := s.serverMs(last)
	late := s.Server.Journal().Where(func(e fakeserver.Entry) bool { return e.RealOffsetMs > from })
	s.Check(len(late) == 0, req, fmt.Sprintf("nothing after the last reply (quiet period %s)", s.opts.QuietPeriod),
		"%s arrived afterwards: %s", Plural(len(late), "request"), EntryList(late))
}

// ExpectPrompt checks every pending settled within 1 s of after (RC7's "promptly").
// Pendings still unanswered then are a finding, and the scenario is abandoned: a
// hung waiter is judged now, not waited for until the deadline.
func (s *Session) ExpectPrompt(ps []*Pending, after time.Time, req RequirementID) {
	limit := after.Add(time.Second)
	if n := WaitAllBy(ps, limit); n > 0 {
		s.Findf(req, "every caller settled within 1 s of the failed refresh", "%d of %d callers had no answer 1 s later", n, len(ps))
		s.Abandon()
	}
	for _, p := range ps {
		p.Wait()
		s.Check(!p.Replied.After(limit), req, "every caller settled within 1 s of the failed refresh",
			"a caller settled %s after it", p.Replied.Sub(after).Round(time.Millisecond))
	}
}

// AwaitFailedRefresh waits (up to the deadline) for the first refresh since mark
// that was answered and failed, then expects every pending to settle within 1 s of
// that answer (see ExpectPrompt). Without a failed refresh it simply waits for the
// replies. It returns the failed refresh (ok false when there was none).
func (s *Session) AwaitFailedRefresh(mark int, ps []*Pending, req RequirementID) (failed fakeserver.Entry, ok bool) {
	settled := func() bool {
		for _, p := range ps {
			if !p.Done() {
				return false
			}
		}
		return true
	}
	ok = s.WaitUntil(s.opts.Deadline, func(j fakeserver.Journal) bool {
		for _, e := range j.Since(mark).Refreshes() {
			if !e.Pending && e.Status != 200 {
				failed = e
				return true
			}
		}
		return settled()
	}) && failed.Seq != 0
	if ok {
		s.ExpectPrompt(ps, s.RespondedAt(failed), req)
	}
	WaitAll(ps)
	return failed, ok
}

// AwaitSettledAfterRefreshes waits for ps; once a refresh since mark has failed and
// no refresh is in flight, callers still unanswered 1 s after the latest refresh
// response are an RC7-style finding under req ("never a hang") and the scenario is
// abandoned. It is the lenient form of AwaitFailedRefresh for transient failures,
// where a client may retry the refresh once before settling.
func (s *Session) AwaitSettledAfterRefreshes(mark int, ps []*Pending, req RequirementID) {
	settled := func() int {
		n := 0
		for _, p := range ps {
			if p.Done() {
				n++
			}
		}
		return n
	}
	for {
		n := settled()
		if n == len(ps) || s.ctx.Err() != nil {
			WaitAll(ps)
			return
		}
		last, quiet := lastRefreshFailure(s.Since(mark), s.RespondedAt)
		if quiet && time.Since(last) > time.Second {
			s.Findf(req, "every caller settled within 1 s of the last refresh response (never a hang)",
				"%d of %d callers had no answer 1 s after the refresh failed", len(ps)-n, len(ps))
			s.Abandon()
		}
		bound := s.opts.Deadline
		if quiet {
			bound = time.Until(last.Add(time.Second)) + time.Millisecond
		}
		s.WaitUntil(bound, func(j fakeserver.Journal) bool {
			l, q := lastRefreshFailure(j.Since(mark), s.RespondedAt)
			return settled() > n || q != quiet || !l.Equal(last)
		})
	}
}

// lastRefreshFailure is the latest refresh response in phase, and whether a refresh
// has failed with none in flight now.
func lastRefreshFailure(phase fakeserver.Journal, respondedAt func(fakeserver.Entry) time.Time) (last time.Time, quiet bool) {
	failed := false
	for _, e := range phase.Refreshes() {
		if e.Pending {
			return last, false
		}
		failed = failed || e.Status != 200
		if t := respondedAt(e); t.After(last) {
			last = t
		}
	}
	return last, failed
}

// RespondedAt converts an entry's response time to real time.
func (s *Session) RespondedAt(e fakeserver.Entry) time.Time {
	return s.srvStart.Add(time.Duration(e.RespondedOffsetMs * float64(time.Millisecond)))
}

// LastReply is the real time the latest reply to the harness arrived.
func (s *Session) LastReply() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	last := s.started
	for _, r := range s.replies {
		if t := s.started.Add(time.Duration(r.RepliedMs * float64(time.Millisecond))); t.After(last) {
			last = t
		}
	}
	return last
}

func EntryList(j fakeserver.Journal) string {
	out := ""
	for i, e := range j {
		if i == 5 {
			return out + fmt.Sprintf(", … (%d more)", len(j)-5)
		}
		if i > 0 {
			out += ", "
		}
		tok := e.AccessToken
		if e.Call() == fakeserver.PathRefresh {
			tok = e.RefreshToken
		}
		out += fmt.Sprintf("%s %s (%s)→%s", e.Method, e.Path, tok, statusText(e.Status))
	}
	return out
}

func OrNew(label string) string {
	if label == "" {
		return "the refreshed token"
	}
	return label
}

func bodyText(b []byte) string {
	if len(b) == 0 {
		return "empty"
	}
	if len(b) > 120 {
		return string(b[:120]) + "…"
	}
	return string(b)
}
