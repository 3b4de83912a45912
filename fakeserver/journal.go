package fakeserver

import "sync"

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
}

func newJournal(limit int) *journal { return &journal{limit: limit} }

// push appends e (seq already set); the caller holds mu.
func (j *journal) push(e *Entry) {
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
	return *e
}

// reset empties the journal; seq starts again at 1.
func (j *journal) reset() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.ring, j.start, j.seq, j.dropped = nil, 0, 0, 0
}

func (j *journal) stats() (last, dropped int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.seq, j.dropped
}

// Journal returns a copy of every journal entry so far, in seq order, including
// requests still in flight (Pending). Body slices are shared, never mutated.
func (s *Server) Journal() Journal { return s.journal.snapshot() }
