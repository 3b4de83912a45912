package selftest_test

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v3"
)

// ciDoc is docs/ci.md, relative to this package.
const ciDoc = "../docs/ci.md"

// yamlBlocks are the ```yaml blocks of docs/ci.md by the heading (## or ###) they
// sit under.
func yamlBlocks() map[string][]string {
	GinkgoHelper()
	b, err := os.ReadFile(ciDoc)
	Expect(err).NotTo(HaveOccurred())
	out := map[string][]string{}
	heading := ""
	var block *strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case block != nil && line == "```":
			out[heading] = append(out[heading], block.String())
			block = nil
		case block != nil:
			block.WriteString(line + "\n")
		case line == "```yaml":
			block = &strings.Builder{}
		case strings.HasPrefix(line, "## ") || strings.HasPrefix(line, "### "):
			heading = strings.TrimLeft(line, "# ")
		}
	}
	Expect(block).To(BeNil(), "an unclosed yaml block")
	return out
}

// yamlMap parses a document into nested maps and lists.
func yamlMap(doc string) map[string]any {
	GinkgoHelper()
	var m map[string]any
	Expect(yaml.Unmarshal([]byte(doc), &m)).To(Succeed(), doc)
	return m
}

// at walks a path of map keys.
func at(m map[string]any, path ...string) any {
	var v any = m
	for _, k := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

// text is every string in v (a script list, a run block), joined.
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, text(e))
		}
		return strings.Join(parts, "\n")
	case map[string]any:
		var parts []string
		for _, e := range x {
			parts = append(parts, text(e))
		}
		return strings.Join(parts, "\n")
	}
	return fmt.Sprint(v)
}

// step is the step of steps that uses the action prefix names.
func step(steps any, prefix string) map[string]any {
	GinkgoHelper()
	for _, s := range steps.([]any) {
		m := s.(map[string]any)
		if uses, ok := m["uses"].(string); ok && strings.HasPrefix(uses, prefix) {
			return m
		}
	}
	Fail("no step uses " + prefix)
	return nil
}

// shardTotal is N of the --shard "…/N" in script, which must be there.
func shardTotal(script string) int {
	GinkgoHelper()
	m := regexp.MustCompile(`--shard "[^"]*/(\d+)"`).FindStringSubmatch(script)
	Expect(m).NotTo(BeNil(), "no --shard in %q", script)
	var n int
	_, err := fmt.Sscan(m[1], &n)
	Expect(err).NotTo(HaveOccurred())
	return n
}

var _ = Describe("docs/ci.md's workflows", func() {
	blocks := yamlBlocks()

	It("has the four workflows: GitHub Actions and GitLab CI, whole and sharded", func() {
		for _, h := range []string{"GitHub Actions", "GitLab CI", "GitHub Actions: shards × Node versions", "GitLab CI: `parallel:matrix`"} {
			Expect(blocks[h]).To(HaveLen(1), h)
		}
	})

	It("passes actionlint, every GitHub Actions one", func() {
		linter, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
		Expect(err).NotTo(HaveOccurred())
		for _, h := range []string{"GitHub Actions", "GitHub Actions: shards × Node versions"} {
			errs, err := linter.Lint(".github/workflows/tokenclock.yml", []byte(blocks[h][0]), nil)
			Expect(err).NotTo(HaveOccurred(), h)
			var msgs []string
			for _, e := range errs {
				msgs = append(msgs, e.Error())
			}
			Expect(msgs).To(BeEmpty(), h)
		}
	})

	It("merges, on GitHub Actions, after every shard × Node job whatever its outcome, what each uploaded, covering every shard", func() {
		w := yamlMap(blocks["GitHub Actions: shards × Node versions"][0])
		shards := at(w, "jobs", "conformance", "strategy", "matrix", "shard").([]any)
		Expect(at(w, "jobs", "conformance", "strategy", "matrix", "node")).To(HaveLen(2))
		Expect(at(w, "jobs", "conformance", "strategy", "fail-fast")).To(BeFalse(), "a failed shard must not cancel the others")
		steps := text(at(w, "jobs", "conformance", "steps"))
		Expect(shardTotal(steps)).To(Equal(len(shards)), "--shard's total is the matrix's shard count")
		Expect(steps).To(ContainSubstring(`--client "mine@node${{ matrix.node }}=`), "one client name per runtime")
		upload := step(at(w, "jobs", "conformance", "steps"), "actions/upload-artifact@")
		Expect(at(upload, "with", "name")).To(Equal("tokenclock-node${{ matrix.node }}-shard${{ matrix.shard }}"), "one artifact per job")
		Expect(at(upload, "if")).To(Equal("always()"), "a failed shard's reports are kept")

		Expect(at(w, "jobs", "merge", "needs")).To(Equal("conformance"))
		Expect(at(w, "jobs", "merge", "if")).To(Equal("${{ !cancelled() }}"), "after failed shards too")
		merge := text(at(w, "jobs", "merge", "steps"))
		download := step(at(w, "jobs", "merge", "steps"), "actions/download-artifact@")
		Expect(at(download, "with", "pattern")).To(Equal("tokenclock-node*-shard*"))
		Expect(at(download, "with", "path")).To(Equal("shards"))
		Expect(at(download, "with", "merge-multiple")).To(BeNil(), "each artifact in a directory of its own, or one results.json overwrites another")
		Expect(merge).To(ContainSubstring("tokenclock merge shards/* --clients mine@node20,mine@node22 --report-dir tokenclock-reports"))
		Expect(at(w, "env", "TOKENCLOCK_VERSION")).NotTo(BeNil(), "one version for every job: the catalogs must match")
	})

	It("merges, on GitLab CI, after every job of the parallel matrix whatever its outcome, each job's own directory, covering every shard", func() {
		g := yamlMap(blocks["GitLab CI: `parallel:matrix`"][0])
		Expect(at(g, "stages")).To(Equal([]any{"test", "report"}))
		job := "token-refresh-conformance"
		Expect(at(g, job, "stage")).To(Equal("test"))
		matrix := at(g, job, "parallel", "matrix").([]any)
		Expect(matrix).To(HaveLen(1))
		cell := matrix[0].(map[string]any)
		Expect(cell["NODE"]).To(HaveLen(2))
		script := text(at(g, job, "script"))
		Expect(shardTotal(script)).To(Equal(len(cell["SHARD"].([]any))))
		Expect(script).To(ContainSubstring(`--report-dir "tokenclock-shards/node${NODE}-shard${SHARD}"`), "one directory per job")
		Expect(at(g, job, "artifacts", "when")).To(Equal("always"))

		m := "merge-tokenclock-reports"
		Expect(at(g, m, "stage")).To(Equal("report"))
		Expect(at(g, m, "when")).To(Equal("always"))
		Expect(at(g, m, "needs")).To(Equal([]any{map[string]any{"job": job, "artifacts": true}}))
		Expect(text(at(g, m, "script"))).To(ContainSubstring("tokenclock merge tokenclock-shards/* --clients mine@node20,mine@node22 --report-dir tokenclock-reports"))
		Expect(at(g, m, "artifacts", "reports", "junit")).To(Equal("tokenclock-reports/junit.xml"))
		// Both jobs install tokenclock from the one anchor: the same version.
		Expect(text(at(g, job, "before_script"))).To(ContainSubstring("go install"))
		Expect(text(at(g, m, "before_script"))).To(Equal(text(at(g, ".tokenclock"))))
	})
})
