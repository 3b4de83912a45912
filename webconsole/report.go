package webconsole

import (
	"fmt"
	"net/http"
	"time"

	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
	"github.com/tokenclock/tokenclock/reports"
)

// sessionScenarioID names the one "scenario" of an exported session.
const sessionScenarioID = "SESSION"

// report answers the session so far as a report.html to download: the journal's
// diagram and table as a conformance run's detail shows them, and the server's
// settings. Nothing is judged: a session has no expected behaviour to hold the
// client to, so its one row is marked skipped and the page says why.
func (c *console) report(w http.ResponseWriter, _ *http.Request) {
	st := c.srv.State()
	// The whole journal the server kept, oldest first; the report draws the first
	// reports.DiagramCap arrows and lists every entry in its table.
	j := c.srv.Journal()
	now := time.Now().UTC()
	settings := fmt.Sprintf("Server settings: access TTL %s, refresh TTL %s, rotation %t, reuse grace %s; server clock %s (%s).",
		st.AccessTTL, st.RefreshTTL, st.Rotation, st.ReuseGrace, st.Now, st.ClockOffset)
	dropped := ""
	if st.JournalDropped > 0 {
		dropped = fmt.Sprintf(" The bounded journal had dropped its %d oldest entries before the export.", st.JournalDropped)
	}
	run := conformance.RunResult{
		SchemaVersion: conformance.SchemaVersion,
		Tool:          "tokenclock",
		Version:       c.version,
		StartedAt:     now.Format(time.RFC3339),
		Clients: []conformance.ClientResult{{
			Name:    "serve session",
			Verdict: conformance.ClientNotRun,
			Scenarios: []conformance.ScenarioResult{{
				ID:      sessionScenarioID,
				Title:   "requests tokenclock serve saw",
				Outcome: conformance.Skipped,
				Verdict: conformance.VerdictSkipped,
				Message: settings + dropped,
				Journal: j,
			}},
		}},
	}
	note := fmt.Sprintf("A session recorded by tokenclock serve and exported from its web console at %s: %s. "+
		"This is not a conformance run, so nothing is judged; the sequence diagram and journal below are what the server saw. "+
		"Token values never appear, only their labels (A0, R1, …).", now.Format(time.RFC3339), tally(j))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="tokenclock-session-`+now.Format("20060102-150405")+`.html"`)
	if err := reports.WriteSessionHTML(w, run, reports.Session{Note: note, Origin: c.srv.Origin()}); err != nil {
		// Headers are sent; the truncated page is all the reader can get.
		return
	}
}

// tally is the session in one line: requests, refreshes, 401s and reuses, so
// whoever opens the file knows what to look for before reading the diagram.
func tally(j fakeserver.Journal) string {
	var refreshes, unauthorized, reuses, firstReuse int
	for _, e := range j {
		if e.Call() == fakeserver.PathRefresh {
			refreshes++
		}
		if e.Status == http.StatusUnauthorized {
			unauthorized++
		}
		if e.RefreshState == fakeserver.StateReused {
			if reuses == 0 {
				firstReuse = e.Seq
			}
			reuses++
		}
	}
	s := fmt.Sprintf("%d requests, %d refreshes, %d answered 401", len(j), refreshes, unauthorized)
	if reuses > 0 {
		s += fmt.Sprintf(", %d refresh token reuses (the first at #%d: the server revoked that session's family)", reuses, firstReuse)
	}
	return s
}
