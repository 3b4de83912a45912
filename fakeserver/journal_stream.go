package fakeserver

import (
	"bufio"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// The journal stream (GET /_tokenclock/journal/stream) carries the journal as
// Server-Sent Events, for the web console and for scripts:
//
//	id: 12                     a new entry: id is its seq, data its JSON
//	data: {"seq":12,...}
//
//	event: update              an entry sent before changed (a pending request
//	data: {"seq":9,...}        was answered); no id, so Last-Event-ID stays the
//	                           newest seq sent
//
//	event: reset               the journal was reset: seq starts again at 1;
//	data: {"resets":1}         resets counts them, as the journal event does
//
//	event: journal             first on every connection: which server and which
//	data: {"server":"…",...}   journal (resets so far) the ids count in
//
// Ids are bare seqs, and seqs start again after a reset or on another server, so a
// resuming reader that kept the journal event of its last connection compares it:
// a different server or reset count means it missed a reset and must start over.
// A new entry is sent once it arrives, usually still pending; its final state
// follows as an update. A reader that reconnects with Last-Event-ID N (an
// EventSource does so by itself) gets the entries after N and, as updates, those
// at or below N that may have changed since it last saw them. ?after=N starts the
// same way without the header (after=0, the default, sends the whole journal
// first); the header wins when both are present. Entries the bounded journal
// dropped before they were sent are not sent.

const (
	// streamBatch is how many entries one wake-up copies under the journal lock:
	// a long journal is sent a piece at a time, and a slow reader holds nothing.
	streamBatch = 500
	// journalStreamKeepalive is the real-time gap after which an idle stream sends
	// a comment line, so proxies and the reader's own timeouts see it alive.
	journalStreamKeepalive = 15 * time.Second
)

// streamCursor is what one journal stream has sent.
type streamCursor struct {
	epoch  int
	after  int            // the newest seq sent as a new entry
	open   map[int]uint64 // seq → version sent, for entries sent while pending
	newest int            // the journal's newest seq when the stream started
}

// journalHello is the data of the journal event that opens every connection.
type journalHello struct {
	// Server identifies this server process (random, fixed at New).
	Server string `json:"server"`
	// Resets counts the journal's resets: with Server, it names the journal the
	// ids count in.
	Resets int `json:"resets"`
	// Last is the newest seq when the stream started (0: empty journal).
	Last int `json:"last"`
}

// streamBatchOut is one wake-up's worth of events.
type streamBatchOut struct {
	reset   bool
	updates Journal
	fresh   Journal
}

func (b streamBatchOut) empty() bool {
	return !b.reset && len(b.updates) == 0 && len(b.fresh) == 0
}

// resumeCursor starts a stream after seq lastID. A lastID beyond the newest seq
// was sent before a reset: the reader is told so and gets the whole journal. The
// entries at or below lastID that are pending, or that finished once lastID
// existed, are marked unsent so the first batch carries their current state.
func (j *journal) resumeCursor(lastID int) (streamCursor, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	c := streamCursor{epoch: j.epoch, after: lastID, open: map[int]uint64{}, newest: j.seq}
	if lastID > j.seq {
		c.after = 0
		return c, lastID > 0
	}
	for i := range j.n {
		sl := j.ring[(j.head+i)%len(j.ring)]
		if sl.e.Seq > lastID {
			break
		}
		if sl.e.Pending || sl.doneAt >= lastID {
			c.open[sl.e.Seq] = 0 // never a slot's version: sent in the next batch
		}
	}
	return c, false
}

// streamNext copies what c has not sent yet: a reset, the changed entries it sent
// while pending, and up to n new entries. It also returns the channel the next
// change closes, taken under the same lock, so no change falls between them.
func (j *journal) streamNext(c *streamCursor, n int) (streamBatchOut, <-chan struct{}) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.watched = true
	var out streamBatchOut
	if c.epoch != j.epoch {
		c.epoch, c.after, out.reset = j.epoch, 0, true
		clear(c.open)
	}
	first := 0
	if j.n > 0 {
		first = j.ring[j.head].e.Seq
	}
	for seq, sent := range c.open {
		if j.n == 0 || seq < first || seq > c.after {
			delete(c.open, seq) // dropped from the ring
			continue
		}
		sl := j.ring[(j.head+seq-first)%len(j.ring)]
		if sl.ver == sent {
			continue
		}
		out.updates = append(out.updates, sl.e)
		if sl.e.Pending {
			c.open[seq] = sl.ver
		} else {
			delete(c.open, seq)
		}
	}
	// Map order is random; readers expect the journal's order.
	slices.SortFunc(out.updates, func(a, b Entry) int { return a.Seq - b.Seq })
	for i := max(c.after+1-first, 0); j.n > 0 && i < j.n && len(out.fresh) < n; i++ {
		sl := j.ring[(j.head+i)%len(j.ring)]
		out.fresh = append(out.fresh, sl.e)
		c.after = sl.e.Seq
		if sl.e.Pending {
			c.open[sl.e.Seq] = sl.ver
		}
	}
	return out, j.changed
}

