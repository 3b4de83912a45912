package clientundertest_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
)

var _ = Describe("Process with a driver that does not answer", func() {
	It("times out at the caller's deadline, ignores the late reply, and restarts at the next Init", func() {
		ps := newProcessSpec()
		p := ps.start(ps.options("hangs.sh"))
		Expect(p.Init(within(5*time.Second), cut.Env{BaseURL: "http://127.0.0.1:1", Scenario: "S1"})).To(Succeed())
		firstGroup := p.DriverPGID()

		start := time.Now()
		_, err := p.Request(within(100*time.Millisecond), get("/boom"))
		Expect(err).To(MatchError(cut.ErrTimeout))
		Expect(err).NotTo(MatchError(cut.ErrCrashed))
		Expect(err.Error()).To(Equal("no reply to request #2 (GET /boom) within the deadline"))
		Expect(time.Since(start)).To(BeNumerically("<", time.Second))

		// /release makes the driver answer the abandoned #2 first, then #3: the late
		// reply is noted and ignored, not taken for a protocol fault.
		r, err := p.Request(within(5*time.Second), get("/release"))
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Body).To(MatchJSON(`{"path":"/release"}`))
		var stderr string
		Eventually(func() string { stderr += p.TakeStderr(); return stderr }).Should(And(
			ContainSubstring("hangs: holding #2"),
			ContainSubstring("[tokenclock] ignored a late reply to request #2 (GET /boom) (no longer awaited)")))

		Expect(p.Init(within(5*time.Second), cut.Env{BaseURL: "http://127.0.0.1:1", Scenario: "S2"})).To(Succeed())
		Expect(p.TakeStderr()).To(ContainSubstring("restarting driver \"hangs\": commands of the previous scenario went unanswered"))
		Expect(p.DriverPGID()).NotTo(Equal(firstGroup))
		Eventually(ps.pgids).Should(HaveEach(p.DriverPGID()), "the hung process group is gone")
		_, err = p.Request(within(5*time.Second), get("/ok"))
		Expect(err).NotTo(HaveOccurred())
	})

	It("does not send a command whose deadline has already passed", func() {
		ps := newProcessSpec()
		p := ps.start(ps.options("hangs.sh"))
		Expect(p.Init(within(5*time.Second), cut.Env{BaseURL: "http://127.0.0.1:1", Scenario: "S1"})).To(Succeed())
		gone := within(time.Hour)
		ctx, cancel := contextWithCancel(gone)
		cancel()
		_, err := p.Request(ctx, get("/ok"))
		Expect(err).To(MatchError(cut.ErrTimeout))
		pgid := p.DriverPGID()
		Expect(p.Init(within(5*time.Second), cut.Env{BaseURL: "http://127.0.0.1:1", Scenario: "S2"})).To(Succeed())
		Expect(p.DriverPGID()).To(Equal(pgid), "nothing was left unanswered, so no restart")
	})
})
