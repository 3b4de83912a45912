package scenarios

import (
	"fmt"
	"github.com/tokenclock/tokenclock/conformance"
	"strings"

	"github.com/tokenclock/tokenclock/fakeserver"
)

func rotation() []conformance.Scenario {
	return []conformance.Scenario{{
		ID: "ROT-01", Title: "every refresh presents the newest rotated refresh token",
		Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC8}, Family: "rot",
		Play: func(s *conformance.Session) {
			mark := s.Mark()
			for i := 0; i < 3; i++ {
				s.Expire()
				s.ExpectCaller(s.Send(GetMe()), 200, conformance.RC8)
			}
			all := s.Server.Journal()
			// Each refresh must present what the one before it issued (the login's first).
			want := []string{issuedRefreshBy(all, loginLabel(all))}
			var got []string
			for _, e := range s.Since(mark).Refreshes() {
				got = append(got, e.RefreshToken)
				want = append(want, orUnknown(e.IssuedRefresh))
			}
			want = want[:min(3, len(want))]
			s.Check(strings.Join(got, ",") == strings.Join(want, ",") && len(got) == 3, conformance.RC8,
				fmt.Sprintf("3 refreshes presenting %s in that order", strings.Join(want, ", ")), "%s", conformance.RefreshList(s.Since(mark)))
			s.ExpectNoReuse(conformance.RC8)
		},
	}}
}

func session() []conformance.Scenario {
	return []conformance.Scenario{{
		ID: "SESSION-01", Title: "a refresh that completes after logout is discarded",
		Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC17, conformance.RC13}, Family: "session",
		Play: func(s *conformance.Session) { lateRefreshAfterLogout(s, 0) },
	}}
}

// lateRefreshAfterLogout is SESSION-01 (and, with the logout in another tab, TABS-04):
// a refresh answered after the logout must not revive the session, and the GET that
// waited on it gets its 401 or an error, not a success.
func lateRefreshAfterLogout(s *conformance.Session, logoutBy int) {
	mark, p := logoutDuringRefresh(s, logoutBy)
	r := p.Wait()
	s.NothingAfter(conformance.RC13)
	expectNothingRevived(s, mark)
	s.Check(r.Error != "" || r.Status == 401, conformance.RC17, "the GET's caller gets 401 or an error, not a success", "%s", conformance.ReplyText(r))
}

// logoutDuringRefresh: expire → a GET (instance 0) whose refresh the server handles
// (issuing new tokens) but whose answer it holds; the client logs out through
// instance logoutBy (another tab when not 0); then the answer is delivered. It returns the journal mark before the GET and the GET in flight. A
// refresh that never came, or was answered before the logout finished (the hold
// released on its bound), makes the row inconclusive: nothing completed after logout.
func logoutDuringRefresh(s *conformance.Session, logoutBy int) (int, *conformance.Pending) {
	s.Expire()
	hold := s.Server.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.PathRefresh, Times: 1, Action: fakeserver.ActionHoldResponse})
	mark := s.Mark()
	p := s.Go(GetMe())
	if !s.WaitHeld(hold, 1, p) {
		s.Inconclusive("the GET started no refresh within the hold bound: there was no refresh to complete after logout")
	}
	s.LogoutInstance(logoutBy)
	if rs := s.Since(mark).Refreshes(); len(rs) > 0 && !rs[0].Pending {
		s.Inconclusive(fmt.Sprintf("the held refresh was answered (hold bound %s) before the client's logout "+
			"finished: the refresh did not complete after logout", s.Limits().HoldBound))
	}
	hold.Release()
	return mark, p
}

// expectNothingRevived judges everything after the client's logout: no request
// carries a token the refresh since mark issued (RC17: it completed after logout), nor
// any other token of the old session, access or refresh cookie (RC13).
func expectNothingRevived(s *conformance.Session, mark int) {
	all := s.Server.Journal()
	logouts := all.To("POST", fakeserver.PathLogout)
	if len(logouts) == 0 {
		s.Findf(conformance.RC13, "the client's logout reaches POST "+s.AuthPath(fakeserver.PathLogout), "no logout request")
		return
	}
	old := oldSessionLabels(all, logouts[0].Seq)
	for _, e := range all {
		if e.IssuedRefresh != "" {
			old[e.IssuedRefresh] = true
		}
	}
	late := lateRefreshLabels(all.Since(mark))
	since := all.Since(logouts[0].Seq).Where(func(e fakeserver.Entry) bool { return e.Call() != fakeserver.PathLogout })
	revived := since.Where(func(e fakeserver.Entry) bool { return late[e.AccessToken] || late[e.RefreshToken] })
	s.Check(len(revived) == 0, conformance.RC17, "no request after the logout carries a token the refresh completed after it issued",
		"%s", conformance.EntryList(revived))
	stale := since.Where(func(e fakeserver.Entry) bool {
		return (old[e.AccessToken] || old[e.RefreshToken]) && !late[e.AccessToken] && !late[e.RefreshToken]
	})
	s.Check(len(stale) == 0, conformance.RC13, "after the logout no request carries the old session's tokens",
		"%s", conformance.EntryList(stale))
}

// oldSessionLabels are the access labels issued up to and including the refresh
// whose response was held across the logout at seq (the old session's tokens).
func oldSessionLabels(j fakeserver.Journal, logoutSeq int) map[string]bool {
	old := map[string]bool{}
	for _, e := range j {
		if e.IssuedAccess != "" && (e.Seq < logoutSeq || e.Call() == fakeserver.PathRefresh) {
			old[e.IssuedAccess] = true
		}
	}
	return old
}

// lateRefreshLabels are the access and refresh labels issued by the refreshes of a
// phase (the refresh whose answer was held across the logout).
func lateRefreshLabels(phase fakeserver.Journal) map[string]bool {
	late := map[string]bool{}
	for _, e := range phase.Refreshes() {
		if e.IssuedAccess != "" {
			late[e.IssuedAccess] = true
		}
		if e.IssuedRefresh != "" {
			late[e.IssuedRefresh] = true
		}
	}
	return late
}

// orUnknown shows a label a failed refresh never issued as "?".
func orUnknown(label string) string {
	if label == "" {
		return "?"
	}
	return label
}
