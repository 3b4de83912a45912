package conformance_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/conformance"
)

// limits are the defaults with a generous hold bound for a loaded machine.
var limits = conformance.Limits{HoldBound: 5 * time.Second}

var _ = Describe("Execute's outcomes", func() {
	It("skips, never passes, a scenario needing a feature the driver did not announce", func(ctx SpecContext) {
		played := false
		sc := conformance.Scenario{ID: "TEST-01", Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC1},
			Features: []string{"test-only-feature"}, Play: func(*conformance.Session) { played = true }}
		res := conformance.Execute(ctx, sc, cut.NewReference(), limits)
		Expect(res.Outcome).To(Equal(conformance.Skipped))
		Expect(res.Message).To(ContainSubstring(`feature "test-only-feature"`))
		Expect(played).To(BeFalse())
	})

	It("reports a fault of the harness itself as harness-error, not against the client", func(ctx SpecContext) {
		sc := conformance.Scenario{ID: "TEST-02", Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC1},
			Play: func(*conformance.Session) { panic("a bug in a check") }}
		res := conformance.Execute(ctx, sc, cut.NewReference(), limits)
		Expect(res.Outcome).To(Equal(conformance.HarnessError))
		Expect(res.Message).To(ContainSubstring("a bug in a check"))
	})

	It("warns on a SHOULD finding (--strict changes only the verdict)", func(ctx SpecContext) {
		sc := conformance.Scenario{ID: "TEST-03", Level: conformance.Should, Requirements: []conformance.RequirementID{conformance.RC9},
			Play: func(s *conformance.Session) { s.Findf(conformance.RC9, "something", "something else") }}
		res := conformance.Execute(ctx, sc, cut.NewReference(), limits)
		Expect(res.Outcome).To(Equal(conformance.Warned))
		Expect(res.Message).To(Equal("RC9: expected something, observed something else"))
	})

	It("reports a check naming a requirement the contract lacks as a harness error, not a MUST", func(ctx SpecContext) {
		sc := conformance.Scenario{ID: "TEST-05", Level: conformance.Should, Requirements: []conformance.RequirementID{conformance.RC9},
			Play: func(s *conformance.Session) { s.Findf(conformance.RequirementID("RC77"), "x", "y") }}
		res := conformance.Execute(ctx, sc, cut.NewReference(), limits)
		Expect(res.Outcome).To(Equal(conformance.HarnessError))
		Expect(res.Message).To(ContainSubstring(`"RC77"`))
	})

	It("never lets a token secret into the result", func(ctx SpecContext) {
		// A finding that quotes the raw login body: the message is built from it, and
		// still shows only the label.
		sc := conformance.Scenario{ID: "TEST-04", Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC1},
			LoggedOut: true, Play: func(s *conformance.Session) { s.Findf(conformance.RC1, "x", "%s", s.Login().Body) }}
		res := conformance.Execute(ctx, sc, cut.NewReference(), limits)
		Expect(res.Replies[0].Body).To(ContainSubstring(`"accessToken":"A0"`))
		Expect(res.Message).To(ContainSubstring(`"accessToken":"A0"`))
		Expect(res.Message).NotTo(ContainSubstring("eyJ"))
	})
})
