package clientundertest_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
)

var _ = Describe("ParseClientFlag", func() {
	DescribeTable("splits [NAME=]COMMAND",
		func(flag, wantName, wantCommand string) {
			name, command, err := cut.ParseClientFlag(flag)
			Expect(err).NotTo(HaveOccurred())
			Expect(name).To(Equal(wantName))
			Expect(command).To(Equal(wantCommand))
		},
		Entry("named", "axios-seed=node clientunderTest/node/kit/run.mjs clientunderTest/node/adapters/axios-seed.mjs",
			"axios-seed", "node clientunderTest/node/kit/run.mjs clientunderTest/node/adapters/axios-seed.mjs"),
		Entry("unnamed", "node driver.mjs", "", "node driver.mjs"),
		Entry("an environment assignment is no name", "FOO=1 node driver.mjs", "", "FOO=1 node driver.mjs"),
		Entry("a name with digits and dashes, '=' later in the command", "py-3=python d.py --x=1", "py-3", "python d.py --x=1"),
		Entry("a built-in", "go:reference", "", "go:reference"),
		Entry("a built-in mutant", "go:mutant:no-retry", "", "go:mutant:no-retry"),
		Entry("a named built-in", "ref=go:reference", "ref", "go:reference"),
		Entry("surrounding spaces trimmed", "x=  node d.mjs ", "x", "node d.mjs"),
	)

	DescribeTable("rejects",
		func(flag, wantMsg string) {
			_, _, err := cut.ParseClientFlag(flag)
			Expect(err).To(MatchError(ContainSubstring(wantMsg)))
		},
		Entry("an empty value", "", "empty command"),
		Entry("blanks", "   ", "empty command"),
		Entry("a name without a command", "axios=", "empty command"),
		Entry("a name of only blanks after '='", "axios=  ", "empty command"),
		Entry("an empty name", "=node d.mjs", "empty NAME"),
	)
})
