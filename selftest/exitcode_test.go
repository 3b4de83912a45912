package selftest_test

import (
	"fmt"
	"slices"

	"github.com/tokenclock/tokenclock/scenarios"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("exit status and results.json", func() {
	It("exits 0 when everything passed, and writes all four reports", func() {
		r := conformance("--focus", "^LOOP-0[46]$")
		Expect(r.Code).To(Equal(0), r.Output)
		Expect(r.results().ExitCode).To(Equal(0))
		Expect(r.results().outcome(0, "LOOP-04")).To(Equal("passed"))
		for _, f := range []string{"results.json", "junit.xml", "report.html", "summary.md"} {
			Expect(filepath.Join(r.Reports, f)).To(BeAnExistingFile())
		}
	})

	It("exits 1 on a failure and ends the console finding with the rerun command", func() {
		r := conformance("--client", "go:mutant:refresh-on-403", "--focus", "^LOOP-04$")
		Expect(r.Code).To(Equal(1), r.Output)
		Expect(r.results().ExitCode).To(Equal(1))
		Expect(r.Output).To(ContainSubstring("RC1: expected exactly 0 refresh calls, observed 1 refresh call"))
		// The rerun line names the binary as it was run.
		line := binary + ` run --client mutant-refresh-on-403=go:mutant:refresh-on-403 --focus '^LOOP-04$'`
		Expect(r.Output).To(ContainSubstring("\n    " + line + "\n"))

		By("running the rerun line: just that scenario, for that client, fails the same way")
		again := exec.Command("sh", "-c", line+" --report-dir again")
		again.Dir = r.Dir
		out, err := again.CombinedOutput()
		Expect(err).To(HaveOccurred(), string(out))
		Expect(string(out)).To(ContainSubstring("mutant-refresh-on-403: 1 failed → fail"))
	})

	It("exits 0 when the failure is listed in the expected-failures file", func() {
		list := writeFile("mutant.expected", "# known\nLOOP-04 refreshes on 403\n")
		r := conformance("--client", "m=go:mutant:refresh-on-403", "--focus", "^LOOP-04$", "--expect-failures", "m="+list)
		Expect(r.Code).To(Equal(0), r.Output)
		Expect(r.results().Clients[0].Scenarios[0].ExpectedFailure).To(BeTrue())
	})

	It("exits 1 when a listed scenario passes, and every report says the list is stale", func() {
		list := writeFile("stale.expected", "LOOP-04 no longer fails\n")
		r := conformance("--client", "ref=go:reference", "--focus", "^LOOP-04$", "--expect-failures", "ref="+list)
		Expect(r.Code).To(Equal(1), r.Output)
		Expect(r.Output).To(MatchRegexp(`ref\s+LOOP-04\s+passed \(stale\)`))
		Expect(r.Output).To(ContainSubstring("ref LOOP-04 passed: listed in the expected-failures file but passed: the list is stale"))
		Expect(r.Output).To(ContainSubstring("ref: 1 stale expected failure → fail"))
		doc := r.results()
		Expect(doc.ExitCode).To(Equal(1))
		Expect(doc.Clients[0].Scenarios[0].Verdict).To(Equal("stale-expected-failure"))
		Expect(doc.Clients[0].Scenarios[0].ExpectedFailure).To(BeFalse())
		read := func(f string) string {
			b, err := os.ReadFile(filepath.Join(r.Reports, f))
			Expect(err).NotTo(HaveOccurred())
			return string(b)
		}
		Expect(read("summary.md")).To(ContainSubstring("the list is stale"))
		Expect(read("summary.md")).To(ContainSubstring("1 stale"))
		Expect(read("junit.xml")).To(MatchRegexp(`<failure message="listed in the expected-failures file but passed: the list is stale" type="stale-expected-failure"`))
		Expect(read("report.html")).To(ContainSubstring("the expected-failures list is stale"))
	})

	It("counts a warning as a failure only under --strict", func() {
		lax := conformance("--client", "go:mutant:stale-header-on-replay", "--focus", "^CONC-04$")
		Expect(lax.Code).To(Equal(0), lax.Output)
		Expect(lax.results().outcome(0, "CONC-04")).To(Equal("warned"))
		strict := conformance("--client", "go:mutant:stale-header-on-replay", "--focus", "^CONC-04$", "--strict")
		Expect(strict.Code).To(Equal(1), strict.Output)
	})

	DescribeTable("exits 2 when the harness cannot run or judge, still writing results.json",
		func(args []string, why string) {
			r := conformance(args...)
			Expect(r.Code).To(Equal(2), r.Output)
			doc := r.results()
			Expect(doc.ExitCode).To(Equal(2))
			Expect(doc.Errors).To(ContainElement(ContainSubstring(why)))
		},
		Entry("an empty selection", []string{"--focus", "^NOPE$"}, "selects no scenario"),
		Entry("an unknown flag", []string{"--bogus"}, "flag provided but not defined: -bogus"),
		Entry("an unknown ID in an expected-failures file", []string{"--expect-failures", "reference=" + "MISSING"}, "expected-failures file"),
		Entry("a malformed --client", []string{"--client", "=nothing"}, "empty NAME"),
		Entry("a mistyped built-in client", []string{"--client", "go:refrence"}, `"go:refrence" is not a built-in client`),
		Entry("an unknown mutant", []string{"--client", "go:mutant:nope"}, `unknown mutant "nope"`),
	)

	It("checks --report-dir before any scenario plays: a file there is exit 2 at once", func() {
		file := writeFile("not-a-dir", "x")
		r := tokenclock("run", "--report-dir", file)
		Expect(r.Code).To(Equal(2), r.Output)
		Expect(r.Output).To(ContainSubstring("--report-dir"))
		Expect(r.Output).NotTo(ContainSubstring("EXP-ACCESS-01"), "no scenario played")
	})

	It("rejects an unknown scenario ID in an expected-failures file with exit 2", func() {
		list := writeFile("typo.expected", "CONC-99 typo\n")
		r := conformance("--expect-failures", "reference="+list)
		Expect(r.Code).To(Equal(2), r.Output)
		Expect(r.results().Errors).To(ContainElement(ContainSubstring(`unknown scenario ID "CONC-99"`)))
	})

	It("prints the catalog and the built-in clients with list, running nothing", func() {
		r := tokenclock("list")
		Expect(r.Code).To(Equal(0))
		Expect(r.Output).To(ContainSubstring("CONC-07"))
		Expect(r.Output).To(ContainSubstring("go:mutant:no-single-flight"))
		_, err := os.Stat(filepath.Join(r.Dir, "reports"))
		Expect(os.IsNotExist(err)).To(BeTrue())
	})
})

var _ = Describe("the command line", func() {
	It("fits run --help on one screen, without go test or Ginkgo flags", func() {
		r := tokenclock("run", "--help")
		Expect(r.Code).To(Equal(0))
		Expect(strings.Count(r.Output, "\n")).To(BeNumerically("<=", 40))
		Expect(r.Output).To(ContainSubstring("--client [NAME=]COMMAND"))
		Expect(r.Output).NotTo(ContainSubstring("test."))
		Expect(r.Output).NotTo(ContainSubstring("ginkgo"))
		// docs/cli.md shows this screen: it must be this screen.
		doc, err := os.ReadFile("../docs/cli.md")
		Expect(err).NotTo(HaveOccurred())
		_, after, found := strings.Cut(string(doc), "$ tokenclock run --help\n")
		Expect(found).To(BeTrue(), "docs/cli.md shows no run --help")
		shown, _, _ := strings.Cut(after, "```")
		Expect(shown).To(Equal(r.Output), "docs/cli.md's run --help block is out of date")
	})

	It("answers a bad flag with one line and exit 2", func() {
		r := tokenclock("run", "--bogus", "--report-dir", "out")
		Expect(r.Code).To(Equal(2))
		Expect(strings.Split(strings.TrimRight(r.Output, "\n"), "\n")).To(HaveLen(1))
		Expect(r.Output).To(ContainSubstring("flag provided but not defined: -bogus"))
	})

	It("runs the reference client from any directory after go install, exit 0", func() {
		r := tokenclock("run", "--client", "go:reference", "--report-dir", "out")
		Expect(r.Code).To(Equal(0), r.Output)
		// Every row passes but those that need a real browser (browser mode) and those of
		// the oauth2 profile, skipped.
		skipped := 0
		for _, sc := range scenarios.Catalog() {
			if slices.Contains(sc.Features, "browser") || sc.Profile == "oauth2" {
				skipped++
			}
		}
		Expect(skipped).To(BeNumerically(">", 6))
		Expect(r.Output).To(ContainSubstring(fmt.Sprintf("reference: %d passed, %d skipped → pass", len(scenarios.Catalog())-skipped, skipped)))
	})
})

var _ = Describe("a driver that answers commands one at a time", func() {
	It("is inconclusive, never passed, on every gated row, whether its client is correct or not", func() {
		r := conformance("--client", "ref="+serialDriver+" go:reference",
			"--client", "nsf="+serialDriver+" go:mutant:no-single-flight",
			"--focus", "^CONC-0[12367]$", "--hold-bound", "500ms")
		Expect(r.Code).To(Equal(1), r.Output)
		doc := r.results()
		for c := range doc.Clients {
			for _, s := range doc.Clients[c].Scenarios {
				Expect(s.Outcome).To(Equal("inconclusive"), "%s %s: %s", doc.Clients[c].Name, s.ID, s.Message)
				Expect(s.Message).To(MatchRegexp(`1 of \d+ first sends arrived within the hold bound`))
				Expect(s.Message).To(ContainSubstring("protocol v1 requires starting each command as it arrives"))
			}
		}
		Expect(r.Output).To(ContainSubstring("ref: 5 inconclusive → fail"))
		Expect(r.Output).To(ContainSubstring("nsf: 5 inconclusive → fail"))
	})
})
