package reports_test

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/tokenclock/tokenclock/conformance"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
	"github.com/tokenclock/tokenclock/reports"
)

// kindsOf renders j as one scenario's diagram and returns each arrow's class.
func kindsOf(j fakeserver.Journal) map[int]string {
	run := conformance.RunResult{Clients: []conformance.ClientResult{{Name: "c", Scenarios: []conformance.ScenarioResult{{ID: "X", Outcome: conformance.Passed, Journal: j}}}}}
	return arrowSeqs(parsePage(run).byID["d-c-X"])
}

var _ = Describe("sequence diagram kinds", func() {
	It("marks only the true replay when later requests carry the new token", func() {
		k := kindsOf(journalSequential())
		Expect(k[4]).To(ContainSubstring("replay"))
		Expect(k[5]).NotTo(ContainSubstring("replay"))
		Expect(k[6]).NotTo(ContainSubstring("replay"))
		Expect(k[3]).To(ContainSubstring("refresh"))
		Expect(k[2]).To(Equal("arrow api"))
	})

	It("marks each parallel replay once, and matches a POST replay by body", func() {
		b := loginJournal()
		for range 3 {
			b.add(expired, "GET", me, "A0", "expired", "", "none", 401)
		}
		b.add(expired, "POST", ideas, "A0", "expired", "", "none", 401, body("x"))
		b.add(expired, "POST", ideas, "A0", "expired", "", "none", 401, body("y"))
		b.add(expired, "POST", refresh, "", "none", "R0", "valid", 200, issued("A1", "R1"))
		for range 4 { // only 3 GETs were answered 401: the 4th is a fresh call
			b.add(expired, "GET", me, "A1", "valid", "", "none", 200)
		}
		b.add(expired, "POST", ideas, "A1", "valid", "", "none", 201, body("y"))
		b.add(expired, "POST", ideas, "A1", "valid", "", "none", 201, body("z")) // a new body: still a resend of x's slot
		k := kindsOf(b.j)
		for _, seq := range []int{8, 9, 10, 12, 13} {
			Expect(k[seq]).To(ContainSubstring("replay"), "seq %d", seq)
		}
		Expect(k[11]).NotTo(ContainSubstring("replay"))
		Expect(k[7]).To(ContainSubstring("refresh"))
	})

	It("does not call a resend with the same token a replay, and shows pending and reset", func() {
		b := loginJournal().
			add(0, "GET", me, "A0", "valid", "", "none", 401).
			add(0, "GET", me, "A0", "valid", "", "none", 0).
			add(0, "GET", me, "?", "invalid", "", "none", 401, func(e *fakeserver.Entry) { e.Pending = true })
		k := kindsOf(b.j)
		Expect(k[3]).To(Equal("arrow api reset"))
		Expect(k[4]).To(Equal("arrow api pending"))
	})

	It("survives garbage in every field", func() {
		j := fakeserver.Journal{
			{Seq: -1, VirtualTime: "not a time", Method: "", Path: "", AccessToken: "A-3", Status: -5},
			{Seq: 0, VirtualTime: time.Time{}.Format(time.RFC3339Nano), AccessToken: "Ax", Status: 401},
			{Seq: 0, AccessToken: "A99999999999999999999999", Path: fakeserver.PathRefresh, RefreshState: "reused"},
		}
		run := conformance.RunResult{Clients: []conformance.ClientResult{{Name: "c", Scenarios: []conformance.ScenarioResult{{ID: "X", Outcome: conformance.Passed, Journal: j}}}}}
		Expect(render(reports.WriteHTML, run)).To(ContainSubstring("not a time"))
	})
})

var _ = Describe("sequence diagram replays in a long session", func() {
	It("does not call the next round's calls replays of 401s that were never resent", func() {
		later := func(ms float64) func(*fakeserver.Entry) {
			return func(e *fakeserver.Entry) { e.RealOffsetMs, e.RespondedOffsetMs = ms, ms+0.5 }
		}
		b := loginJournal()
		for range 3 { // three callers get 401; only one is resent after the refresh
			b.add(expired, "GET", me, "A0", "expired", "", "none", 401, later(100))
		}
		b.add(expired, "POST", refresh, "", "none", "R0", "valid", 200, issued("A1", "R1"), later(120))
		b.add(expired, "GET", me, "A1", "valid", "", "none", 200, later(125))
		for range 2 { // the app's next round, two seconds on
			b.add(expired, "GET", me, "A1", "valid", "", "none", 200, later(2125))
		}
		k := kindsOf(b.j)
		Expect(k[6]).To(ContainSubstring("replay"))
		Expect(k[7]).To(Equal("arrow api"))
		Expect(k[8]).To(Equal("arrow api"))
	})
})

