package scenarios

import (
	"fmt"
	"time"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// cancellation is the CANCEL family: the caller of the request that triggered the
// shared refresh gives up (a page navigates away, a component unmounts, a context is
// cancelled). golang.org/x/oauth2 once refreshed under that caller's context: the
// refresh died with it, and so did the session for everyone else.
func cancellation() []conformance.Scenario {
	return []conformance.Scenario{
		{
			ID: "CANCEL-01", Title: "cancelling the request that started a refresh leaves the refresh and the other waiters alone",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC16}, Family: "cancel",
			Features: []string{cut.FeatureCancel},
			Play: func(s *conformance.Session) {
				mark, _, waiters, ok := cancelTrigger(s, 2)
				if !ok {
					return
				}
				for _, r := range conformance.WaitAll(waiters) {
					s.ExpectCaller(r, 200, conformance.RC16)
				}
				phase := s.Since(mark)
				s.ExpectRefreshes(phase, 1, conformance.RC16)
				fresh := conformance.IssuedBy(phase)
				sends := conformance.SendsOf(phase, GetMe())
				s.Check(fresh != "" && len(sends.WithAccess(fresh).WithStatus(200)) == 2, conformance.RC16,
					fmt.Sprintf("both other waiters sent with %s once the refresh answered, each answered 200", conformance.OrNew(fresh)),
					"%s", conformance.TokenList(sends))
				s.ExpectNoReuse(conformance.RC16)
			},
		},
		{
			ID: "CANCEL-02", Title: "after a cancelled trigger the next refresh presents the token the refresh rotated to",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC16}, Family: "cancel",
			Features: []string{cut.FeatureCancel},
			Play: func(s *conformance.Session) {
				_, refresh, _, ok := cancelTrigger(s, 0)
				if !ok {
					return
				}
				rotated := refresh.IssuedRefresh
				s.Expire()
				next := s.Mark()
				s.ExpectCaller(s.Send(GetMe()), 200, conformance.RC16)
				rs := s.Since(next).Refreshes()
				s.Check(len(rs) == 1 && rs[0].RefreshToken == rotated && rs[0].Status == 200, conformance.RC16,
					fmt.Sprintf("the next refresh presents %s, which the refresh whose caller cancelled rotated to, and succeeds",
						conformance.OrNew(rotated)), "%s", conformance.RefreshList(s.Since(next)))
				s.ExpectNoReuse(conformance.RC16)
			},
		},
	}
}

// cancelTrigger: expire → a GET whose refresh is held before handling, and n more
// GETs started during the hold; then the first GET's caller cancels it, and it must
// settle within 1 s; then the refresh is released and handled (the server cannot
// know the caller left: it rotates as usual). It returns the mark before the GET, the
// finished refresh entry and the other GETs still in flight; ok is false when there
// was no refresh to cancel under (the row is then inconclusive).
func cancelTrigger(s *conformance.Session, n int) (mark int, refresh fakeserver.Entry, waiters []*conformance.Pending, ok bool) {
	s.Expire()
	hold := s.Server.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.PathRefresh, Times: 1, Action: fakeserver.ActionHoldBefore})
	mark = s.Mark()
	trigger := s.Go(GetMe())
	if !s.WaitHeld(hold, 1, trigger) {
		s.Inconclusive("the GET started no refresh within the hold bound: there was no refresh to cancel")
		hold.Release()
		conformance.WaitAll([]*conformance.Pending{trigger})
		return mark, refresh, nil, false
	}
	waiters = s.GoAll(GetMes(n))
	// Let the waiters reach the client's refresh (they wait for it, or send, get 401
	// and join it) before the trigger goes away.
	s.WaitUntil(s.Limits().SettleWindow, func(j fakeserver.Journal) bool {
		return len(conformance.SendsOf(j.Since(mark), GetMe()).WithStatus(401)) >= 1+n
	})
	cancelled := time.Now()
	trigger.Cancel()
	if conformance.WaitAllBy([]*conformance.Pending{trigger}, cancelled.Add(time.Second)) > 0 {
		s.Findf(conformance.RC16, "the cancelled caller settles within 1 s", "it had no answer 1 s after it cancelled")
		s.Abandon()
	}
	// A client that (wrongly) aborts the shared refresh with its trigger does so now:
	// let it finish before the answer is released, so the bug cannot hide behind a
	// slow scheduler. The server marks the held refresh clientGone when it does; a
	// correct client never does, and costs this bound.
	s.WaitUntil(s.Limits().HoldBound/8, func(j fakeserver.Journal) bool {
		rs := j.Since(mark).Refreshes()
		return len(rs) > 0 && rs[0].ClientGone
	})
	hold.Release()
	s.WaitUntil(s.Limits().HoldBound, func(j fakeserver.Journal) bool {
		rs := j.Since(mark).Refreshes()
		return len(rs) > 0 && !rs[0].Pending
	})
	rs := s.Since(mark).Refreshes()
	return mark, rs[0], waiters, true
}
