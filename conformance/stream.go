package conformance

import (
	"time"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// Stream is an event stream the client keeps open (feature sse), as a row drives it.
type Stream struct {
	s      *Session
	handle int64
	client cut.Streamer
}

// streamPoll is how often a wait asks the client what its stream received.
const streamPoll = 10 * time.Millisecond

// streamWait is the least a stream wait allows: a correct client that waits
// EventSource's 3 s before a reconnect, meets a 401, refreshes and waits again still
// gets there. A passing client costs nothing of it (the wait ends on success).
const streamWait = 8 * time.Second

// Subscribe has the client open its event stream at path (the row lists feature
// sse). It returns the stream and the subscribe's answer: a zero Reply once
// connected, or the final status or error of a stream that never connected.
func (s *Session) Subscribe(path string) (*Stream, cut.Reply) {
	s.needs(cut.FeatureSSE)
	c, ok := s.client.(cut.Streamer)
	if !ok {
		s.stop(HarnessError, "harness-error: the row subscribes with a client that has no streams (list feature sse on the row)")
	}
	t := time.Now()
	i := s.record(ReplyRecord{Cmd: "subscribe", Method: "GET", Path: path, SentMs: s.ms(t)})
	handle, r, err := c.Subscribe(s.ctx, path, 0)
	s.settle(i, r, err, time.Now())
	if err != nil {
		s.fault(err, "subscribe")
	}
	return &Stream{s: s, handle: handle, client: c}, r
}

// Events is what the stream received so far; a fault ends the scenario.
func (st *Stream) Events() cut.StreamEvents {
	ev, err := st.client.Events(st.s.ctx, st.handle)
	if err != nil {
		st.s.fault(err, "events")
	}
	return ev
}

// WaitEvents asks the client until its stream received at least n events or gave
// up, or the bound passes (streamWait: reconnects are spaced in real time, by
// EventSource's own default 1–3 s in browsers);
// it returns the last answer and whether n arrived.
func (st *Stream) WaitEvents(n int) (cut.StreamEvents, bool) {
	return st.waitFor(func(ev cut.StreamEvents) bool { return len(ev.Events) >= n || ev.StreamError != "" },
		func(ev cut.StreamEvents) bool { return len(ev.Events) >= n })
}

// WaitGivenUp asks the client until its stream reports a stream error, or the bound
// passes; it returns the last answer and whether the stream gave up.
func (st *Stream) WaitGivenUp() (cut.StreamEvents, bool) {
	return st.waitFor(func(ev cut.StreamEvents) bool { return ev.StreamError != "" },
		func(ev cut.StreamEvents) bool { return ev.StreamError != "" })
}

func (st *Stream) waitFor(done, ok func(cut.StreamEvents) bool) (cut.StreamEvents, bool) {
	limit := time.Now().Add(max(2*st.s.opts.HoldBound, streamWait))
	for {
		ev := st.Events()
		if done(ev) || time.Now().After(limit) || st.s.ctx.Err() != nil {
			return ev, ok(ev)
		}
		time.Sleep(streamPoll)
	}
}

// Unsubscribe closes the stream for good.
func (st *Stream) Unsubscribe() {
	t := time.Now()
	i := st.s.record(ReplyRecord{Cmd: "unsubscribe", SentMs: st.s.ms(t)})
	err := st.client.Unsubscribe(st.s.ctx, st.handle)
	st.s.settle(i, cut.Reply{}, err, time.Now())
	if err != nil {
		st.s.fault(err, "unsubscribe")
	}
}

// Connects are the stream's connects (GET fakeserver.PathEvents) in a journal.
func Connects(j fakeserver.Journal) fakeserver.Journal { return j.To("GET", fakeserver.PathEvents) }

// MaxConnectsPerSecond is the most connects in any one-second window of real time
// among the connects after the first (RC21 allows 3).
func MaxConnectsPerSecond(connects fakeserver.Journal) int {
	most := 0
	for i := 1; i < len(connects); i++ {
		n := 0
		for k := i; k < len(connects) && connects[k].RealOffsetMs-connects[i].RealOffsetMs < 1000; k++ {
			n++
		}
		most = max(most, n)
	}
	return most
}
