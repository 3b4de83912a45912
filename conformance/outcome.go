package conformance

// Outcome is how one scenario ended for one client.
type Outcome string

// Outcomes of a scenario. Readers of results.json treat an outcome they do not know
// as a failure: outcomes may be added.
const (
	// Passed: every check held.
	Passed Outcome = "passed"
	// Failed: a MUST check broke (or a SHOULD check under --strict).
	Failed Outcome = "failed"
	// Warned: only SHOULD checks broke.
	Warned Outcome = "warned"
	// Skipped: the client lacks a feature the row needs; never a pass.
	Skipped Outcome = "skipped"
	// Inconclusive: a precondition the row names did not happen (the parallel gate
	// released on its bound with fewer first sends than it waited for), so the row
	// tested nothing. A failure of the run, never a pass, never an expected failure.
	Inconclusive Outcome = "inconclusive"
	// Timeout: commands still unanswered at the deadline (the client hangs).
	Timeout Outcome = "timeout"
	// Crashed: the driver broke the protocol or exited.
	Crashed Outcome = "crashed"
	// HarnessError: the harness itself failed; never counted against the client.
	HarnessError Outcome = "harness-error"
)

// Outcomes lists every outcome in the order reports count and show them.
var Outcomes = []Outcome{Passed, Failed, Warned, Skipped, Inconclusive, Timeout, Crashed, HarnessError}

// Known reports whether o is an outcome this version knows.
func (o Outcome) Known() bool {
	for _, k := range Outcomes {
		if k == o {
			return true
		}
	}
	return false
}
