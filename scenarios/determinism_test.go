package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

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
