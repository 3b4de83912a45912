package conformance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/clientunderTest/browser"
)

// ClientSpec is one client under test: a column of the matrix.
type ClientSpec struct {
	// Name labels the column: NAME[@LABEL], NAME [a-z0-9-]+, LABEL [a-z0-9.-]+.
	Name string
	// Command is a driver command line (run as sh -c), a built-in client
	// (go:reference, go:mutant:NAME) or a JS adapter module run in a browser
	// (browser:PATH).
	Command string
	// ExpectedFailuresFile is where Expected came from, for the reports.
	ExpectedFailuresFile string
	// Expected is the client's expected-failures list (nil: none).
	Expected ExpectedFailures
	// Profile is the server profile the client is judged under (fakeserver.Profile*:
	// cookie or oauth2; "" is cookie). A client whose hello does not list it has
	// every row a harness error naming the fix: nothing of it can be judged.
	Profile string
}

// Options are everything one run needs; flags enter here once and are passed down.
type Options struct {
	// Catalog is the selected scenarios, in the order they run and are reported.
	Catalog Catalog
	// Focus is the selection's regular expression, recorded in results.json.
	Focus   string
	Clients []ClientSpec
	// Strict counts warned (SHOULD) results as failures.
	Strict bool
	Limits Limits
	// Version of the tool, recorded in results.json.
	Version string
	// HelloTimeout bounds a driver process's hello (default: the adapter's).
	HelloTimeout time.Duration
	// Rerun, when set, is the command line that reruns one scenario for one client.
	Rerun func(c ClientSpec, scenarioID string) string
	// Progress, when set, is called as each scenario finishes, its verdict set; calls
	// never overlap, and come in the order scenarios finish.
	Progress func(client string, res ScenarioResult)
	// Parallel is how many scenarios play at once, across all clients (0:
	// DefaultParallel()). Results and their order do not depend on it.
	Parallel int
	// Shard, when set, plays only the (client, profile, scenario) pairs that fall to
	// it (Shard.Has); results.json records it, and Merge joins the shards' results.
	Shard *Shard
}

// Run plays every scenario of o.Catalog against every client, then judges the run
// (Judge): the one engine behind `tokenclock run`, the Ginkgo suite and the
// self-checks. Clients start on first use and are reused by every scenario; each is
// closed (its process group killed) before Run returns. A client that cannot start
// has every scenario crashed with the reason. When ctx ends, scenarios not yet played
// are left out and the run records why in Errors.
func Run(ctx context.Context, o Options) RunResult {
	o.Limits = o.Limits.WithDefaults()
	run := RunResult{SchemaVersion: SchemaVersion, Tool: "tokenclock", Version: o.Version, Shard: o.Shard,
		StartedAt: time.Now().UTC().Format(time.RFC3339), CatalogDigest: o.Catalog.Digest(),
		Options: RunOptions{Strict: o.Strict, Focus: o.Focus, Deadline: o.Limits.Deadline.String(),
			Quiet: o.Limits.QuietPeriod.String(), HoldBound: o.Limits.HoldBound.String(),
			SettleWindow: o.Limits.SettleWindow.String()},
		Clients: []ClientResult{}}
	if o.HelloTimeout > 0 {
		run.Options.HelloTimeout = o.HelloTimeout.String()
	}
	expected := map[string]ExpectedFailures{}
	for _, spec := range o.Clients {
		expected[spec.Name] = spec.Expected
	}
	for ci, played := range playAll(ctx, o) {
		spec := o.Clients[ci]
		cr := ClientResult{Name: spec.Name, Command: spec.Command, ExpectedFailuresFile: spec.ExpectedFailuresFile,
			Profile: profileOf(spec), Hello: played.hello, Scenarios: []ScenarioResult{}}
		for si, sc := range o.Catalog {
			if res := played.results[si]; res != nil {
				cr.Scenarios = append(cr.Scenarios, *res)
			} else if inShard(o, spec, sc) {
				run.NotRun = append(run.NotRun, NotRun{Client: spec.Name, ID: sc.ID})
			}
		}
		run.Clients = append(run.Clients, cr)
	}
	var irq Interrupt
	switch err := context.Cause(ctx); {
	case errors.As(err, &irq):
		run.Interrupted = &Interruption{Signal: irq.Signal, At: time.Now().UTC().Format(time.RFC3339)}
	case err != nil:
		run.Errors = append(run.Errors, "the run was stopped before every scenario played: "+err.Error())
	}
	Judge(&run, expected)
	return run
}

// Interrupt is the cause a run's context ends with when a signal stopped it
// (context.WithCancelCause): Run then records the interruption, keeps the scenario in
// flight out of the results (it is not the client's failure) and Judge exits 130 or 143.
type Interrupt struct {
	Signal string // SIGINT or SIGTERM
}

func (i Interrupt) Error() string { return "interrupted by " + i.Signal }

// ExitCode is 128 plus the signal's number, as shells report it: 130 for SIGINT, 143
// for SIGTERM.
func (i Interrupt) ExitCode() int {
	switch i.Signal {
	case "SIGINT":
		return 130
	case "SIGTERM":
		return 143
	}
	return ExitHarnessError
}

