package fakeserver_test

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// Figure 5 of docs/performance.md: what the journal costs in memory.

// sessionRequests is the length of the long serve-like session.
const sessionRequests = 1_000_000

// sessionCeiling is the documented ceiling of the live heap after a session of any
// length with the default JournalLimit: the ring holds 100 000 entries (about
// 0.3 KiB each, measured by BenchmarkJournalEntry) and nothing else grows per request.
const sessionCeiling = 64 << 20

// BenchmarkJournalEntry: the live heap each journalled GET /api/auth/me retains
// (entry-B), next to the Entry struct's own size (struct-B) as the baseline.
func BenchmarkJournalEntry(b *testing.B) {
	const n = 20_000
	for b.Loop() {
		b.StopTimer()
		srv := fakeserver.New(fakeserver.Options{})
		token, _ := benchLogin(b, srv)
		before := liveHeap()
		b.StartTimer()
		serveMany(b, srv.Handler(), token, n)
		b.StopTimer()
		after := liveHeap()
		runtime.KeepAlive(srv)
		b.ReportMetric(float64(after-before)/n, "entry-B")
		b.StartTimer()
	}
	b.ReportMetric(float64(unsafe.Sizeof(fakeserver.Entry{})), "struct-B")
}

// BenchmarkServeSession: 1 M authenticated requests through one server with the
// default journal (a ring of 100 000). It asserts that the ring kept exactly the last
// 100 000, says it dropped the rest (State().JournalDropped), and that the live heap
// afterwards stays under sessionCeiling.
func BenchmarkServeSession(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		srv := fakeserver.New(fakeserver.Options{})
		token, _ := benchLogin(b, srv)
		base := liveHeap()
		b.StartTimer()
		serveMany(b, srv.Handler(), token, sessionRequests)
		b.StopTimer()
		live := liveHeap()
		st := srv.State()
		total := sessionRequests + 2 // the login and the check in benchLogin
		if st.Requests != total || st.JournalDropped != total-fakeserver.DefaultJournalLimit {
			b.Fatalf("expected %d requests and %d dropped, state says %d and %d", total, total-fakeserver.DefaultJournalLimit, st.Requests, st.JournalDropped)
		}
		if j := srv.Journal(); len(j) != fakeserver.DefaultJournalLimit || j[len(j)-1].Seq != total {
			b.Fatalf("expected the last %d entries, the journal holds %d", fakeserver.DefaultJournalLimit, len(j))
		}
		if live > sessionCeiling {
			b.Fatalf("live heap %d MiB after %d requests, over the %d MiB ceiling", live>>20, total, sessionCeiling>>20)
		}
		b.ReportMetric(float64(live)/(1<<20), "live-heap-MB")
		b.ReportMetric(float64(live-base)/(1<<20), "journal-MB")
		b.ReportMetric(float64(st.JournalDropped), "dropped")
		runtime.KeepAlive(srv)
		b.StartTimer()
	}
}

// serveMany sends n authenticated GETs through h in process, from two goroutines.
func serveMany(b *testing.B, h http.Handler, token string, n int) {
	var next atomic.Int64
	var bad atomic.Int64
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, meRequest(token))
				if rec.Code != http.StatusOK {
					bad.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if bad.Load() > 0 {
		b.Fatalf("%d of %d requests were not answered 200", bad.Load(), n)
	}
}

// liveHeap is the live heap after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
