package scenarios_test

import (
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/tokenclock/tokenclock/conformance"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/scenarios"
)

// caughtBy is, for each mutant, the scenarios that test the requirement its bug
// breaks: the suite must fail at least these for it.
var caughtBy = map[string][]string{
	"refresh-on-403":                  {"LOOP-04"},
	"refresh-on-5xx":                  {"LOOP-06"},
	"no-single-flight":                {"CONC-01", "CONC-02", "CONC-03", "CONC-07", "PROACTIVE-02"},
	"unbounded-retry":                 {"LOOP-02", "LOOP-03"},
	"stale-header-on-replay":          {"EXP-ACCESS-01", "EXP-ACCESS-05", "CONC-01"},
	"duplicate-authorization":         {"EXP-ACCESS-01", "EXP-ACCESS-05", "CONC-01"},
	"drops-body-on-replay":            {"EXP-ACCESS-02", "EXP-ACCESS-03", "CONC-02", "BODY-01", "BODY-02", "BODY-03"},
	"intercepts-refresh-401":          {"EXP-REFRESH-01", "EXP-REFRESH-02", "LOOP-01"},
	"waiters-hang-on-refresh-failure": {"CONC-06"},
	"ignores-rotated-cookie":          {"CONC-03", "ROT-01"},
	"refresh-bound-to-caller":         {"CANCEL-01", "CANCEL-02"},
	"applies-late-refresh":            {"SESSION-01", "RESTART-03", "TABS-04"},
	"trusts-device-clock":             {"SKEW-01", "SKEW-03"},
	"late-timer-refreshes":            {"SLEEP-02"},
	"early-refresh-outside-flight":    {"PROACTIVE-01", "PROACTIVE-02"},
	"tabs-uncoordinated":              {"TABS-01", "TABS-02"},
	"graphql-only-401":                {"GQL-02"},
	"no-idempotency-key":              {"IDEM-01"},
	"replay-drops-idempotency-key":    {"IDEM-02"},
	"stream-stale-token":              {"SSE-01", "SSE-02"},
}

// onlyShould reports whether every requirement in reqs is a SHOULD.
func onlyShould(reqs []string) bool {
	for _, r := range reqs {
		if conformance.RequirementID(r).Level() != conformance.Should {
			return false
		}
	}
	return true
}

var _ = Describe("self-checks: the catalog judges known clients", func() {
	It("passes the Go reference client on every scenario", func(ctx SpecContext) {
		got, full := playCatalog(ctx, cut.NewReference())
		Expect(got.failing()).To(ConsistOf(browserOnly), explain(full))
		expectSkippedForBrowser(got, full)
		Expect(got).To(HaveLen(len(scenarios.Catalog())))
	})

	It("has a caught-by row for every mutant, and a mutant for every MUST requirement", func() {
		broken := map[conformance.RequirementID]bool{}
		for _, m := range cut.Mutants() {
			Expect(caughtBy).To(HaveKey(m.Name), "mutant %s has no row in caughtBy", m.Name)
			for _, r := range m.Breaks {
				broken[conformance.RequirementID(r)] = true
			}
		}
		// Browser-only requirements have their one-bug mutant among the browser adapters,
		// checked by clientunderTest/browser's self-check.
		broken[conformance.RC22] = true // clientunderTest/node/adapters/axios-no-credentials.mjs
		for _, r := range conformance.Contract() {
			if r.Level == conformance.Must {
				Expect(broken).To(HaveKey(r.ID), "no mutant breaks MUST requirement %s", r.ID)
			}
		}
	})

	for _, m := range cut.Mutants() {
		It("catches mutant "+m.Name+" (breaks "+strings.Join(m.Breaks, " ")+")", func(ctx SpecContext) {
			client, err := cut.NewMutant(m.Name)
			Expect(err).NotTo(HaveOccurred())
			defer client.Close()
			got, full := playCatalog(ctx, client)
			Expect(without(got.failing(), browserOnly)).NotTo(BeEmpty(), "mutant %s escapes the whole catalog", m.Name)
			for _, id := range caughtBy[m.Name] {
				// Caught means failed (warned, for a bug that breaks only SHOULD rows) with a
				// finding on a requirement the bug breaks: an inconclusive, timed-out or
				// crashed row proves nothing about the bug.
				caught := conformance.Failed
				if onlyShould(m.Breaks) {
					caught = conformance.Warned
				}
				Expect(got[id]).To(Equal(caught), "mutant %s on %s;%s", m.Name, id, explain(full))
				var reqs []string
				for _, f := range full[id].Findings {
					reqs = append(reqs, string(f.Requirement))
				}
				Expect(reqs).To(ContainElement(BeElementOf(m.Breaks)), "mutant %s fails %s on another requirement;%s", m.Name, id, explain(full))
			}
		})
	}
})

