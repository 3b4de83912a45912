package fakeserver

import (
	"errors"
	"net/http"
	"strconv"
	"time"
)

// streamWriteTimeout bounds each write to an event stream (real time): a client
// that stops reading is cut off once a write has waited this long, so DropStreams
// and Close never wait on it for ever. It replaces any server-wide write timeout,
// which would cut every stream at a fixed age.
// A variable only so an internal spec can shorten it.
var streamWriteTimeout = 10 * time.Second

// streamStart is what the events handler decided: the stream carries the events
// with ids after this one.
type streamStart struct {
	after int
}

// handleEvents authenticates like every protected resource, the token judged now,
// at connect, and never again: an open stream is not cut when its token expires
// (a real server checks a stream's credentials once). The stream replays the kept
// events after Last-Event-ID when that is a decimal id, then carries every new
// one; without one (or with one that is not a decimal id) it carries only events
// published from now on. An id beyond the newest counts as the newest.
func handleEvents(s *Server, rq *request) reply {
	if _, rp := s.authenticate(rq); rp != nil {
		return *rp
	}
	newest := s.events.lastID()
	after, ok := parseEventID(rq.r.Header.Get("Last-Event-ID"))
	if !ok || after > newest {
		after = newest
	}
	h := http.Header{}
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	// A stream that ends (DropStreams) ends its connection too: the client sees
	// what it would see when a proxy cuts it, and the socket is not reused.
	h.Set("Connection", "close")
	return reply{status: http.StatusOK, header: h, stream: &streamStart{after: after}}
}

// parseEventID reads a Last-Event-ID this server could have sent: decimal digits
// only, at most 18 of them (no overflow).
func parseEventID(v string) (int, bool) {
	if v == "" || len(v) > 18 || !allDigits(v) {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

// serveStream writes the stream's headers and then its events until it ends: the
// client goes away, DropStreams or Reset drops it, or the server closes. Its
// journal entry shows the 200 (Stream, still Pending) before the headers are
// written, and is finished before the response ends, with how many events were
// written: a client that sees its stream end finds its entry final.
func (s *Server) serveStream(w http.ResponseWriter, rq *request, rp reply) {
	sub := s.events.open()
	// Even if writing panics, DropStreams must not wait for this stream for ever.
	defer close(sub.done)
	defer s.events.leave(sub)
	rc := http.NewResponseController(w)
	// A stream outlives Options.ReadTimeout: if the read net/http keeps pending to
	// notice the client leaving timed out, the request's context would be cancelled.
	// net/http clears the deadline when it starts that read; clearing it here too
	// keeps streams from depending on that. Writes get deadlines of their own.
	_ = rc.SetReadDeadline(time.Time{})

	rq.extra.stream = true
	s.journal.update(rq.entry, func(e *Entry) {
		rq.copyInto(e)
		e.Status = http.StatusOK
		e.RespondedOffsetMs = s.realOffsetMs()
	})
	h := w.Header()
	for k, vs := range rp.header {
		h[k] = append([]string(nil), vs...)
	}
	_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	w.WriteHeader(http.StatusOK)
	ok := flushStream(rc)

	for cursor := rp.stream.after; ok; {
		evs, changed := s.events.after(cursor)
		if len(evs) > 0 {
			cursor = evs[len(evs)-1].id
			if ok = writeEvents(w, rc, rq, evs); !ok {
				break
			}
		}
		select {
		case <-changed:
		case <-sub.drop:
			ok = false
		case <-rq.r.Context().Done():
			ok = false
		case <-s.closing:
			ok = false
		}
	}

	// Left before the entry is final, so an OnRequest that drops streams does not
	// wait for this one.
	s.events.leave(sub)
	// net/http ends the body after this returns; give that write a deadline too.
	_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	rq.finished = true
	final := s.journal.update(rq.entry, func(e *Entry) {
		rq.copyInto(e)
		e.Pending = false
	})
	if s.opts.OnRequest != nil {
		s.opts.OnRequest(final)
	}
}

// writeEvents writes evs in the event-stream format, "id: 3\ndata: {"n":3}\n\n"
// each, and flushes them; false when the client can no longer be written to.
func writeEvents(w http.ResponseWriter, rc *http.ResponseController, rq *request, evs []streamEvent) bool {
	_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	var b []byte
	for _, ev := range evs {
		b = append(b, "id: "...)
		b = strconv.AppendInt(b, int64(ev.id), 10)
		b = append(b, "\ndata: "...)
		b = append(b, ev.data...)
		b = append(b, "\n\n"...)
	}
	if _, err := w.Write(b); err != nil {
		return false
	}
	if !flushStream(rc) {
		return false
	}
	rq.extra.streamEvents += len(evs)
	return true
}

// flushStream sends what is buffered; a writer that cannot flush (a recorder,
// Handler behind a buffering wrapper) is written to all the same.
func flushStream(rc *http.ResponseController) bool {
	err := rc.Flush()
	return err == nil || errors.Is(err, http.ErrNotSupported)
}
