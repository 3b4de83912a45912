package selftest_test

import (
	"encoding/base64"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("a driver that leaks its tokens", func() {
	It("leaks none into any report or the console: stdout, late stderr and paths are scrubbed", func() {
		secretsFile := filepath.Join(GinkgoT().TempDir(), "secrets")
		driver, err := filepath.Abs("testdata/hostile-driver.mjs")
		Expect(err).NotTo(HaveOccurred())
		GinkgoT().Setenv("HOSTILE_SECRETS", secretsFile)
		r := conformance("--client", "hostile=node "+driver,
			"--focus", "^(EXP-ACCESS-01|LOOP-04|LOOP-06|EXP-REFRESH-01|EXP-ACCESS-04)$")
		Expect(r.Code).To(Equal(1), r.Output) // it never refreshes, and breaks the protocol once

		raw, err := os.ReadFile(secretsFile)
		Expect(err).NotTo(HaveOccurred())
		secrets := strings.Fields(string(raw))
		Expect(len(secrets)).To(BeNumerically(">=", 10), "the driver saw tokens in every scenario")

		texts := map[string]string{"console": r.Output}
		for _, f := range []string{"results.json", "junit.xml", "report.html", "summary.md"} {
			b, err := os.ReadFile(filepath.Join(r.Reports, f))
			Expect(err).NotTo(HaveOccurred())
			texts[f] = string(b)
		}
		Expect(texts["results.json"]).To(ContainSubstring("late debug: access=A0"), "the late stderr line was kept, scrubbed")
		Expect(texts["results.json"]).To(ContainSubstring("/api/ideas/A0"), "the path was kept, scrubbed")
		leakPattern := regexp.MustCompile(`eyJ|refreshToken=[^R]`)
		for name, text := range texts {
			Expect(leakPattern.FindString(text)).To(BeEmpty(), name)
			for _, s := range secrets {
				for _, form := range []string{s, base64.StdEncoding.EncodeToString([]byte(s)),
					base64.RawURLEncoding.EncodeToString([]byte(s)), url.QueryEscape(s)} {
					// Any 16-character part of it, too: a cut line or stderr tail leaves parts.
					for i := 0; i+16 <= len(form); i += 4 {
						Expect(text).NotTo(ContainSubstring(form[i:i+16]), "%s holds part of a secret the driver was issued", name)
					}
				}
			}
		}
	})
})
