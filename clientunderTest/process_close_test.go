package clientundertest_test

import (
	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("Process Close", func() {
	It("kills a driver that ignores shutdown and stdin EOF and traps SIGTERM, with its whole group", func() {
		ps := newProcessSpec()
		opts := ps.options("stubborn.sh")
		opts.KillGrace = 200 * time.Millisecond
		p := ps.start(opts)
		Expect(p.Init(within(5*time.Second), cut.Env{BaseURL: "http://127.0.0.1:1", Scenario: "S1"})).To(Succeed())
		pgid := p.DriverPGID()
		// sh -c, the driver's shell and its background sleep: a grandchild and more.
		Eventually(ps.live).Should(ContainElement(HaveField("Comm", "sleep")))
		Expect(ps.pgids()).To(HaveEach(pgid))
		Expect(len(ps.live())).To(BeNumerically(">=", 3))

		start := time.Now()
		Expect(p.Close()).To(Succeed())
		Expect(time.Since(start)).To(BeNumerically("<", 2*time.Second))
		Eventually(ps.live).Should(BeEmpty())
		Expect(p.TakeStderr()).To(And(
			ContainSubstring("stubborn: ignoring shutdown"),
			ContainSubstring(`[tokenclock] shutdown: no reply to shutdown #2 within the deadline`),
			ContainSubstring(`[tokenclock] driver "stubborn" did not exit within 200ms of stdin EOF; killed its process group`)))
	})

	It("kills a child the driver started in a process group of its own, which ignores SIGTERM", func() {
		ps := newProcessSpec()
		p := ps.start(ps.options("detached.sh"))
		Expect(p.Init(within(5*time.Second), cut.Env{BaseURL: "http://127.0.0.1:1", Scenario: "S1"})).To(Succeed())
		Eventually(ps.live).Should(ContainElement(HaveField("Comm", "sleep")))
		Expect(ps.pgids()).NotTo(HaveEach(p.DriverPGID())) // it left the group
		Expect(p.Close()).To(Succeed())
		Eventually(ps.live).Should(BeEmpty())
		Expect(p.TakeStderr()).To(ContainSubstring("outside its process group"))
	})

	It("wakes a command still waiting when the Process is closed", func() {
		ps := newProcessSpec()
		opts := ps.options("stubborn.sh")
		opts.KillGrace = 100 * time.Millisecond
		p := ps.start(opts)
		Expect(p.Init(within(5*time.Second), cut.Env{BaseURL: "http://127.0.0.1:1", Scenario: "S1"})).To(Succeed())
		held := make(chan error, 1)
		ctx := within(10 * time.Second)
		go func() {
			_, err := p.Request(ctx, get("/hold"))
			held <- err
		}()
		Eventually(p.PendingCommands).Should(Equal(1))
		Expect(p.Close()).To(Succeed())
		Eventually(held).Should(Receive(MatchError(ContainSubstring(`request #2 (GET /hold): driver "stubborn" was stopped by the harness`))))
	})
})
