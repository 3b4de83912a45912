package conformance_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/conformance"
)

// tinyCatalog stands in for the real catalog: parsing only asks which IDs exist.
var tinyCatalog = conformance.Catalog{{ID: "CONC-01"}, {ID: "LOOP-05"}}

var _ = Describe("expected-failures files", func() {
	It("reads IDs with reasons and comments", func() {
		x, err := conformance.ParseExpectedFailures(strings.NewReader("# header\n\nCONC-01 no single flight\nLOOP-05   # intercepts login 401\n"), "f", tinyCatalog)
		Expect(err).NotTo(HaveOccurred())
		Expect(x).To(Equal(conformance.ExpectedFailures{"CONC-01": "no single flight", "LOOP-05": "intercepts login 401"}))
	})

	It("rejects an ID the catalog does not have, naming the line", func() {
		_, err := conformance.ParseExpectedFailures(strings.NewReader("CONC-01\nCONC-99 typo\n"), "seed.expected", tinyCatalog)
		Expect(err).To(MatchError(ContainSubstring(`seed.expected:2: unknown scenario ID "CONC-99"`)))
	})

	It("rejects an ID listed twice", func() {
		_, err := conformance.ParseExpectedFailures(strings.NewReader("CONC-01\nCONC-01\n"), "f", tinyCatalog)
		Expect(err).To(MatchError(ContainSubstring("listed twice")))
	})
})
