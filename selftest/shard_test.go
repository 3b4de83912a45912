package selftest_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("tokenclock run --shard and tokenclock merge", Ordered, func() {
	var (
		dir  string   // where every run of this spec writes its report directory
		args []string // the three clients: the reference and two Node drivers
	)
	// runIn runs `tokenclock ARGS` in dir.
	runIn := func(a ...string) runResult {
		GinkgoHelper()
		cmd := exec.Command(binary, a...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		code := 0
		if exit, ok := err.(*exec.ExitError); ok {
			code = exit.ExitCode()
		} else {
			Expect(err).NotTo(HaveOccurred())
		}
		return runResult{Code: code, Output: string(out), Dir: dir}
	}
	// matrix is what merge must give back whole: the exit code, and per client its
	// verdict and every scenario's ID, outcome and verdict, in order.
	type cell struct{ ID, Outcome, Verdict string }
	type column struct {
		Name, Verdict string
		Scenarios     []cell
	}
	type matrix struct {
		ExitCode int
		Clients  []column
	}
	matrixOf := func(reportDir string) matrix {
		GinkgoHelper()
		b, err := os.ReadFile(filepath.Join(dir, reportDir, "results.json"))
		Expect(err).NotTo(HaveOccurred())
		var m matrix
		Expect(json.Unmarshal(b, &m)).To(Succeed())
		return m
	}

	BeforeAll(func() {
		dir = GinkgoT().TempDir()
		kit, err := filepath.Abs("../clientunderTest/node/kit/run.mjs")
		Expect(err).NotTo(HaveOccurred())
		adapters, err := filepath.Abs("../clientunderTest/node/adapters")
		Expect(err).NotTo(HaveOccurred())
		args = []string{"--client", "go:reference",
			"--client", "axios-seed=node " + kit + " " + filepath.Join(adapters, "axios-seed.mjs"),
			"--expect-failures", "axios-seed=" + filepath.Join(adapters, "axios-seed.expected-failures.txt"),
			"--client", "axios-singleflight=node " + kit + " " + filepath.Join(adapters, "axios-singleflight.mjs")}
	})

	It("gives, merged from 3 shards, the outcomes, verdicts, exit code and order of the unsharded run", func() {
		whole := runIn(append([]string{"run", "--report-dir", "whole"}, args...)...)
		Expect(whole.Code).To(Equal(0), whole.Output)
		var played int
		for i := 1; i <= 3; i++ {
			shard := []string{"run", "--shard", []string{"1/3", "2/3", "3/3"}[i-1], "--report-dir", []string{"s1", "s2", "s3"}[i-1]}
			r := runIn(append(shard, args...)...)
			Expect(r.Code).To(Equal(0), r.Output)
			Expect(r.Output).To(ContainSubstring("shard %d/3: only the (client, scenario) pairs that fall to this shard were played", i))
			for _, c := range matrixOf(shard[4]).Clients {
				played += len(c.Scenarios)
			}
		}
		w := matrixOf("whole")
		Expect(played).To(Equal(3*len(w.Clients[0].Scenarios)), "every pair in exactly one shard")

		m := runIn("merge", "s1", "s2", "s3", "--report-dir", "merged")
		Expect(m.Code).To(Equal(0), m.Output)
		Expect(matrixOf("merged")).To(Equal(w))
		for _, f := range []string{"junit.xml", "report.html", "summary.md"} {
			Expect(filepath.Join(dir, "merged", f)).To(BeAnExistingFile())
		}
	})

	It("refuses a missing shard, a shard given twice and another catalog's results, exit 2, writing nothing", func() {
		r := runIn("merge", "s1", "s3", "--report-dir", "bad")
		Expect(r.Code).To(Equal(2), r.Output)
		Expect(r.Output).To(ContainSubstring("shard 2/3 of clients reference, axios-seed, axios-singleflight is missing"))

		r = runIn("merge", "s1", "s2", "s2", "s3", "--report-dir", "bad")
		Expect(r.Code).To(Equal(2), r.Output)
		Expect(r.Output).To(ContainSubstring("shard 2/3 of clients reference, axios-seed, axios-singleflight is also s2"))

		// The same results, as another catalog (or schema version) would have written them.
		b, err := os.ReadFile(filepath.Join(dir, "s2", "results.json"))
		Expect(err).NotTo(HaveOccurred())
		var doc map[string]any
		Expect(json.Unmarshal(b, &doc)).To(Succeed())
		for _, c := range []struct{ key, want string }{{"catalogDigest", "judged by another catalog"}, {"schemaVersion", "results.json schema version 99"}} {
			changed := map[string]any{}
			for k, v := range doc {
				changed[k] = v
			}
			if c.key == "schemaVersion" {
				changed[c.key] = 99
			} else {
				changed[c.key] = "sha256:0000000000000000"
			}
			other := filepath.Join(dir, "other-"+c.key)
			Expect(os.MkdirAll(other, 0o755)).To(Succeed())
			out, err := json.Marshal(changed)
			Expect(err).NotTo(HaveOccurred())
			Expect(os.WriteFile(filepath.Join(other, "results.json"), out, 0o644)).To(Succeed())
			r = runIn("merge", "s1", other, "s3", "--report-dir", "bad")
			Expect(r.Code).To(Equal(2), r.Output)
			Expect(r.Output).To(ContainSubstring(c.want))
		}
		Expect(filepath.Join(dir, "bad")).NotTo(BeAnExistingFile())
	})
})
