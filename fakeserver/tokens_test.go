package fakeserver_test

import (
	"encoding/json"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

var _ = Describe("Tokens", func() {
	var h *apiHarness

	Describe("access expiry, judged per request on the server clock", func() {
		BeforeEach(func() { h = newAPI(fakeserver.Options{}) })

		It("is valid at 59 s and expired at exactly 60 s (now >= exp), with an invalid_token challenge", func() {
			s := h.seedUser()
			h.srv.Advance(59 * time.Second)
			Expect(h.me(s.Access).Status).To(Equal(200))
			h.srv.Advance(time.Second)
			r := h.me(s.Access)
			expectError(r, 401)
			Expect(r.Header.Get("WWW-Authenticate")).To(Equal(`Bearer error="invalid_token", error_description="the access token expired"`))
			h.expectAccess("A0", fakeserver.StateExpired)
		})

		It("moves with the injected clock and with Advance alike: they are one clock", func() {
			s := h.seedUser()
			h.clock.Advance(30 * time.Second)
			h.srv.Advance(30 * time.Second)
			expectError(h.me(s.Access), 401)
			Expect(h.clock.Now()).To(Equal(apiStart.Add(time.Minute)))
			h.srv.Reset()
			Expect(h.srv.Now()).To(Equal(apiStart.Add(time.Minute)), "Reset leaves the harness's fake clock where it is")
		})

		It("ExpireAccess expires access tokens but not refresh tokens; ExpireRefresh expires both", func() {
			s := h.seedUser()
			Expect(h.srv.ExpireAccess()).To(Equal(apiStart.Add(61 * time.Second)))
			expectError(h.me(s.Access), 401)
			n := sessionOf(h.refresh(s.Refresh))
			Expect(h.me(n.Access).Status).To(Equal(200))
			h.srv.ExpireRefresh()
			expectError(h.refresh(n.Refresh), 401)
			h.expectRefresh("R1", fakeserver.StateExpired)
		})

		It("honours a custom access TTL", func() {
			h2 := newAPI(fakeserver.Options{AccessTTL: 5 * time.Second})
			s := h2.seedUser()
			h2.srv.Advance(4 * time.Second)
			Expect(h2.me(s.Access).Status).To(Equal(200))
			h2.srv.Advance(time.Second)
			expectError(h2.me(s.Access), 401)
		})
	})

	Describe("rotation with reuse detection", func() {
		BeforeEach(func() { h = newAPI(fakeserver.Options{}) })

		It("rotates R0 → R1 → R2, each new token valid", func() {
			s := h.seedUser()
			t := s.Refresh
			for i := 1; i <= 3; i++ {
				h.srv.ExpireAccess()
				n := sessionOf(h.refresh(t))
				Expect(h.srv.Label(n.Refresh)).To(Equal([]string{"", "R1", "R2", "R3"}[i]))
				Expect(h.me(n.Access).Status).To(Equal(200))
				t = n.Refresh
			}
			Expect(h.srv.Journal().Refreshes().Where(func(e fakeserver.Entry) bool { return e.RefreshState != fakeserver.StateValid })).To(BeEmpty())
		})

		It("treats a spent token on /refresh as reuse and revokes the whole family, newest token too", func() {
			s := h.seedUser()
			n := sessionOf(h.refresh(s.Refresh))
			expectError(h.refresh(s.Refresh), 401)
			h.expectRefresh("R0", fakeserver.StateReused)
			revoked, ok := h.srv.FamilyRevoked("R1")
			Expect([]bool{revoked, ok}).To(Equal([]bool{true, true}))
			expectError(h.refresh(n.Refresh), 401)
			h.expectRefresh("R1", fakeserver.StateRevoked)
			Expect(h.srv.State().LiveFamilies).To(BeZero())
			Expect(h.me(n.Access).Status).To(Equal(200), "access tokens live on until they expire")
		})

		It("journals a spent token on other endpoints as revoked, not reused", func() {
			s := h.seedUser()
			h.refresh(s.Refresh)
			h.do("GET", "/api/ideas", nil, cookie(s.Refresh))
			h.expectRefresh("R0", fakeserver.StateRevoked)
			Expect(h.srv.State().LiveFamilies).To(Equal(1))
		})
	})

	Describe("reuse grace window", func() {
		BeforeEach(func() { h = newAPI(fakeserver.Options{ReuseGrace: 10 * time.Second}) })

		It("accepts the immediately previous token inside the window and re-sends the current one", func() {
			s := h.seedUser()
			n := sessionOf(h.refresh(s.Refresh))
			h.srv.Advance(9 * time.Second)
			r := h.refresh(s.Refresh)
			Expect(r.Status).To(Equal(200))
			g := sessionOf(r)
			Expect(g.Refresh).To(Equal(n.Refresh), "no new refresh token, no fork")
			Expect(h.srv.Label(g.Access)).To(Equal("A2"))
			h.expectRefresh("R0", fakeserver.StateValid)
			Expect(h.last().IssuedRefresh).To(BeEmpty())
			Expect(h.srv.State().LiveFamilies).To(Equal(1))
			Expect(h.refresh(n.Refresh).Status).To(Equal(200))
		})

		It("journals the refresh accepted by grace as graceReuse, and only that one", func() {
			s := h.seedUser()
			first := h.refresh(s.Refresh)
			Expect(first.Status).To(Equal(200))
			Expect(h.last().GraceReuse).To(BeFalse(), "an ordinary rotation")
			second := h.refresh(s.Refresh) // R0 again, at once: inside the window
			Expect(second.Status).To(Equal(200))
			e := h.last()
			Expect([]any{e.RefreshToken, e.RefreshState, e.GraceReuse, e.IssuedRefresh}).
				To(Equal([]any{"R0", fakeserver.StateValid, true, ""}))
			b, err := json.Marshal(e)
			Expect(err).NotTo(HaveOccurred())
			Expect(string(b)).To(ContainSubstring(`"graceReuse":true`))
			Expect(h.refresh(sessionOf(first).Refresh).Status).To(Equal(200))
			Expect(h.last().GraceReuse).To(BeFalse(), "the current token: no grace needed")
			b, err = json.Marshal(h.last())
			Expect(err).NotTo(HaveOccurred())
			Expect(string(b)).NotTo(ContainSubstring("graceReuse"), "absent when false")
		})

		It("outside the window the same pair is reuse: family revoked, no graceReuse", func() {
			s := h.seedUser()
			Expect(h.refresh(s.Refresh).Status).To(Equal(200))
			h.srv.Advance(11 * time.Second)
			expectError(h.refresh(s.Refresh), 401)
			e := h.last()
			Expect([]any{e.RefreshToken, e.RefreshState, e.GraceReuse}).To(Equal([]any{"R0", fakeserver.StateReused, false}))
			revoked, ok := h.srv.FamilyRevoked("R0")
			Expect([]bool{revoked, ok}).To(Equal([]bool{true, true}))
		})

		It("calls it reuse at the end of the window", func() {
			s := h.seedUser()
			n := sessionOf(h.refresh(s.Refresh))
			h.srv.Advance(10 * time.Second)
			expectError(h.refresh(s.Refresh), 401)
			h.expectRefresh("R0", fakeserver.StateReused)
			expectError(h.refresh(n.Refresh), 401)
		})

		It("covers only the immediately previous token", func() {
			s := h.seedUser()
			n := sessionOf(h.refresh(s.Refresh))
			sessionOf(h.refresh(n.Refresh))
			expectError(h.refresh(s.Refresh), 401)
			h.expectRefresh("R0", fakeserver.StateReused)
		})
	})

	Describe("no-rotation mode (the seed's backend)", func() {
		BeforeEach(func() { h = newAPI(fakeserver.Options{NoRotation: true}) })

		It("answers a new access token and re-sets the same refresh cookie, which stays valid", func() {
			s := h.seedUser()
			for i := 0; i < 3; i++ {
				h.srv.Advance(time.Hour)
				r := h.refresh(s.Refresh)
				Expect(r.Status).To(Equal(200))
				n := sessionOf(r)
				Expect(n.Refresh).To(Equal(s.Refresh))
				Expect(r.Cookie().MaxAge).To(Equal(int((fakeserver.DefaultRefreshTTL - time.Duration(i+1)*time.Hour) / time.Second)))
				h.expectRefresh("R0", fakeserver.StateValid)
			}
			Expect(h.srv.Secrets()).To(HaveLen(5), "A0..A3 and R0")
			Expect(h.srv.State().Rotation).To(BeFalse())
		})
	})

	Describe("revocation", func() {
		BeforeEach(func() { h = newAPI(fakeserver.Options{}) })

		It("revokes access tokens issued so far by jti; one issued afterwards in the same second stays valid", func() {
			a := h.seedUser()
			Expect(h.srv.RevokeAccess("ada@example.com")).To(Equal(1))
			r := h.me(a.Access)
			expectError(r, 401)
			Expect(r.Header.Get("WWW-Authenticate")).To(ContainSubstring("revoked"))
			h.expectAccess("A0", fakeserver.StateRevoked)
			b := sessionOf(h.refresh(a.Refresh)) // same clock second as A0
			Expect(h.me(b.Access).Status).To(Equal(200))
			Expect(h.srv.RevokeAccess("ada@example.com")).To(Equal(1), "A0 is not counted twice")
		})

		It("judges revoked before expired", func() {
			a := h.seedUser()
			h.srv.RevokeAccess("")
			h.srv.ExpireAccess()
			h.me(a.Access)
			h.expectAccess("A0", fakeserver.StateRevoked)
		})

		It("revokes per user or for everyone", func() {
			a := h.seedUser()
			_, err := h.srv.AddUser("Bob", "bob@example.com", "pw-bob")
			Expect(err).NotTo(HaveOccurred())
			b := h.login("bob@example.com", "pw-bob")
			Expect(h.srv.RevokeAccess("nobody@example.com")).To(BeZero())
			Expect(h.srv.RevokeRefresh("BOB@example.com")).To(Equal(1))
			expectError(h.refresh(b.Refresh), 401)
			h.expectRefresh("R1", fakeserver.StateRevoked)
			Expect(h.me(b.Access).Status).To(Equal(200))
			Expect(h.srv.RevokeAccess("")).To(Equal(2))
			expectError(h.me(a.Access), 401)
			expectError(h.me(b.Access), 401)
			Expect(h.srv.RevokeRefresh("")).To(Equal(1))
			expectError(h.refresh(a.Refresh), 401)
			h.expectRefresh("R0", fakeserver.StateRevoked)
		})
	})

	Describe("Reset", func() {
		BeforeEach(func() { h = newAPI(fakeserver.Options{}) })

		It("forgets everything: old tokens are ? invalid, labels and ids restart", func() {
			a := h.seedUser()
			h.srv.Advance(time.Minute)
			h.srv.AddFault(fakeserver.Rule{Path: "/nowhere", Action: fakeserver.ActionStatus, Status: 418})
			h.srv.Reset()
			Expect(h.srv.Now()).To(Equal(apiStart.Add(time.Minute)), "a fake clock is the harness's: Reset does not rewind it")
			st := h.srv.State()
			Expect([]int{st.Users, st.Families, st.Faults, st.Requests}).To(Equal([]int{0, 0, 0, 0}))
			Expect(h.srv.Journal()).To(BeEmpty())
			Expect(h.srv.Label(a.Access)).To(BeEmpty())
			expectError(h.me(a.Access), 401)
			h.expectAccess("?", fakeserver.StateInvalid)
			Expect(h.last().Seq).To(Equal(1))
			n := h.seedUser()
			Expect(n.User.ID).To(Equal("u1"))
			Expect(h.srv.Label(n.Access)).To(Equal("A0"))
		})
	})
})
