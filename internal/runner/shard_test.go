package runner_test

import (
	"bytes"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/internal/runner"
)

var _ = Describe("--shard and merge's command line", func() {
	It("reads --shard I/N, refusing a malformed one in one line", func() {
		cfg, err := runner.ParseRun([]string{"--shard", "2/3"}, "tokenclock", "test")
		Expect(err).NotTo(HaveOccurred())
		Expect(cfg.Options.Shard.String()).To(Equal("2/3"))
		_, err = runner.ParseRun([]string{"--shard", "4/3"}, "tokenclock", "test")
		Expect(err).To(MatchError(`--shard "4/3": want INDEX/TOTAL with 1 ≤ INDEX ≤ TOTAL ≤ 1000, e.g. 2/3`))
	})

	DescribeTable("merge refuses a command line it cannot use, exit 2, one line",
		func(want string, args ...string) {
			var out, errOut bytes.Buffer
			Expect(runner.Merge(args, &out, &errOut)).To(Equal(2))
			Expect(errOut.String()).To(ContainSubstring(want))
			Expect(errOut.String()).To(HaveSuffix("(see tokenclock merge --help)\n"))
		},
		Entry("no directory", "give the report directories to merge"),
		Entry("an unknown flag", "unknown flag --shard", "a", "--shard", "1/2"),
		Entry("no value for --report-dir", "--report-dir needs a directory", "a", "--report-dir"),
		Entry("writing over an input", "--report-dir out is one of the inputs", "out", "b", "--report-dir=out"),
	)

	It("says what a directory without results.json is", func() {
		var out, errOut bytes.Buffer
		dir := GinkgoT().TempDir()
		Expect(runner.Merge([]string{dir, "--report-dir", GinkgoT().TempDir()}, &out, &errOut)).To(Equal(2))
		Expect(errOut.String()).To(ContainSubstring(dir + ": no results.json"))
	})
})
