package scenarios_test

import (
	"context"
	"github.com/tokenclock/tokenclock/conformance"
	"os/exec"
	"slices"
	"testing"
	"time"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
	"github.com/tokenclock/tokenclock/scenarios"
)

// Figures 1 and 2 of docs/performance.md: the whole catalog, once per op.
//
//	wall (ns/op)        the catalog's real time with the suite's default options
//	virtual-s/op        the server-clock time the scenarios covered: what a real run
//	                    would spend waiting for tokens to expire (the baseline)
//	speedup             virtual time / wall time
//	client-ms/op        time with at least one client command in flight (login,
//	                    request, logout; the union of their intervals) plus init
//	harness-ms/op       wall − client time: server start, checks, quiet periods
//	overhead-ms/scen    per scenario: wall − client time, with the quiet period set to
//	                    1 µs (a deliberate wait is not overhead); median of the catalog
//
// Outcomes are asserted (every scenario passes), never the times.

// BenchmarkCatalog plays the catalog against the in-process reference client and,
// through the Process adapter, one reused axios-singleflight node process.
func BenchmarkCatalog(b *testing.B) {
	b.Run("client=reference", func(b *testing.B) {
		benchCatalog(b, cut.NewReference())
	})
	b.Run("client=axios-singleflight", func(b *testing.B) {
		if _, err := exec.LookPath("node"); err != nil {
			b.Skip("node is not installed")
		}
		p, err := cut.StartProcess(context.Background(), cut.ProcessOptions{Name: "axios-singleflight", Command: axiosSingleflight})
		if err != nil {
			b.Fatalf("starting the driver (run `make node-deps`): %v", err)
		}
		defer p.Close()
		benchCatalog(b, p)
	})
}

// BenchmarkScenarioOverhead is figure 1's per-scenario harness overhead: the catalog
// with a 1 µs quiet period, against the reference client.
func BenchmarkScenarioOverhead(b *testing.B) {
	client, timings := timed(cut.NewReference())
	opts := conformance.Limits{QuietPeriod: time.Microsecond}
	var overheads []float64
	for b.Loop() {
		for _, sc := range scenarios.Catalog() {
			res := conformance.Execute(context.Background(), sc, client, opts)
			mustPass(b, res)
			busy, _ := timings.take() // client init stays in the overhead, as the brief counts it
			overheads = append(overheads, res.DurationMs-ms(busy))
		}
	}
	b.ReportMetric(median(overheads), "overhead-ms/scen")
	b.ReportMetric(slices.Max(overheads), "max-overhead-ms/scen")
}

func benchCatalog(b *testing.B, c cut.Client) {
	client, timings := timed(c)
	var wall, busy, init, virtual time.Duration
	for b.Loop() {
		start := time.Now()
		for _, sc := range scenarios.Catalog() {
			res := conformance.Execute(context.Background(), sc, client, conformance.Limits{})
			mustPass(b, res)
			virtual += covered(res.Journal)
		}
		wall += time.Since(start)
		bz, in := timings.take()
		busy, init = busy+bz, init+in
	}
	n := float64(b.N)
	b.ReportMetric(virtual.Seconds()/n, "virtual-s/op")
	b.ReportMetric(virtual.Seconds()/wall.Seconds(), "speedup")
	b.ReportMetric(ms(busy+init)/n, "client-ms/op")
	b.ReportMetric(ms(wall-busy-init)/n, "harness-ms/op")
}

// covered is the server-clock time a scenario's journal spans from its first entry
// (the login, at the fake clock's start): the time a real run would have waited for
// its tokens to expire.
func covered(j fakeserver.Journal) time.Duration {
	var first time.Time
	var last time.Duration
	for _, e := range j {
		t, err := time.Parse(time.RFC3339Nano, e.VirtualTime)
		if err != nil {
			continue
		}
		if first.IsZero() {
			first = t
		}
		if t.Sub(first) > last {
			last = t.Sub(first)
		}
	}
	return last
}

// mustPass fails the benchmark unless the row passed, or was skipped because the
// client lacks a feature the row needs (the browser rows, for an in-process client).
func mustPass(b *testing.B, res conformance.ScenarioResult) {
	b.Helper()
	if res.Outcome != conformance.Passed && res.Outcome != conformance.Skipped {
		b.Fatalf("%s: %s: %s", res.ID, res.Outcome, res.Message)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
