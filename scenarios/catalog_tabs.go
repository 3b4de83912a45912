package scenarios

import (
	"fmt"
	"time"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// tabsGrace is the reuse grace window of TABS-03.
const tabsGrace = 10 * time.Second

// tabs is the TABS family: several instances of one session (browser tabs, app
// instances) share the cookie jar and one rotating refresh token. The symptom it
// reproduces, the most reported for OIDC and Supabase-style libraries: every tab
// refreshes when the token expires, the second presents the token the first just
// spent, reuse detection revokes the session, and the user is signed out everywhere.
func tabs() []conformance.Scenario {
	return []conformance.Scenario{
		{
			ID: "TABS-01", Title: "2 tabs meet an expired token together: the session survives",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC19}, Family: "tabs",
			Features: []string{cut.FeatureInstances}, Instances: 2,
			Play: func(s *conformance.Session) { tabsMeetExpiry(s, 2) },
		},
		{
			ID: "TABS-02", Title: "5 tabs meet an expired token together: the session survives",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC19}, Family: "tabs",
			Features: []string{cut.FeatureInstances}, Instances: 5,
			Play: func(s *conformance.Session) { tabsMeetExpiry(s, 5) },
		},
		{
			ID: "TABS-03", Title: fmt.Sprintf("2 tabs meet an expired token together, with a %s reuse grace window", tabsGrace),
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC19}, Family: "tabs",
			Features: []string{cut.FeatureInstances}, Instances: 2,
			Server: func(o *fakeserver.Options) { o.ReuseGrace = tabsGrace },
			Play:   func(s *conformance.Session) { tabsMeetExpiry(s, 2) },
		},
		{
			ID: "TABS-04", Title: "tab B logs out while tab A's refresh is answered late: A does not revive the session",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC17, conformance.RC13}, Family: "tabs",
			Features: []string{cut.FeatureInstances}, Instances: 2,
			Play: func(s *conformance.Session) { lateRefreshAfterLogout(s, 1) },
		},
	}
}

// tabsMeetExpiry: the access token expires, and each of n tabs sends one GET behind
// the parallel gate (every first send meets the dead token; each tab's refresh is
// held until every tab could act, so tabs that refresh on their own present the same
// token together). Judged: no refresh was refused as reuse (a refresh after another
// tab's must present the rotated token; inside a grace window the server forgives
// it), and every tab's caller got 200. GETs that do not come from n distinct
// instances (a driver that announces instances and ignores them) make the row
// inconclusive.
func tabsMeetExpiry(s *conformance.Session, n int) {
	s.Expire()
	calls := make([]cut.Call, n)
	for i := range calls {
		calls[i] = GetMe()
		calls[i].Instance = i
	}
	mark := s.Mark()
	replies := conformance.WaitAll(s.Gate(calls))
	s.NothingAfter(conformance.RC19)
	tabs := map[int]bool{}
	for _, e := range s.Since(mark).To("GET", fakeserver.PathMe) {
		tabs[e.Instance] = true
	}
	if len(tabs) < n {
		s.Inconclusive(fmt.Sprintf("the GETs came from %d distinct instances, not %d: the driver announced instances "+
			"but did not send each call through its own instance with the %s header", len(tabs), n, fakeserver.InstanceHeader))
	}
	refreshes := s.Since(mark).Refreshes()
	reused := refreshes.Where(func(e fakeserver.Entry) bool { return e.RefreshState == fakeserver.StateReused })
	refused := refreshes.Where(func(e fakeserver.Entry) bool { return e.Status != 200 })
	switch {
	case len(reused) > 0: // the refusals that follow a revocation are its consequence, not news
		s.Findf(conformance.RC19, "no refresh presents a token another tab already spent (no reuse; the session stays alive)",
			"%s", conformance.RefreshList(refreshes))
	case len(refused) > 0:
		s.Findf(conformance.RC19, "every refresh accepted (the session stays alive)", "%s", conformance.RefreshList(refused))
	}
	for i, r := range replies {
		s.Check(r.Error == "" && r.Status == 200, conformance.RC19, fmt.Sprintf("tab %d's caller gets 200", i), "%s", conformance.ReplyText(r))
	}
}
