package tokenclock_test

// The conformance suite: flags → options; catalog × clients → specs; reports after
// the suite. Run it with `make conformance`, `go test . -args --client ...`, or the
// compiled binary bin/tokenclock-conformance. See docs/conformance.md.

import (
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/reports"
	"github.com/tokenclock/tokenclock/scenarios"
)

var run *conformanceRun

func TestMain(m *testing.M) {
	flag.CommandLine.Init(os.Args[0], flag.ContinueOnError)
	if err := flag.CommandLine.Parse(os.Args[1:]); err != nil {
		os.Exit(finishEarly(reportDirIn(os.Args[1:]), "bad flags: "+err.Error()))
	}
	opts, err := optionsFromFlags()
	if err != nil {
		os.Exit(finishEarly(opts.ReportDir, err.Error()))
	}
	if opts.List {
		printList()
		os.Exit(0)
	}
	run, err = newConformanceRun(opts)
	if err != nil {
		os.Exit(finishEarly(opts.ReportDir, err.Error()))
	}
	code := m.Run()
	os.Exit(run.finish(code))
}

func TestConformance(t *testing.T) {
	RegisterFailHandler(Fail)
	if cfg, _ := GinkgoConfiguration(); cfg.ParallelTotal > 1 {
		// Results live in this process; parallel Ginkgo processes would each see a part.
		run.harnessError("the conformance suite runs serially: drop ginkgo -p / --procs")
		t.Fatal("the conformance suite runs serially: drop ginkgo -p / --procs")
	}
	for _, c := range run.clients {
		describeClient(c)
	}
	RunSpecs(t, "tokenclock conformance")
}

// describeClient is one column of the matrix: a table with one Entry per scenario.
func describeClient(c *liveClient) {
	// SpecTimeout is the scenario deadline plus a margin, so the harness itself
	// records a hang as timeout before Ginkgo would.
	timeout := run.opts.Limits.Deadline + 5*time.Second
	var entries []TableEntry
	for _, sc := range run.selected {
		entries = append(entries, Entry(sc.ID+" "+sc.Title, Label(sc.Labels()...), SpecTimeout(timeout), sc))
	}
	body := func(ctx SpecContext, sc scenarios.Scenario) {
		res, unexpected := run.play(ctx, c, sc)
		AddReportEntry("outcome", res.Outcome)
		switch {
		case res.Outcome == reports.Skipped:
			Skip(res.Message)
		case res.Outcome == reports.HarnessError:
			Fail(res.Message + "\n  rerun: " + res.Rerun)
		case res.ExpectedFailure:
			AddReportEntry("expected failure", res.Message)
		case unexpected:
			Fail(failureText(res))
		case res.Outcome == reports.Warned:
			AddReportEntry("warning", res.Message)
		}
		Expect(res.Outcome).NotTo(BeEmpty())
	}
	args := []interface{}{Label("client:" + c.spec.Name), body}
	DescribeTable(c.spec.Name, append(args, entriesAsArgs(entries)...)...)
}

func entriesAsArgs(es []TableEntry) []interface{} {
	out := make([]interface{}, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

func failureText(res reports.ScenarioResult) string {
	msg := res.Message
	if res.Outcome == reports.Passed {
		msg = "listed in the expected-failures file but passed: the list is stale"
	}
	return fmt.Sprintf("%s %s: %s\n  rerun: %s", res.ID, res.Outcome, msg, res.Rerun)
}

var _ = ReportAfterEach(func(r SpecReport) {
	if run != nil {
		run.progress(r)
	}
})
