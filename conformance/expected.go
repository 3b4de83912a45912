package scenarios

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tokenclock/tokenclock/reports"
)

// ExpectedFailures is a client's expected-failures file: scenario ID → reason.
type ExpectedFailures map[string]string

// ReadExpectedFailures reads a file of one scenario ID per line, "#" comments,
// the reason after the ID. An ID not in the catalog is an error (exit 2).
func ReadExpectedFailures(path string) (ExpectedFailures, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("expected-failures file: %w", err)
	}
	defer f.Close()
	return ParseExpectedFailures(f, path)
}

// ParseExpectedFailures parses the expected-failures format from r; name is used in errors.
func ParseExpectedFailures(r io.Reader, name string) (ExpectedFailures, error) {
	out := ExpectedFailures{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, reason, _ := strings.Cut(line, " ")
		id = strings.TrimSpace(id)
		reason = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(reason), "#"))
		if _, ok := ByID(id); !ok {
			return nil, fmt.Errorf("%s:%d: unknown scenario ID %q", name, n, id)
		}
		if _, dup := out[id]; dup {
			return nil, fmt.Errorf("%s:%d: scenario %s listed twice", name, n, id)
		}
		out[id] = reason
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// Unexpected reports whether a scenario result breaks the run (exit 1): a failure
// not listed as expected, or a listed scenario that passed (the list is stale).
// It marks res.ExpectedFailure when the listed failure happened.
func (x ExpectedFailures) Unexpected(res *reports.ScenarioResult, strict bool) bool {
	_, listed := x[res.ID]
	bad := IsFailure(res.Outcome, strict)
	switch {
	case res.Outcome == reports.Skipped || res.Outcome == reports.HarnessError:
		return false
	case listed && (bad || res.Outcome == reports.Warned):
		res.ExpectedFailure = true
		return false
	case listed:
		return true
	default:
		return bad
	}
}

// IsFailure reports whether an outcome counts against the client.
func IsFailure(outcome string, strict bool) bool {
	switch outcome {
	case reports.Failed, reports.Timeout, reports.Crashed:
		return true
	case reports.Warned:
		return strict
	}
	return false
}
