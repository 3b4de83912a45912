package reports_test

import (
	"bytes"
	"encoding/xml"
	"github.com/tokenclock/tokenclock/conformance"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/reports"
)

// junitKind renders one result alone and says how JUnit counts it.
func junitKind(sr conformance.ScenarioResult, listed, strict bool) string {
	run := conformance.RunResult{Options: conformance.RunOptions{Strict: strict},
		Clients: []conformance.ClientResult{{Name: "c", Scenarios: []conformance.ScenarioResult{sr}}}}
	expected := map[string]conformance.ExpectedFailures{}
	if listed {
		expected["c"] = conformance.ExpectedFailures{sr.ID: "listed"}
	}
	conformance.Judge(&run, expected)
	var buf bytes.Buffer
	Expect(reports.WriteJUnit(&buf, run)).To(Succeed())
	var doc xSuites
	Expect(xml.Unmarshal(buf.Bytes(), &doc)).To(Succeed())
	c := doc.Suites[0].Cases[0]
	switch {
	case c.Failure != nil:
		return "failure"
	case c.Error != nil:
		return "error"
	case c.Skipped != nil:
		return "skipped"
	default:
		return "pass"
	}
}

var _ = DescribeTable("how JUnit shows each verdict",
	func(outcome conformance.Outcome, listed, strict bool, want string) {
		sr := conformance.ScenarioResult{ID: "X-01", Outcome: outcome}
		Expect(junitKind(sr, listed, strict)).To(Equal(want))
	},
	Entry("passed", conformance.Passed, false, false, "pass"),
	Entry("passed but listed: the list is stale", conformance.Passed, true, false, "failure"),
	Entry("failed", conformance.Failed, false, false, "failure"),
	Entry("failed and listed", conformance.Failed, true, false, "pass"),
	Entry("warned", conformance.Warned, false, false, "pass"),
	Entry("warned under --strict", conformance.Warned, false, true, "failure"),
	Entry("warned and listed under --strict", conformance.Warned, true, true, "pass"),
	Entry("timeout", conformance.Timeout, false, false, "failure"),
	Entry("timeout and listed", conformance.Timeout, true, false, "pass"),
	Entry("crashed", conformance.Crashed, false, false, "error"),
	Entry("crashed and listed", conformance.Crashed, true, false, "pass"),
	Entry("skipped", conformance.Skipped, false, false, "skipped"),
	Entry("skipped and listed stays skipped", conformance.Skipped, true, false, "skipped"),
	Entry("harness-error", conformance.HarnessError, false, false, "error"),
	Entry("harness-error even when listed", conformance.HarnessError, true, false, "error"),
	Entry("inconclusive: the row could not be judged", conformance.Inconclusive, false, false, "error"),
	Entry("inconclusive even when listed", conformance.Inconclusive, true, false, "error"),
	Entry("an unknown outcome counts as a failure", conformance.Outcome("exploded"), false, false, "failure"),
	Entry("an empty outcome counts as a failure", conformance.Outcome(""), false, false, "failure"),
)
