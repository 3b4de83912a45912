package scenarios

import (
	"fmt"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/conformance"
)

// restarts is the RESTART family: a page reload or app relaunch rebuilds the client
// from what it persisted (cookie jar, storage). The symptoms it reproduces: a cold
// start with an expired session firing one refresh per request, a persisted refresh
// token that never learnt of its rotation, and a session a late refresh revived.
func restarts() []conformance.Scenario {
	return []conformance.Scenario{
		{
			ID: "RESTART-01", Title: "after a reload with an expired session, parallel requests share one refresh",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC2}, Family: "restart",
			Features: []string{cut.FeatureRestart},
			Play: func(s *conformance.Session) {
				s.Expire()
				s.Restart()
				calls := GetMes(5)
				mark := s.Mark()
				replies := conformance.WaitAll(s.Gate(calls))
				phase := s.Since(mark)
				if !s.ExpectRefreshes(phase, 1, conformance.RC2) && len(phase.Refreshes()) > 1 {
					return // a refresh storm: reported once, as RC2
				}
				for _, r := range replies {
					s.ExpectCaller(r, 200, conformance.RC2)
				}
				s.ExpectNoReuse(conformance.RC2)
			},
		},
		{
			ID: "RESTART-02", Title: "after a reload the next refresh presents the newest rotated token",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC8}, Family: "restart",
			Features: []string{cut.FeatureRestart},
			Play: func(s *conformance.Session) {
				s.Expire()
				mark := s.Mark()
				s.ExpectCaller(s.Send(GetMe()), 200, conformance.RC8)
				rotated := ""
				for _, e := range s.Since(mark).Refreshes() {
					if e.Status == 200 {
						rotated = e.IssuedRefresh
					}
				}
				s.Restart()
				s.Expire()
				next := s.Mark()
				s.ExpectCaller(s.Send(GetMe()), 200, conformance.RC8)
				rs := s.Since(next).Refreshes()
				s.Check(len(rs) >= 1 && rs[0].RefreshToken == rotated && rotated != "", conformance.RC8,
					fmt.Sprintf("the first refresh after the reload presents %s, the newest rotated token", conformance.OrNew(rotated)),
					"%s", conformance.RefreshList(s.Since(next)))
				s.ExpectNoReuse(conformance.RC8)
			},
		},
		{
			ID: "RESTART-03", Title: "a refresh answered after logout does not survive a reload",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC17, conformance.RC13}, Family: "restart",
			Features: []string{cut.FeatureRestart},
			Play: func(s *conformance.Session) {
				mark, p := logoutDuringRefresh(s, 0)
				p.Wait()
				s.Restart()
				s.Send(GetMe())
				expectNothingRevived(s, mark)
			},
		},
	}
}
