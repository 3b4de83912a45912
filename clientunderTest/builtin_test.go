package clientundertest_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
)

var _ = Describe("Built-in clients", func() {
	DescribeTable("IsBuiltIn",
		func(command string, want bool) { Expect(cut.IsBuiltIn(command)).To(Equal(want)) },
		Entry("the reference", "go:reference", true),
		Entry("a mutant", "go:mutant:refresh-on-403", true),
		Entry("an unknown mutant (NewBuiltIn explains)", "go:mutant:nope", true),
		Entry("a driver command line", "node clientunderTest/node/kit/run.mjs clientunderTest/node/adapters/axios-seed.mjs", false),
		Entry("empty", "", false),
	)

	It("builds the reference and every mutant by name", func() {
		c, err := cut.NewBuiltIn("go:reference")
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Hello().Name).To(Equal("go-reference"))
		for _, m := range cut.Mutants() {
			c, err := cut.NewBuiltIn("go:mutant:" + m.Name)
			Expect(err).NotTo(HaveOccurred())
			Expect(c.Hello().Name).To(Equal("go-mutant:" + m.Name))
		}
	})

	It("names the known clients when the name is unknown", func() {
		_, err := cut.NewBuiltIn("go:mutant:nope")
		Expect(err).To(MatchError(And(ContainSubstring(`"nope"`), ContainSubstring("ignores-rotated-cookie"))))
		_, err = cut.NewBuiltIn("go:referense")
		Expect(err).To(MatchError(And(ContainSubstring("go:reference"), ContainSubstring("go:mutant:"))))
	})
})
