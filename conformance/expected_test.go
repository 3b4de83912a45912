package scenarios_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/reports"
	"github.com/tokenclock/tokenclock/scenarios"
)

var _ = Describe("expected-failures files", func() {
	It("reads IDs with reasons and comments", func() {
		x, err := scenarios.ParseExpectedFailures(strings.NewReader("# header\n\nCONC-01 no single flight\nLOOP-05   # intercepts login 401\n"), "f")
		Expect(err).NotTo(HaveOccurred())
		Expect(x).To(Equal(scenarios.ExpectedFailures{"CONC-01": "no single flight", "LOOP-05": "intercepts login 401"}))
	})

	It("rejects an ID the catalog does not have, naming the line", func() {
		_, err := scenarios.ParseExpectedFailures(strings.NewReader("CONC-01\nCONC-99 typo\n"), "seed.expected")
		Expect(err).To(MatchError(ContainSubstring(`seed.expected:2: unknown scenario ID "CONC-99"`)))
	})

	It("rejects an ID listed twice", func() {
		_, err := scenarios.ParseExpectedFailures(strings.NewReader("CONC-01\nCONC-01\n"), "f")
		Expect(err).To(MatchError(ContainSubstring("listed twice")))
	})

	DescribeTable("judges a result against the list",
		func(listed bool, outcome string, strict, unexpected, expectedFailure bool) {
			x := scenarios.ExpectedFailures{}
			if listed {
				x["CONC-01"] = "reason"
			}
			res := reports.ScenarioResult{ID: "CONC-01", Outcome: outcome}
			Expect(x.Unexpected(&res, strict)).To(Equal(unexpected))
			Expect(res.ExpectedFailure).To(Equal(expectedFailure))
		},
		Entry("unlisted pass", false, reports.Passed, false, false, false),
		Entry("unlisted failure", false, reports.Failed, false, true, false),
		Entry("unlisted warning", false, reports.Warned, false, false, false),
		Entry("unlisted warning under --strict", false, reports.Warned, true, true, false),
		Entry("unlisted timeout", false, reports.Timeout, false, true, false),
		Entry("unlisted crash", false, reports.Crashed, false, true, false),
		Entry("listed failure is expected", true, reports.Failed, false, false, true),
		Entry("listed warning is expected", true, reports.Warned, false, false, true),
		Entry("listed timeout is expected", true, reports.Timeout, false, false, true),
		Entry("listed pass: the list is stale", true, reports.Passed, false, true, false),
		Entry("listed skip stays skipped", true, reports.Skipped, false, false, false),
	)
})

var _ = Describe("the catalog", func() {
	It("has every row of the spec once, with stable IDs, in spec order", func() {
		var ids []string
		for _, sc := range scenarios.Catalog() {
			ids = append(ids, sc.ID)
			Expect(sc.Play).NotTo(BeNil(), sc.ID)
			Expect(sc.Requirements).NotTo(BeEmpty(), sc.ID)
			for _, r := range sc.Requirements {
				_, ok := scenarios.RequirementByID(r)
				Expect(ok).To(BeTrue(), sc.ID+" names unknown requirement "+r)
			}
		}
		Expect(ids).To(Equal(strings.Fields(`EXP-ACCESS-01 EXP-ACCESS-02 EXP-ACCESS-03 EXP-ACCESS-04 EXP-ACCESS-05
			EXP-REFRESH-01 EXP-REFRESH-02 EXP-REFRESH-03 EXP-REFRESH-04 EXP-REFRESH-05 EXP-REFRESH-06 EXP-REFRESH-07
			CONC-01 CONC-02 CONC-03 CONC-04 CONC-05 CONC-06 CONC-07
			LOOP-01 LOOP-02 LOOP-03 LOOP-04 LOOP-05 LOOP-06 LOOP-07 ROT-01 SESSION-01`)))
	})

	It("covers every requirement of the contract with at least one scenario", func() {
		covered := map[string]bool{}
		for _, sc := range scenarios.Catalog() {
			for _, r := range sc.Requirements {
				covered[r] = true
			}
		}
		for _, r := range scenarios.Contract {
			Expect(covered).To(HaveKey(r.ID))
		}
	})
})
