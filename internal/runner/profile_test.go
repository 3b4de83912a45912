package runner_test

import (
	"os/exec"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/internal/runner"
)

var _ = Describe("--profile", func() {
	profiles := func(args ...string) []string {
		GinkgoHelper()
		cfg, err := runner.ParseRun(append([]string{"--client", "a=go:reference", "--client", "b=go:reference"}, args...), "tokenclock", "test")
		Expect(err).NotTo(HaveOccurred())
		var out []string
		for _, c := range cfg.Options.Clients {
			out = append(out, c.Name+":"+c.Profile)
		}
		return out
	}

	It("leaves every client on the cookie profile by default", func() {
		Expect(profiles()).To(Equal([]string{"a:", "b:"}))
	})

	It("sets every client's profile, or one client's with NAME=, a later value winning", func() {
		Expect(profiles("--profile", "oauth2")).To(Equal([]string{"a:oauth2", "b:oauth2"}))
		Expect(profiles("--profile", "b=oauth2")).To(Equal([]string{"a:", "b:oauth2"}))
		Expect(profiles("--profile", "oauth2", "--profile", "a=cookie")).To(Equal([]string{"a:cookie", "b:oauth2"}))
	})

	DescribeTable("refuses what names no profile or no client, in one line",
		func(value, want string) {
			_, err := runner.ParseRun([]string{"--client", "a=go:reference", "--profile", value}, "tokenclock", "test")
			Expect(err).To(MatchError(ContainSubstring(want)))
			Expect(err.Error()).NotTo(ContainSubstring("\n"))
		},
		Entry("an unknown profile", "saml", `--profile "saml": unknown profile "saml" (known: cookie, oauth2)`),
		Entry("an empty one", "", `--profile "": empty profile`),
		Entry("an unknown client", "zed=oauth2", `--profile "zed=oauth2": no client is named "zed"`),
	)

	It("is carried by the rerun line of a client under oauth2", func() {
		cfg, err := runner.ParseRun([]string{"--client", "a=go:reference", "--profile", "oauth2"}, argvPrinter(), "test")
		Expect(err).NotTo(HaveOccurred())
		line := cfg.Options.Rerun(cfg.Options.Clients[0], "OAUTH-01")
		out, err := exec.Command("sh", "-c", line).Output()
		Expect(err).NotTo(HaveOccurred(), line)
		args := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
		again, err := runner.ParseRun(args[1:], "tokenclock", "test")
		Expect(err).NotTo(HaveOccurred(), line)
		Expect(again.Options.Clients[0].Profile).To(Equal("oauth2"))
	})
})
