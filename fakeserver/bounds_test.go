package fakeserver_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// register signs a new user up over HTTP (a user the bounds count).
func (h *apiHarness) register(name string) apiSession {
	GinkgoHelper()
	r := h.do("POST", "/api/auth/register", jsonBody(map[string]any{
		"name": name, "email": name + "@example.test", "password": "pw-" + name,
	}))
	Expect(r.Status).To(Equal(http.StatusCreated), string(r.Body))
	return sessionOf(r)
}

func (h *apiHarness) createIdea(s apiSession, title string) apiReply {
	GinkgoHelper()
	return h.do("POST", "/api/ideas", ideaBody(title), bearer(s.Access))
}

func ideaIDs(ideas []fakeserver.Idea) []string {
	ids := make([]string, len(ideas))
	for i, idea := range ideas {
		ids[i] = idea.ID
	}
	return ids
}

var _ = Describe("Bounded memory", func() {
	Describe("the journal", func() {
		It("keeps each body whole by default; a prefix under JournalBodyBytes; none under JournalNoBodies", func() {
			body := ideaBody(strings.Repeat("t", 200))
			sum := sha256.Sum256(body)
			for _, c := range []struct {
				keep      int
				kept      []byte
				truncated bool
			}{
				{0, body, false},
				{len(body), body, false},
				{16, body[:16], true},
				{fakeserver.JournalNoBodies, nil, true},
			} {
				h := newAPI(fakeserver.Options{JournalBodyBytes: c.keep})
				ada := h.seedUser()
				Expect(h.createIdea(ada, "x").Status).To(Equal(http.StatusCreated))
				r := h.do("POST", "/api/ideas", body, bearer(ada.Access))
				Expect(r.Status).To(Equal(http.StatusCreated), "the handler reads the whole body whatever the journal keeps")
				e := h.last()
				Expect(e.Body).To(Equal(c.kept), "JournalBodyBytes %d", c.keep)
				Expect(e.BodyTruncated).To(Equal(c.truncated), "JournalBodyBytes %d", c.keep)
				Expect(e.BodySha256).To(Equal(hex.EncodeToString(sum[:])), "the hash covers the whole body")
				h.do("GET", "/api/ideas", nil)
				Expect(h.last().BodyTruncated).To(BeFalse(), "no body, nothing cut")
			}
		})

		It("drops the oldest entries past JournalMaxBytes and counts them like the entry limit", func() {
			budget := 8 * (fakeserver.JournalEntryOverhead + 4096)
			h := newAPI(fakeserver.Options{JournalMaxBytes: budget})
			big := bytes.Repeat([]byte("x"), 4096)
			for range 40 {
				h.do("POST", "/nope", big)
			}
			j := h.srv.Journal()
			Expect(len(j)).To(BeNumerically(">=", 4))
			Expect(len(j)).To(BeNumerically("<", 9), "the budget holds about eight such entries")
			Expect(j.LastSeq()).To(Equal(40), "the newest stay")
			st := h.srv.State()
			Expect(st.JournalDropped).To(Equal(40 - len(j)))
			Expect(st.Requests).To(Equal(40))
			kept := 0
			for _, e := range j {
				kept += len(e.Body)
			}
			Expect(kept).To(BeNumerically("<=", budget))
		})

		It("keeps long paths and methods cut to JournalPathBytes with a marker; short ones exact", func() {
			h := newAPI(fakeserver.Options{})
			long := "/x" + strings.Repeat("/segment", 110_000)
			r := h.do("GET", long, nil)
			expectError(r, http.StatusNotFound)
			e := h.last()
			Expect(len(e.Path)).To(BeNumerically("<=", fakeserver.JournalPathBytes+64))
			Expect(len(e.Path)).To(BeNumerically(">", fakeserver.JournalPathBytes-16))
			Expect(e.Path).To(HavePrefix("/x/segment/segment"))
			Expect(e.Path).To(HaveSuffix(fmt.Sprintf("…[truncated: %d bytes]", len(long))))

			h.do("GET", "/api/ideas", nil)
			Expect(h.last().Path).To(Equal("/api/ideas"))
			edge := "/" + strings.Repeat("b", fakeserver.JournalPathBytes-1)
			h.do("GET", edge, nil)
			Expect(h.last().Path).To(Equal(edge), "exactly JournalPathBytes is kept whole")

			method := strings.Repeat("M", 5000)
			expectError(h.do(method, "/api/ideas", nil), http.StatusMethodNotAllowed)
			Expect(h.last().Method).To(Equal("…[truncated: 5000 bytes]"), "one long word: nothing of it is kept")
		})

		It("never keeps part of a token that straddles the cut: the scrubbers look for whole secrets", func() {
			h := newAPI(fakeserver.Options{})
			ada := h.seedUser()
			for _, secret := range []string{ada.Access, ada.Refresh} {
				for _, at := range []int{len(secret) - 3, len(secret) / 2, 1} { // bytes of the secret before the cut
					pad := fakeserver.JournalPathBytes - at - len("/t/")
					path := "/" + strings.Repeat("p", pad-1) + "/t/" + secret + "/tail"
					h.do("GET", path, nil)
					kept, cut := strings.CutSuffix(h.last().Path, "…[truncated: "+fmt.Sprint(len(path))+" bytes]")
					Expect(cut).To(BeTrue())
					Expect(kept).To(HaveSuffix("/t/"), "the cut backs off to where the token starts")
					if at >= 4 { // one character of the secret could be a "p" of the padding
						Expect(kept).NotTo(ContainSubstring(secret[:min(at, 8)]))
					}
				}
			}
		})
	})

	Describe("users", func() {
		It("forgets the least recently used registered user past MaxUsers, with its sessions and ideas; Go API users stay", func() {
			h := newAPI(fakeserver.Options{MaxUsers: 2})
			ada := h.seedUser() // AddUser: pinned, not counted
			Expect(h.createIdea(ada, "ada's").Status).To(Equal(http.StatusCreated))
			bob := h.register("bob")
			Expect(h.createIdea(bob, "bob's").Status).To(Equal(http.StatusCreated))
			h.register("cat")
			h.login("bob@example.test", "pw-bob") // bob is used again: cat is now the oldest
			h.register("dan")                     // cat goes
			Expect(h.do("POST", "/api/auth/login", jsonBody(map[string]any{"email": "cat@example.test", "password": "pw-cat"})).Status).
				To(Equal(http.StatusUnauthorized), "a forgotten user is unknown")

			h.register("eve") // now bob is the oldest: he goes with his sessions and ideas
			expectError(h.refresh(bob.Refresh), http.StatusUnauthorized)
			h.expectRefresh("?", fakeserver.StateInvalid)
			r := h.me(bob.Access)
			expectError(r, http.StatusUnauthorized)
			Expect(r.Header.Get("WWW-Authenticate")).To(ContainSubstring("invalid_token"))
			Expect(h.srv.Ideas()).To(HaveLen(1))
			Expect(h.srv.Ideas()[0].Title).To(Equal("ada's"))

			var emails []string
			for _, u := range h.srv.Users() {
				emails = append(emails, u.Email)
			}
			Expect(emails).To(Equal([]string{"ada@example.com", "dan@example.test", "eve@example.test"}))
			Expect(h.login("ada@example.com", "pw-ada").Access).NotTo(BeEmpty(), "Go API users are never forgotten")
			Expect(h.srv.State().Evicted.Users).To(Equal(2))
			Expect(h.srv.State().Users).To(Equal(3))
		})

		It("bounds the registered users' text by MaxUserBytes", func() {
			h := newAPI(fakeserver.Options{MaxUserBytes: 3000})
			for i := range 5 {
				r := h.do("POST", "/api/auth/register", jsonBody(map[string]any{
					"name": strings.Repeat("n", 1000), "email": fmt.Sprintf("u%d@example.test", i), "password": "p",
				}))
				Expect(r.Status).To(Equal(http.StatusCreated))
			}
			Expect(len(h.srv.Users())).To(BeNumerically("<=", 3))
			Expect(h.srv.Users()[len(h.srv.Users())-1].Email).To(Equal("u4@example.test"))
		})
	})

	Describe("refresh families", func() {
		It("forgets the least recently used family past MaxFamilies: its refresh token is unknown, its access token lives on", func() {
			h := newAPI(fakeserver.Options{MaxFamilies: 2})
			first := h.seedUser()
			second := h.login("ada@example.com", "pw-ada")
			Expect(h.refresh(first.Refresh).Status).To(Equal(http.StatusOK), "first is used: second is now the oldest")
			third := h.login("ada@example.com", "pw-ada")

			r := h.refresh(second.Refresh)
			expectError(r, http.StatusUnauthorized)
			Expect(r.Message()).To(Equal("the refresh token is invalid"), "answered like an unknown token")
			h.expectRefresh("?", fakeserver.StateInvalid)
			Expect(h.srv.Label(second.Refresh)).To(BeEmpty())
			Expect(h.me(second.Access).Status).To(Equal(http.StatusOK), "access tokens stay valid until they expire, as after a logout")
			Expect(h.refresh(third.Refresh).Status).To(Equal(http.StatusOK))

			st := h.srv.State()
			Expect(st.Families).To(Equal(3), "families started, forgotten or not")
			Expect(st.LiveFamilies).To(Equal(2))
			Expect(st.Evicted.Families).To(Equal(1))
		})

		It("keeps reuse detection for the families it remembers", func() {
			h := newAPI(fakeserver.Options{MaxFamilies: 2})
			ada := h.seedUser()
			Expect(h.refresh(ada.Refresh).Status).To(Equal(http.StatusOK))
			expectError(h.refresh(ada.Refresh), http.StatusUnauthorized)
			h.expectRefresh("R0", fakeserver.StateReused)
		})
	})

	Describe("tokens", func() {
		It("forgets the oldest access tokens past MaxTokens, and a family whose current refresh token goes", func() {
			h := newAPI(fakeserver.Options{MaxTokens: 3})
			first := h.seedUser() // A0 R0
			h.login("ada@example.com", "pw-ada")
			h.login("ada@example.com", "pw-ada")
			Expect(h.me(first.Access).Status).To(Equal(http.StatusOK))
			h.login("ada@example.com", "pw-ada") // A3, R3: A0 and R0 go, and R0's family with it

			r := h.me(first.Access)
			expectError(r, http.StatusUnauthorized)
			Expect(r.Header.Get("WWW-Authenticate")).To(ContainSubstring("not issued by this server"))
			h.expectAccess("?", fakeserver.StateInvalid)
			expectError(h.refresh(first.Refresh), http.StatusUnauthorized)
			h.expectRefresh("?", fakeserver.StateInvalid)
			Expect(h.srv.State().LiveFamilies).To(Equal(3))
			Expect(h.srv.State().Evicted.Tokens).To(Equal(2))
			Expect(h.srv.Secrets()).To(HaveLen(6))
		})
	})

	Describe("ideas", func() {
		It("forgets the least recently used ideas past MaxIdeas, and a user's own past MaxIdeasPerUser", func() {
			h := newAPI(fakeserver.Options{MaxIdeas: 3, MaxIdeasPerUser: 2})
			ada := h.seedUser()
			bob := h.register("bob")
			Expect(h.createIdea(ada, "a1").Status).To(Equal(http.StatusCreated)) // i1
			Expect(h.createIdea(ada, "a2").Status).To(Equal(http.StatusCreated)) // i2
			Expect(h.createIdea(ada, "a3").Status).To(Equal(http.StatusCreated)) // i3: ada's i1 goes
			Expect(ideaIDs(h.srv.Ideas())).To(Equal([]string{"i3", "i2"}))
			expectError(h.do("GET", "/api/ideas/i1", nil), http.StatusNotFound)

			Expect(h.do("PUT", "/api/ideas/i2", ideaBody("a2 again"), bearer(ada.Access)).Status).To(Equal(http.StatusOK))
			Expect(h.createIdea(bob, "b1").Status).To(Equal(http.StatusCreated)) // i4
			Expect(h.createIdea(bob, "b2").Status).To(Equal(http.StatusCreated)) // i5: i3 is the least recently used
			Expect(ideaIDs(h.srv.Ideas())).To(ConsistOf("i2", "i4", "i5"))
			Expect(h.srv.State().Evicted.Ideas).To(Equal(2))
		})

		It("bounds the ideas' text by MaxIdeaBytes", func() {
			h := newAPI(fakeserver.Options{MaxIdeaBytes: 10_000})
			ada := h.seedUser()
			for i := range 10 {
				Expect(h.createIdea(ada, fmt.Sprintf("%d%s", i, strings.Repeat("t", 2000))).Status).To(Equal(http.StatusCreated))
			}
			ideas := h.srv.Ideas()
			Expect(len(ideas)).To(BeNumerically("<=", 5))
			Expect(ideas[0].ID).To(Equal("i10"))
		})

		It("answers GET /api/ideas a page of at most PageSize, 100 by default, capping _limit to it", func() {
			h := newAPI(fakeserver.Options{})
			_, err := h.srv.AddUser("Ada", "ada@example.com", "pw-ada")
			Expect(err).NotTo(HaveOccurred())
			for i := range 150 {
				_, err := h.srv.AddIdea("ada@example.com", fakeserver.IdeaInput{Title: fmt.Sprint(i), Summary: "s", Description: "d"})
				Expect(err).NotTo(HaveOccurred())
			}
			var page []fakeserver.Idea
			for _, c := range []struct {
				query string
				n     int
			}{{"", 100}, {"?_limit=120", 100}, {"?_limit=100", 100}, {"?_limit=7", 7}, {"?_limit=0", 0}} {
				r := h.do("GET", "/api/ideas"+c.query, nil)
				Expect(r.Status).To(Equal(http.StatusOK))
				r.JSON(&page)
				Expect(page).To(HaveLen(c.n), c.query)
			}
			h.do("GET", "/api/ideas", nil).JSON(&page)
			Expect(page[0].ID).To(Equal("i150"), "newest first")
			Expect(h.srv.Ideas()).To(HaveLen(150), "the Go API lists them all")

			small := newAPI(fakeserver.Options{PageSize: 5})
			_, err = small.srv.AddUser("Ada", "ada@example.com", "pw-ada")
			Expect(err).NotTo(HaveOccurred())
			for range 8 {
				_, err := small.srv.AddIdea("ada@example.com", fakeserver.IdeaInput{Title: "t", Summary: "s", Description: "d"})
				Expect(err).NotTo(HaveOccurred())
			}
			small.do("GET", "/api/ideas?_limit=6", nil).JSON(&page)
			Expect(page).To(HaveLen(5))
		})
	})
})
