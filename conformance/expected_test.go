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
		x, err := conformance.ParseExpectedFailures(strings.NewReader("# header\n\nCONC-01 no single flight\nLOOP-05\t# intercepts login 401\n"), "f", tinyCatalog)
		Expect(err).NotTo(HaveOccurred())
		Expect(x).To(Equal(conformance.ExpectedFailures{"CONC-01": "no single flight", "LOOP-05": "intercepts login 401"}))
	})

	It("rejects an ID the catalog does not have, naming the line", func() {
		_, err := conformance.ParseExpectedFailures(strings.NewReader("CONC-01\nCONC-99 typo\n"), "seed.expected", tinyCatalog)
		Expect(err).To(MatchError(ContainSubstring(`seed.expected:2: unknown scenario ID "CONC-99"`)))
	})

	It("reads a 64 KiB comment line, and names a 60 KB unknown ID in one short line", func() {
		long := "# " + strings.Repeat("x", 64<<10) + "\nCONC-01 reason\n"
		x, err := conformance.ParseExpectedFailures(strings.NewReader(long), "f", tinyCatalog)
		Expect(err).NotTo(HaveOccurred())
		Expect(x).To(HaveKey("CONC-01"))
		_, err = conformance.ParseExpectedFailures(strings.NewReader(strings.Repeat("Z", 60000)), "f", tinyCatalog)
		Expect(err).To(MatchError(ContainSubstring(`f:1: unknown scenario ID "ZZZZ`)))
		Expect(len(err.Error())).To(BeNumerically("<", 120))
	})

	It("rejects an ID listed twice", func() {
		_, err := conformance.ParseExpectedFailures(strings.NewReader("CONC-01\nCONC-01\n"), "f", tinyCatalog)
		Expect(err).To(MatchError(ContainSubstring("listed twice")))
	})
})
