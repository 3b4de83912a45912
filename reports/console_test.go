package reports_test

import (
	"github.com/tokenclock/tokenclock/conformance"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/reports"
)

var _ = Describe("console output", func() {
	It("writes the scenario × client matrix, then counts and a verdict per client", func() {
		out := string(render(reports.WriteConsoleMatrix, sampleRun()))
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		Expect(strings.Fields(lines[0])).To(Equal([]string{"scenario", "level", "seed", "fixed", "crashy"}))
		Expect(strings.Fields(lines[1])).To(Equal([]string{"EXP-ACCESS-01", "MUST", "pass", "pass", "CRASH"}))
		Expect(out).To(MatchRegexp(`(?m)^CONC-01\s+MUST\s+FAIL\s+HARNESS\s+-$`))
		Expect(out).To(MatchRegexp(`(?m)^CONC-03\s+MUST\s+FAIL\(xf\)\s+-\s+-$`))
		Expect(out).To(MatchRegexp(`(?m)^LOOP-07\s+MUST\s+pass\s+-\s+pass\(stale\)$`))
		Expect(out).To(ContainSubstring("seed: 3 passed, 1 failed, 1 warned, 1 skipped, 1 timeout, 1 expected failure → fail\n"))
		Expect(out).To(ContainSubstring("fixed: 3 passed, 1 harness-error → harness-error\n"))
		Expect(out).To(ContainSubstring("crashy: 1 crashed, 1 stale expected failure → fail\n"))
	})

	It("names a client's profile when it is not the default, and a shard's place, in the console and summary.md", func() {
		run := sampleRun()
		run.Clients[1].Profile = "oauth2"
		run.Clients[0].Profile = "cookie"
		run.Shard = &conformance.Shard{Index: 2, Total: 3}
		out := string(render(reports.WriteConsoleMatrix, run))
		Expect(out).To(ContainSubstring("fixed (oauth2 profile): 3 passed"))
		Expect(out).To(ContainSubstring("seed: 3 passed"))
		Expect(out).To(ContainSubstring("shard 2/3: only the (client, scenario) pairs that fall to this shard were played"))
		summary := string(render(reports.WriteSummary, run))
		Expect(summary).To(ContainSubstring("| fixed (oauth2 profile) |"))
		Expect(summary).To(ContainSubstring("🧩 shard 2/3"))
		page := string(render(reports.WriteHTML, run))
		Expect(page).To(ContainSubstring(`<tr><th>profile</th><td class="mono">oauth2</td></tr>`))
		Expect(strings.Count(page, "<th>profile</th>")).To(Equal(1), "the cookie clients say nothing")
		Expect(page).To(ContainSubstring("shard 2/3: only the (client, scenario) pairs"))
	})

	It("lists every result that breaks the run with its reason and rerun command", func() {
		out := string(render(reports.WriteConsoleMatrix, sampleRun()))
		Expect(out).To(ContainSubstring("What broke the run, and how to rerun it:\n  seed CONC-01 failed: RC2: expected exactly 1 refresh call, observed 3\n" +
			"    make conformance CLIENT='seed=node d.mjs' FOCUS='^CONC-01$'\n"))
		Expect(out).To(ContainSubstring("  crashy LOOP-07 passed: listed in the expected-failures file but passed: the list is stale\n"))
		Expect(out).NotTo(ContainSubstring("seed CONC-03")) // an expected failure needs no rerun
	})

	It("says once, whole, why a client that could not start crashed every scenario", func() {
		run := sampleRun()
		crash := func(id string) conformance.ScenarioResult {
			sr := scenario(id, id, "MUST", nil, conformance.Crashed)
			sr.Message = "driver dead could not start: " + strings.Repeat("the whole stderr ", 30) + "Cannot find module '/tmp/x.mjs'"
			sr.Rerun = "tokenclock run --client 'dead=node x.mjs' --focus '^" + id + "$'"
			return sr
		}
		run.Clients = append(run.Clients, conformance.ClientResult{Name: "dead", Scenarios: []conformance.ScenarioResult{
			crash("EXP-ACCESS-01"), crash("CONC-01"), crash("LOOP-01")}})
		conformance.Judge(&run, sampleExpected())
		out := string(render(reports.WriteConsoleMatrix, run))
		Expect(out).To(ContainSubstring("  dead: all 3 scenarios crashed: driver dead could not start: the whole stderr"))
		Expect(out).To(ContainSubstring("Cannot find module '/tmp/x.mjs'\n    one of them: tokenclock run --client 'dead=node x.mjs' --focus '^EXP-ACCESS-01$'\n"))
		Expect(out).NotTo(ContainSubstring("dead CONC-01"))
	})

	It("escapes control characters a driver controls", func() {
		sr := conformance.ScenarioResult{ID: "X", Outcome: conformance.Failed, Verdict: conformance.VerdictFail,
			Message: "RC3: \x1b]8;;javascript:alert(1)\x07click\x1b]8;;\x07 \x1b[2J"}
		line := reports.ProgressLine(12, "c", sr)
		Expect(line).NotTo(ContainSubstring("\x1b"))
		Expect(line).NotTo(ContainSubstring("\x07"))
		Expect(line).To(ContainSubstring(`\x1b]8;;javascript:alert(1)\x07click`))
	})

	It("prints one line per finished scenario with its first finding", func() {
		run := sampleRun()
		conc := run.Clients[0].Scenarios[2]
		line := reports.ProgressLine(12, "seed", conc)
		Expect(line).NotTo(ContainSubstring("\n"))
		Expect(strings.Fields(line)[:4]).To(Equal([]string{"seed", "CONC-01", "failed", "143ms"}))
		Expect(line).To(ContainSubstring("RC2: expected exactly 1 refresh call, observed 3"))
		Expect(line).To(HaveSuffix("RC2: expected exactly 1 refresh call, observed 3"))

		pass := reports.ProgressLine(12, "seed", run.Clients[0].Scenarios[0])

		Expect(strings.Fields(pass)).To(Equal([]string{"seed", "EXP-ACCESS-01", "passed", "12ms"}))

		Expect(reports.ProgressLine(12, "seed", run.Clients[0].Scenarios[6])).To(ContainSubstring("10.00s"))
		Expect(reports.ProgressLine(12, "seed", run.Clients[0].Scenarios[3])).To(ContainSubstring("failed (expected)"))
		stale := reports.ProgressLine(12, "crashy", run.Clients[2].Scenarios[1])
		Expect(stale).To(ContainSubstring("stale"))
		Expect(stale).To(ContainSubstring("passed (stale)"))
	})

	It("folds a multi-line message onto the one line", func() {
		sr := conformance.ScenarioResult{ID: "X", Outcome: conformance.Failed, Verdict: conformance.VerdictFail, Message: "RC3: one\ntwo\r\n  three"}
		Expect(reports.ProgressLine(12, "c", sr)).To(HaveSuffix("RC3: one two three"))
	})
})
