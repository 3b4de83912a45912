package runner_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"

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
			dir := GinkgoT().TempDir()
			Expect(os.Mkdir(filepath.Join(dir, "in"), 0o755)).To(Succeed())
			Expect(os.Symlink("in", filepath.Join(dir, "link-to-in"))).To(Succeed())
			GinkgoT().Chdir(dir)
			var out, errOut bytes.Buffer
			Expect(runner.Merge(args, &out, &errOut)).To(Equal(2))
			Expect(errOut.String()).To(ContainSubstring(want))
			Expect(errOut.String()).To(HaveSuffix("(see tokenclock merge --help)\n"))
		},
		Entry("no directory", "give the report directories to merge"),
		Entry("an unknown flag", "unknown flag --shard", "a", "--shard", "1/2"),
		Entry("no value for --report-dir", "--report-dir needs a value", "a", "--report-dir"),
		Entry("a symlink to an input as the output", "is one of the inputs", "in", "--report-dir", "link-to-in"),
		Entry("writing over an input", "--report-dir out is one of the inputs", "out", "b", "--report-dir=out"),
	)

	It("names the client --clients wants and no input holds", func() {
		dir := GinkgoT().TempDir()
		Expect(runner.Run(context.Background(), []string{"--focus", "^LOOP-04$", "--report-dir", filepath.Join(dir, "a")}, "tokenclock", "test",
			io.Discard, io.Discard)).To(Equal(0))
		var out, errOut bytes.Buffer
		code := runner.Merge([]string{filepath.Join(dir, "a"), "--clients", "reference,app@node22", "--report-dir", filepath.Join(dir, "m")}, &out, &errOut)
		Expect(code).To(Equal(2))
		Expect(errOut.String()).To(ContainSubstring("client app@node22 (--clients) is in no input"))
		Expect(filepath.Join(dir, "m")).NotTo(BeAnExistingFile())
	})

	It("says what a directory without results.json is", func() {
		var out, errOut bytes.Buffer
		dir := GinkgoT().TempDir()
		Expect(runner.Merge([]string{dir, "--report-dir", GinkgoT().TempDir()}, &out, &errOut)).To(Equal(2))
		Expect(errOut.String()).To(ContainSubstring(dir + ": no results.json"))
	})
})
