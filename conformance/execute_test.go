package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/reports"
	"github.com/tokenclock/tokenclock/scenarios"
)

var _ = Describe("Execute's outcomes", func() {
	It("skips, never passes, a scenario needing a feature the driver did not announce", func(ctx SpecContext) {
		played := false
		sc := scenarios.Scenario{ID: "TEST-01", Level: scenarios.Must, Requirements: []string{"RC1"},
			Features: []string{"cancel"}, Play: func(*scenarios.Session) { played = true }}
		res := scenarios.Execute(ctx, sc, cut.NewReference(), selfCheckLimits)
		Expect(res.Outcome).To(Equal(reports.Skipped))
		Expect(res.Message).To(ContainSubstring(`feature "cancel"`))
		Expect(played).To(BeFalse())
	})

	It("reports a fault of the harness itself as harness-error, not against the client", func(ctx SpecContext) {
		sc := scenarios.Scenario{ID: "TEST-02", Level: scenarios.Must, Requirements: []string{"RC1"},
			Play: func(*scenarios.Session) { panic("a bug in a check") }}
		res := scenarios.Execute(ctx, sc, cut.NewReference(), selfCheckLimits)
		Expect(res.Outcome).To(Equal(reports.HarnessError))
		Expect(res.Message).To(ContainSubstring("a bug in a check"))
	})

	It("warns on a SHOULD finding, and fails on it under --strict", func(ctx SpecContext) {
		sc := scenarios.Scenario{ID: "TEST-03", Level: scenarios.Should, Requirements: []string{"RC9"},
			Play: func(s *scenarios.Session) { s.Findf("RC9", "something", "something else") }}
		Expect(scenarios.Execute(ctx, sc, cut.NewReference(), selfCheckLimits).Outcome).To(Equal(reports.Warned))
		strict := selfCheckLimits
		strict.Strict = true
		res := scenarios.Execute(ctx, sc, cut.NewReference(), strict)
		Expect(res.Outcome).To(Equal(reports.Failed))
		Expect(res.Message).To(Equal("RC9: expected something, observed something else"))
	})

	It("never lets a token secret into the result", func(ctx SpecContext) {
		res := scenarios.Execute(ctx, scenarios.Catalog()[0], cut.NewReference(), selfCheckLimits)
		Expect(res.Outcome).To(Equal(reports.Passed))
		Expect(res.Replies[0].Body).To(ContainSubstring(`"accessToken":"A0"`))
	})
})
