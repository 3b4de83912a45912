package fakeserver

import (
	"strconv"
	"sync"
)

// Server-sent events (GET PathEvents, events_stream.go) exist so scenarios can test
// how a client keeps a long-lived authenticated stream: connect with a Bearer
// token, resume with Last-Event-ID after a drop. Events are published only by the
// harness (PublishEvent, POST /_tokenclock/events/publish), never by a timer, so a
// scenario decides exactly what each stream carries.

// EventReplayLimit is how many of the newest events the server keeps to replay to
// a stream that resumes with Last-Event-ID; older ones are forgotten, and a resume
// from before them gets what is kept.
const EventReplayLimit = 1000

// streamEvent is one published event: its id and its data line.
type streamEvent struct {
	id   int
	data string
}

// eventHub keeps the published events for replay and the open streams. Event ids
// are consecutive, so the kept events are the ids first..last, each at
// ring[id%EventReplayLimit].
type eventHub struct {
	mu    sync.Mutex
	last  int // id of the newest event ever published: ids are never reused
	first int // id of the oldest event kept; first > last when none is
	ring  [EventReplayLimit]streamEvent

	// changed is closed (and replaced) by every publish: open streams sleep on it.
	changed chan struct{}
	// streams are the open streams, each with the channel that drops it.
	streams map[*streamSub]struct{}
}

// streamSub is one open stream as the hub sees it.
type streamSub struct {
	drop chan struct{} // closed by DropStreams (or Reset): the stream ends
	done chan struct{} // closed by the stream once its journal entry is final (and OnRequest called)
}

func newEventHub() *eventHub {
	return &eventHub{first: 1, changed: make(chan struct{}), streams: map[*streamSub]struct{}{}}
}

// PublishEvent publishes the next event to every open stream and keeps it for
// replay; it returns the event's id (1, 2, … over the server's life: a Reset does
// not restart them, as a client keeps its Last-Event-ID across one and must never
// take a new event for one it has seen). The event's data is {"n":<id>}.
func (s *Server) PublishEvent() int { return s.events.publish() }

// DropStreams ends every open event stream, as a proxy or a restart would: each
// client sees its response end and the connection close, and must reconnect
// (with Last-Event-ID, to get what it missed). It returns how many it ended, once
// their journal entries are final (no longer Pending).
func (s *Server) DropStreams() int { return s.events.dropAll() }

func (h *eventHub) publish() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last++
	h.ring[h.last%EventReplayLimit] = streamEvent{id: h.last, data: `{"n":` + strconv.Itoa(h.last) + `}`}
	if h.last-h.first >= EventReplayLimit {
		h.first = h.last - EventReplayLimit + 1
	}
	close(h.changed)
	h.changed = make(chan struct{})
	return h.last
}

// lastID is the newest event's id (0 before any): a stream that does not resume
// starts after it.
func (h *eventHub) lastID() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// after copies the kept events with id > cursor, oldest first, and returns the
// channel the next publish closes, under one lock so no event falls between them.
func (h *eventHub) after(cursor int) ([]streamEvent, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []streamEvent
	for id := max(cursor+1, h.first); id <= h.last; id++ {
		out = append(out, h.ring[id%EventReplayLimit])
	}
	return out, h.changed
}

// open registers a stream.
func (h *eventHub) open() *streamSub {
	sub := &streamSub{drop: make(chan struct{}), done: make(chan struct{})}
	h.mu.Lock()
	h.streams[sub] = struct{}{}
	h.mu.Unlock()
	return sub
}

// leave unregisters a stream that is ending on its own (client gone, Close), so
// DropStreams no longer counts or waits for it.
func (h *eventHub) leave(sub *streamSub) {
	h.mu.Lock()
	delete(h.streams, sub)
	h.mu.Unlock()
}

// dropAll ends every open stream and waits until each has finished its journal
// entry. The waits cannot hang: a dropped stream stops at once, unless it is
// writing to a client that does not read, which streamWriteTimeout bounds.
func (h *eventHub) dropAll() int {
	h.mu.Lock()
	subs := make([]*streamSub, 0, len(h.streams))
	for sub := range h.streams {
		subs = append(subs, sub)
		close(sub.drop)
	}
	clear(h.streams)
	h.mu.Unlock()
	for _, sub := range subs {
		<-sub.done
	}
	return len(subs)
}

// reset ends every open stream and forgets the kept events; ids go on from last.
func (h *eventHub) reset() {
	h.dropAll()
	h.mu.Lock()
	h.first = h.last + 1
	h.mu.Unlock()
}
