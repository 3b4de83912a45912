package scenarios_test

import (
	"context"
	"fmt"
	"github.com/tokenclock/tokenclock/conformance"
	"os/exec"
	"slices"
	"sort"
	"time"

	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/scenarios"
)

// selfCheckLimits: the spec's deadline, and a hold bound raised from 2 s to 5 s so that
// on a loaded machine (make test runs packages in parallel under -race) the parallel
// gate still sees every first send arrive before it releases them: the self-checks
// prove what the catalog judges, so its ordering must not depend on the load.
var selfCheckLimits = conformance.Limits{Deadline: 10 * time.Second, HoldBound: 5 * time.Second}

// The bundled axios adapters under the JS kit's Node runner, relative to this package.
const (
	axiosSeed         = "node ../clientunderTest/node/kit/run.mjs ../clientunderTest/node/adapters/axios-seed.mjs"
	axiosSingleflight = "node ../clientunderTest/node/kit/run.mjs ../clientunderTest/node/adapters/axios-singleflight.mjs"
	axiosSeedExpected = "../clientunderTest/node/adapters/axios-seed.expected-failures.txt"
	// The Python kit's example, on Debian's interpreter (make python-deps).
	pyExample = "/usr/bin/python3 ../clientunderTest/python/example_adapter.py"
)

// outcomes maps scenario ID → outcome.
type outcomes map[string]conformance.Outcome

// playCatalog runs every scenario (or those in ids) against client, under the
// cookie profile.
func playCatalog(ctx context.Context, client cut.Client, ids ...string) (outcomes, map[string]conformance.ScenarioResult) {
	return playCatalogUnder(ctx, "", client, ids...)
}

// playCatalogUnder is playCatalog with the server under profile ("" is cookie).
func playCatalogUnder(ctx context.Context, profile string, client cut.Client, ids ...string) (outcomes, map[string]conformance.ScenarioResult) {
	out, full := outcomes{}, map[string]conformance.ScenarioResult{}
	for _, sc := range scenarios.Catalog() {
		if len(ids) > 0 && !slices.Contains(ids, sc.ID) {
			continue
		}
		res := conformance.ExecuteProfile(ctx, sc, client, selfCheckLimits, profile)
		out[sc.ID], full[sc.ID] = res.Outcome, res
	}
	return out, full
}

// failing lists the IDs whose outcome is not passed, sorted.
func (o outcomes) failing() []string {
	var ids []string
	for id, outcome := range o {
		if outcome != conformance.Passed {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// explain renders the non-passing results with their messages, for failure output.
func explain(full map[string]conformance.ScenarioResult) string {
	s := ""
	for _, sc := range scenarios.Catalog() {
		if r, ok := full[sc.ID]; ok && r.Outcome != conformance.Passed {
			s += fmt.Sprintf("\n  %s %s: %s", r.ID, r.Outcome, r.Message)
		}
	}
	return s
}

// startDriver starts a protocol-v1 driver, failing clearly when node or the npm
// packages are missing (CI installs them with `make node-deps`).
func startDriver(ctx context.Context, name, command string) *cut.Process {
	_, err := exec.LookPath("node")
	Expect(err).NotTo(HaveOccurred(), "node is needed for the bundled drivers")
	// A generous hello bound: `make test` runs packages in parallel on two cores under
	// -race, and a node start that takes 0.3 s idle can take seconds there.
	p, err := cut.StartProcess(ctx, cut.ProcessOptions{Name: name, Command: command, HelloTimeout: 20 * time.Second})
	Expect(err).NotTo(HaveOccurred(), "starting %s (run `make node-deps` first)", command)
	return p
}
