package clientundertest_test

import (
	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("Process stderr capture", func() {
	It("keeps only the tail of a driver spamming 10 MB of stderr, without blocking it", func() {
		ps := newProcessSpec()
		opts := ps.options("stderr_spam.sh")
		opts.StderrLimit = 16 << 10
		p := ps.start(opts)
		Expect(p.Init(within(5*time.Second), cut.Env{BaseURL: "http://127.0.0.1:1", Scenario: "S1"})).To(Succeed())

		r, err := p.Request(within(10*time.Second), get("/boom"))
		Expect(err).NotTo(HaveOccurred(), "the driver was never blocked on its stderr")
		Expect(r.Status).To(Equal(200))
		Expect(p.Close()).To(Succeed()) // reaping drains the stderr copier

		Expect(p.StderrBufferCap()).To(BeNumerically("<=", 2*opts.StderrLimit), "memory stays bounded")
		stderr := p.TakeStderr()
		Expect(stderr).To(HavePrefix("[tokenclock] stderr truncated: dropped the first "))
		Expect(stderr).To(ContainSubstring("spam: done"))
		Expect(stderr).NotTo(ContainSubstring("spam: start"), "the head was dropped")
		Expect(strings.Count(stderr, "e")).To(BeNumerically(">", 15<<10))
		Expect(len(stderr)).To(BeNumerically("<", opts.StderrLimit+200))
	})
})
