package scenarios_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/scenarios"
)

// repeats is how many times the determinism checks replay the whole catalog.
const repeats = 20

var _ = Describe("self-checks: determinism", Label("slow"), func() {
	// The reference and axios-seed repeats run the catalog as tokenclock run does, at
	// the default --parallel, against one serial run: the outcomes must not depend on
	// how many scenarios share the machine, nor on which finishes first.
	It("gives the reference client identical outcomes over 20 repeats of the catalog, in parallel as one at a time", func(ctx SpecContext) {
		expectDeterministic(ctx, conformance.ClientSpec{Name: "reference", Command: cut.BuiltInReference})
	})

	It("catches the no-single-flight mutant on CONC-01, 02 and 03 in each of 50 runs", func(ctx SpecContext) {
		client, err := cut.NewMutant("no-single-flight")
		Expect(err).NotTo(HaveOccurred())
		for i := 1; i <= 50; i++ {
			got, full := playCatalog(ctx, client, "CONC-01", "CONC-02", "CONC-03")
			for _, id := range []string{"CONC-01", "CONC-02", "CONC-03"} {
				Expect(got[id]).To(Equal(conformance.Failed), "run %d: %s%s", i, id, explain(full))
				Expect(full[id].Findings[0].Requirement).To(Equal(conformance.RC2), "run %d: %s", i, id)
			}
		}
	})

	It("gives axios-seed identical outcomes over 20 repeats of the catalog, in parallel as one at a time", func(ctx SpecContext) {
		expectDeterministic(ctx, conformance.ClientSpec{Name: "axios-seed", Command: axiosSeed})
	})
})

// expectDeterministic runs the catalog against the client once with --parallel 1,
// then repeats-1 times at the default --parallel, and expects the same outcome for
// every row each time.
func expectDeterministic(ctx context.Context, spec conformance.ClientSpec) {
	GinkgoHelper()
	play := func(parallel int) (outcomes, map[string]conformance.ScenarioResult) {
		run := conformance.Run(ctx, conformance.Options{Catalog: scenarios.Catalog(), Clients: []conformance.ClientSpec{spec},
			Limits: selfCheckLimits, Parallel: parallel, HelloTimeout: 20 * time.Second})
		Expect(run.Errors).To(BeEmpty())
		Expect(run.NotRun).To(BeEmpty())
		out, full := outcomes{}, map[string]conformance.ScenarioResult{}
		for _, sr := range run.Clients[0].Scenarios {
			out[sr.ID], full[sr.ID] = sr.Outcome, sr
		}
		return out, full
	}
	first, _ := play(1)
	Expect(first).To(HaveLen(len(scenarios.Catalog())))
	for i := 2; i <= repeats; i++ {
		again, full := play(conformance.DefaultParallel())
		Expect(again).To(Equal(first), "repeat %d (--parallel %d) differs from the serial run:%s", i, conformance.DefaultParallel(), explain(full))
	}
}
