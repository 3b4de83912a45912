package reports_test

import (
	"bytes"
	"github.com/tokenclock/tokenclock/conformance"
	"io"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/reports"
)

// expectGolden compares got with testdata/name, or rewrites it under -update.
func expectGolden(name string, got []byte) {
	path := filepath.Join("testdata", name)
	if *update {
		Expect(os.WriteFile(path, got, 0o644)).To(Succeed())
		return
	}
	want, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred(), "missing golden file; run: go test ./reports -update")
	Expect(string(got)).To(Equal(string(want)), "output differs from %s; if intended, run: go test ./reports -update", path)
}

func render(write func(io.Writer, conformance.RunResult) error, run conformance.RunResult) []byte {
	var buf bytes.Buffer
	Expect(write(&buf, run)).To(Succeed())
	return buf.Bytes()
}

var _ = Describe("golden files", func() {
	It("summary.md matches testdata/summary.md.golden", func() {
		expectGolden("summary.md.golden", render(reports.WriteSummary, sampleRun()))
	})

	It("junit.xml matches testdata/junit.xml.golden", func() {
		expectGolden("junit.xml.golden", render(reports.WriteJUnit, sampleRun()))
	})

	It("renders the same bytes every time (no map order, no clock)", func() {
		for _, w := range []func(io.Writer, conformance.RunResult) error{reports.WriteSummary, reports.WriteJUnit, reports.WriteHTML, reports.WriteJSON} {
			Expect(render(w, sampleRun())).To(Equal(render(w, sampleRun())))
		}
	})
})
