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

	// Read all along, as a live reader does: the burst must not wait on this test.
	const n = 300 // ~120 KB of events: several buffers' worth
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
	// The burst lands in the journal at once, under one lock, so the stream's first
	// wake-up after the quiet finds all of it: one batch bigger than the buffer,
	// which is what the stale deadline cut off (entries arriving one by one could be
	// sent in small batches, each flush renewing the deadline, and hide the bug).
	j := srv.journal
	j.mu.Lock()
	for range n {
		j.seq++
		j.push(&journalSlot{e: Entry{Seq: j.seq, Method: http.MethodGet, Path: PathMe, Status: http.StatusUnauthorized,
			AccessToken: strings.Repeat("x", 300)}})
	}
	j.mu.Unlock()
	select {
	case got := <-read:
		if got.ids < n {
			t.Fatalf("the stream ended after %d of %d entries: %v", got.ids, n, got.err)
		}
	case <-time.After(10 * time.Second):
		res.Body.Close() // ends the reader
		t.Fatalf("the stream sent fewer than %d entries in 10 s and stayed open", n)
	}
}
