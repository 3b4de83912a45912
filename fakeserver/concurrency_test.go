package fakeserver_test

import (
	"encoding/json"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// parallel runs n calls released together by a gate and returns their replies.
func parallel(n int, call func(i int) apiReply) []apiReply {
	out := make([]apiReply, n)
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer GinkgoRecover()
			defer wg.Done()
			<-gate
			out[i] = call(i)
		}()
	}
	close(gate)
	wg.Wait()
	return out
}

var _ = Describe("Concurrency", func() {
	var (
		h   *apiHarness
		ada apiSession
	)
	BeforeEach(func() {
		h = newAPI(fakeserver.Options{})
		ada = h.seedUser()
	})

	It("200 parallel refreshes presenting one token: exactly one 200, the family revoked", func() {
		replies := parallel(200, func(int) apiReply { return h.refresh(ada.Refresh) })
		statuses := map[int]int{}
		var winner apiReply
		for _, r := range replies {
			Expect(r.Err).NotTo(HaveOccurred())
			statuses[r.Status]++
			if r.Status == 200 {
				winner = r
			}
		}
		Expect(statuses).To(Equal(map[int]int{200: 1, 401: 199}))
		refreshes := h.srv.Journal().Refreshes()
		Expect(refreshes).To(HaveLen(200))
		states := map[string]int{}
		for _, e := range refreshes {
			states[e.RefreshState]++
		}
		Expect(states).To(Equal(map[string]int{"valid": 1, "reused": 199}))
		expectError(h.refresh(sessionOf(winner).Refresh), 401)
		h.expectRefresh("R1", fakeserver.StateRevoked)
	})

	It("500 parallel authenticated requests are all answered correctly", func() {
		_, err := h.srv.AddUser("Bob", "bob@example.com", "pw-bob")
		Expect(err).NotTo(HaveOccurred())
		bob := h.login("bob@example.com", "pw-bob")
		replies := parallel(500, func(i int) apiReply {
			switch i % 3 {
			case 0:
				return h.me(ada.Access)
			case 1:
				return h.me(bob.Access)
			}
			return h.do("POST", "/api/ideas", ideaBody("idea"), bearer(ada.Access))
		})
		for i, r := range replies {
			Expect(r.Err).NotTo(HaveOccurred())
			if i%3 == 2 {
				Expect(r.Status).To(Equal(201))
				continue
			}
			Expect(r.Status).To(Equal(200))
			var u fakeserver.User
			Expect(json.Unmarshal(r.Body, &u)).To(Succeed())
			Expect(u).To(Equal([]fakeserver.User{ada.User, bob.User}[i%3]))
		}
		Expect(h.srv.Ideas()).To(HaveLen(166))
		j := h.srv.Journal()
		Expect(j.Since(j.LastSeq() - 500)).To(HaveLen(500))
		seen := map[int]bool{}
		for i, e := range j {
			Expect(e.Seq).To(Equal(i + 1))
			Expect(e.Pending).To(BeFalse())
			seen[e.Seq] = true
		}
		Expect(seen).To(HaveLen(len(j)))
	})
})
