package scenarios

import (
	"net/http"
	"strings"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// browserRows are the rows only a real browser can run (feature browser): the page
// and the API on different origins or sites, where the browser — not the client —
// decides which cookies are stored and sent and which answers the page may read.
// The client's part is to ask for credentials, and to surface what the browser
// refused instead of looping or hanging. They are about the refresh cookie, so they
// belong to the cookie profile.
func browserRows() []conformance.Scenario {
	rows := []conformance.Scenario{
		{
			ID: "BROWSER-01", Title: "an API on another origin: the refresh carries the cookie and the GET is replayed",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC22, conformance.RC8}, Family: "browser",
			Features: []string{cut.FeatureBrowser}, Origin: cut.CrossOrigin,
			Play: func(s *conformance.Session) { twoExpiries(s, conformance.RC22) },
		},
		{
			ID: "BROWSER-02", Title: "a refresh answer the browser refuses (no Access-Control-Allow-Credentials) reaches the caller as an error",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC7}, Family: "browser",
			Features: []string{cut.FeatureBrowser}, Origin: cut.CrossOrigin,
			Play: func(s *conformance.Session) {
				s.Server.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.PathRefresh, Action: fakeserver.ActionCORSNoCredentials})
				browserRefusedRefresh(s, "the browser hid the refresh's answer from the page (CORS)", func(e fakeserver.Entry) bool {
					return strings.Contains(e.Fault, string(fakeserver.ActionCORSNoCredentials))
				})
			},
		},
		{
			ID: "BROWSER-03", Title: "a SameSite=Strict refresh cookie is sent from another origin of the same site",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC22, conformance.RC8}, Family: "browser",
			Features: []string{cut.FeatureBrowser}, Origin: cut.CrossOrigin,
			Server: func(o *fakeserver.Options) { o.RefreshCookieSameSite = http.SameSiteStrictMode },
			Play:   func(s *conformance.Session) { twoExpiries(s, conformance.RC22) },
		},
		{
			ID: "BROWSER-04", Title: "a page on another site, whose SameSite=Lax cookie the browser never stores: the caller gets the 401, no loop",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC7}, Family: "browser",
			Features: []string{cut.FeatureBrowser}, Origin: cut.CrossSite,
			Play: func(s *conformance.Session) {
				browserRefusedRefresh(s, "the browser sent no refresh cookie (SameSite=Lax, another site)", func(e fakeserver.Entry) bool {
					return e.RefreshToken == ""
				})
			},
		},
		{
			ID: "BROWSER-05", Title: "a rotated cookie whose narrower Path still covers the refresh is kept, and the next refresh presents it",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC8}, Family: "browser",
			Features: []string{cut.FeatureBrowser},
			Server:   func(o *fakeserver.Options) { o.RotatedCookiePath = fakeserver.PathRefresh },
			Play:     func(s *conformance.Session) { twoExpiries(s, conformance.RC8) },
		},
		{
			ID: "BROWSER-06", Title: "a rotated cookie whose Path misses the refresh is never sent: the spent one ends the session, the caller gets the 401, no loop",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC7}, Family: "browser",
			Features: []string{cut.FeatureBrowser},
			Server:   func(o *fakeserver.Options) { o.RotatedCookiePath = fakeserver.PathLogout },
			Play: func(s *conformance.Session) {
				old := loginLabel(s.Since(0))
				s.Expire()
				mark := s.Mark()
				r := s.Send(GetMe())
				if s.ExpectReplayed(s.Since(mark), GetMe(), r, old, 200, conformance.ReplayReqs{
					Refresh: conformance.RC7, Replay: conformance.RC7, Body: conformance.RC7, Caller: conformance.RC7}) == "" {
					return
				}
				browserRefusedRefresh(s, "the browser presented the spent refresh cookie (the rotated one's Path misses the refresh)", func(e fakeserver.Entry) bool {
					return e.RefreshState == fakeserver.StateReused
				})
			},
		},
	}
	for i := range rows {
		rows[i].Profile = fakeserver.ProfileCookie
		rows[i].ProfileReason = "it judges what the browser does with the refresh cookie"
	}
	return rows
}

// twoExpiries: two expiries in a row, each met by a GET. The first refresh must carry
// the cookie the login set (on another origin: the login and the refresh were made
// with credentials), the second the cookie the first refresh rotated in (RC8) — which
// the browser, not the client, stores and sends. req names the first half's finding.
func twoExpiries(s *conformance.Session, req conformance.RequirementID) {
	old := loginLabel(s.Since(0))
	for round := 1; round <= 2; round++ {
		s.Expire()
		mark := s.Mark()
		r := s.Send(GetMe())
		phase := s.Since(mark)
		for _, e := range phase.Refreshes() {
			s.Check(e.RefreshToken != "", req, "the refresh carries the refresh cookie (made with credentials)",
				"a refresh without the cookie → %d", e.Status)
		}
		fresh := s.ExpectReplayed(phase, GetMe(), r, old, 200, conformance.ReplayReqs{
			Refresh: req, Replay: req, Body: req, Caller: req})
		if fresh == "" {
			return
		}
		old = fresh
	}
	if rs := s.Since(0).Refreshes(); len(rs) == 2 && rs[0].IssuedRefresh != "" {
		s.Check(rs[1].RefreshToken == rs[0].IssuedRefresh, conformance.RC8, "the second refresh presents the rotated cookie "+rs[0].IssuedRefresh,
			"it presented %q", rs[1].RefreshToken)
	}
}

// browserRefusedRefresh: after an expiry a GET's refresh fails in the browser for
// reason. The caller must get an error or the 401 (never a success, never a hang),
// the refresh must not be retried — then or in the background — and the GET must not
// be sent again with the dead token (RC7). A client that never tried the refresh leaves
// nothing to judge: inconclusive. refused says whether a refresh entry is the one the
// browser refused (the fault acted on it, or it carried no cookie).
func browserRefusedRefresh(s *conformance.Session, reason string, refused func(fakeserver.Entry) bool) {
	old := loginLabel(s.Since(0))
	s.Expire()
	mark := s.Mark()
	r := s.Send(GetMe())
	s.Check(r.Error != "" || r.Status/100 != 2, conformance.RC7, "the caller gets an error or the 401 ("+reason+")",
		"%s", conformance.ReplyText(r))
	s.NothingAfter(conformance.RC7)
	phase := s.Since(mark)
	rs := phase.Refreshes()
	if len(rs) == 0 || !refused(rs[0]) {
		s.Inconclusive("the GET's 401 started no refresh the browser could refuse: there was no refused refresh to judge")
		return
	}
	s.Check(len(rs) == 1, conformance.RC7, "one refresh, not retried in a loop", "%d refresh calls: %s", len(rs), conformance.EntryList(rs))
	sends := phase.To("GET", fakeserver.PathMe).Where(func(e fakeserver.Entry) bool { return e.AccessToken == old })
	s.Check(len(sends) <= 1, conformance.RC7, "the GET is not sent again with the dead token "+old,
		"%d sends with it", len(sends))
}