// controlJournalStream serves the journal stream until the reader goes away or
// the server closes; Reset does not end it (it sends a reset event).
func controlJournalStream(s *Server, w http.ResponseWriter, r *http.Request) {
	lastID, ok := parseEventID(r.Header.Get("Last-Event-ID"))
	if !ok {
		q := r.URL.Query().Get("after")
		if lastID, ok = parseEventID(q); !ok && q != "" {
			writeControlError(w, http.StatusBadRequest, `"after" must be a seq: a whole number 0 or more`)
			return
		}
	}
	rc := http.NewResponseController(w)
	// A stream outlives the server's read timeout (as the events stream does).
	_ = rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	bw := bufio.NewWriterSize(w, 32<<10)
	// Every batch gets its own deadline before its first byte: a batch bigger than
	// the buffer writes to the connection before its flush, and must not inherit the
	// deadline of a flush long ago (the stream may have been quiet for minutes).
	deadline := func() { _ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout)) }
	flush := func() bool { return bw.Flush() == nil && rc.Flush() == nil }
	deadline()
	// A reconnecting EventSource waits this long (ms) before trying again.
	_, _ = bw.WriteString("retry: 1000\n\n")
	cur, wasReset := s.journal.resumeCursor(lastID)
	hello, _ := json.Marshal(journalHello{Server: s.id, Resets: cur.epoch, Last: cur.newest})
	writeStreamEvent(bw, "journal", "", hello)
	if wasReset {
		writeStreamEvent(bw, "reset", "", resetData(cur.epoch))
	}
	if !flush() {
		return
	}
	keepalive := time.NewTicker(journalStreamKeepalive)
	defer keepalive.Stop()
	for {
		batch, changed := s.journal.streamNext(&cur, streamBatch)
		if !batch.empty() {
			deadline()
			if batch.reset {
				writeStreamEvent(bw, "reset", "", resetData(cur.epoch))
			}
			for i := range batch.updates {
				b, _ := json.Marshal(&batch.updates[i]) // an Entry always marshals
				writeStreamEvent(bw, "update", "", b)
			}
			for i := range batch.fresh {
				b, _ := json.Marshal(&batch.fresh[i])
				writeStreamEvent(bw, "", strconv.Itoa(batch.fresh[i].Seq), b)
			}
			if !flush() {
				return
			}
			continue
		}
		select {
		case <-changed:
		case <-keepalive.C:
			deadline()
			_, _ = bw.WriteString(": keepalive\n\n")
			if !flush() {
				return
			}
		case <-r.Context().Done():
			return
		case <-s.closing:
			return
		}
	}
}

// resetData is a reset event's data: how many resets the journal has had.
func resetData(resets int) []byte { return []byte(`{"resets":` + strconv.Itoa(resets) + `}`) }

// writeStreamEvent writes one event; data is one line of JSON (json.Marshal
// escapes line breaks inside strings), so it needs one data: field.
func writeStreamEvent(bw *bufio.Writer, event, id string, data []byte) {
	if event != "" {
		_, _ = bw.WriteString("event: " + event + "\n")
	}
	if id != "" {
		_, _ = bw.WriteString("id: " + id + "\n")
	}
	_, _ = bw.WriteString("data: ")
	_, _ = bw.Write(data)
	_, _ = bw.WriteString("\n\n")
}
