package scenarios_test

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/tokenclock/tokenclock/clientunderTest/browser"
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/scenarios"
)

// BenchmarkCatalogParallel is the --parallel figure of docs/performance.md: the whole
// catalog through conformance.Run (the engine of tokenclock run), one op per run,
// serially (parallel=1, the baseline) and at --parallel 4, for the reference client,
// one Node driver, the browser client (when Chromium is installed) and the
// three-client matrix (reference and two Node drivers). Each parallel run must give
// exactly the serial run's outcomes; times are reported, never asserted.
func BenchmarkCatalogParallel(b *testing.B) {
	node := func(b *testing.B) {
		if _, err := exec.LookPath("node"); err != nil {
			b.Skip("node is not installed")
		}
	}
	sets := []struct {
		name    string
		need    func(*testing.B)
		clients []conformance.ClientSpec
	}{
		{"client=reference", nil, []conformance.ClientSpec{{Name: "reference", Command: "go:reference"}}},
		{"client=axios-singleflight", node, []conformance.ClientSpec{{Name: "fixed", Command: axiosSingleflight}}},
		{"client=browser", func(b *testing.B) {
			node(b)
			if _, err := browser.FindChromium(""); err != nil {
				b.Skip("Chromium is not installed")
			}
		}, []conformance.ClientSpec{{Name: "fixed", Command: "browser:../clientunderTest/node/adapters/axios-singleflight.mjs"}}},
		{"matrix=3", node, []conformance.ClientSpec{{Name: "reference", Command: "go:reference"},
			{Name: "seed", Command: axiosSeed}, {Name: "fixed", Command: axiosSingleflight}}},
	}
	for _, set := range sets {
		var serial []string // the serial run's outcomes, which every parallel run must match
		for _, parallel := range []int{1, 4} {
			b.Run(fmt.Sprintf("%s/parallel=%d", set.name, parallel), func(b *testing.B) {
				if set.need != nil {
					set.need(b)
				}
				for b.Loop() {
					got := playRun(b, set.clients, parallel)
					if serial == nil {
						serial = got
					} else if !slices.Equal(got, serial) {
						b.Fatalf("--parallel %d changed the outcomes:\n%v\nserial:\n%v", parallel, got, serial)
					}
				}
			})
		}
	}
}

// playRun runs the whole catalog against clients and returns "client ID outcome" per
// pair, in the reports' order.
func playRun(b *testing.B, clients []conformance.ClientSpec, parallel int) []string {
	b.Helper()
	run := conformance.Run(context.Background(), conformance.Options{Catalog: scenarios.Catalog(), Clients: clients,
		Parallel: parallel, HelloTimeout: 20 * time.Second})
	if len(run.Errors) > 0 || len(run.NotRun) > 0 {
		b.Fatalf("run errors %v, not run %v", run.Errors, run.NotRun)
	}
	var out []string
	for _, c := range run.Clients {
		for _, s := range c.Scenarios {
			out = append(out, c.Name+" "+s.ID+" "+string(s.Outcome))
		}
	}
	return out
}
