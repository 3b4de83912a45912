// Command benchsummary reads `go test -bench` output (several -count runs) and
// prints, for `make bench`, the median of every metric with its spread, then each
// figure of docs/performance.md next to its baseline and goal. It judges nothing:
// correctness is asserted inside the benchmarks, and times are never a test.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// procSuffix is the -GOMAXPROCS suffix go test appends to benchmark names.
var procSuffix = regexp.MustCompile(`-\d+$`)

// samples maps benchmark name → unit → values, one per run.
type samples map[string]map[string][]float64

func main() {
	in := io.Reader(os.Stdin)
	if len(os.Args) > 1 {
		f, err := os.Open(os.Args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchsummary:", err)
			os.Exit(2)
		}
		defer f.Close()
		in = f
	}
	s, order, err := parse(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchsummary:", err)
		os.Exit(2)
	}
	fmt.Println("== medians (min … max, runs) ==")
	for _, name := range order {
		for _, unit := range sortedUnits(s[name]) {
			v := s[name][unit]
			fmt.Printf("%-48s %14s %-18s (%s … %s, n=%d)\n", name, num(median(v)), unit, num(slices.Min(v)), num(slices.Max(v)), len(v))
		}
	}
	fmt.Println()
	fmt.Println("== figures (docs/performance.md) ==")
	figures(s)
}

func parse(r io.Reader) (samples, []string, error) {
	s := samples{}
	var order []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := procSuffix.ReplaceAllString(f[0], "")
		if s[name] == nil {
			s[name] = map[string][]float64{}
			order = append(order, name)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			s[name][f[i+1]] = append(s[name][f[i+1]], v)
		}
	}
	return s, order, sc.Err()
}

// get is the median of a metric, and whether it was measured.
func (s samples) get(name, unit string) (float64, bool) {
	v := s[name][unit]
	if len(v) == 0 {
		return 0, false
	}
	return median(v), true
}

