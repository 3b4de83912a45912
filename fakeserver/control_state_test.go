package fakeserver_test

import (
	"encoding/json"
	"fmt"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

var _ = Describe("Control API: the state a console polls", func() {
	var h *controlHarness
	BeforeEach(func() {
		h = newControlHarnessWithUsers()
	})

	// state reads GET /_tokenclock/state, checks it is the Go API's State, and
	// returns its fields as raw JSON, to check the wire format itself.
	state := func() map[string]json.RawMessage {
		GinkgoHelper()
		r := h.do(http.MethodGet, "/_tokenclock/state", "")
		Expect(r.Status).To(Equal(http.StatusOK))
		Expect(decodeReply[fakeserver.State](r)).To(Equal(h.srv.State()))
		return decodeReply[map[string]json.RawMessage](r)
	}
	post := func(path, body string) {
		GinkgoHelper()
		r := h.do(http.MethodPost, path, body)
		Expect(r.Status).To(Equal(http.StatusOK), "%s: %s", path, r.Body)
	}
	register := func(name string) {
		GinkgoHelper()
		r := h.do(http.MethodPost, "/api/auth/register",
			fmt.Sprintf(`{"name":%q,"email":"%s@example.test","password":"pw"}`, name, name), "Content-Type", "application/json")
		Expect(r.Status).To(Equal(http.StatusCreated), "register: %s", r.Body)
	}

	It("starts empty: lists are [], never null", func() {
		st := state()
		Expect(st["clockOffset"]).To(MatchJSON(`"T+0s"`))
		Expect(st["holdBound"]).To(MatchJSON(`"2s"`))
		Expect(st["accessTokens"]).To(MatchJSON(`{"valid":0,"expired":0,"revoked":0}`))
		Expect(st["refreshFamilies"]).To(MatchJSON(`[]`))
		Expect(st["rules"]).To(MatchJSON(`[]`))
	})

	It("reports the clock's offset, the access tokens by state, the families newest first and the rules", func() {
		ada := h.login("ada@example.test", "correct horse") // A0, R0
		h.login("bob@example.test", "battery staple")       // A1, R1
		st := state()
		Expect(st["accessTokens"]).To(MatchJSON(`{"valid":2,"expired":0,"revoked":0}`))
		Expect(st["refreshFamilies"]).To(MatchJSON(`[
			{"first":"R1","current":"R1","tokens":1,"email":"bob@example.test","state":"live"},
			{"first":"R0","current":"R0","tokens":1,"email":"ada@example.test","state":"live"}]`))

		post("/_tokenclock/revoke", `{"what":"access","email":"bob@example.test"}`) // A1
		post("/_tokenclock/clock/advance", `{"by":"61s"}`)                          // A0 expires
		Expect(h.refresh(ada).Status).To(Equal(http.StatusOK))                      // R0 -> R2, A2: ada's family is the newest again
		post("/_tokenclock/revoke", `{"what":"refresh","family":"R1"}`)
		post("/_tokenclock/faults", `{"method":"POST","path":"/api/auth/refresh","after":1,"times":2,"action":"hold","status":503,"releaseAfter":2,"holdFor":"90s"}`)
		post("/_tokenclock/faults", `{"path":"/api/ideas","action":"delay","delay":"1.5s"}`)
		Expect(h.do(http.MethodGet, "/api/ideas", "").Status).To(Equal(http.StatusOK))

		st = state()
		Expect(st["clockOffset"]).To(MatchJSON(`"T+1m1s"`))
		Expect(st["accessTokens"]).To(MatchJSON(`{"valid":1,"expired":1,"revoked":1}`))
		Expect(st["refreshFamilies"]).To(MatchJSON(`[
			{"first":"R0","current":"R2","tokens":2,"email":"ada@example.test","state":"live"},
			{"first":"R1","current":"R1","tokens":1,"email":"bob@example.test","state":"revoked"}]`))
		Expect(st["rules"]).To(MatchJSON(`[
			{"id":1,"method":"POST","path":"/api/auth/refresh","action":"hold","after":1,"times":2,"status":503,
			 "releaseAfter":2,"holdFor":"1m30s","matched":0,"held":0,"waiting":0,"released":false},
			{"id":2,"path":"/api/ideas","action":"delay","after":0,"times":0,"delay":"1.5s",
			 "matched":1,"held":0,"waiting":0,"released":false}]`))
		Expect(st["faults"]).To(MatchJSON(`2`))

		post("/_tokenclock/expire", `{"what":"refresh"}`)
		st = state()
		Expect(st["accessTokens"]).To(MatchJSON(`{"valid":0,"expired":2,"revoked":1}`), "revoked wins over expired")
		Expect(st["refreshFamilies"]).To(MatchJSON(`[
			{"first":"R0","current":"R2","tokens":2,"email":"ada@example.test","state":"expired"},
			{"first":"R1","current":"R1","tokens":1,"email":"bob@example.test","state":"revoked"}]`))
	})

	It("lists at most 50 families, the most recently used first", func() {
		for range 60 {
			h.login("ada@example.test", "correct horse")
		}
		st := h.srv.State()
		Expect(st.Families).To(Equal(60))
		Expect(st.RefreshFamilies).To(HaveLen(fakeserver.StateFamilyLimit))
		Expect(st.RefreshFamilies[0].First).To(Equal("R59"))
		Expect(st.RefreshFamilies[49].First).To(Equal("R10"))
	})

	It("lists families forgotten by a bound among the others, by when they were last used", func() {
		h = newControlHarnessWith(fakeserver.Options{MaxUsers: 1, MaxFamilies: 3})
		_, err := h.srv.AddUser("Ada", "ada@example.test", "correct horse") // pinned: not counted by MaxUsers
		Expect(err).NotTo(HaveOccurred())
		h.login("ada@example.test", "correct horse") // R0
		h.login("ada@example.test", "correct horse") // R1
		register("cat")                              // R2
		h.login("ada@example.test", "correct horse") // R3: R0's family goes (MaxFamilies)
		register("dan")                              // R4: cat goes (MaxUsers), her family with her
		Expect(h.srv.State().RefreshFamilies).To(Equal([]fakeserver.FamilyState{
			{First: "R4", Current: "R4", Tokens: 1, Email: "dan@example.test", State: fakeserver.FamilyLive},
			{First: "R3", Current: "R3", Tokens: 1, Email: "ada@example.test", State: fakeserver.FamilyLive},
			{First: "R2", Current: "R2", Tokens: 1, Email: "", State: fakeserver.FamilyForgotten},
			{First: "R1", Current: "R1", Tokens: 1, Email: "ada@example.test", State: fakeserver.FamilyLive},
			{First: "R0", Current: "R0", Tokens: 1, Email: "ada@example.test", State: fakeserver.FamilyForgotten},
		}))
		post("/_tokenclock/reset", "")
		Expect(h.srv.State().RefreshFamilies).To(BeEmpty(), "a reset forgets the forgotten too")
	})
})