// inShard reports whether the run plays the pair (every pair without a shard).
func inShard(o Options, spec ClientSpec, sc Scenario) bool {
	return o.Shard == nil || o.Shard.Has(spec.Name, profileOf(spec), sc.ID)
}

// played is what one client did: its hello and a result per catalog row (nil: not
// played, the run was stopped).
type played struct {
	hello   cut.Hello
	results []*ScenarioResult
}

// playAll plays every (client, scenario) pair, at most o.Parallel at once across all
// clients, each scenario on a fresh server with an instance of its client (started
// on first use, reused, closed once the client's last scenario is done). Pairs are
// started in order — client by client, catalog order — and each result lands in its
// own slot, so the results do not depend on which finishes first. A row marked Alone
// plays with nothing else running.
func playAll(ctx context.Context, o Options) []played {
	parallel := o.Parallel
	if parallel <= 0 {
		parallel = DefaultParallel()
	}
	out := make([]played, len(o.Clients))
	for ci := range out {
		out[ci] = played{hello: cut.Hello{Features: []string{}}, results: make([]*ScenarioResult, len(o.Catalog))}
	}
	pools := make([]*clientPool, len(o.Clients))
	slots := make(chan struct{}, parallel)
	var (
		wg, closing sync.WaitGroup
		alone       sync.RWMutex // an Alone row takes it for writing, every other row for reading
		progressMu  sync.Mutex
	)
dispatch:
	for ci, spec := range o.Clients {
		pool := newClientPool(spec, o.HelloTimeout, parallel)
		pools[ci] = pool
		var left sync.WaitGroup // the client's scenarios still to finish
		left.Add(len(o.Catalog))
		closing.Go(func() {
			left.Wait()
			pool.close() // its processes go as soon as the client is done
		})
		for si, sc := range o.Catalog {
			if !inShard(o, spec, sc) {
				left.Done() // another shard's pair: its client starts only for its own
				continue
			}
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				for range len(o.Catalog) - si {
					left.Done()
				}
				break dispatch
			}
			wg.Go(func() {
				defer func() { <-slots }()
				defer left.Done()
				if sc.Alone {
					alone.Lock()
					defer alone.Unlock()
				} else {
					alone.RLock()
					defer alone.RUnlock()
				}
				res, ok := playOne(ctx, o, pool, spec, sc)
				if !ok {
					return
				}
				out[ci].results[si] = &res
				if o.Progress != nil {
					progressMu.Lock()
					o.Progress(spec.Name, res)
					progressMu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	closing.Wait()
	for ci, pool := range pools {
		if pool == nil {
			continue
		}
		if h, ok := pool.Hello(); ok {
			out[ci].hello = h
		}
		// Once more with every secret of the client: one instance's output may hold
		// a token another instance was issued later (a shared cache), and a start
		// error comes from a driver that may have seen tokens.
		for _, res := range out[ci].results {
			if res != nil {
				pool.book.scrub(res)
			}
		}
	}
	return out
}

// playOne plays one scenario on an instance of its client and sets its verdict; ok
// is false when the run was stopped meanwhile (not the client's failure: not
// reported).
func playOne(ctx context.Context, o Options, pool *clientPool, spec ClientSpec, sc Scenario) (res ScenarioResult, ok bool) {
	in, err := pool.get(ctx)
	if ctx.Err() != nil {
		if in != nil {
			pool.put(in)
		}
		return res, false
	}
	if err != nil {
		res = ScenarioResult{ID: sc.ID, Title: sc.Title, Level: sc.Level, Requirements: sc.Requirements,
			Outcome: Crashed, Message: err.Error(), Findings: []Finding{}}
	} else {
		res = execute(ctx, sc, in.client, o.Limits, profileOf(spec), pool.book)
		pool.put(in)
	}
	if ctx.Err() != nil {
		return res, false // stopped mid-scenario: not judged, and not the client's failure
	}
	if o.Rerun != nil {
		res.Rerun = o.Rerun(spec, sc.ID)
	}
	_, listed := spec.Expected[sc.ID]
	res.Verdict = ScenarioVerdict(res.Outcome, listed, o.Strict)
	res.ExpectedFailure = res.Verdict == VerdictExpectedFailure
	return res, true
}

// StartClient starts the client spec names: a built-in in process, an adapter module
// in headless Chromium (browser:PATH), or a driver process that has completed hello.
func StartClient(ctx context.Context, spec ClientSpec, helloTimeout time.Duration) (cut.Client, error) {
	if cut.IsBuiltIn(spec.Command) {
		return cut.NewBuiltIn(spec.Command)
	}
	if adapter, ok := strings.CutPrefix(strings.TrimSpace(spec.Command), browser.Prefix); ok {
		b, err := browser.New(ctx, browser.Options{Adapter: adapter})
		if err != nil {
			return nil, fmt.Errorf("browser client %s could not start: %w", spec.Name, err)
		}
		return b, nil
	}
	p, err := cut.StartProcess(ctx, cut.ProcessOptions{Name: spec.Name, Command: spec.Command, HelloTimeout: helloTimeout})
	if err != nil {
		return nil, fmt.Errorf("driver %s could not start: %w", spec.Name, err)
	}
	return p, nil
}
