package fakeserver

import (
	"context"
	"sync"
)

// journal is the bounded record of every API request: a ring that drops the
// oldest entries beyond its limit and counts them. Entries live behind pointers so
// a request can finish its own entry; every read and write happens under mu, and
// readers only ever get copies.
type journal struct {
	mu      sync.Mutex
	limit   int
	ring    []*Entry // oldest at start once full
	start   int
	seq     int
	dropped int

	// changed is closed (and replaced) by the next change, when a waiter took it:
	// WaitJournal sleeps on it instead of polling. Untaken, it stays as it is, so
	// the request path allocates nothing for waiters that do not exist.
	changed chan struct{}
	watched bool
}

func newJournal(limit int) *journal {
	return &journal{limit: limit, changed: make(chan struct{})}
}

// notify wakes every waiter on the current change channel; the caller holds mu
// and has just changed the journal.
func (j *journal) notify() {
	if j.watched {
		close(j.changed)
		j.changed, j.watched = make(chan struct{}), false
	}
}

// watch is a snapshot and the channel the next change closes, taken under one lock
// so no change can fall between them.
func (j *journal) watch() (Journal, <-chan struct{}) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.watched = true
	return j.copyLocked(), j.changed
}

// push appends e (seq already set); the caller holds mu.
func (j *journal) push(e *Entry) {
	defer j.notify()
	if len(j.ring) < j.limit {
		j.ring = append(j.ring, e)
		return
	}
	j.ring[j.start] = e
	j.start = (j.start + 1) % j.limit
	j.dropped++
}

// snapshot copies every entry in seq order, pending ones included.
func (j *journal) snapshot() Journal {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.copyLocked()
}

// copyLocked copies every entry in seq order; the caller holds mu.
func (j *journal) copyLocked() Journal {
	out := make(Journal, 0, len(j.ring))
	for i := range j.ring {
		out = append(out, *j.ring[(j.start+i)%len(j.ring)])
	}
	return out
}

// update applies fn to an entry under the lock (it may have been dropped from the
// ring already; the update is then harmless).
func (j *journal) update(e *Entry, fn func(*Entry)) Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	fn(e)
	j.notify()
	return *e
}

// reset empties the journal; seq starts again at 1.
func (j *journal) reset() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.ring, j.start, j.seq, j.dropped = nil, 0, 0, 0
	j.notify()
}

func (j *journal) stats() (last, dropped int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.seq, j.dropped
}

// Journal returns a copy of every journal entry so far, in seq order, including
// requests still in flight (Pending). Body slices are shared, never mutated.
func (s *Server) Journal() Journal { return s.journal.snapshot() }

// WaitJournal reports whether cond came to hold on the journal before ctx ended.
// It evaluates cond on a snapshot now, then again after every change (an entry
// arriving, an entry updated or finished, a Reset), and returns true as soon as
// cond holds, false once ctx ends. No polling: it sleeps until the journal changes.
// cond runs on a copy, outside the journal's lock, so it may call the Server; it
// may miss intermediate states when several changes come at once, so a cond should
// test what is there (e.g. len(j.Refreshes()) >= 2), not wait for one exact step.
func (s *Server) WaitJournal(ctx context.Context, cond func(Journal) bool) bool {
	for {
		snap, changed := s.journal.watch()
		if cond(snap) {
			return true
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return false
		}
	}
}
