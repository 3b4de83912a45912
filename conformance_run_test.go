package tokenclock_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/tokenclock/tokenclock/reports"
	"github.com/tokenclock/tokenclock/scenarios"
)

// version of the tool, recorded in results.json.
const version = "0.1.0"

// conformanceRun holds one run's clients, selection and results; the suite's specs
// fill it, TestMain writes it out.
type conformanceRun struct {
	opts     runOptions
	clients  []*liveClient
	selected []scenarios.Scenario
	expected map[string]scenarios.ExpectedFailures
	started  time.Time

	mu      sync.Mutex
	results map[string][]reports.ScenarioResult
	broken  bool // an unexpected result: exit 1
	errors  []string
}

func newConformanceRun(o runOptions) (*conformanceRun, error) {
	r := &conformanceRun{opts: o, started: time.Now().UTC(), expected: map[string]scenarios.ExpectedFailures{},
		results: map[string][]reports.ScenarioResult{}}
	r.selected = selectScenarios(o.Focus)
	if len(r.selected) == 0 {
		return nil, fmt.Errorf("--focus %q selects no scenario: an empty selection is a harness error", o.Focus)
	}
	for name, file := range o.Expect {
		x, err := scenarios.ReadExpectedFailures(file)
		if err != nil {
			return nil, fmt.Errorf("client %s: %w", name, err)
		}
		r.expected[name] = x
	}
	for _, c := range o.Clients {
		r.clients = append(r.clients, &liveClient{spec: c})
	}
	return r, nil
}

// play runs one scenario for one client and records its result. unexpected is true
// when the result breaks the run (exit 1).
func (r *conformanceRun) play(ctx context.Context, c *liveClient, sc scenarios.Scenario) (reports.ScenarioResult, bool) {
	c.start(ctx)
	var res reports.ScenarioResult
	if c.failure != "" {
		res = reports.ScenarioResult{ID: sc.ID, Title: sc.Title, Level: string(sc.Level), Requirements: sc.Requirements,
			Outcome: reports.Crashed, Message: c.failure, Findings: []reports.Finding{}}
	} else {
		res = scenarios.Execute(ctx, sc, c.client, r.opts.Limits)
	}
	res.Rerun = rerunCommand(r.opts, c.spec, sc.ID)
	unexpected := r.expected[c.spec.Name].Unexpected(&res, r.opts.Strict)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.results[c.spec.Name] = append(r.results[c.spec.Name], res)
	if unexpected {
		r.broken = true
	}
	if res.Outcome == reports.HarnessError {
		r.errors = append(r.errors, fmt.Sprintf("%s/%s: %s", c.spec.Name, sc.ID, res.Message))
	}
	return res, unexpected
}

// harnessError records a problem of the harness itself (exit 2).
func (r *conformanceRun) harnessError(why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, why)
}

// progress prints one line per finished scenario.
func (r *conformanceRun) progress(s SpecReport) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, rs := range r.results {
		if len(rs) > 0 && s.LeafNodeText != "" && labelled(s, "client:"+name) {
			fmt.Fprintln(os.Stdout, reports.ProgressLine(name, rs[len(rs)-1]))
			return
		}
	}
}

func labelled(s SpecReport, label string) bool {
	for _, l := range s.Labels() {
		if l == label {
			return true
		}
	}
	return false
}

// finish writes the reports, prints the matrix, stops the clients and returns the
// exit code: 2 harness problems, 1 unexpected results, 0 otherwise.
func (r *conformanceRun) finish(ginkgoCode int) int {
	for _, c := range r.clients {
		c.close()
	}
	model := r.model()
	model.ExitCode = r.exitCode(ginkgoCode, model)
	if err := reports.WriteAll(r.opts.ReportDir, model); err != nil {
		fmt.Fprintln(os.Stderr, "tokenclock: writing reports:", err)
		model.ExitCode = 2
	}
	_ = reports.WriteConsoleMatrix(os.Stdout, model)
	fmt.Fprintf(os.Stdout, "reports: %s (exit code %d)\n", r.opts.ReportDir, model.ExitCode)
	return model.ExitCode
}

func (r *conformanceRun) exitCode(ginkgoCode int, model reports.Run) int {
	played := 0
	for _, c := range model.Clients {
		played += len(c.Scenarios)
	}
	switch {
	case len(r.errors) > 0:
		return 2
	case played == 0:
		return 2 // nothing ran: a Ginkgo filter emptied the selection, or Ginkgo could not run
	case r.broken || ginkgoCode != 0:
		return 1
	}
	return 0
}

func (r *conformanceRun) model() reports.Run {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := baseModel(r.opts, r.started)
	m.Errors = append(m.Errors, r.errors...)
	order := map[string]int{}
	for i, sc := range r.selected {
		order[sc.ID] = i
	}
	for _, c := range r.clients {
		// Ginkgo may shuffle specs; reports list scenarios in catalog order.
		rs := append([]reports.ScenarioResult{}, r.results[c.spec.Name]...)
		sort.SliceStable(rs, func(i, j int) bool { return order[rs[i].ID] < order[rs[j].ID] })
		m.Clients = append(m.Clients, reports.ClientResult{Name: c.spec.Name, Command: c.spec.Command,
			Hello: c.hello, Scenarios: rs})
	}
	return m
}

func baseModel(o runOptions, started time.Time) reports.Run {
	return reports.Run{SchemaVersion: 1, Tool: "tokenclock", Version: version, StartedAt: started.Format(time.RFC3339),
		Options: reports.RunOptions{Strict: o.Strict, Focus: o.Focus, Deadline: o.Limits.Deadline.String(),
			Quiet: o.Limits.Quiet.String(), HoldBound: o.Limits.HoldBound.String()},
		Clients: []reports.ClientResult{}}
}

// finishEarly reports a run that could not start (exit 2), writing results.json
// when the report dir is writable.
func finishEarly(dir, why string) int {
	fmt.Fprintln(os.Stderr, "tokenclock:", why)
	o := runOptions{Limits: scenarios.Options{}.WithDefaults(), Focus: *flagFocus, Strict: *flagStrict}
	m := baseModel(o, time.Now().UTC())
	m.ExitCode, m.Errors = 2, []string{why}
	if dir == "" {
		dir = "reports/out"
	}
	if err := reports.WriteAll(dir, m); err != nil {
		fmt.Fprintln(os.Stderr, "tokenclock: writing reports:", err)
	}
	return 2
}
