package reports_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/reports"
)

var _ = Describe("docs/compatibility.md (WriteCompatibility)", func() {
	libs := []reports.Library{
		{Client: "seed", Name: "axios", Runtime: "Node 20", Pattern: "the tutorial's interceptor", Command: "node seed.mjs",
			Notes: []reports.LibraryNote{{Scenario: "CONC-01", Text: "<b>storm</b> of refreshes"}}},
		{Client: "fixed", Name: "axios | fixed", Runtime: "Node 20", Pattern: "single flight", Setting: "paused: true",
			Command: "node fixed.mjs", Build: "make fixed", Inconclusive: map[string]string{"CONC-01": "its logout waits"}},
		{Client: "crashy", Name: "crashy", Runtime: "Python", Pattern: "none", Command: "python3 c.py"},
	}
	write := func() string {
		GinkgoHelper()
		var b strings.Builder
		Expect(reports.WriteCompatibility(&b, sampleRun(), libs, sampleExpected())).To(Succeed())
		return b.String()
	}

	It("lists, per client, every row it did not pass with its expected-failures reason, and reads back the same lists", func() {
		page := write()
		Expect(page).To(ContainSubstring("| [seed](#seed) | axios | 1.0.0 | Node 20 | the tutorial's interceptor |"))
		Expect(page).To(ContainSubstring(`axios \| fixed`), "table text is escaped")
		Expect(page).To(ContainSubstring("make fixed\ntokenclock run --client 'fixed=node fixed.mjs'"))
		Expect(page).To(ContainSubstring("- `CONC-03` MUST failed — no single flight"))

		lists := reports.ParseCompatibility(page)
		Expect(lists).To(HaveKey("seed"))
		seed := lists["seed"]
		Expect(seed.Rows).To(Equal(8))
		Expect(seed.Skipped).To(Equal(1))
		Expect(seed.Listed).To(HaveKeyWithValue("CONC-03", reports.CompatibilityRow{Level: "MUST", Outcome: "failed",
			Reason: reports.CompatibilityReason("no single flight")}))
		// Not in the file: marked, so a page from a run that disagrees never reads as fine.
		Expect(seed.Listed["CONC-01"].Reason).To(HavePrefix("UNEXPECTED"))
		Expect(seed.Listed["LOOP-01"].Outcome).To(Equal("timeout"))
		Expect(seed.Listed).NotTo(HaveKey("CONC-05"), "a skipped row is no failure")
		Expect(page).To(ContainSubstring("Skipped (1): CONC-05."))
		// fixed's harness error on CONC-01 is not the pinned inconclusive outcome.
		Expect(lists["fixed"].Listed["CONC-01"].Reason).To(HavePrefix("UNEXPECTED"))
	})

	It("gives each library note its scenario's journal, escaped, and bounded", func() {
		page := write()
		Expect(page).To(ContainSubstring("**Library note (CONC-01):** &lt;b&gt;storm&lt;/b&gt; of refreshes"))
		_, after, found := strings.Cut(page, "**Library note (CONC-01):**")
		Expect(found).To(BeTrue())
		Expect(after).To(ContainSubstring("```\n#1   POST /api/auth/login"))
		Expect(after).To(MatchRegexp(`⚠ reuse POST /api/auth/refresh · R0 reused → 401`))
	})

	It("summarises each family per client", func() {
		page := write()
		Expect(page).To(ContainSubstring("| CONC | ❌ 2 | ❌ 1 | — |"))
	})
})
