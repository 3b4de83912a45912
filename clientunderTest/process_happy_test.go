package clientundertest_test

import (
	"encoding/json"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
)

var _ = Describe("Process with a well-behaved driver", func() {
	var (
		ps *processSpec
		p  *cut.Process
	)
	BeforeEach(func() {
		ps = newProcessSpec()
		opts := ps.options("echo.mjs")
		opts.Env = append(opts.Env, "ECHO_EXTRA=from-options")
		p = ps.start(opts)
		Expect(p.Init(within(5*time.Second), cut.Env{BaseURL: "http://127.0.0.1:1", Scenario: "HAPPY-01"})).To(Succeed())
	})

	It("carries hello, commands and replies through faithfully", func() {
		Expect(p.Hello()).To(Equal(cut.Hello{Name: "echo", Version: "test 1", Features: []string{"echo"}}))

		r, err := p.Login(within(5*time.Second), "ada@example.test", "")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Status).To(Equal(200))
		Expect(r.Body).To(MatchJSON(`{"email":"ada@example.test","password":""}`), "an empty password is still sent")

		r, err = p.Request(within(5*time.Second), cut.Call{Method: "POST", Path: "/api/ideas",
			Body: json.RawMessage(`{"title":"t"}`), Headers: map[string]string{"X-Trace": "1"}})
		Expect(err).NotTo(HaveOccurred())
		Expect(r).To(HaveField("Status", 201))
		Expect(r.Body).To(MatchJSON(`{"method":"POST","path":"/api/ideas","hasBody":true,"body":{"title":"t"},
			"hasHeaders":true,"headers":{"X-Trace":"1"}}`))

		r, err = p.Request(within(5*time.Second), get("/api/auth/me"))
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Body).To(MatchJSON(`{"method":"GET","path":"/api/auth/me","hasBody":false,"body":null,
			"hasHeaders":false,"headers":null}`), "body and headers are sent only when present")

		r, err = p.Request(within(5*time.Second), get("/transport-error"))
		Expect(err).NotTo(HaveOccurred(), "no HTTP response is the caller's outcome, not a fault")
		Expect(r).To(Equal(cut.Reply{Error: "ECONNRESET socket hang up"}))

		r, err = p.Request(within(5*time.Second), get("/null-body"))
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Status).To(Equal(200))
		Expect(string(r.Body)).To(Equal("null"))

		r, err = p.Request(within(5*time.Second), get("/crlf"))
		Expect(err).NotTo(HaveOccurred(), "a trailing \\r is ignored")
		Expect(r.Body).To(MatchJSON(`"crlf"`))

		r, err = p.Request(within(5*time.Second), get("/env"))
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Body).To(MatchJSON(`{"protocol":"1","NO_PROXY":"127.0.0.1,localhost",
			"no_proxy":"127.0.0.1,localhost","extra":"from-options"}`))

		_, err = p.Request(within(5*time.Second), cut.Call{Method: "POST", Path: "/x", Body: json.RawMessage(`{bad`)})
		Expect(err).To(MatchError(ContainSubstring("encoding request")), "a caller's bad body is its own error")
		Expect(err).NotTo(Or(MatchError(cut.ErrCrashed), MatchError(cut.ErrTimeout)))

		r, err = p.Logout(within(5 * time.Second))
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Status).To(Equal(204))
	})

	It("demultiplexes concurrent requests answered out of order", func() {
		const n = 4
		tags := []string{"a", "b", "c", "d"}
		replies := make([]cut.Reply, n)
		errs := make([]error, n)
		ctx := within(5 * time.Second)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				replies[i], errs[i] = p.Request(ctx, get("/gather/4/"+tags[i]))
			})
		}
		wg.Wait()
		answers := map[int]bool{}
		for i := range n {
			Expect(errs[i]).NotTo(HaveOccurred())
			var body struct {
				Tag             string
				Arrival, Answer int
			}
			Expect(json.Unmarshal(replies[i].Body, &body)).To(Succeed())
			Expect(body.Tag).To(Equal(tags[i]), "each reply reaches the call that sent its id")
			Expect(body.Arrival+body.Answer).To(Equal(n-1), "the driver answered in reverse arrival order")
			answers[body.Answer] = true
		}
		Expect(answers).To(HaveLen(n))
	})

	It("keeps its driver across healthy scenarios and hands over its stderr once", func() {
		pgid := p.DriverPGID()
		Expect(p.Init(within(5*time.Second), cut.Env{BaseURL: "http://127.0.0.1:2", Scenario: "HAPPY-02"})).To(Succeed())
		Expect(p.DriverPGID()).To(Equal(pgid), "a healthy driver is not restarted")

		var captured string
		Eventually(func() string { captured += p.TakeStderr(); return captured }).
			Should(And(ContainSubstring("echo: init HAPPY-01 http://127.0.0.1:1"),
				ContainSubstring("echo: init HAPPY-02 http://127.0.0.1:2")))
		Expect(captured).NotTo(ContainSubstring("[tokenclock]"), "nothing went wrong, so no harness notes")
		Expect(p.TakeStderr()).To(BeEmpty(), "TakeStderr clears what it returned")
	})

	It("closes idempotently, leaving nothing running, and refuses calls afterwards", func() {
		Expect(ps.pgids()).To(ContainElement(p.DriverPGID()))
		Expect(p.Close()).To(Succeed())
		Expect(p.Close()).To(Succeed())
		Expect(ps.live()).To(BeEmpty())
		_, err := p.Request(within(time.Second), get("/after-close"))
		Expect(err).To(MatchError(cut.ErrCrashed))
		Expect(p.Init(within(time.Second), cut.Env{BaseURL: "http://127.0.0.1:1", Scenario: "X"})).To(MatchError(cut.ErrCrashed))
		Expect(p.TakeStderr()).NotTo(ContainSubstring("killed"), "a driver that honours shutdown is not killed")
	})

	It("refuses an empty command", func() {
		_, err := cut.StartProcess(within(time.Second), cut.ProcessOptions{Command: "  "})
		Expect(err).To(MatchError(ContainSubstring("empty command")))
	})
})