var _ = Describe("sequence diagram labels", func() {
	detail := func(j fakeserver.Journal) string {
		run := conformance.RunResult{Clients: []conformance.ClientResult{{Name: "c", Scenarios: []conformance.ScenarioResult{{ID: "X", Outcome: conformance.Passed, Journal: j}}}}}
		return text(parsePage(run).byID["d-c-X"])
	}

	It("names each request's tab when several instances sent requests, and marks a grace reuse", func() {
		b := loginJournal().
			add(expired, "GET", me, "A0", "expired", "", "none", 401).
			add(expired, "GET", me, "", "none", "", "none", 401, func(e *fakeserver.Entry) { e.Instance = 1 }).
			add(expired, "POST", refresh, "", "none", "R0", "valid", 200, issued("A1", "R1")).
			add(expired, "POST", refresh, "", "none", "R0", "valid", 200, issued("A2", ""),
				func(e *fakeserver.Entry) { e.Instance, e.GraceReuse = 1, true })
		t := detail(b.j)
		Expect(t).To(ContainSubstring("tab 0 · GET /api/auth/me"))
		Expect(t).To(ContainSubstring("tab 1 · GET /api/auth/me"))
		Expect(t).To(ContainSubstring("(grace reuse)"))
	})

	It("leaves labels alone when one instance sent everything", func() {
		Expect(detail(journalSequential())).NotTo(ContainSubstring("tab 0"))
	})

	It("draws the oauth2 profile's refresh grant in the refresh lane, naming the grant, and its replay as under cookie", func() {
		grant := func(g, call string) func(*fakeserver.Entry) {
			return func(e *fakeserver.Entry) { e.GrantType, e.AuthCall = g, call }
		}
		b := (&jb{}).add(0, "POST", fakeserver.PathToken, "", "none", "", "none", 200, issued("A0", "R0"), grant("password", login)).
			add(expired, "GET", me, "A0", "expired", "", "none", 401).
			add(expired, "POST", fakeserver.PathToken, "", "none", "R0", "valid", 200, issued("A1", "R1"), grant("refresh_token", refresh)).
			add(expired, "GET", me, "A1", "valid", "", "none", 200)
		k := kindsOf(b.j)
		Expect(k[1]).NotTo(ContainSubstring("refresh"), "the password grant is the login")
		Expect(k[3]).To(ContainSubstring("refresh"))
		Expect(k[4]).To(ContainSubstring("replay"))
		Expect(detail(b.j)).To(ContainSubstring("POST /oauth/token (refresh_token) · R0 valid"))
	})
})

var _ = Describe("sequence diagram replays across tabs", func() {
	It("does not call one tab's first send a replay of another tab's 401", func() {
		b := loginJournal().
			add(expired, "GET", me, "", "none", "", "none", 401, func(e *fakeserver.Entry) { e.Instance = 1 }).
			add(expired, "GET", me, "A0", "expired", "", "none", 401).
			add(expired, "POST", refresh, "", "none", "R0", "valid", 200, issued("A1", "R1")).
			add(expired, "GET", me, "A1", "valid", "", "none", 200)
		k := kindsOf(b.j)
		Expect(k[3]).NotTo(ContainSubstring("replay"), "tab 0's first send")
		Expect(k[5]).To(ContainSubstring("replay"), "tab 0's replay")
	})
})

