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

	// Read all along, as a live reader does: the burst below must not wait on this
	// test's loop, which a busy machine could make longer than the write timeout.
	const n = 300 // ~120 KB of events: several buffers' worth in one batch
	type result struct {
		ids int
		err error
	}
	read := make(chan result, 1)
	go func() {
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(nil, 1<<20)
		ids := 0
		for ids < n && sc.Scan() {
			if strings.HasPrefix(sc.Text(), "id: ") {
				ids++
			}
		}
		read <- result{ids, sc.Err()}
	}()
	h := srv.Handler()
	for range n {
		r, _ := http.NewRequest(http.MethodGet, PathMe, nil)
		h.ServeHTTP(discard{}, r)
	}
	if got := <-read; got.ids < n {
		t.Fatalf("the stream ended after %d of %d entries: %v", got.ids, n, got.err)
	}
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}
