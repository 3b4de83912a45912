package fakeserver

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

// TestJournalStreamBurstAfterQuiet: a batch larger than the write buffer, written
// after the stream was quiet for longer than the write timeout, is not cut off by
// the deadline of the last flush. Real time, shortened: the timeout is 200 ms here.
func TestJournalStreamBurstAfterQuiet(t *testing.T) {
	old := streamWriteTimeout
	streamWriteTimeout = 200 * time.Millisecond
	defer func() { streamWriteTimeout = old }()

	srv := New(Options{Clock: clockwork.NewFakeClock(), ExposeControl: true})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	res, err := http.Get(srv.URL() + ControlPrefix + "journal/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	time.Sleep(3 * streamWriteTimeout) // quiet, past the first flush's deadline

	const n = 300 // ~120 KB of events: several buffers' worth in one batch
	h := srv.Handler()
	for range n {
		r, _ := http.NewRequest(http.MethodGet, PathMe, nil)
		h.ServeHTTP(discard{}, r)
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 1<<20)
	ids := 0
	for ids < n && sc.Scan() {
		if strings.HasPrefix(sc.Text(), "id: ") {
			ids++
		}
	}
	if ids < n {
		t.Fatalf("the stream ended after %d of %d entries: %v", ids, n, sc.Err())
	}
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}
