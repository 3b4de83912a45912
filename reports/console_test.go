package reports_test

import (
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
		Expect(out).To(MatchRegexp(`(?m)^LOOP-07\s+MUST\s+pass\s+-\s+pass\(xf\)$`))
		Expect(out).To(ContainSubstring("seed: 3 passed, 2 failed, 1 warned, 1 skipped, 1 timeout, 1 expected failure(s) → fail\n"))
		Expect(out).To(ContainSubstring("fixed: 3 passed, 1 harness-error → harness-error\n"))
		Expect(out).To(ContainSubstring("crashy: 1 passed, 1 crashed → fail\n"))
	})

	It("prints one line per finished scenario, ending failures with the rerun command", func() {
		run := sampleRun()
		conc := run.Clients[0].Scenarios[2]
		line := reports.ProgressLine("seed", conc)
		Expect(line).NotTo(ContainSubstring("\n"))
		Expect(strings.Fields(line)[:4]).To(Equal([]string{"seed", "CONC-01", "failed", "143ms"}))
		Expect(line).To(ContainSubstring("RC2: expected exactly 1 refresh call, observed 3"))
		Expect(line).To(HaveSuffix("— rerun: " + conc.Rerun))

		pass := reports.ProgressLine("seed", run.Clients[0].Scenarios[0])
		Expect(pass).NotTo(ContainSubstring("rerun"))
		Expect(strings.Fields(pass)).To(Equal([]string{"seed", "EXP-ACCESS-01", "passed", "12ms"}))

		Expect(reports.ProgressLine("seed", run.Clients[0].Scenarios[6])).To(ContainSubstring("10.00s"))
		Expect(reports.ProgressLine("seed", run.Clients[0].Scenarios[3])).To(ContainSubstring("failed (expected)"))
		stale := reports.ProgressLine("crashy", run.Clients[2].Scenarios[1])
		Expect(stale).To(ContainSubstring("stale"))
		Expect(stale).To(ContainSubstring("rerun:"))
	})

	It("folds a multi-line message onto the one line", func() {
		sr := reports.ScenarioResult{ID: "X", Outcome: reports.Failed, Message: "RC3: one\ntwo\r\n  three"}
		Expect(reports.ProgressLine("c", sr)).To(HaveSuffix("RC3: one two three"))
	})
})
