package scenarios

import (
	"fmt"
	"time"

	"github.com/tokenclock/tokenclock/conformance"
)

// ParallelGate is CONC-07 played with n callers, built from the same code
// (playParallel), for the scale benchmarks; it is not part of the catalog.
func ParallelGate(n int, within time.Duration) conformance.Scenario {
	sc, _ := Catalog().ByID("CONC-07")
	sc.ID = fmt.Sprintf("CONC-07x%d", n)
	sc.Title = fmt.Sprintf("%d parallel requests share one refresh", n)
	sc.Play = playParallel(n, within)
	return sc
}
