package scenarios_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/scenarios"
)

// The two examples of docs/writing-a-driver.md, played against the whole catalog. Each
// one's outcome matrix is written here as literal lists, and its section of the doc
// must name exactly the scenario IDs these lists name: change the example's
// behaviour, the lists or the doc alone and a spec fails.
const (
	writingADriver = "../docs/writing-a-driver.md"
	goExampleDir   = "../docs/examples/go-driver"
	goSection      = "## Go, on the driver kit"
	nodeSection    = "## Node, in one file"
)

// exampleMatrix is what the doc states for one example: the rows it fails, the rows
// it is warned on and the rows it is skipped on (a feature it does not announce).
// Every other row of the catalog passes.
type exampleMatrix struct{ failed, warned, skipped []string }

// withoutFeatures: the Node example announces no optional feature (cancel, restart,
// clock, instances, bodies, sse), nor is it a browser; the OAUTH rows are the oauth2
// profile's.
var withoutFeatures = []string{"CANCEL-01", "CANCEL-02", "RESTART-01", "RESTART-02", "RESTART-03",
	"SKEW-01", "SKEW-02", "SKEW-03", "SLEEP-01", "SLEEP-02", "PROACTIVE-01", "PROACTIVE-02",
	"TABS-01", "TABS-02", "TABS-03", "TABS-04", "BODY-01", "BODY-02", "BODY-03",
	"SSE-01", "SSE-02", "SSE-03", "BROWSER-01", "BROWSER-02", "BROWSER-03", "BROWSER-04",
	"BROWSER-05", "BROWSER-06", "OAUTH-01", "OAUTH-02", "OAUTH-03"}

// goWithoutFeatures: the Go example has the features the driver kit supplies (cancel,
// restart, instances); not clock, since its client never reads one, nor bodies and sse,
// which the kit does not offer; nor is it a browser (and the OAUTH rows are oauth2's).
var goWithoutFeatures = []string{"SKEW-01", "SKEW-02", "SKEW-03", "SLEEP-01", "SLEEP-02",
	"PROACTIVE-01", "PROACTIVE-02", "BODY-01", "BODY-02", "BODY-03", "SSE-01", "SSE-02", "SSE-03",
	"BROWSER-01", "BROWSER-02", "BROWSER-03", "BROWSER-04", "BROWSER-05", "BROWSER-06",
	"OAUTH-01", "OAUTH-02", "OAUTH-03"}

var (
	// The Go example (client.go + main.go on the driver kit) passes every row, MUST and
	// SHOULD, that needs no feature it lacks.
	goExampleMatrix = exampleMatrix{skipped: goWithoutFeatures}
	// The Node example's naive client refreshes once per 401, in parallel.
	nodeExampleMatrix = exampleMatrix{
		failed: []string{"CONC-01", "CONC-02", "CONC-03", "CONC-06", "CONC-07", "SESSION-01",
			"GQL-02", "GQL-04", "GQL-05", "GQL-06", "GQL-08"},
		warned:  []string{"EXP-REFRESH-03", "CONC-04", "CONC-05", "IDEM-01"},
		skipped: withoutFeatures,
	}
)

// outcomes is the full matrix: every catalog row, passed unless listed.
func (m exampleMatrix) outcomes() outcomes {
	want := outcomes{}
	for _, sc := range scenarios.Catalog() {
		want[sc.ID] = conformance.Passed
	}
	for _, id := range m.failed {
		want[id] = conformance.Failed
	}
	for _, id := range m.warned {
		want[id] = conformance.Warned
	}
	for _, id := range m.skipped {
		want[id] = conformance.Skipped
	}
	return want
}

// expectMatrix asserts that got is exactly m, row by row, printing the rows that do
// not pass (in catalog order) on both sides.
func expectMatrix(got outcomes, m exampleMatrix, explanation string) {
	ExpectWithOffset(1, notPassing(got)).To(Equal(notPassing(m.outcomes())), explanation)
	ExpectWithOffset(1, got).To(Equal(m.outcomes()), explanation)
}

