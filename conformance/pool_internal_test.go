package conformance

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
)

// TestPoolSecondStartFails: with --parallel 2, a client whose second instance cannot
// start (a hello too slow on a busy machine) plays every row on the first one; only a
// client none of whose instances starts is reported crashed.
func TestPoolSecondStartFails(t *testing.T) {
	var starts atomic.Int32
	defer func(orig func(context.Context, ClientSpec, time.Duration) (cut.Client, error)) { startClient = orig }(startClient)
	startClient = func(ctx context.Context, spec ClientSpec, d time.Duration) (cut.Client, error) {
		if starts.Add(1) > 1 {
			return nil, errors.New("driver x could not start: no hello within 5s")
		}
		return StartClient(ctx, spec, d)
	}
	row := func(id string) Scenario {
		return Scenario{ID: id, Level: Must, Requirements: []RequirementID{RC1}, LoggedOut: true,
			Play: func(*Session) {
				// Busy until the pool has tried a second instance (bounded: with none
				// tried, the count below says so), however slowly the machine runs.
				for deadline := time.Now().Add(10 * time.Second); starts.Load() < 2 && time.Now().Before(deadline); {
					time.Sleep(time.Millisecond)
				}
			}}
	}
	run := Run(context.Background(), Options{Catalog: Catalog{row("P-01"), row("P-02"), row("P-03"), row("P-04")},
		Parallel: 2, Clients: []ClientSpec{{Name: "x", Command: "go:reference"}}})
	for _, s := range run.Clients[0].Scenarios {
		if s.Outcome != Passed {
			t.Errorf("%s: %s %s", s.ID, s.Outcome, s.Message)
		}
	}
	if n := starts.Load(); n != 2 {
		t.Errorf("%d starts, want 2: the failed second start must not be retried", n)
	}

	starts.Store(1) // every start fails now
	run = Run(context.Background(), Options{Catalog: Catalog{row("P-01"), row("P-02"), row("P-03")},
		Parallel: 2, Clients: []ClientSpec{{Name: "x", Command: "go:reference"}}})
	for _, s := range run.Clients[0].Scenarios {
		if s.Outcome != Crashed {
			t.Errorf("%s: %s, want crashed", s.ID, s.Outcome)
		}
	}
	if n := starts.Load(); n != 2 {
		t.Errorf("%d starts, want 1 more: a client that cannot start is tried once", n-1)
	}
}
