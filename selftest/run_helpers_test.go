package selftest_test

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// runResult is one invocation of the binary.
type runResult struct {
	Code    int
	Output  string
	Dir     string // the working directory it ran in (outside the source tree)
	Reports string // the --report-dir it was given
}

// conformance runs `tokenclock run ARGS --report-dir out` in a fresh temporary
// directory, outside the source tree.
func conformance(args ...string) runResult {
	GinkgoHelper()
	return tokenclock(append(append([]string{"run"}, args...), "--report-dir", "out")...)
}

// tokenclock runs the binary with args in a fresh temporary directory.
func tokenclock(args ...string) runResult {
	GinkgoHelper()
	dir := GinkgoT().TempDir()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		Expect(err).NotTo(HaveOccurred())
	}
	return runResult{Code: code, Output: string(out), Dir: dir, Reports: filepath.Join(dir, "out")}
}

// results reads results.json of a run.
func (r runResult) results() resultsDoc {
	GinkgoHelper()
	b, err := os.ReadFile(filepath.Join(r.Reports, "results.json"))
	Expect(err).NotTo(HaveOccurred(), r.Output)
	var doc resultsDoc
	Expect(json.Unmarshal(b, &doc)).To(Succeed())
	return doc
}

// resultsDoc is the part of results.json these specs read.
type resultsDoc struct {
	ExitCode    int      `json:"exitCode"`
	Errors      []string `json:"errors"`
	Interrupted struct {
		Signal string `json:"signal"`
	} `json:"interrupted"`
	Clients []struct {
		Name      string `json:"name"`
		Scenarios []struct {
			ID              string `json:"id"`
			Outcome         string `json:"outcome"`
			Verdict         string `json:"verdict"`
			ExpectedFailure bool   `json:"expectedFailure"`
			Message         string `json:"message"`
		} `json:"scenarios"`
	} `json:"clients"`
}

// outcome is the outcome of scenario id for the client at index c.
func (d resultsDoc) outcome(c int, id string) string {
	for _, s := range d.Clients[c].Scenarios {
		if s.ID == id {
			return s.Outcome
		}
	}
	return ""
}

// writeFile writes content to name in the run's directory and returns its path.
func writeFile(name, content string) string {
	GinkgoHelper()
	p := filepath.Join(GinkgoT().TempDir(), name)
	Expect(os.WriteFile(p, []byte(content), 0o644)).To(Succeed())
	return p
}
