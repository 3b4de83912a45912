package scenarios_test

import (
	"context"
	"fmt"
	"github.com/tokenclock/tokenclock/conformance"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/scenarios"
)

// BenchmarkParallelGate is figure 4: CONC-07's parallel gate (the same code, through
// scenarios.ParallelGate) with n callers against the reference client. n=200 is the
// catalog's own row, the baseline. Exactly one refresh is asserted, never the time.
//
//	ns/op           the scenario's wall time (server start to verdict)
//	peak-heap-MB    the largest live Go heap sampled every millisecond
//	peak-rss-MB     the process's peak resident set (VmHWM, reset before each op)
//	overflows/op    TcpExtListenOverflows during the op: connections the kernel's
//	                accept queue (somaxconn) dropped; each costs its client a 1 s SYN
//	                retry. Machine-wide, so another process's bursts count too.
func BenchmarkParallelGate(b *testing.B) {
	for _, n := range []int{200, 1000, 5000} {
		b.Run(fmt.Sprintf("callers=%d", n), func(b *testing.B) {
			sc := scenarios.ParallelGate(n, time.Minute)
			// The flood guard and the hold bound are sized for the catalog's 200;
			// scale them, or 5000 callers would be stopped as a flood.
			opts := conformance.Limits{FloodLimit: 4*n + 10, HoldBound: 20 * time.Second, Deadline: time.Minute}
			client := cut.NewReference()
			var heap, rss, overflows float64
			for b.Loop() {
				b.StopTimer()
				runtime.GC()
				resetPeakRSS()
				stop := sampleHeap(&heap)
				before := listenOverflows()
				b.StartTimer()
				res := conformance.Execute(context.Background(), sc, client, opts)
				b.StopTimer()
				stop()
				overflows += listenOverflows() - before
				mustPass(b, res)
				if got := len(res.Journal.Refreshes()); got != 1 {
					b.Fatalf("%s: expected exactly 1 refresh, observed %d", sc.ID, got)
				}
				if got := len(res.Journal); got != 2*n+2 {
					b.Fatalf("%s: expected %d journal entries (login, %d 401s, refresh, %d replays), observed %d", sc.ID, 2*n+2, n, n, got)
				}
				rss = max(rss, peakRSS())
				b.StartTimer()
			}
			b.ReportMetric(heap/(1<<20), "peak-heap-MB")
			b.ReportMetric(rss/(1<<20), "peak-rss-MB")
			b.ReportMetric(overflows/float64(b.N), "overflows/op")
		})
	}
}

// sampleHeap records the largest heap object bytes seen until stop is called.
func sampleHeap(peak *float64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			*peak = max(*peak, float64(s[0].Value.Uint64()))
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// resetPeakRSS makes VmHWM start again from the current RSS (Linux clear_refs 5);
// where that is refused, peak-rss-MB is the process's peak so far.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS reads VmHWM in bytes, 0 when unavailable.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb * 1024
		}
	}
	return 0
}

// listenOverflows reads TcpExtListenOverflows from /proc/net/netstat (0 when absent).
func listenOverflows() float64 {
	b, err := os.ReadFile("/proc/net/netstat")
	if err != nil {
		return 0
	}
	lines := strings.Split(string(b), "\n")
	for i := 0; i+1 < len(lines); i += 2 {
		names, values := strings.Fields(lines[i]), strings.Fields(lines[i+1])
		if len(names) == 0 || names[0] != "TcpExt:" || len(values) != len(names) {
			continue
		}
		for k, name := range names {
			if name == "ListenOverflows" {
				v, _ := strconv.ParseFloat(values[k], 64)
				return v
			}
		}
	}
	return 0
}
