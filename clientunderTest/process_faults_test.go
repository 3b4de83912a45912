package clientundertest_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
)

var _ = Describe("Process faults during a scenario", func() {
	It("gives a faulted driver SIGTERM, and time to clean up, before the restart kills it", func() {
		ps := newProcessSpec()
		p := ps.start(ps.options("cleanup.sh"))
		Expect(p.Init(within(5*time.Second), cut.Env{BaseURL: "http://127.0.0.1:1", Scenario: "S1"})).To(Succeed())
		_, err := p.Request(within(5*time.Second), get("/boom"))
		Expect(err).To(MatchError(cut.ErrCrashed))
		Expect(p.Init(within(5*time.Second), cut.Env{BaseURL: "http://127.0.0.1:1", Scenario: "S2"})).To(Succeed())
		Expect(p.TakeStderr()).To(ContainSubstring("cleanup: SIGTERM, closing what I started"))
		Expect(p.Close()).To(Succeed())
	})

	// Each broken driver behaves until it gets a request to /boom. A /hold request
	// (never answered) is outstanding at that moment, to prove every waiting command
	// is woken at once.
	DescribeTable("crash the scenario, attach stderr, and restart at the next Init",
		func(file string, maxLine int, wantMsg, wantStderr string) {
			ps := newProcessSpec()
			opts := ps.options(file)
			opts.MaxLine = maxLine
			p := ps.start(opts)
			Expect(p.Init(within(5*time.Second), cut.Env{BaseURL: "http://127.0.0.1:1", Scenario: "S1"})).To(Succeed())
			firstGroup := p.DriverPGID()

			held := make(chan error, 1)
			holdCtx := within(5 * time.Second)
			go func() {
				_, err := p.Request(holdCtx, get("/hold"))
				held <- err
			}()
			Eventually(p.PendingCommands).Should(Equal(1))

			start := time.Now()
			_, err := p.Request(within(5*time.Second), get("/boom"))
			Expect(err).To(MatchError(cut.ErrCrashed))
			Expect(err).NotTo(MatchError(cut.ErrTimeout))
			Expect(err.Error()).To(And(HavePrefix("request #3 (GET /boom): "), ContainSubstring(wantMsg)))
			Expect(time.Since(start)).To(BeNumerically("<", 2*time.Second))
			Eventually(held).WithTimeout(time.Second).Should(Receive(
				MatchError(And(ContainSubstring("request #2 (GET /hold)"), ContainSubstring(wantMsg)))))

			_, err = p.Logout(within(time.Second))
			Expect(err).To(MatchError(ContainSubstring(wantMsg)), "a crashed driver is sent nothing more")
			Expect(err).To(MatchError(cut.ErrCrashed))

			var stderr string
			Eventually(func() string { stderr += p.TakeStderr(); return stderr }).
				Should(And(ContainSubstring(wantStderr), ContainSubstring("[tokenclock] "+"driver")))
			Expect(stderr).To(ContainSubstring(wantMsg), "the fault is noted next to the driver's stderr")

			Expect(p.Init(within(5*time.Second), cut.Env{BaseURL: "http://127.0.0.1:1", Scenario: "S2"})).To(Succeed())
			Expect(p.DriverPGID()).NotTo(Equal(firstGroup), "a fresh driver process serves S2")
			Expect(p.TakeStderr()).To(ContainSubstring("restarting driver"))
			Eventually(ps.pgids).Should(HaveEach(p.DriverPGID()), "the old process group is gone")

			r, err := p.Request(within(5*time.Second), get("/ok"))
			Expect(err).NotTo(HaveOccurred())
			Expect(r.Body).To(MatchJSON(`{"path":"/ok"}`))

			Expect(p.Close()).To(Succeed())
			Eventually(ps.live).Should(BeEmpty())
		},
		Entry("a line that is not JSON", "garbage.sh", 0,
			`wrote a stdout line that is not a JSON object: "this is not json {"`, "garbage: about to print"),
		Entry("a line over MaxLine (stdout flood)", "flood.sh", 64<<10,
			"wrote a stdout line over 65536 bytes (stdout flood)", "flood: flooding stdout"),
		Entry("a reply with an id never sent", "unknown_id.sh", 0,
			"sent a reply with id 424242, which was never sent to it", "unknown_id: replying"),
		Entry("a second reply for an id", "duplicate_id.sh", 0,
			"sent a second reply for id 0", "duplicate_id: replying to hello again"),
		Entry("the process exiting mid-scenario", "exits.sh", 0,
			"exited (exit status 3)", "exits: giving up"),
	)
})
