package fakeserver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// journalEvent is one journal stream event, its data decoded when it is an entry.
type journalEvent struct {
	sseEvent
	Entry fakeserver.Entry
}

// journalStream is an open GET /_tokenclock/journal/stream and how far a spec
// has read it.
type journalStream struct {
	*sseStream
	read  int
	hello struct {
		Server string `json:"server"`
		Resets int    `json:"resets"`
		Last   int    `json:"last"`
	}
}

// openJournalStream opens the stream with the query and headers ("Name: value").
func openJournalStream(h *controlHarness, query string, headers ...string) *journalStream {
	GinkgoHelper()
	s, r := openSSE(streamClient(), h.srv.URL()+fakeserver.ControlPrefix+"journal/stream"+query, headers...)
	Expect(r.Err).NotTo(HaveOccurred())
	Expect(r.Status).To(Equal(http.StatusOK))
	Expect(r.Header.Get("Content-Type")).To(Equal("text/event-stream"))
	js := &journalStream{sseStream: s}
	ev := js.next()
	Expect(ev.Event).To(Equal("journal"), "every connection opens with the journal event")
	Expect(json.Unmarshal([]byte(ev.Data), &js.hello)).To(Succeed())
	return js
}

// next is the next event, failing the spec after 5 s of real time.
func (s *journalStream) next() journalEvent {
	GinkgoHelper()
	Eventually(func() int { return len(s.Events()) }).WithTimeout(5 * time.Second).Should(BeNumerically(">", s.read))
	ev := journalEvent{sseEvent: s.Events()[s.read]}
	s.read++
	if ev.Event == "" || ev.Event == "update" {
		Expect(json.Unmarshal([]byte(ev.Data), &ev.Entry)).To(Succeed())
	}
	return ev
}

// nextNew is the next new entry, and the updates that came before it (a stream
// started after seq N first resends the entries up to N that may have changed).
func (s *journalStream) nextNew() (journalEvent, []fakeserver.Entry) {
	GinkgoHelper()
	var updates []fakeserver.Entry
	for {
		ev := s.next()
		if ev.Event != "update" {
			return ev, updates
		}
		updates = append(updates, ev.Entry)
	}
}

// nothingMore asserts no further event arrives for a short quiet period.
func (s *journalStream) nothingMore() {
	GinkgoHelper()
	Consistently(func() int { return len(s.Events()) }).WithTimeout(100 * time.Millisecond).Should(Equal(s.read))
}

// get sends a GET without credentials, which the journal records whatever the answer.
func (h *controlHarness) get(path string) {
	GinkgoHelper()
	Expect(h.do(http.MethodGet, path, "").Status).NotTo(BeZero())
}

