package fakeserver_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// waitJournal is WaitJournal with a bound, so a missed wake-up fails the spec
// instead of hanging it.
func waitJournal(srv *fakeserver.Server, bound time.Duration, cond func(fakeserver.Journal) bool) bool {
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	return srv.WaitJournal(ctx, cond)
}

var _ = Describe("WaitJournal", func() {
	var (
		h   *apiHarness
		ada apiSession
	)
	BeforeEach(func() {
		h = newAPI(fakeserver.Options{})
		ada = h.seedUser()
	})

	It("returns true at once when cond already holds, even with ctx over", func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		Expect(h.srv.WaitJournal(ctx, func(j fakeserver.Journal) bool { return len(j) == 1 })).To(BeTrue())
	})

	It("returns false when ctx ends first, having evaluated cond only once without a change (no polling)", func() {
		var calls atomic.Int32
		start := time.Now()
		Expect(waitJournal(h.srv, 100*time.Millisecond, func(fakeserver.Journal) bool {
			calls.Add(1)
			return false
		})).To(BeFalse())
		Expect(time.Since(start)).To(BeNumerically(">=", 100*time.Millisecond))
		Expect(calls.Load()).To(Equal(int32(1)))
	})

	It("a JournalWatcher's snapshots follow the journal in one buffer, each with a channel closed at the next change", func() {
		w := h.srv.WatchJournal()
		first, changed := w.Next()
		Expect(first).To(HaveLen(1))
		Consistently(changed, 20*time.Millisecond).ShouldNot(BeClosed())
		h.me(ada.Access)
		Eventually(changed).Should(BeClosed())
		second, _ := w.Next()
		Expect(second).To(HaveLen(2))
		Expect(second[1].Path).To(Equal("/api/auth/me"))
	})

	It("wakes on an entry arriving, then on it finishing", func() {
		hold := h.srv.AddFault(fakeserver.Rule{Path: fakeserver.PathRefresh, Times: 1, Action: fakeserver.ActionHoldBefore})
		done := h.async(http.MethodPost, fakeserver.PathRefresh, nil, cookie(ada.Refresh))
		Expect(waitJournal(h.srv, 5*time.Second, func(j fakeserver.Journal) bool {
			r := j.Refreshes()
			return len(r) == 1 && r[0].Pending
		})).To(BeTrue(), "the pending entry is seen while the request is held")
		go func() {
			defer GinkgoRecover()
			waitHeld(hold, 1)
			hold.Release()
		}()
		Expect(waitJournal(h.srv, 5*time.Second, func(j fakeserver.Journal) bool {
			r := j.Refreshes().Finished()
			return len(r) == 1 && r[0].Status == http.StatusOK
		})).To(BeTrue())
		Expect((<-done).Status).To(Equal(http.StatusOK))
	})

	It("wakes on Reset", func() {
		go func() {
			defer GinkgoRecover()
			time.Sleep(20 * time.Millisecond) // let the waiter sleep first; correctness does not depend on it
			h.srv.Reset()
		}()
		Expect(waitJournal(h.srv, 5*time.Second, func(j fakeserver.Journal) bool { return len(j) == 0 })).To(BeTrue())
	})

	It("never misses a change between its snapshot and its wait: one request at a time, 200 times", func() {
		for i := 2; i <= 201; i++ {
			done := h.async(http.MethodGet, fakeserver.PathIdeas, nil)
			Expect(waitJournal(h.srv, 5*time.Second, func(j fakeserver.Journal) bool {
				e, ok := j.Seq(i)
				return ok && !e.Pending
			})).To(BeTrue(), "request %d", i)
			Expect((<-done).Status).To(Equal(http.StatusOK))
		}
	})

	It("serves many waiters while many requests run concurrently", func() {
		const requests, waiters = 100, 20
		var wg sync.WaitGroup
		results := make([]bool, waiters)
		for w := range waiters {
			wg.Add(1)
			go func() {
				defer GinkgoRecover()
				defer wg.Done()
				want := (w + 1) * requests / waiters
				results[w] = waitJournal(h.srv, 10*time.Second, func(j fakeserver.Journal) bool {
					return len(j.To(http.MethodGet, fakeserver.PathMe).Finished()) >= want
				})
			}()
		}
		replies := parallel(requests, func(int) apiReply { return h.me(ada.Access) })
		wg.Wait()
		for _, r := range replies {
			Expect(r.Status).To(Equal(http.StatusOK))
		}
		Expect(results).To(HaveEach(BeTrue()))
		Expect(h.srv.Journal().To(http.MethodGet, fakeserver.PathMe).Finished()).To(HaveLen(requests))
	})
})
