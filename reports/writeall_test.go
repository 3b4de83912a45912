package reports_test

import (
	"encoding/json"
	"github.com/tokenclock/tokenclock/conformance"
	"os"
	"path/filepath"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/reports"
)

var _ = Describe("WriteAll", func() {
	var dir string
	BeforeEach(func() { dir = filepath.Join(GinkgoT().TempDir(), "nested", "out") })

	It("creates the dir and writes the four files, each equal to its single writer", func() {
		run := sampleRun()
		Expect(reports.WriteAll(dir, run)).To(Succeed())
		for name, w := range map[string]func() []byte{
			reports.ResultsFile: func() []byte { return render(reports.WriteJSON, run) },
			reports.JUnitFile:   func() []byte { return render(reports.WriteJUnit, run) },
			reports.HTMLFile:    func() []byte { return render(reports.WriteHTML, run) },
			reports.SummaryFile: func() []byte { return render(reports.WriteSummary, run) },
		} {
			got, err := os.ReadFile(filepath.Join(dir, name))
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(Equal(w()), name)
			info, err := os.Stat(filepath.Join(dir, name))
			Expect(err).NotTo(HaveOccurred())
			Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o644)))
		}
		entries, err := os.ReadDir(dir)
		Expect(err).NotTo(HaveOccurred())
		Expect(entries).To(HaveLen(4), "no temporary files left behind")
	})

	It("replaces earlier reports, and readers never see a half-written file", func() {
		small, big := conformance.RunResult{Tool: "tokenclock", ExitCode: 0}, sampleRun()
		big.Clients[0].Scenarios[0].Journal = longJournal(2000)
		Expect(reports.WriteAll(dir, small)).To(Succeed())
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer GinkgoRecover()
			defer wg.Done()
			for i := range 6 {
				Expect(reports.WriteAll(dir, map[bool]conformance.RunResult{true: big, false: small}[i%2 == 0])).To(Succeed())
			}
		}()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		reads := 0
		for running := true; running; reads++ {
			select {
			case <-done:
				running = false
			default:
			}
			raw, err := os.ReadFile(filepath.Join(dir, reports.ResultsFile))
			Expect(err).NotTo(HaveOccurred())
			var back conformance.RunResult
			Expect(json.Unmarshal(raw, &back)).To(Succeed(), "read %d saw a partial results.json", reads)
		}
		var back conformance.RunResult
		raw, err := os.ReadFile(filepath.Join(dir, reports.ResultsFile))
		Expect(err).NotTo(HaveOccurred())
		Expect(json.Unmarshal(raw, &back)).To(Succeed())
		Expect(back.Clients).To(BeEmpty(), "the last write (small) wins")
	})

	It("returns an error, and does not panic, when the dir cannot be made", func() {
		file := filepath.Join(GinkgoT().TempDir(), "file")
		Expect(os.WriteFile(file, []byte("x"), 0o644)).To(Succeed())
		err := reports.WriteAll(filepath.Join(file, "out"), sampleRun())
		Expect(err).To(MatchError(ContainSubstring("report dir")))
	})

	It("writes all four files for an empty or odd run", func() {
		odd := conformance.RunResult{Clients: []conformance.ClientResult{{}, {Name: "x", Scenarios: []conformance.ScenarioResult{
			{}, {ID: "Z", Outcome: "exploded"}, {ID: "Z", Outcome: conformance.Failed}}}}}
		for _, run := range []conformance.RunResult{{}, odd} {
			Expect(reports.WriteAll(dir, run)).To(Succeed())
			for _, name := range []string{reports.ResultsFile, reports.JUnitFile, reports.HTMLFile, reports.SummaryFile} {
				info, err := os.Stat(filepath.Join(dir, name))
				Expect(err).NotTo(HaveOccurred())
				Expect(info.Size()).To(BeNumerically(">", 0))
			}
		}
	})
})