// figures prints each figure with its baseline and goal.
func figures(s samples) {
	sec := func(name string) (float64, bool) { v, ok := s.get(name, "ns/op"); return v / 1e9, ok }
	if wall, ok := sec("BenchmarkCatalog/client=reference"); ok {
		virt, _ := s.get("BenchmarkCatalog/client=reference", "virtual-s/op")
		speed, _ := s.get("BenchmarkCatalog/client=reference", "speedup")
		// The 3 s goal was set for the 28-row catalog played one scenario at a time;
		// the catalog has grown, and figure 6 is what a run does now (--parallel).
		fmt.Printf("1. catalog vs reference, one scenario at a time: %.2f s wall; virtual time covered %.0f s = %.1f days; speedup ×%.0f\n",
			wall, virt, virt/86400, speed)
	}
	if ov, ok := s.get("BenchmarkScenarioOverhead", "overhead-ms/scen"); ok {
		mx, _ := s.get("BenchmarkScenarioOverhead", "max-overhead-ms/scen")
		fmt.Printf("   harness overhead per scenario: median %.2f ms, worst %.2f ms (goal median < 5 ms: %s)\n", ov, mx, verdict(ov < 5))
	}
	if wall, ok := sec("BenchmarkCatalog/client=axios-singleflight"); ok {
		drv, _ := s.get("BenchmarkCatalog/client=axios-singleflight", "client-ms/op")
		har, _ := s.get("BenchmarkCatalog/client=axios-singleflight", "harness-ms/op")
		ref, _ := sec("BenchmarkCatalog/client=reference")
		fmt.Printf("2. catalog vs node axios-singleflight (one process): %.2f s (goal < 10 s: %s) = driver %.2f s + harness %.2f s; ×%.2f the reference\n",
			wall, verdict(wall < 10), drv/1000, har/1000, wall/ref)
	}
	for _, set := range []struct {
		name string
		goal float64 // the least speedup of --parallel 4 over --parallel 1; 0: none
	}{{"client=reference", 2.5}, {"client=axios-singleflight", 0}, {"client=browser", 0}, {"matrix=3", 2}} {
		serial, ok1 := sec("BenchmarkCatalogParallel/" + set.name + "/parallel=1")
		par, ok4 := sec("BenchmarkCatalogParallel/" + set.name + "/parallel=4")
		if !ok1 || !ok4 {
			continue
		}
		line := fmt.Sprintf("6. whole catalog, %s: --parallel 4 %.2f s vs --parallel 1 %.2f s: ×%.2f faster, outcomes identical (asserted)",
			set.name, par, serial, serial/par)
		if set.goal > 0 {
			line += fmt.Sprintf(" (goal ≥ ×%.1f: %s)", set.goal, verdict(serial/par >= set.goal))
		}
		fmt.Println(line)
	}
	if r, ok := s.get("BenchmarkAuthMe", "ratio"); ok {
		bare, _ := s.get("BenchmarkAuthMe", "bare-req/s")
		fake, _ := s.get("BenchmarkAuthMe", "fake-req/s")
		fmt.Printf("3. GET /api/auth/me: fake server %.0f req/s vs bare net/http %.0f req/s: ratio %.2f (goal ≥ 0.9: %s)\n",
			fake, bare, r, verdict(r >= 0.9))
	}
	base, hasBase := sec("BenchmarkParallelGate/callers=200")
	for _, n := range []int{200, 1000, 5000} {
		name := fmt.Sprintf("BenchmarkParallelGate/callers=%d", n)
		wall, ok := sec(name)
		if !ok {
			continue
		}
		heap, _ := s.get(name, "peak-heap-MB")
		rss, _ := s.get(name, "peak-rss-MB")
		ovf, _ := s.get(name, "overflows/op")
		line := fmt.Sprintf("4. CONC-07 ×%d: %.3f s, peak heap %.0f MB, peak RSS %.0f MB, accept-queue overflows %.0f", n, wall, heap, rss, ovf)
		if hasBase && n != 200 {
			line += fmt.Sprintf("; per caller ×%.2f the 200-caller baseline", wall/float64(n)/(base/200))
		}
		switch n {
		case 1000:
			line += fmt.Sprintf(" (goal < 1 s: %s)", verdict(wall < 1))
		case 5000:
			line += fmt.Sprintf(" (goals: no overflow %s, < 1 s %s)", verdict(ovf == 0), verdict(wall < 1))
		}
		fmt.Println(line)
	}
	if q, ok := sec("BenchmarkUnmatchedBodies/gets=5000/impl=quadratic"); ok {
		ix, _ := sec("BenchmarkUnmatchedBodies/gets=5000/impl=indexed")
		fmt.Printf("   optimisation 1 (body check of a 5000-caller gate): indexed %.3f ms vs quadratic %.1f ms before, ×%.0f\n", ix*1e3, q*1e3, q/ix)
	}
	if e, ok := s.get("BenchmarkJournalEntry", "entry-B"); ok {
		st, _ := s.get("BenchmarkJournalEntry", "struct-B")
		fmt.Printf("5. journal: %.0f B live heap per journalled request (the Entry struct alone: %.0f B)\n", e, st)
	}
	if live, ok := s.get("BenchmarkServeSession", "live-heap-MB"); ok {
		j, _ := s.get("BenchmarkServeSession", "journal-MB")
		d, _ := s.get("BenchmarkServeSession", "dropped")
		t, _ := sec("BenchmarkServeSession")
		fmt.Printf("   1 M requests: live heap %.1f MB (journal %.1f MB; ceiling 64 MiB asserted), %.0f entries dropped and counted, %.0f req/s in process\n",
			live, j, d, 1e6/t)
	}
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func sortedUnits(m map[string][]float64) []string {
	var us []string
	for u := range m {
		us = append(us, u)
	}
	slices.Sort(us)
	return us
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', 5, 64) }
