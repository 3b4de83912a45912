package scenarios_test

import (
	"flag"
	"fmt"
	"os"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/scenarios"
)

// updateDocs rewrites the generated sections of docs/conformance.md from the code:
// go test ./scenarios -run TestScenarios -args -update-docs
// (or ginkgo ./scenarios -- -update-docs).
var updateDocs = flag.Bool("update-docs", false, "rewrite the generated sections of docs/conformance.md from conformance.Contract() and scenarios.Catalog()")

// conformanceDoc is docs/conformance.md, relative to this package.
const conformanceDoc = "../docs/conformance.md"

// updateDocsCommand is what an out-of-date section's failure tells the reader to run.
const updateDocsCommand = "go test ./scenarios -run TestScenarios -args -update-docs"

// contractTable renders the retry contract as docs/conformance.md shows it.
func contractTable(contract []conformance.Requirement) string {
	var b strings.Builder
	b.WriteString("| # | level | requirement |\n|---|---|---|\n")
	for _, r := range contract {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", cell(string(r.ID)), cell(string(r.Level)), cell(r.Text))
	}
	return b.String()
}

// catalogTable renders the scenario catalog as docs/conformance.md shows it.
func catalogTable(catalog conformance.Catalog) string {
	var b strings.Builder
	b.WriteString("| ID | level | requirements | profile | title |\n|---|---|---|---|---|\n")
	for _, sc := range catalog {
		reqs := make([]string, len(sc.Requirements))
		for i, r := range sc.Requirements {
			reqs[i] = string(r)
		}
		profile := sc.Profile
		if profile == "" {
			profile = "both"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", cell(sc.ID), cell(string(sc.Level)), cell(strings.Join(reqs, ", ")), profile, cell(sc.Title))
	}
	return b.String()
}

// cell keeps a value inside its Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(conformance.OneLine(s), "|", `\|`)
}

// generatedSections are the sections of docs/conformance.md drawn from the code, by
// marker name.
func generatedSections() map[string]string {
	return map[string]string{
		"contract": contractTable(conformance.Contract()),
		"catalog":  catalogTable(scenarios.Catalog()),
	}
}

func beginMarker(name string) string { return "<!-- BEGIN GENERATED: " + name + " -->\n" }
func endMarker(name string) string   { return "<!-- END GENERATED: " + name + " -->" }

// section finds the text between name's markers: doc[start:end] is the body.
func section(doc, name string) (start, end int, err error) {
	begin, stop := beginMarker(name), endMarker(name)
	if n := strings.Count(doc, begin); n != 1 {
		return 0, 0, fmt.Errorf("%s: want one line %q, found %d", conformanceDoc, strings.TrimSpace(begin), n)
	}
	if n := strings.Count(doc, stop); n != 1 {
		return 0, 0, fmt.Errorf("%s: want one %q, found %d", conformanceDoc, stop, n)
	}
	start = strings.Index(doc, begin) + len(begin)
	end = strings.Index(doc, stop)
	if end < start {
		return 0, 0, fmt.Errorf("%s: %q comes before %q", conformanceDoc, stop, strings.TrimSpace(begin))
	}
	return start, end, nil
}

// checkSection reports whether doc holds want, exactly, between name's markers.
func checkSection(doc, name, want string) error {
	start, end, err := section(doc, name)
	if err != nil {
		return err
	}
	if got := doc[start:end]; got != want {
		return fmt.Errorf("the %s section of %s is out of date; run: %s\n%s",
			name, conformanceDoc, updateDocsCommand, lineDiff(got, want))
	}
	return nil
}

// lineDiff lists the lines only the doc has (-) and only the code has (+).
func lineDiff(doc, code string) string {
	in := func(lines []string, l string) bool {
		for _, x := range lines {
			if x == l {
				return true
			}
		}
		return false
	}
	docLines, codeLines := strings.Split(doc, "\n"), strings.Split(code, "\n")
	var b strings.Builder
	for _, l := range docLines {
		if !in(codeLines, l) {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range codeLines {
		if !in(docLines, l) {
			b.WriteString("+ " + l + "\n")
		}
	}
	if b.Len() == 0 {
		b.WriteString("(the same lines in another order)\n")
	}
	return b.String()
}

// expectSection fails the spec, with the lines that differ, unless doc's name
// section is what the code generates.
func expectSection(doc, name string) {
	GinkgoHelper()
	if err := checkSection(doc, name, generatedSections()[name]); err != nil {
		Fail(err.Error())
	}
}

// replaceSection puts body between name's markers.
func replaceSection(doc, name, body string) (string, error) {
	start, end, err := section(doc, name)
	if err != nil {
		return "", err
	}
	return doc[:start] + body + doc[end:], nil
}

var _ = Describe("docs/conformance.md", Ordered, ContinueOnFailure, func() {
	var doc string

	BeforeAll(func() {
		b, err := os.ReadFile(conformanceDoc)
		Expect(err).NotTo(HaveOccurred())
		doc = string(b)
		if !*updateDocs {
			return
		}
		updated := doc
		for name, body := range generatedSections() {
			updated, err = replaceSection(updated, name, body)
			Expect(err).NotTo(HaveOccurred())
		}
		if updated != doc {
			Expect(os.WriteFile(conformanceDoc, []byte(updated), 0o644)).To(Succeed())
			doc = updated
		}
	})

	It("shows the contract as conformance.Contract() has it", func() {
		expectSection(doc, "contract")
	})

	It("shows the catalog as scenarios.Catalog() has it", func() {
		expectSection(doc, "catalog")
	})

	It("would notice a requirement whose text or level changed in the code", func() {
		changed := conformance.Contract()
		changed[6].Text += " Also, promptly means within one second."
		Expect(checkSection(doc, "contract", contractTable(changed))).To(MatchError(ContainSubstring("out of date")))
		changed = conformance.Contract()
		changed[0].Level = conformance.Should
		Expect(checkSection(doc, "contract", contractTable(changed))).To(MatchError(ContainSubstring("out of date")))
	})

	It("would notice a catalog row whose title, level or requirements changed in the code", func() {
		for _, change := range []func(*conformance.Scenario){
			func(sc *conformance.Scenario) { sc.Title += "!" },
			func(sc *conformance.Scenario) { sc.Level = conformance.Should },
			func(sc *conformance.Scenario) {
				sc.Requirements = append(append([]conformance.RequirementID{}, sc.Requirements...), conformance.RC14)
			},
		} {
			changed := scenarios.Catalog()
			change(&changed[0])
			Expect(checkSection(doc, "catalog", catalogTable(changed))).To(MatchError(ContainSubstring("out of date")))
		}
	})

	It("names only commands that exist", func() {
		// Forms removed with the test binary and the old make variables.
		for _, gone := range []string{"--list", "make conformance CLIENT=", "FOCUS=", "STRICT=1", "EXPECT="} {
			Expect(doc).NotTo(ContainSubstring(gone))
		}
	})
})
