package fakeserver_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// sseEvent is one event as a client parsed it (Event "" is a message).
type sseEvent struct{ Event, ID, Data string }

// sseStream is an open GET /api/events read in the background, line by line, the
// way an EventSource does.
type sseStream struct {
	Header http.Header
	cancel context.CancelFunc
	ended  chan struct{} // closed when the body ends (EOF or error)

	mu     sync.Mutex
	events []sseEvent
	err    error // why the body ended: nil for a clean end
}

// Events is what arrived so far.
func (s *sseStream) Events() []sseEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sseEvent(nil), s.events...)
}

// IDs is the ids of what arrived so far.
func (s *sseStream) IDs() []string {
	var ids []string
	for _, e := range s.Events() {
		ids = append(ids, e.ID)
	}
	return ids
}

// Ended reports whether the server ended the body.
func (s *sseStream) Ended() bool {
	select {
	case <-s.ended:
		return true
	default:
		return false
	}
}

// Close disconnects the client and waits for its reader to stop.
func (s *sseStream) Close() {
	s.cancel()
	<-s.ended
}

// streamClient has no overall timeout (it would cut a stream) and its own
// transport, closed after the spec so no idle connection outlives it.
func streamClient() *http.Client {
	tr := &http.Transport{}
	DeferCleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// openStream connects to /api/events with headers ("Name: value"); a non-200
// answer is returned read in full instead of a stream.
func (h *apiHarness) openStream(c *http.Client, headers ...string) (*sseStream, apiReply) {
	GinkgoHelper()
	return openStreamAt(c, h.srv.URL(), headers...)
}

// openStreamAt is openStream on the server at base.
func openStreamAt(c *http.Client, base string, headers ...string) (*sseStream, apiReply) {
	GinkgoHelper()
	return openSSE(c, base+fakeserver.PathEvents, headers...)
}

// openSSE opens any event stream at url (the events API, the journal stream).
func openSSE(c *http.Client, url string, headers ...string) (*sseStream, apiReply) {
	GinkgoHelper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	Expect(err).NotTo(HaveOccurred())
	for _, hv := range headers {
		k, v, _ := strings.Cut(hv, ":")
		req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := c.Do(req)
	if err != nil {
		cancel()
		return nil, apiReply{Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		defer cancel()
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return nil, apiReply{Status: resp.StatusCode, Header: resp.Header, Body: b, Err: err}
	}
	s := &sseStream{Header: resp.Header, cancel: cancel, ended: make(chan struct{})}
	go func() {
		defer close(s.ended)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		var ev sseEvent
		hasData := false
		for sc.Scan() {
			field, value, _ := strings.Cut(sc.Text(), ": ")
			switch field {
			case "event":
				ev.Event = value
			case "id":
				ev.ID = value
			case "data":
				ev.Data, hasData = value, true
			case "":
				// As an EventSource: a block without data (retry:, a comment) is
				// not an event.
				if hasData {
					s.mu.Lock()
					s.events = append(s.events, ev)
					s.mu.Unlock()
				}
				ev, hasData = sseEvent{}, false
			}
		}
		s.mu.Lock()
		s.err = sc.Err()
		s.mu.Unlock()
	}()
	DeferCleanup(s.Close)
	return s, apiReply{Status: resp.StatusCode, Header: resp.Header}
}

// publish publishes n events and returns the last id.
func (h *apiHarness) publish(n int) int {
	id := 0
	for range n {
		id = h.srv.PublishEvent()
	}
	return id
}

// eventIDs is "from".."to" as strings.
func eventIDs(from, to int) []string {
	var ids []string
	for i := from; i <= to; i++ {
		ids = append(ids, fmt.Sprint(i))
	}
	return ids
}

// streamEntries is the journal's GET /api/events entries.
func (h *apiHarness) streamEntries() fakeserver.Journal {
	return h.srv.Journal().To("GET", fakeserver.PathEvents)
}

var _ = Describe("Server-sent events", func() {
	var (
		h   *apiHarness
		ada apiSession
		c   *http.Client
	)
	BeforeEach(func() {
		h = newAPI(fakeserver.Options{ExposeControl: true})
		ada = h.seedUser()
		c = streamClient()
	})

	It("streams the events published after connecting, as id and data lines", func() {
		h.publish(2) // before the connect: not for this client
		s, r := h.openStream(c, bearer(ada.Access))
		Expect(r.Status).To(Equal(http.StatusOK))
		Expect(s.Header.Get("Content-Type")).To(Equal("text/event-stream"))
		Expect(s.Header.Get("Cache-Control")).To(Equal("no-store"))
		Expect(s.Header.Get("Content-Length")).To(BeEmpty())

		Expect(h.publish(3)).To(Equal(5))
		Eventually(s.Events).Should(Equal([]sseEvent{{ID: "3", Data: `{"n":3}`}, {ID: "4", Data: `{"n":4}`}, {ID: "5", Data: `{"n":5}`}}))

		e := h.streamEntries()[0]
		Expect(e.Status).To(Equal(http.StatusOK))
		Expect([]string{e.AccessToken, e.AccessState}).To(Equal([]string{"A0", fakeserver.StateValid}))
		Expect(e.Stream).To(BeTrue())
		Expect(e.Pending).To(BeTrue(), "open: pending until the stream ends")
		Expect(e.StreamEvents).To(Equal(0), "counted when the stream ends")
		Expect(e.AuthFailure).To(BeFalse())
		Expect(h.srv.Journal().InFlight()).To(BeEmpty(), "an open stream is not in flight")
		Expect(h.srv.Journal().Streams()).To(HaveLen(1))
		Expect(h.srv.Journal().ArrivedAfter(e)).To(BeEmpty())
		h.me(ada.Access)
		Expect(h.srv.Journal().ArrivedAfter(e)).To(HaveLen(1), "an open stream's response was written when it opened")
	})

	It("replays what it keeps after Last-Event-ID, then goes on live", func() {
		h.publish(5)
		s, r := h.openStream(c, bearer(ada.Access), "Last-Event-ID: 2")
		Expect(r.Status).To(Equal(http.StatusOK))
		Eventually(s.IDs).Should(Equal(eventIDs(3, 5)))
		h.publish(1)
		Eventually(s.IDs).Should(Equal(eventIDs(3, 6)))
		Expect(h.streamEntries()[0].LastEventID).To(Equal("2"))

		all, _ := h.openStream(c, bearer(ada.Access), "Last-Event-ID: 0")
		Eventually(all.IDs).Should(Equal(eventIDs(1, 6)))

		// Not an id this server sent (garbage, or beyond the newest): nothing
		// replayed, every new event carried.
		for _, v := range []string{"abc", "-1", "99999999999999999999", "1e3", "1000"} {
			odd, r := h.openStream(c, bearer(ada.Access), "Last-Event-ID: "+v)
			Expect(r.Status).To(Equal(http.StatusOK), v)
			id := h.publish(1)
			Eventually(odd.IDs).Should(Equal([]string{fmt.Sprint(id)}), v)
			Expect(h.streamEntries()[len(h.streamEntries())-1].LastEventID).To(Equal(v))
		}
	})

	It("keeps the newest EventReplayLimit events for replay", func() {
		last := h.publish(fakeserver.EventReplayLimit + 5)
		s, _ := h.openStream(c, bearer(ada.Access), "Last-Event-ID: 0")
		Eventually(func() int { return len(s.Events()) }).Should(Equal(fakeserver.EventReplayLimit))
		Expect(s.Events()[0].ID).To(Equal("6"))
		Expect(s.Events()[fakeserver.EventReplayLimit-1].ID).To(Equal(fmt.Sprint(last)))
	})

	It("drops every open stream on demand; the client sees the end and resumes", func() {
		a, _ := h.openStream(c, bearer(ada.Access))
		b, _ := h.openStream(c, bearer(ada.Access))
		h.publish(2)
		Eventually(a.IDs).Should(HaveLen(2))
		Eventually(b.IDs).Should(HaveLen(2))

		Expect(h.srv.DropStreams()).To(Equal(2))
		// Final once DropStreams returns: no wait needed.
		for _, e := range h.streamEntries() {
			Expect(e.Pending).To(BeFalse())
			Expect(e.Stream).To(BeTrue())
			Expect(e.Status).To(Equal(http.StatusOK))
			Expect(e.StreamEvents).To(Equal(2))
		}
		Eventually(a.Ended).Should(BeTrue())
		Eventually(b.Ended).Should(BeTrue())
		a.mu.Lock()
		Expect(a.err).NotTo(HaveOccurred(), "a clean end of the body")
		a.mu.Unlock()
		Expect(h.srv.DropStreams()).To(Equal(0))

		h.publish(2) // while nobody listens
		again, _ := h.openStream(c, bearer(ada.Access), "Last-Event-ID: 2")
		Eventually(again.IDs).Should(Equal(eventIDs(3, 4)))
	})

	It("publishes and drops through the control API", func() {
		s, _ := h.openStream(c, bearer(ada.Access))
		r := h.do("POST", fakeserver.ControlPrefix+"events/publish", nil)
		Expect(r.Status).To(Equal(http.StatusOK))
		Expect(string(r.Body)).To(Equal(`{"id":1}` + "\n"))
		Eventually(s.IDs).Should(Equal([]string{"1"}))

		r = h.do("POST", fakeserver.ControlPrefix+"events/drop", []byte(`{}`))
		Expect(r.Status).To(Equal(http.StatusOK))
		Expect(string(r.Body)).To(Equal(`{"dropped":1}` + "\n"))
		Eventually(s.Ended).Should(BeTrue())
		Expect(h.streamEntries()[0].StreamEvents).To(Equal(1))

		expectError(h.do("GET", fakeserver.ControlPrefix+"events/publish", nil), http.StatusMethodNotAllowed)
		Expect(h.streamEntries()).To(HaveLen(1), "control requests are not journalled")
	})

	It("judges the token at connect: expired is REST's 401, an open stream outlives its token", func() {
		open, _ := h.openStream(c, bearer(ada.Access))
		h.srv.ExpireAccess()

		_, r := h.openStream(c, bearer(ada.Access))
		expectError(r, http.StatusUnauthorized)
		Expect(r.Header.Get("WWW-Authenticate")).To(Equal(`Bearer error="invalid_token", error_description="the access token expired"`))
		e := h.last()
		Expect([]any{e.Path, e.AccessState, e.Stream, e.AuthFailure, e.Pending}).
			To(Equal([]any{fakeserver.PathEvents, fakeserver.StateExpired, false, true, false}))

		_, r = h.openStream(c)
		expectError(r, http.StatusUnauthorized)
		Expect(r.Header.Get("WWW-Authenticate")).To(Equal("Bearer"))

		h.publish(1)
		Eventually(open.IDs).Should(Equal([]string{"1"}), "the stream opened with a valid token goes on")
		Expect(open.Ended()).To(BeFalse())
	})

	It("is not cut by the connection's read timeout", func() {
		short := newAPI(fakeserver.Options{ReadTimeout: 200 * time.Millisecond})
		s, r := short.openStream(c, bearer(short.seedUser().Access))
		Expect(r.Status).To(Equal(http.StatusOK))
		Consistently(s.Ended, 600*time.Millisecond).Should(BeFalse())
		short.publish(1)
		Eventually(s.IDs).Should(Equal([]string{"1"}))
	})

	It("is not cut by a server-wide write timeout", func() {
		// HTTPServer sets none today; a stream must not depend on that.
		srv := fakeserver.New(fakeserver.Options{})
		hs := srv.HTTPServer(srv.Handler())
		hs.WriteTimeout = 200 * time.Millisecond
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		go func() { _ = hs.Serve(ln) }()
		DeferCleanup(func() { _ = hs.Close(); srv.Close() })
		_, err = srv.AddUser("Bo", "bo@example.com", "pw")
		Expect(err).NotTo(HaveOccurred())
		base := "http://" + ln.Addr().String()
		resp, err := c.Post(base+fakeserver.PathLogin, "application/json", strings.NewReader(`{"email":"bo@example.com","password":"pw"}`))
		Expect(err).NotTo(HaveOccurred())
		var login struct{ AccessToken string }
		Expect(json.NewDecoder(resp.Body).Decode(&login)).To(Succeed())
		resp.Body.Close()

		s, r := openStreamAt(c, base, bearer(login.AccessToken))
		Expect(r.Status).To(Equal(http.StatusOK))
		Consistently(s.Ended, 600*time.Millisecond).Should(BeFalse())
		srv.PublishEvent()
		Eventually(s.IDs).Should(Equal([]string{"1"}))
	})

	It("ends a stream whose client disconnects, and finishes its entry", func() {
		s, _ := h.openStream(c, bearer(ada.Access))
		h.publish(1)
		Eventually(s.IDs).Should(HaveLen(1))
		s.Close()
		Eventually(func() bool { return h.streamEntries()[0].Pending }).Should(BeFalse())
		Expect(h.streamEntries()[0].StreamEvents).To(Equal(1))
		Expect(h.srv.DropStreams()).To(Equal(0))
	})

	It("ends streams on Reset and forgets the kept events; ids never repeat", func() {
		s, _ := h.openStream(c, bearer(ada.Access))
		h.publish(3)
		Eventually(s.IDs).Should(HaveLen(3))
		h.srv.Reset()
		Eventually(s.Ended).Should(BeTrue())

		ada = h.seedUser()
		again, _ := h.openStream(c, bearer(ada.Access), "Last-Event-ID: 0")
		Expect(h.srv.PublishEvent()).To(Equal(4))
		Eventually(again.IDs).Should(Equal([]string{"4"}))
	})

	It("goes through fault rules like every route", func() {
		hold := h.srv.AddFault(fakeserver.Rule{Method: "GET", Path: fakeserver.PathEvents, Times: 1, Action: fakeserver.ActionHoldBefore})
		opened := make(chan *sseStream, 1)
		go func() {
			defer GinkgoRecover()
			s, _ := h.openStream(c, bearer(ada.Access))
			opened <- s
		}()
		waitHeld(hold, 1)
		h.publish(1) // while held: before the stream's connect is handled
		hold.Release()
		var s *sseStream
		Eventually(opened).Should(Receive(&s))
		Expect(s).NotTo(BeNil())
		h.publish(1)
		Eventually(s.IDs).Should(Equal([]string{"2"}))
		Expect(h.streamEntries()[0].Fault).To(Equal("hold"))

		h.srv.AddFault(fakeserver.Rule{Path: fakeserver.PathEvents, Times: 1, Action: fakeserver.ActionStatus, Status: 503})
		_, r := h.openStream(c, bearer(ada.Access))
		expectError(r, http.StatusServiceUnavailable)
		Expect(h.last().AuthFailure).To(BeFalse())

		h.srv.AddFault(fakeserver.Rule{Path: fakeserver.PathEvents, Times: 1, Action: fakeserver.ActionStatus, Status: 401})
		_, r = h.openStream(c, bearer(ada.Access))
		expectError(r, http.StatusUnauthorized)
		Expect(r.Header.Get("WWW-Authenticate")).To(ContainSubstring("the access token was revoked"))
		Expect([]any{h.last().Fault, h.last().AuthFailure}).To(Equal([]any{"status", true}))

		h.srv.AddFault(fakeserver.Rule{Path: fakeserver.PathEvents, Times: 1, Action: fakeserver.ActionReset})
		// A fresh connection: net/http's client retries a GET reset on a reused one.
		fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		_, r = h.openStream(fresh, bearer(ada.Access))
		Expect(r.Err).To(HaveOccurred())
		Eventually(func() fakeserver.Entry { return h.last() }).Should(And(
			HaveField("Fault", "reset"), HaveField("Status", 0), HaveField("Pending", false)))
	})

	It("answers only GET, and allows Last-Event-ID in a CORS preflight", func() {
		r := h.do("POST", fakeserver.PathEvents, nil, bearer(ada.Access))
		expectError(r, http.StatusMethodNotAllowed)
		Expect(r.Header.Get("Allow")).To(Equal("GET"))

		cors := newAPI(fakeserver.Options{CORSOrigin: "http://app.test"})
		r = cors.do("OPTIONS", fakeserver.PathEvents, nil, "Origin: http://app.test")
		Expect(r.Status).To(Equal(http.StatusNoContent))
		Expect(r.Header.Get("Access-Control-Allow-Headers")).To(Equal("Authorization, Content-Type, X-Tokenclock-Instance, Last-Event-ID"))
		r = cors.do("OPTIONS", fakeserver.PathMe, nil, "Origin: http://app.test")
		Expect(r.Header.Get("Access-Control-Allow-Headers")).To(Equal("Authorization, Content-Type, X-Tokenclock-Instance"))
	})

	It("ends every stream on Close, finishing their entries, and leaks no goroutine", func() {
		baseline := gleak.Goroutines()
		srv := newAPI(fakeserver.Options{})
		tr := &http.Transport{}
		local := &http.Client{Transport: tr}
		bo := srv.seedUser()
		var streams []*sseStream
		for range 3 {
			s, r := srv.openStream(local, bearer(bo.Access))
			Expect(r.Status).To(Equal(http.StatusOK))
			streams = append(streams, s)
		}
		srv.publish(2)
		for _, s := range streams {
			Eventually(s.IDs).Should(HaveLen(2))
		}
		srv.srv.Close()
		for _, s := range streams {
			Eventually(s.Ended).Should(BeTrue())
		}
		for _, e := range srv.streamEntries() {
			Expect([]any{e.Pending, e.Status, e.StreamEvents}).To(Equal([]any{false, http.StatusOK, 2}))
		}
		tr.CloseIdleConnections()
		srv.client.CloseIdleConnections()
		Eventually(gleak.Goroutines).WithTimeout(3 * time.Second).ShouldNot(gleak.HaveLeaked(baseline))
	})
})
