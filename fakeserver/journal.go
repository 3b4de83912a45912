package fakeserver

import (
	"context"
	"sync"
)

// journal is the bounded record of every API request: a ring that drops the
// oldest entries beyond its entry limit or its byte budget and counts them. Entries
// live in slots so a request can finish its own entry; every read and write happens
// under mu, and readers only ever get copies.
type journal struct {
	mu       sync.Mutex
	limit    int // entries
	maxBytes int // JournalMaxBytes
	ring     []*journalSlot
	head, n  int // the oldest slot is ring[head]; n slots are in use
	bytes    int // the sizes of the slots in the ring
	seq      int
	dropped  int
	// version counts changes (an entry pushed or updated); each slot keeps the
	// version of its last change, so a journal stream sends an entry again only
	// when it changed (journal_stream.go). epoch counts resets.
	version uint64
	epoch   int

	// changed is closed (and replaced) by the next change, when a waiter took it:
	// WaitJournal sleeps on it instead of polling. Untaken, it stays as it is, so
	// the request path allocates nothing for waiters that do not exist.
	changed chan struct{}
	watched bool
}

// journalSlot is one entry and what the byte budget counts for it.
type journalSlot struct {
	e    Entry
	size int
	gone bool // dropped from the ring: its later updates count for nothing
	ver  uint64
	// doneAt is the journal's last seq when the entry stopped being Pending: a
	// stream resuming after seq N resends the entries at or below N that finished
	// once N existed, which its reader may have seen pending.
	doneAt int
}

func newJournal(o Options) *journal {
	return &journal{limit: o.JournalLimit, maxBytes: o.JournalMaxBytes, changed: make(chan struct{})}
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
func (j *journal) watch(buf Journal) (Journal, <-chan struct{}) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.watched = true
	if cap(buf) < j.n {
		buf = make(Journal, 0, 2*j.n) // room for the journal to double before the next copy
	}
	return j.appendLocked(buf[:0]), j.changed
}

// push appends a slot (seq already set); the caller holds mu.
func (j *journal) push(sl *journalSlot) {
	defer j.notify()
	if j.n == j.limit {
		j.dropOldest()
	}
	if j.n == len(j.ring) {
		j.grow()
	}
	j.ring[(j.head+j.n)%len(j.ring)] = sl
	j.version++
	sl.ver = j.version
	j.n++
	sl.size = entrySize(&sl.e)
	j.bytes += sl.size
	j.trim()
}

// grow doubles the ring (up to the entry limit), oldest first.
func (j *journal) grow() {
	size := min(max(2*len(j.ring), 64), j.limit)
	ring := make([]*journalSlot, size)
	for i := range j.n {
		ring[i] = j.ring[(j.head+i)%len(j.ring)]
	}
	j.ring, j.head = ring, 0
}

// dropOldest removes the oldest slot and counts it; the caller holds mu.
func (j *journal) dropOldest() {
	sl := j.ring[j.head]
	j.ring[j.head] = nil
	j.head = (j.head + 1) % len(j.ring)
	j.n--
	j.bytes -= sl.size
	sl.gone = true
	j.dropped++
}

// trim drops the oldest slots while the journal is over its byte budget, always
// keeping the newest entry.
func (j *journal) trim() {
	for j.bytes > j.maxBytes && j.n > 1 {
		j.dropOldest()
	}
}

// snapshot copies every entry in seq order, pending ones included.
func (j *journal) snapshot() Journal {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.copyLocked()
}

// copyLocked copies every entry in seq order; the caller holds mu.
func (j *journal) copyLocked() Journal {
	return j.appendLocked(make(Journal, 0, j.n))
}

// appendLocked appends every entry, oldest first, to out; the caller holds mu.
func (j *journal) appendLocked(out Journal) Journal {
	for i := range j.n {
		out = append(out, j.ring[(j.head+i)%len(j.ring)].e)
	}
	return out
}

// chunk copies up to n entries with after < seq <= upTo, in seq order (the seqs in
// the ring are consecutive), so a long journal can be read a piece at a time.
func (j *journal) chunk(after, upTo, n int) Journal {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.n == 0 {
		return nil
	}
	i := max(after+1-j.ring[j.head].e.Seq, 0)
	out := make(Journal, 0, min(n, j.n))
	for ; i < j.n && len(out) < n; i++ {
		sl := j.ring[(j.head+i)%len(j.ring)]
		if sl.e.Seq > upTo {
			break
		}
		out = append(out, sl.e)
	}
	return out
}

// update applies fn to a slot's entry under the lock and re-counts its size (it
// may have been dropped from the ring already; the update is then harmless).
func (j *journal) update(sl *journalSlot, fn func(*Entry)) Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	wasPending := sl.e.Pending
	fn(&sl.e)
	j.version++
	sl.ver = j.version
	if wasPending && !sl.e.Pending {
		sl.doneAt = j.seq
	}
	if !sl.gone {
		size := entrySize(&sl.e)
		j.bytes += size - sl.size
		sl.size = size
		j.trim()
	}
	j.notify()
	return sl.e
}

// reset empties the journal; seq starts again at 1.
func (j *journal) reset() {
	j.mu.Lock()
	defer j.mu.Unlock()
	for i := range j.n {
		j.ring[(j.head+i)%len(j.ring)].gone = true
	}
	j.ring, j.head, j.n, j.bytes, j.seq, j.dropped = nil, 0, 0, 0, 0, 0
	j.epoch++
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

// JournalRange returns a copy of the entries with from <= seq <= to, at most
// JournalRangeMax of them (the first ones), in seq order: a window of a long journal
// without copying the rest. Entries the bounded journal dropped are absent.
func (s *Server) JournalRange(from, to int) Journal {
	if to < from {
		return nil
	}
	return s.journal.chunk(max(from, 1)-1, to, min(to-max(from, 1)+1, JournalRangeMax))
}

// JournalRangeMax bounds what one JournalRange copies.
const JournalRangeMax = 10_000

// WaitJournal reports whether cond came to hold on the journal before ctx ended.
// It evaluates cond on a snapshot now, then again after every change (an entry
// arriving, an entry updated or finished, a Reset), and returns true as soon as
// cond holds, false once ctx ends. No polling: it sleeps until the journal changes.
// cond runs on a copy, outside the journal's lock, so it may call the Server; it
// may miss intermediate states when several changes come at once, so a cond should
// test what is there (e.g. len(j.Refreshes()) >= 2), not wait for one exact step.
// cond must not keep j (or a slice of it) after it returns: the snapshots come
// from one JournalWatcher.
func (s *Server) WaitJournal(ctx context.Context, cond func(Journal) bool) bool {
	w := s.WatchJournal()
	for {
		snap, changed := w.Next()
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

// JournalWatcher takes successive snapshots of a server's journal into one reused
// buffer, for a waiter that re-checks a condition on every change: a 5000-caller
// gate changes the journal 10 000 times, and a fresh copy per change was most of
// such a run's allocations.
type JournalWatcher struct {
	s    *Server
	snap Journal
}

// WatchJournal returns a watcher of the journal.
func (s *Server) WatchJournal() *JournalWatcher { return &JournalWatcher{s: s} }

// Next returns a snapshot of the journal and a channel closed at the next change
// after it. The snapshot is valid until the next call of Next: keep a copy
// (slices.Clone), not the snapshot.
func (w *JournalWatcher) Next() (Journal, <-chan struct{}) {
	var changed <-chan struct{}
	w.snap, changed = w.s.journal.watch(w.snap)
	return w.snap, changed
}
