package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/tokenclock/tokenclock/conformance"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
)

// repeats is how many times the determinism checks replay the whole catalog.
const repeats = 20

var _ = Describe("self-checks: determinism", Label("slow"), func() {
	It("gives the reference client identical outcomes over 20 repeats of the catalog", func(ctx SpecContext) {
		client := cut.NewReference()
		first, _ := playCatalog(ctx, client)
		for i := 2; i <= repeats; i++ {
			again, full := playCatalog(ctx, client)
			Expect(again).To(Equal(first), "repeat %d differs:%s", i, explain(full))
		}
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

	It("gives axios-seed identical outcomes over 20 repeats of the catalog", func(ctx SpecContext) {
		p := startDriver(ctx, "axios-seed", axiosSeed)
		defer p.Close()
		first, _ := playCatalog(ctx, p)
		for i := 2; i <= repeats; i++ {
			again, full := playCatalog(ctx, p)
			Expect(again).To(Equal(first), "repeat %d differs:%s", i, explain(full))
		}
	})
})
