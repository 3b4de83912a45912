package clientundertest_test

import (
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
)

var _ = Describe("Process with a driver that cannot get through hello", func() {
	DescribeTable("StartProcess fails with the reason and the stderr, leaving nothing running",
		func(file string, helloTimeout time.Duration, wantReason, wantStderr string) {
			ps := newProcessSpec()
			opts := ps.options(file)
			opts.HelloTimeout = helloTimeout
			start := time.Now()
			p, err := cut.StartProcess(within(5*time.Second), opts)
			Expect(p).To(BeNil())
			Expect(err).To(MatchError(cut.ErrCrashed))
			Expect(err.Error()).To(And(HavePrefix(`client "`+opts.Name+`" (sh -c `), ContainSubstring("did not get through hello: "+wantReason),
				ContainSubstring("--- stderr ---"), ContainSubstring(wantStderr)))
			Expect(time.Since(start)).To(BeNumerically("<", opts.HelloTimeout+2*time.Second))
			Eventually(ps.live).Should(BeEmpty())
		},
		Entry("dies during hello", "hello_dies.sh", time.Duration(0), `driver "hello_dies" exited (exit status 2)`, "hello_dies: cannot load the client library"),
		Entry("never answers hello", "hello_silent.sh", 200*time.Millisecond, "no answer to hello within 200ms", "hello_silent: thinking"),
		Entry("answers hello with garbage", "hello_garbage.sh", time.Duration(0),
			`driver "hello_garbage" wrote a stdout line that is not a JSON object: "Welcome to the driver, version 1"`, "hello_garbage: printing a banner"),
	)

	It("fails every later Init at once when a restarted driver cannot get through hello", func() {
		ps := newProcessSpec()
		opts := ps.options("once.sh")
		opts.Env = append(opts.Env, "ONCE_STATE="+filepath.Join(GinkgoT().TempDir(), "started"))
		p := ps.start(opts)
		Expect(p.Init(within(5*time.Second), cut.Env{BaseURL: "http://127.0.0.1:1", Scenario: "S1"})).To(Succeed())
		_, err := p.Request(within(5*time.Second), get("/boom"))
		Expect(err).To(MatchError(ContainSubstring("exited (exit status 3)")))

		err = p.Init(within(5*time.Second), cut.Env{BaseURL: "http://127.0.0.1:1", Scenario: "S2"})
		Expect(err).To(MatchError(cut.ErrCrashed))
		Expect(err.Error()).To(And(ContainSubstring("did not get through hello: driver \"once\" exited (exit status 4)"),
			ContainSubstring("once: refusing a second start")))
		Eventually(ps.live).Should(BeEmpty())

		again := p.Init(within(5*time.Second), cut.Env{BaseURL: "http://127.0.0.1:1", Scenario: "S3"})
		Expect(again).To(BeIdenticalTo(err), "not started again for every scenario")
		_, reqErr := p.Request(within(time.Second), get("/ok"))
		Expect(reqErr).To(BeIdenticalTo(err))
		Expect(os.Getenv("ONCE_STATE")).To(BeEmpty(), "the state path reached the driver through Env only")
	})
})
