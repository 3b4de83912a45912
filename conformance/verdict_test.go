package conformance_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/conformance"
)

var _ = Describe("the verdict", func() {
	DescribeTable("of one result, against the expected-failures list and --strict",
		func(listed bool, outcome conformance.Outcome, strict bool, want conformance.Verdict) {
			Expect(conformance.ScenarioVerdict(outcome, listed, strict)).To(Equal(want))
		},
		Entry("unlisted pass", false, conformance.Passed, false, conformance.VerdictPass),
		Entry("unlisted failure", false, conformance.Failed, false, conformance.VerdictFail),
		Entry("unlisted warning", false, conformance.Warned, false, conformance.VerdictPass),
		Entry("unlisted warning under --strict", false, conformance.Warned, true, conformance.VerdictFail),
		Entry("unlisted timeout", false, conformance.Timeout, false, conformance.VerdictFail),
		Entry("unlisted crash", false, conformance.Crashed, false, conformance.VerdictFail),
		Entry("inconclusive is never a pass", false, conformance.Inconclusive, false, conformance.VerdictFail),
		Entry("inconclusive is never an expected failure", true, conformance.Inconclusive, false, conformance.VerdictFail),
		Entry("listed failure is expected", true, conformance.Failed, false, conformance.VerdictExpectedFailure),
		Entry("listed warning is expected", true, conformance.Warned, false, conformance.VerdictExpectedFailure),
		Entry("listed timeout is expected", true, conformance.Timeout, false, conformance.VerdictExpectedFailure),
		Entry("listed pass: the list is stale", true, conformance.Passed, false, conformance.VerdictStaleExpectedFailure),
		Entry("listed skip stays skipped", true, conformance.Skipped, false, conformance.VerdictSkipped),
		Entry("harness error, listed or not", true, conformance.HarnessError, false, conformance.VerdictHarnessError),
		Entry("an unknown outcome counts as a failure", false, conformance.Outcome("exploded"), false, conformance.VerdictFail),
	)

	It("of a run: a stale expected failure fails the client and exits 1, saying why", func() {
		run := conformance.RunResult{Clients: []conformance.ClientResult{{Name: "ref", Scenarios: []conformance.ScenarioResult{
			{ID: "LOOP-04", Outcome: conformance.Passed}, {ID: "LOOP-05", Outcome: conformance.Passed}}}}}
		conformance.Judge(&run, map[string]conformance.ExpectedFailures{"ref": {"LOOP-04": "thought broken"}})
		Expect(run.ExitCode).To(Equal(conformance.ExitUnexpected))
		c := run.Clients[0]
		Expect(c.Verdict).To(Equal(conformance.ClientFail))
		Expect(c.Counts.Verdicts).To(HaveKeyWithValue(conformance.VerdictStaleExpectedFailure, 1))
		Expect(c.Scenarios[0].ExpectedFailure).To(BeFalse())
		Expect(c.Scenarios[0].Headline()).To(ContainSubstring("the list is stale"))
		Expect(c.Scenarios[1].Verdict).To(Equal(conformance.VerdictPass))
	})

	It("of a run: a harness error exits 2 and is not the client's failure", func() {
		run := conformance.RunResult{Clients: []conformance.ClientResult{{Name: "ref", Scenarios: []conformance.ScenarioResult{
			{ID: "X-01", Outcome: conformance.HarnessError}}}}}
		conformance.Judge(&run, nil)
		Expect(run.ExitCode).To(Equal(conformance.ExitHarnessError))
		Expect(run.Clients[0].Verdict).To(Equal(conformance.ClientHarnessError))
	})

	It("of a run with nothing played exits 2; one with only expected failures exits 0", func() {
		empty := conformance.RunResult{Clients: []conformance.ClientResult{{Name: "ref"}}}
		conformance.Judge(&empty, nil)
		Expect(empty.ExitCode).To(Equal(conformance.ExitHarnessError))
		xf := conformance.RunResult{Clients: []conformance.ClientResult{{Name: "seed", Scenarios: []conformance.ScenarioResult{
			{ID: "CONC-01", Outcome: conformance.Failed}}}}}
		conformance.Judge(&xf, map[string]conformance.ExpectedFailures{"seed": {"CONC-01": ""}})
		Expect(xf.ExitCode).To(Equal(conformance.ExitOK))
		Expect(xf.Clients[0].Scenarios[0].ExpectedFailure).To(BeTrue())
	})
})
