package scenarios

import (
	"github.com/tokenclock/tokenclock/fakeserver"
)

// Scenario is one row of the catalog: a value, not a scattered test. Play drives the
// client on a fresh server and records findings on the Session; the engine (Execute)
// turns those into an outcome.
type Scenario struct {
	// ID is hand-written and stable forever (CONC-01); never positional.
	ID    string
	Title string
	Level Level
	// Requirements are the contract rows the scenario judges (RC2, RC4).
	Requirements []string
	// Family groups scenarios for labels: exp-access, exp-refresh, conc, loop, rot, session.
	Family string
	// Features the driver must announce in hello; otherwise the scenario is skipped.
	Features []string
	// Server adjusts the fake server's options before it starts (nil: defaults).
	Server func(*fakeserver.Options)
	// Play sets up the server, drives the client and judges. It runs with a logged-in
	// client unless LoggedOut is set.
	Play func(s *Session)
	// LoggedOut skips the automatic login before Play.
	LoggedOut bool
}

// Labels are the Ginkgo-style labels of the scenario (level:must, family:conc, req:rc2).
func (sc Scenario) Labels() []string {
	labels := []string{"level:" + lower(string(sc.Level)), "family:" + sc.Family}
	for _, r := range sc.Requirements {
		labels = append(labels, "req:"+lower(r))
	}
	return labels
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
