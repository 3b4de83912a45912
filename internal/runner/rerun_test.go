package runner_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/internal/runner"
)

// argv0 is a stand-in for the tokenclock binary that prints the arguments the shell
// gave it, NUL-separated, so a test can see what a rerun line really passes.
func argvPrinter() string {
	GinkgoHelper()
	p := filepath.Join(GinkgoT().TempDir(), "print args")
	Expect(os.WriteFile(p, []byte("#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done\n"), 0o755)).To(Succeed())
	return p
}

var _ = Describe("rerun lines", func() {
	DescribeTable("survive a shell round trip whatever the client command holds",
		func(command string) {
			list := filepath.Join(GinkgoT().TempDir(), "it's $HOME.expected")
			Expect(os.WriteFile(list, []byte("LOOP-04 known\n"), 0o644)).To(Succeed())
			cfg, err := runner.ParseRun([]string{"--client", "x=" + command, "--expect-failures", "x=" + list,
				"--strict", "--hold-bound", "3s", "--hello-timeout", "20s"}, argvPrinter(), "test")
			Expect(err).NotTo(HaveOccurred())
			line := cfg.Options.Rerun(cfg.Options.Clients[0], "LOOP-04")
			out, err := exec.Command("sh", "-c", line).Output()
			Expect(err).NotTo(HaveOccurred(), line)
			args := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
			Expect(args[0]).To(Equal("run"))
			again, err := runner.ParseRun(args[1:], "tokenclock", "test")
			Expect(err).NotTo(HaveOccurred(), line)
			Expect(again.Options.Clients).To(HaveLen(1))
			Expect(again.Options.Clients[0].Command).To(Equal(command))
			Expect(again.Options.Clients[0].ExpectedFailuresFile).To(Equal(list))
			Expect(again.Options.Strict).To(BeTrue())
			Expect(again.Options.Limits.HoldBound.String()).To(Equal("3s"))
			Expect(again.Options.HelloTimeout.String()).To(Equal("20s"))
			Expect(again.Options.Catalog).To(HaveLen(1))
			Expect(again.Options.Catalog[0].ID).To(Equal("LOOP-04"))
		},
		Entry("quotes", `node -e 'console.log("hi")' driver.mjs`),
		Entry("dollars and backticks", "FOO=$HOME node `pwd`/d.mjs $(id -u)"),
		Entry("backslashes and a glob", `node C:\\drivers\\*.mjs`),
		Entry("a semicolon and a pipe", "node d.mjs; rm -rf / | true"),
	)
})
