package tokenclock_test

// The conformance suite as a Ginkgo suite: a thin shell over the same engine as
// `tokenclock run`. TestMain parses the run's flags (after -args), plays the catalog
// with conformance.Run before RunSpecs, writes the reports, and turns each result
// into a Describe(client)/Entry(scenario) whose verdict was already decided by
// conformance.Judge. The process exits with the run's exit code.
//
//	go test -count=1 -timeout 30m . -args --client 'mine=node driver.mjs'
//	ginkgo . -- --client 'mine=node driver.mjs'

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/internal/runner"
)

var (
	result   conformance.RunResult
	exitCode int
)

func TestMain(m *testing.M) {
	ours, theirs := splitArgs(os.Args[1:])
	os.Args = append(os.Args[:1], theirs...)
	flag.Parse()
	if parallel() {
		// Each Ginkgo process would play the whole catalog into the same report dir.
		fmt.Fprintln(os.Stderr, "tokenclock: the conformance suite runs the engine once: drop ginkgo -p / --procs")
		os.Exit(conformance.ExitHarnessError)
	}
	cfg, err := runner.ParseRun(ours, "tokenclock", "devel")
	if err != nil {
		// The binary's own command line gives the same one-line error and exit 2.
		os.Exit(runner.Run(context.Background(), ours, "tokenclock", "devel", os.Stdout, os.Stderr))
	}
	ctx, stop := runner.SignalContext(context.Background()) // Ctrl-C: reports written, exit 130
	result, exitCode = runner.Play(ctx, cfg, os.Stdout, os.Stderr)
	stop()
	if code := m.Run(); code != 0 && exitCode == 0 {
		exitCode = code // Ginkgo itself failed (a bad -ginkgo flag, -p)
	}
	os.Exit(exitCode)
}

// splitArgs separates the run's own flags from go test's (-test.*) and Ginkgo's
// (-ginkgo.*), which the testing package parses.
func splitArgs(args []string) (ours, theirs []string) {
	for _, a := range args {
		name := strings.TrimLeft(a, "-")
		if strings.HasPrefix(a, "-") && (strings.HasPrefix(name, "test.") || strings.HasPrefix(name, "ginkgo.")) {
			theirs = append(theirs, a)
			continue
		}
		ours = append(ours, a)
	}
	return ours, theirs
}

// parallel reports whether Ginkgo runs this process as one of several (ginkgo -p).
func parallel() bool {
	cfg, _ := GinkgoConfiguration()
	return cfg.ParallelTotal > 1
}

func TestConformance(t *testing.T) {
	gomega.RegisterFailHandler(Fail)
	for _, c := range result.Clients {
		describeClient(c)
	}
	RunSpecs(t, "tokenclock conformance")
}

// describeClient is one column of the matrix: an Entry per scenario, judged by the
// verdict conformance.Judge gave it.
func describeClient(c conformance.ClientResult) {
	var entries []TableEntry
	for _, sr := range c.Scenarios {
		labels := []string{"client:" + c.Name, "level:" + strings.ToLower(string(sr.Level))}
		for _, r := range sr.Requirements {
			labels = append(labels, "req:"+strings.ToLower(string(r)))
		}
		entries = append(entries, Entry(sr.ID+" "+sr.Title, Label(labels...), sr))
	}
	args := []any{func(sr conformance.ScenarioResult) {
		AddReportEntry("outcome", string(sr.Outcome))
		switch {
		case sr.Verdict == conformance.VerdictSkipped:
			Skip(sr.Message)
		case sr.Verdict.Breaks():
			Fail(fmt.Sprintf("%s %s: %s\n  rerun: %s", sr.ID, sr.Outcome, sr.Headline(), sr.Rerun))
		case sr.Verdict == conformance.VerdictExpectedFailure:
			AddReportEntry("expected failure", sr.Headline())
		}
	}}
	for _, e := range entries {
		args = append(args, e)
	}
	DescribeTable(c.Name, args...)
}
