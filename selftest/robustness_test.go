package selftest_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("a run with a broken client and a good one", func() {
	It("reports the driver that cannot start as crashed and goes on with the next client", func() {
		r := conformance("--client", "nope=/nonexistent/driver", "--client", "ref=go:reference", "--focus", "^LOOP-0[46]$")
		Expect(r.Code).To(Equal(1), r.Output)
		doc := r.results()
		Expect(doc.outcome(0, "LOOP-04")).To(Equal("crashed"))
		Expect(doc.Clients[0].Scenarios[0].Message).To(ContainSubstring("not found"))
		Expect(doc.outcome(1, "LOOP-04")).To(Equal("passed"))
		Expect(doc.outcome(1, "LOOP-06")).To(Equal("passed"))
	})
})

var _ = Describe("reports", func() {
	It("never contain a token secret, only labels", func() {
		r := conformance("--focus", "^(EXP-ACCESS-01|CONC-01)$")
		Expect(r.Code).To(Equal(0), r.Output)
		for _, f := range []string{"results.json", "junit.xml", "report.html", "summary.md"} {
			b, err := os.ReadFile(filepath.Join(r.Reports, f))
			Expect(err).NotTo(HaveOccurred())
			// Every access token is a JWT: its header always starts eyJ.
			Expect(string(b)).NotTo(ContainSubstring("eyJ"), f)
		}
		b, _ := os.ReadFile(filepath.Join(r.Reports, "results.json"))
		Expect(string(b)).To(MatchRegexp(`"accessToken":\s*"A0"`))
	})

	It("are not disturbed by a second run at the same time", func() {
		var wg sync.WaitGroup
		runs := make([]runResult, 2)
		for i := range runs {
			wg.Add(1)
			go func(i int) {
				defer GinkgoRecover()
				defer wg.Done()
				runs[i] = conformance("--focus", "^LOOP-0[1-4]$")
			}(i)
		}
		wg.Wait()
		for _, r := range runs {
			Expect(r.Code).To(Equal(0), r.Output)
			Expect(r.results().Clients[0].Scenarios).To(HaveLen(4))
			Expect(strings.Count(r.Output, "passed")).To(BeNumerically(">=", 4))
		}
	})
})
