package scenarios_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/scenarios"
)

// The smallest adapters of the kits' docs, extracted from the docs and run through
// their kits: each one's outcomes are pinned here, and its doc section names exactly
// the rows that neither pass nor are skipped, and how many pass, so neither the code,
// the doc nor the kit can drift.
type kitExample struct {
	doc, section, lang, file string
	maxLines                 int
	// command runs the extracted file (its absolute path).
	command  func(file string) string
	outcomes map[conformance.Outcome][]string
}

var kitExamples = []kitExample{
	{
		doc: "../docs/js-kit.md", section: "## An adapter in 25 lines", lang: "js", file: "my-adapter.mjs", maxLines: 25,
		command: func(file string) string {
			runner, err := filepath.Abs("../clientunderTest/node/kit/run.mjs")
			Expect(err).NotTo(HaveOccurred())
			return "node " + runner + " " + file
		},
		outcomes: map[conformance.Outcome][]string{
			conformance.Failed: {"SESSION-01", "CANCEL-01", "CANCEL-02", "RESTART-01", "RESTART-02", "RESTART-03",
				"TABS-01", "TABS-02", "TABS-03", "TABS-04", "GQL-02", "GQL-04", "GQL-06", "GQL-08"},
			conformance.Warned: {"EXP-REFRESH-04", "EXP-REFRESH-07", "IDEM-01"},
			// It renews nothing early, declares neither bodies nor sse, and is not a real browser.
			conformance.Skipped: append([]string{"PROACTIVE-01", "PROACTIVE-02", "BODY-01", "BODY-02", "BODY-03",
				"SSE-01", "SSE-02", "SSE-03"}, notUnderCookie...),
		},
	},
	{
		doc: "../docs/python-kit.md", section: "## The smallest useful adapter", lang: "python", file: "my_adapter.py", maxLines: 31,
		command: func(file string) string {
			kit, err := filepath.Abs("../clientunderTest/python")
			Expect(err).NotTo(HaveOccurred())
			return "PYTHONPATH=" + kit + " /usr/bin/python3 " + file
		},
		outcomes: map[conformance.Outcome][]string{
			conformance.Failed: {"CONC-01", "CONC-02", "CONC-03", "CONC-06", "CONC-07", "SESSION-01", "RESTART-01",
				"RESTART-03", "TABS-01", "TABS-02", "TABS-04", "GQL-02", "GQL-04", "GQL-05", "GQL-06", "GQL-08"},
			conformance.Warned: {"EXP-REFRESH-03", "CONC-04", "CONC-05", "IDEM-01"},
			// It announces instances and restart only (the kit's default), and is no browser.
			conformance.Skipped: append([]string{"CANCEL-01", "CANCEL-02", "SKEW-01", "SKEW-02", "SKEW-03",
				"SLEEP-01", "SLEEP-02", "PROACTIVE-01", "PROACTIVE-02", "BODY-01", "BODY-02", "BODY-03",
				"SSE-01", "SSE-02", "SSE-03"}, notUnderCookie...),
		},
	},
}

// sectionOf is the text under heading in the markdown file path, up to the next "## ".
func sectionOf(path, heading string) string {
	GinkgoHelper()
	b, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	doc := string(b)
	start := strings.Index(doc, "\n"+heading+"\n")
	Expect(start).To(BeNumerically(">=", 0), "%s has no heading %q", path, heading)
	rest := doc[start+len(heading)+2:]
	if end := strings.Index(rest, "\n## "); end >= 0 {
		rest = rest[:end]
	}
	return rest
}

var _ = Describe("the kits' example adapters (docs/js-kit.md, docs/python-kit.md)", func() {
	for _, ex := range kitExamples {
		It("runs the example of "+ex.doc+" through its kit with exactly the outcomes the doc states", func(ctx SpecContext) {
			if ex.lang == "python" {
				if _, err := exec.LookPath("/usr/bin/python3"); err != nil {
					Fail("/usr/bin/python3 is missing: make python-deps installs Debian's python3 and its libraries")
				}
			}
			section := sectionOf(ex.doc, ex.section)
			blocks := codeBlocks(section, ex.lang)
			Expect(blocks).NotTo(BeEmpty(), "no %s block in %q", ex.lang, ex.section)
			Expect(strings.Count(blocks[0], "\n")).To(BeNumerically("<=", ex.maxLines), "the doc promises at most %d lines", ex.maxLines)
			file := filepath.Join(GinkgoT().TempDir(), ex.file)
			Expect(os.WriteFile(file, []byte(blocks[0]), 0o644)).To(Succeed())

			p := startDriver(ctx, "kit-example", ex.command(file))
			defer p.Close()
			got, full := playCatalog(ctx, p)
			want := outcomes{}
			for _, sc := range scenarios.Catalog() {
				want[sc.ID] = conformance.Passed
			}
			named := []string{}
			for outcome, ids := range ex.outcomes {
				for _, id := range ids {
					want[id] = outcome
					if outcome != conformance.Skipped {
						named = append(named, id)
					}
				}
			}
			Expect(notPassing(got)).To(Equal(notPassing(want)), explain(full))

			sort.Strings(named)
			Expect(rowsNamed(section)).To(Equal(named), "the rows %s names", ex.section)
			Expect(section).To(ContainSubstring("passes "+countPassed(want)+" rows"), "the pass count %s states", ex.section)
		})
	}
})

// countPassed is how many rows o passes.
func countPassed(o outcomes) string {
	n := 0
	for _, v := range o {
		if v == conformance.Passed {
			n++
		}
	}
	return strconv.Itoa(n)
}