var _ = Describe("the journal stream", func() {
	var h *controlHarness
	BeforeEach(func() { h = newControlHarness() })

	It("sends the journal so far, then each new entry, with id = seq", func() {
		h.get("/api/ideas")
		h.get("/api/ideas")
		s := openJournalStream(h, "")
		for _, want := range []string{"1", "2"} {
			ev := s.next()
			Expect(ev.Event).To(BeEmpty())
			Expect(ev.ID).To(Equal(want))
		}
		h.get("/api/ideas")
		var ev journalEvent
		for ev = s.next(); ev.Event == "update"; ev = s.next() {
		}
		Expect(ev.ID).To(Equal("3"))
		Expect(ev.Entry.Path).To(Equal("/api/ideas"))
	})

	It("sends a held request pending, and its answer as an update", func() {
		hold := h.srv.AddFault(fakeserver.Rule{Path: fakeserver.PathMe, Action: fakeserver.ActionHoldBefore})
		s := openJournalStream(h, "")
		done := make(chan int, 1)
		go func() {
			res, err := http.Get(h.srv.URL() + fakeserver.PathMe)
			if err == nil {
				res.Body.Close()
				done <- res.StatusCode
			}
		}()
		ev := s.next()
		Expect(ev.ID).To(Equal("1"))
		Expect(ev.Entry.Pending).To(BeTrue())
		hold.Release()
		Eventually(done).WithTimeout(5 * time.Second).Should(Receive(Equal(http.StatusUnauthorized)))
		var up journalEvent
		for up = s.next(); up.Entry.Pending; up = s.next() {
		}
		Expect(up.Event).To(Equal("update"))
		Expect(up.ID).To(BeEmpty(), "an update keeps Last-Event-ID at the newest seq")
		Expect(up.Entry.Seq).To(Equal(1))
		Expect(up.Entry.Status).To(Equal(http.StatusUnauthorized))
		Expect(up.Entry.Fault).To(Equal("hold"))
	})

	It("resumes after Last-Event-ID, resending what finished while the reader was away", func() {
		hold := h.srv.AddFault(fakeserver.Rule{Path: fakeserver.PathMe, Action: fakeserver.ActionHoldBefore})
		h.get("/api/ideas")
		go func() {
			if res, err := http.Get(h.srv.URL() + fakeserver.PathMe); err == nil {
				res.Body.Close()
			}
		}()
		Expect(h.srv.WaitJournal(context.Background(), func(j fakeserver.Journal) bool { return len(j) == 2 })).To(BeTrue())
		h.get("/api/ideas")
		// The reader saw 1, 2 (pending) and 3, then went away; 2 is answered meanwhile.
		hold.Release()
		Expect(h.srv.WaitJournal(context.Background(), func(j fakeserver.Journal) bool { return !j[1].Pending })).To(BeTrue())
		h.get("/api/ideas")

		s := openJournalStream(h, "", "Last-Event-ID: 3")
		ev, updates := s.nextNew()
		Expect(updates).NotTo(BeEmpty())
		Expect(updates[0].Seq).To(Equal(2), "seq 1 finished before 3 existed: the reader saw it final")
		Expect(updates[0].Pending).To(BeFalse())
		Expect(ev.ID).To(Equal("4"))
		s.nothingMore()
	})

	It("starts after ?after=N, and the header wins over it", func() {
		for range 3 {
			h.get("/api/ideas")
		}
		ev, _ := openJournalStream(h, "?after=2").nextNew()
		Expect(ev.ID).To(Equal("3"))
		ev, _ = openJournalStream(h, "?after=0", "Last-Event-ID: 1").nextNew()
		Expect(ev.ID).To(Equal("2"))
		r := h.do(http.MethodGet, fakeserver.ControlPrefix+"journal/stream?after=-1", "")
		Expect(r.Status).To(Equal(http.StatusBadRequest))
		Expect(r.Message()).To(ContainSubstring(`"after" must be a seq`))
	})

	It("says when the journal was reset, then carries the new journal from seq 1", func() {
		h.get("/api/ideas")
		s := openJournalStream(h, "")
		Expect(s.next().ID).To(Equal("1"))
		h.srv.Reset()
		Expect(s.next().Event).To(Equal("reset"))
		h.get("/api/ideas")
		ev := s.next()
		Expect(ev.ID).To(Equal("1"))
		Expect(ev.Entry.Path).To(Equal("/api/ideas"))

		By("a reader resuming from beyond the newest seq was away over a reset")
		r := openJournalStream(h, "", "Last-Event-ID: 9")
		Expect(r.next().Event).To(Equal("reset"))
		Expect(r.next().ID).To(Equal("1"))
	})

	It("sends a long journal whole, in order", func() {
		const n = 1200 // more than one batch
		for range n {
			h.get("/api/ideas")
		}
		s := openJournalStream(h, "")
		for i := 1; i <= n; i++ {
			Expect(s.next().ID).To(Equal(strconv.Itoa(i)))
		}
	})

	It("opens every connection naming the server and its resets, so a reader can tell a restart or a missed reset", func() {
		h.get("/api/ideas")
		first := openJournalStream(h, "")
		Expect(first.hello.Server).To(MatchRegexp(`^[0-9a-f]{12}$`))
		Expect(first.hello.Resets).To(Equal(0))
		Expect(first.hello.Last).To(Equal(1))
		Expect(openJournalStream(h, "").hello.Server).To(Equal(first.hello.Server), "the same server")

		h.srv.Reset()
		for range 3 {
			h.get("/api/ideas")
		}
		// Resuming after seq 1 of the old journal: the seqs exist again, so only the
		// journal event can say they are other requests.
		again := openJournalStream(h, "", "Last-Event-ID: 1")
		Expect(again.hello.Resets).To(Equal(1))
		Expect(again.hello.Server).To(Equal(first.hello.Server))

		other := newControlHarness()
		Expect(openJournalStream(other, "").hello.Server).NotTo(Equal(first.hello.Server), "another server")
	})

	It("is refused to a foreign web page like the rest of the control API", func() {
		r := h.do(http.MethodGet, fakeserver.ControlPrefix+"journal/stream", "", "Origin", "https://evil.example")
		Expect(r.Status).To(Equal(http.StatusForbidden))
	})

	It("ends when the server closes", func() {
		s := openJournalStream(h, "")
		h.srv.Close()
		Eventually(s.Ended).WithTimeout(5 * time.Second).Should(BeTrue())
	})
})
