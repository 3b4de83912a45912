package fakeserver_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// benchWorkers is the load generator's concurrency: enough to keep both cores busy
// with a request always waiting, as in a burst from a client under test.
const benchWorkers = 32

// benchRound is how many requests one round sends to one server.
const benchRound = 2000

// BenchmarkAuthMe is figure 3 of docs/performance.md: authenticated GET /api/auth/me
// on the fake server (routing, token verification and judgement, journal append)
// against a bare net/http handler answering the same bytes, over loopback, with the
// same load generator. The bare handler runs behind the fake server's own
// http.Server settings (HTTPServer: its read, header and idle timeouts), so the two
// differ only in the handler. One op is a round on each, interleaved, so both see
// the same machine load; the figure is the ratio.
//
//	bare-req/s   the bare handler
//	fake-req/s   the fake server
//	ratio        fake-req/s / bare-req/s (goal ≥ 0.9)
func BenchmarkAuthMe(b *testing.B) {
	srv := fakeserver.New(fakeserver.Options{})
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	token, me := benchLogin(b, srv)
	bare := httptest.NewUnstartedServer(nil)
	bare.Config = srv.HTTPServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(me)
	}))
	bare.Start()
	defer bare.Close()

	tr := &http.Transport{MaxIdleConnsPerHost: benchWorkers, MaxIdleConns: 2 * benchWorkers}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	// Warm both connection pools so dials are not measured.
	round(b, c, bare.URL, token)
	round(b, c, srv.URL(), token)

	var bareT, fakeT time.Duration
	for b.Loop() {
		bareT += round(b, c, bare.URL, token)
		fakeT += round(b, c, srv.URL(), token)
	}
	n := float64(b.N * benchRound)
	b.ReportMetric(n/bareT.Seconds(), "bare-req/s")
	b.ReportMetric(n/fakeT.Seconds(), "fake-req/s")
	b.ReportMetric(bareT.Seconds()/fakeT.Seconds(), "ratio")
}

// round sends benchRound requests from benchWorkers goroutines and returns the time.
func round(b *testing.B, c *http.Client, url, token string) time.Duration {
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range benchWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= benchRound {
				if err := getMe(c, url, token); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	if err, ok := failed.Load().(error); ok {
		b.Fatal(err)
	}
	return took
}
