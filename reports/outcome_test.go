package reports_test

import (
	"bytes"
	"encoding/xml"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/reports"
)

// junitKind renders one result alone and says how JUnit counts it.
func junitKind(sr reports.ScenarioResult, strict bool) string {
	run := reports.Run{Options: reports.RunOptions{Strict: strict},
		Clients: []reports.ClientResult{{Name: "c", Scenarios: []reports.ScenarioResult{sr}}}}
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

var _ = DescribeTable("how each outcome counts (results.md, Exit status)",
	func(outcome string, listed, strict bool, want string) {
		sr := reports.ScenarioResult{ID: "X-01", Outcome: outcome, ExpectedFailure: listed}
		Expect(junitKind(sr, strict)).To(Equal(want))
	},
	Entry("passed", reports.Passed, false, false, "pass"),
	Entry("passed but listed: the list is stale", reports.Passed, true, false, "failure"),
	Entry("failed", reports.Failed, false, false, "failure"),
	Entry("failed and listed", reports.Failed, true, false, "pass"),
	Entry("warned", reports.Warned, false, false, "pass"),
	Entry("warned under --strict", reports.Warned, false, true, "failure"),
	Entry("warned and listed under --strict", reports.Warned, true, true, "pass"),
	Entry("timeout", reports.Timeout, false, false, "failure"),
	Entry("timeout and listed", reports.Timeout, true, false, "pass"),
	Entry("crashed", reports.Crashed, false, false, "error"),
	Entry("crashed and listed", reports.Crashed, true, false, "pass"),
	Entry("skipped", reports.Skipped, false, false, "skipped"),
	Entry("skipped and listed stays skipped", reports.Skipped, true, false, "skipped"),
	Entry("harness-error", reports.HarnessError, false, false, "error"),
	Entry("harness-error even when listed", reports.HarnessError, true, false, "error"),
	Entry("an unknown outcome cannot be judged", "exploded", false, false, "error"),
	Entry("an empty outcome cannot be judged", "", false, false, "error"),
)
