package scenarios_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/scenarios"
)

// The JS kit's example adapter (docs/js-kit.md), extracted from the doc and run through
// the kit: its outcomes are pinned here, and the doc's section names exactly the rows
// that do not pass (skipped rows aside), so neither the code, the doc nor the kit can
// drift.
const (
	jsKitDoc     = "../docs/js-kit.md"
	jsKitSection = "## An adapter in 25 lines"
	jsKitRunner  = "../clientunderTest/node/kit/run.mjs"
)

var jsKitExample = map[conformance.Outcome][]string{
	conformance.Failed: {"SESSION-01", "CANCEL-01", "CANCEL-02", "RESTART-01", "RESTART-02", "RESTART-03",
		"TABS-01", "TABS-02", "TABS-03", "TABS-04", "GQL-02", "GQL-04", "GQL-06", "GQL-08"},
	conformance.Warned: {"EXP-REFRESH-04", "EXP-REFRESH-07", "IDEM-01"},
	// It renews nothing early, declares neither bodies nor sse, and is not a real browser.
	conformance.Skipped: append([]string{"PROACTIVE-01", "PROACTIVE-02", "BODY-01", "BODY-02", "BODY-03",
		"SSE-01", "SSE-02", "SSE-03"}, browserOnly...),
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

var _ = Describe("the JS kit's example adapter of docs/js-kit.md", func() {
	It("runs through the kit with exactly the outcomes the doc states", func(ctx SpecContext) {
		section := sectionOf(jsKitDoc, jsKitSection)
		blocks := codeBlocks(section, "js")
		Expect(blocks).NotTo(BeEmpty(), "no js block in %q", jsKitSection)
		Expect(strings.Count(blocks[0], "\n")).To(BeNumerically("<=", 25), "the heading promises 25 lines")
		adapter := filepath.Join(GinkgoT().TempDir(), "my-adapter.mjs")
		Expect(os.WriteFile(adapter, []byte(blocks[0]), 0o644)).To(Succeed())
		runner, err := filepath.Abs(jsKitRunner)
		Expect(err).NotTo(HaveOccurred())

		p := startDriver(ctx, "js-kit-example", "node "+runner+" "+adapter)
		defer p.Close()
		got, full := playCatalog(ctx, p)
		want := outcomes{}
		for _, sc := range scenarios.Catalog() {
			want[sc.ID] = conformance.Passed
		}
		named := []string{}
		for outcome, ids := range jsKitExample {
			for _, id := range ids {
				want[id] = outcome
				if outcome != conformance.Skipped {
					named = append(named, id)
				}
			}
		}
		Expect(notPassing(got)).To(Equal(notPassing(want)), explain(full))

		sort.Strings(named)
		Expect(rowsNamed(section)).To(Equal(named), "the rows %s names", jsKitSection)
		Expect(section).To(MatchRegexp(`passes ` + regexp.QuoteMeta(countPassed(want)) + ` rows`))
	})
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
