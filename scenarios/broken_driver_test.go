package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
	"github.com/tokenclock/tokenclock/scenarios"
)

// A driver that misbehaves in one scenario gets that scenario's outcome, and the run
// goes on: the next scenario, on a restarted driver, passes.
var _ = Describe("self-checks: a driver that breaks mid-run", func() {
	DescribeTable("is judged and the run goes on",
		func(ctx SpecContext, broken string, outcome conformance.Outcome, message string) {
			p := startDriver(ctx, "naive", "BROKEN="+broken+" BREAK_AT=LOOP-04 node testdata/naive-driver.mjs")
			defer p.Close()
			got, full := playCatalog(ctx, p, "LOOP-04", "LOOP-06")
			Expect(got["LOOP-04"]).To(Equal(outcome), explain(full))
			Expect(full["LOOP-04"].Message).To(ContainSubstring(message))
			Expect(got["LOOP-06"]).To(Equal(conformance.Passed), explain(full))
		},
		Entry("hangs", "hang", conformance.Timeout, "timeout"),
		Entry("exits", "die", conformance.Crashed, "crashed"),
		Entry("prints garbage", "garbage", conformance.Crashed, "not a JSON object"),
		Entry("floods the server", "flood", conformance.Failed, "request flood"),
	)
})

// A client with no refresh logic at all is judged on every row — failed or warned
// where it falls short — and never blamed on the harness or left to time out: every
// wait in the catalog ends when the client has nothing more to send.
var _ = Describe("self-checks: a client that never refreshes", func() {
	It("gets a verdict on every scenario, none harness-error or timeout", func(ctx SpecContext) {
		p := startDriver(ctx, "naive", "node testdata/naive-driver.mjs")
		defer p.Close()
		got, full := playCatalog(ctx, p)
		for _, sc := range scenarios.Catalog() {
			allowed := []conformance.Outcome{conformance.Passed, conformance.Failed, conformance.Warned}
			switch {
			case len(sc.Features) > 0, sc.Profile == fakeserver.ProfileOAuth2: // it announces no feature; the run is cookie
				allowed = []conformance.Outcome{conformance.Skipped}
			case sc.ID == "SESSION-01": // it needs a refresh to discard: none was made
				allowed = []conformance.Outcome{conformance.Inconclusive}
			}
			Expect(got[sc.ID]).To(BeElementOf(allowed), "%s: %s", sc.ID, full[sc.ID].Message)
		}
		Expect(got["EXP-ACCESS-01"]).To(Equal(conformance.Failed))
		Expect(got["CONC-04"]).To(Equal(conformance.Warned))
	})
})