var _ = Describe("diagram rows for a page that draws a window (the web console)", func() {
	// arrowGroups are the <g class="arrow …"> elements of markup, with the row's
	// translate(0 y) left out: report.html and a window place rows differently.
	arrowGroups := func(markup string) []string {
		re := regexp.MustCompile(`<g class="arrow[^"]*" data-seq="[0-9]+" transform="translate\(0 [0-9]+\)">.*?</g>`)
		tr := regexp.MustCompile(` transform="translate\(0 [0-9]+\)"`)
		var out []string
		for _, g := range re.FindAllString(markup, -1) {
			out = append(out, tr.ReplaceAllString(g, ""))
		}
		return out
	}
	j := func() fakeserver.Journal { return journalSequential() }

	It("draws each row exactly as report.html does", func() {
		run := conformance.RunResult{Clients: []conformance.ClientResult{{Name: "c", Scenarios: []conformance.ScenarioResult{{ID: "X", Outcome: conformance.Passed, Journal: j()}}}}}
		page := arrowGroups(string(render(reports.WriteHTML, run)))
		var b strings.Builder
		Expect(reports.WriteDiagramRows(&b, j(), 1, start(j()))).To(Succeed())
		Expect(arrowGroups(b.String())).To(Equal(page))
		Expect(page).To(HaveLen(len(j())))
	})

	It("draws only the rows from the first seq asked, row 0 at y 0, with earlier entries as context", func() {
		var b strings.Builder
		Expect(reports.WriteDiagramRows(&b, j(), 4, start(j()))).To(Succeed())
		Expect(b.String()).NotTo(ContainSubstring(`data-seq="3"`))
		Expect(b.String()).To(ContainSubstring(`<g class="arrow api replay" data-seq="4" transform="translate(0 0)">`),
			"seq 4 resends seq 2's 401: a replay even when the window starts at it")
		Expect(b.String()).To(ContainSubstring(`data-seq="5" transform="translate(0 20)"`))
	})

	It("gives the geometry a page needs to place them", func() {
		l := reports.Layout()
		Expect(l.RowH).To(Equal(20))
		Expect(l.Lanes).To(HaveLen(3))
		Expect(l.Lanes[0].Name).To(Equal("client"))
	})
})

// start is the virtual time of j's first entry: report.html's gutter counts from it.
func start(j fakeserver.Journal) time.Time {
	t, err := time.Parse(time.RFC3339Nano, j[0].VirtualTime)
	Expect(err).NotTo(HaveOccurred())
	return t
}

var _ = Describe("a session report (tokenclock serve's console, Save as report)", func() {
	It("is report.html's page without the exit code and matrix, saying what the session was", func() {
		run := conformance.RunResult{Tool: "tokenclock", Clients: []conformance.ClientResult{{Name: "serve session", Scenarios: []conformance.ScenarioResult{
			{ID: "SESSION", Title: "requests tokenclock serve saw", Outcome: conformance.Skipped, Verdict: conformance.VerdictSkipped, Journal: journalSequential()}}}}}
		var b strings.Builder
		Expect(reports.WriteSessionHTML(&b, run, reports.Session{Note: "A session recorded by tokenclock serve.", Origin: clock0})).To(Succeed())
		html := b.String()
		Expect(html).To(ContainSubstring("— session report</h1>"))
		Expect(html).To(ContainSubstring(`<p class="session-note">A session recorded by tokenclock serve.</p>`))
		Expect(html).NotTo(ContainSubstring("<h2>Matrix</h2>"))
		Expect(html).NotTo(ContainSubstring("exit code"))
		Expect(html).To(ContainSubstring(`class="arrow refresh"`))
		Expect(html).To(ContainSubstring("<details open>"), "the one detail is the point of the page")
		Expect(html).NotTo(ContainSubstring(`class="outcome"`), "no outcome: nothing was judged")
		Expect(html).NotTo(ContainSubstring("skipped: not judged"))
		Expect(html).To(ContainSubstring("T&#43;61.000s"), "virtual time counts from the session's origin, as the console does")
	})

	It("draws the last entries of a long session: the incident is at its end", func() {
		run := conformance.RunResult{Clients: []conformance.ClientResult{{Name: "serve session", Scenarios: []conformance.ScenarioResult{
			{ID: "SESSION", Outcome: conformance.Skipped, Journal: longJournal(reports.DiagramCap + 20)}}}}}
		var b strings.Builder
		Expect(reports.WriteSessionHTML(&b, run, reports.Session{Note: "n"})).To(Succeed())
		Expect(b.String()).To(ContainSubstring(fmt.Sprintf("The diagram shows the last %d of %d journal entries", reports.DiagramCap, reports.DiagramCap+20)))
		Expect(b.String()).To(ContainSubstring(fmt.Sprintf(`data-seq="%d"`, reports.DiagramCap+20)))
		Expect(b.String()).NotTo(ContainSubstring(`class="arrow api" data-seq="1"`))
	})
})