// notPassing lists "ID outcome" for every row of o that did not pass, in catalog order.
func notPassing(o outcomes) []string {
	rows := []string{}
	for _, sc := range scenarios.Catalog() {
		if o[sc.ID] != conformance.Passed {
			rows = append(rows, sc.ID+" "+string(o[sc.ID]))
		}
	}
	return rows
}

func (m exampleMatrix) ids() []string {
	ids := append(append(append([]string{}, m.failed...), m.warned...), m.skipped...)
	sort.Strings(ids)
	return ids
}

var _ = Describe("the examples of docs/writing-a-driver.md", func() {
	It("has the Go example pass the catalog exactly as the doc states", func(ctx SpecContext) {
		Expect(goExampleMatrix.outcomes()).To(HaveLen(len(scenarios.Catalog())))
		bin := filepath.Join(GinkgoT().TempDir(), "go-driver")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, goExampleDir)
		out, err := build.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), "go build %s:\n%s", goExampleDir, out)

		// Not startDriver: this driver needs no node. The same generous hello bound.
		p, err := cut.StartProcess(ctx, cut.ProcessOptions{Name: "go-example", Command: bin, HelloTimeout: 20 * time.Second})
		Expect(err).NotTo(HaveOccurred())
		defer p.Close()
		got, full := playCatalog(ctx, p)
		expectMatrix(got, goExampleMatrix, explain(full))
	})

	It("has the Node example, extracted from the doc, fail the catalog exactly as the doc states", func(ctx SpecContext) {
		code := codeBlocks(docSection(nodeSection), "js")
		Expect(code).NotTo(BeEmpty(), "no js block in %q", nodeSection)
		script := filepath.Join(GinkgoT().TempDir(), "my-driver.mjs")
		Expect(os.WriteFile(script, []byte(code[0]), 0o644)).To(Succeed())

		p := startDriver(ctx, "node-example", "node "+script)
		defer p.Close()
		got, full := playCatalog(ctx, p)
		expectMatrix(got, nodeExampleMatrix, explain(full))
	})

	It("names in each example's section exactly the rows it does not pass", func() {
		Expect(rowsNamed(docSection(goSection))).To(Equal(goExampleMatrix.ids()), goSection)
		Expect(rowsNamed(docSection(nodeSection))).To(Equal(nodeExampleMatrix.ids()), nodeSection)
	})

	It("quotes the Go example's code verbatim", func() {
		var src string
		for _, f := range []string{"main.go", "client.go"} {
			b, err := os.ReadFile(filepath.Join(goExampleDir, f))
			Expect(err).NotTo(HaveOccurred())
			src += string(b)
		}
		blocks := codeBlocks(docSection(goSection), "go")
		Expect(blocks).NotTo(BeEmpty(), "no go block in %q", goSection)
		for _, b := range blocks {
			Expect(src).To(ContainSubstring(b), "a go block of %q that is not in %s", goSection, goExampleDir)
		}
	})
})

// docSection is the text of writing-a-driver.md from the heading line to the next
// heading of level 2 (its ### subsections included).
func docSection(heading string) string {
	b, err := os.ReadFile(writingADriver)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	doc := string(b)
	start := strings.Index(doc, "\n"+heading+"\n")
	ExpectWithOffset(1, start).To(BeNumerically(">=", 0), "%s has no heading %q", writingADriver, heading)
	rest := doc[start+len(heading)+2:]
	if end := strings.Index(rest, "\n## "); end >= 0 {
		rest = rest[:end]
	}
	return rest
}

// codeBlocks are the fenced blocks of the given language in text, in order.
func codeBlocks(text, lang string) []string {
	var blocks []string
	re := regexp.MustCompile("(?ms)^```" + regexp.QuoteMeta(lang) + "\n(.*?)^```$")
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// rowsNamed are the catalog IDs that text mentions, sorted.
func rowsNamed(text string) []string {
	ids := []string{}
	for _, sc := range scenarios.Catalog() {
		if regexp.MustCompile(`\b` + regexp.QuoteMeta(sc.ID) + `\b`).MatchString(text) {
			ids = append(ids, sc.ID)
		}
	}
	sort.Strings(ids)
	return ids
}
