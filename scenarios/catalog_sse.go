package scenarios

import (
	"fmt"
	"strings"
	"time"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// streams is the SSE family: a long-lived, authenticated event stream (Server-Sent
// Events, the Bearer token checked at connect). The symptoms: a stream that
// reconnects with the token it captured when it started and is refused forever; a
// reconnect that forgets Last-Event-ID and loses what was sent meanwhile; a refused
// refresh that turns into a reconnect storm instead of an error the app can show.
func streams() []conformance.Scenario {
	return []conformance.Scenario{
		{
			ID: "SSE-01", Title: "after a refresh, a dropped stream reconnects with the new token and loses no event",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC21}, Family: "sse",
			Features: []string{cut.FeatureSSE},
			Play: func(s *conformance.Session) {
				st := subscribed(s)
				publish(s, st, 2)
				s.Expire()
				mark := s.Mark()
				s.ExpectCaller(s.Send(GetMe()), 200, conformance.RC21)
				fresh := conformance.IssuedBy(s.Since(mark))
				dropped := s.Mark()
				s.Server.DropStreams()
				publish(s, nil, 2) // while the stream is down
				ev, _ := st.WaitEvents(4)
				connects := conformance.Connects(s.Since(dropped))
				s.Check(len(connects) >= 1 && connects[0].AccessToken == fresh && connects[0].Status == 200, conformance.RC21,
					"the reconnect carries "+conformance.OrNew(fresh)+" and is accepted", "%s", conformance.TokenList(connects))
				expectAllEvents(s, ev, 4)
				st.Unsubscribe()
			},
		},
		{
			ID: "SSE-02", Title: "a stream dropped after its token expired gets one refresh and reconnects, losing no event",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC21}, Family: "sse",
			Features: []string{cut.FeatureSSE},
			Play: func(s *conformance.Session) {
				st := subscribed(s)
				publish(s, st, 1)
				s.Expire()
				dropped := s.Mark()
				s.Server.DropStreams()
				publish(s, nil, 2)
				ev, _ := st.WaitEvents(3)
				phase := s.Since(dropped)
				s.ExpectRefreshes(phase, 1, conformance.RC21)
				connects := conformance.Connects(phase)
				fresh := conformance.IssuedBy(phase)
				last := fakeserver.Entry{}
				if len(connects) > 0 {
					last = connects[len(connects)-1]
				}
				s.Check(fresh != "" && last.AccessToken == fresh && last.Status == 200, conformance.RC21,
					"the stream reconnects with "+conformance.OrNew(fresh)+" after the refresh", "%s", conformance.TokenList(connects))
				expectCalmReconnects(s, connects)
				expectAllEvents(s, ev, 3)
				st.Unsubscribe()
			},
		},
		{
			ID: "SSE-03", Title: "a stream whose refresh is refused ends with an error the caller sees, without a reconnect storm",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC21}, Family: "sse",
			Features: []string{cut.FeatureSSE},
			Play: func(s *conformance.Session) {
				st := subscribed(s)
				publish(s, st, 1)
				s.Server.ExpireRefresh() // the access token dies with it: the refresh is refused
				dropped := s.Mark()
				s.Server.DropStreams()
				ev, gaveUp := st.WaitGivenUp()
				// A stream that reports giving up and still reconnects shows within two
				// reconnect periods (a client spacing reconnects at most 3 a second).
				gaveUpAt := s.Mark()
				time.Sleep(700 * time.Millisecond)
				after := conformance.Connects(s.Since(gaveUpAt))
				s.Check(len(after) == 0, conformance.RC21, "no connect after the stream gave up", "%s", conformance.TokenList(after))
				ev2 := st.Events()
				phase := s.Since(dropped)
				s.Check(gaveUp && !ev2.Open, conformance.RC21, "the stream ends with a stream error", "open %v, streamError %q", ev2.Open, ev.StreamError)
				s.ExpectAtMostRefreshes(phase, 1, conformance.RC21)
				connects := conformance.Connects(phase)
				s.Check(len(connects) <= 3, conformance.RC21, "at most 3 connects after the drop (no reconnect storm)",
					"%d connects: %s", len(connects), conformance.TokenList(connects))
				st.Unsubscribe()
			},
		},
	}
}

// subscribed opens the client's stream at /api/events; a stream that never connects
// fails the row.
func subscribed(s *conformance.Session) *conformance.Stream {
	st, r := s.Subscribe(fakeserver.PathEvents)
	if r.Error != "" || r.Status != 0 && r.Status != 200 {
		s.Findf(conformance.RC21, "the stream connects with the fresh token", "%s", conformance.ReplyText(r))
		s.Abandon()
	}
	return st
}

// publish has the server publish n events; with st, it waits until the stream
// received every event published so far (so the row knows what arrived while it was
// connected).
func publish(s *conformance.Session, st *conformance.Stream, n int) {
	last := 0
	for range n {
		last = s.Server.PublishEvent()
	}
	if st != nil {
		st.WaitEvents(last)
	}
}

// expectAllEvents checks the stream received exactly the first n events the server
// published, in order, none twice.
func expectAllEvents(s *conformance.Session, ev cut.StreamEvents, n int) {
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf(`{"n":%d}`, i+1)
	}
	s.Check(strings.Join(ev.Events, " ") == strings.Join(want, " "), conformance.RC21,
		fmt.Sprintf("every event once, in order (%d events)", n), "%s (stream error %q)", strings.Join(ev.Events, " "), ev.StreamError)
}

// expectCalmReconnects checks RC21's pace: at most 3 connects in any one second
// after the first.
func expectCalmReconnects(s *conformance.Session, connects fakeserver.Journal) {
	most := conformance.MaxConnectsPerSecond(connects)
	s.Check(most <= 3, conformance.RC21, "at most 3 reconnects per second", "%d in one second: %s", most, conformance.TokenList(connects))
}