// seedSkipped pins the rows the seed (under the JS kit) is skipped on although the kit
// announces every feature they need: they judge an early renewal, and the seed renews
// nothing early (early renewal is optional).
var seedSkipped = []string{"PROACTIVE-01", "PROACTIVE-02"}

// browserOnly are the rows that need a real browser (feature browser): every client
// here but the browser adapters (clientunderTest/browser's self-check) skips them.
var browserOnly = []string{"BROWSER-01", "BROWSER-02", "BROWSER-03", "BROWSER-04", "BROWSER-05", "BROWSER-06"}

// expectSkippedForBrowser checks the browser rows were skipped, naming the feature.
func expectSkippedForBrowser(got outcomes, full map[string]conformance.ScenarioResult) {
	GinkgoHelper()
	for _, id := range browserOnly {
		Expect(got[id]).To(Equal(conformance.Skipped), "%s;%s", id, explain(full))
		Expect(full[id].Message).To(ContainSubstring(`feature "browser"`), id)
	}
}

// without is ids less the ones in drop.
func without(ids, drop []string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(drop, id) {
			out = append(out, id)
		}
	}
	return out
}

var _ = Describe("self-checks: the bundled adapters under the JS kit (Node)", Ordered, func() {
	It("passes axios-singleflight on every scenario it has the features for", func(ctx SpecContext) {
		p := startDriver(ctx, "axios-singleflight", axiosSingleflight)
		defer p.Close()
		got, full := playCatalog(ctx, p)
		Expect(got.failing()).To(ConsistOf(browserOnly), explain(full))
		expectSkippedForBrowser(got, full)
	})

	It("passes the Python kit's example (example_adapter.py) on every scenario it has the features for", func(ctx SpecContext) {
		p := startDriver(ctx, "py-example", pyExample)
		defer p.Close()
		got, full := playCatalog(ctx, p)
		// The Python kit offers neither bodies nor event streams.
		Expect(got.failing()).To(ConsistOf(append([]string{"BODY-01", "BODY-02", "BODY-03", "SSE-01", "SSE-02", "SSE-03"},
			browserOnly...)), explain(full))
		for _, id := range got.failing() {
			Expect(got[id]).To(Equal(conformance.Skipped), "%s;%s", id, explain(full))
		}
	})

	It("fails axios-seed on exactly the scenarios its expected-failures file lists", func(ctx SpecContext) {
		expected, err := conformance.ReadExpectedFailures(axiosSeedExpected, scenarios.Catalog())
		Expect(err).NotTo(HaveOccurred())
		p := startDriver(ctx, "axios-seed", axiosSeed)
		defer p.Close()
		got, full := playCatalog(ctx, p)
		var listed []string
		for id := range expected {
			listed = append(listed, id)
			// Listed means it fails the way the file says: failed or warned, never
			// inconclusive (which is never an expected failure) or a hang.
			Expect(got[id]).To(BeElementOf(conformance.Failed, conformance.Warned), "%s;%s", id, explain(full))
		}
		Expect(got.failing()).To(ConsistOf(append(append(listed, seedSkipped...), browserOnly...)), explain(full))
		for _, id := range seedSkipped {
			Expect(got[id]).To(Equal(conformance.Skipped), "%s;%s", id, explain(full))
			Expect(full[id].Message).To(ContainSubstring("renews nothing early"), id)
		}
		expectSkippedForBrowser(got, full)
	})
})
