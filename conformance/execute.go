package scenarios

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
	"github.com/tokenclock/tokenclock/reports"
)

// Options are the real-time limits of a run (spec/scenarios.md).
type Options struct {
	// Deadline bounds one scenario in real time (default 10 s).
	Deadline time.Duration
	// Quiet is how long "nothing after" waits after the last reply (default 100 ms).
	Quiet time.Duration
	// HoldBound is when a held request releases by itself (default 2 s).
	HoldBound time.Duration
	// FloodLimit ends a scenario as failed past this many requests (default 2000).
	FloodLimit int
	// Strict counts SHOULD findings as failures.
	Strict bool
}

// WithDefaults fills zero fields with the spec's defaults.
func (o Options) WithDefaults() Options {
	if o.Deadline <= 0 {
		o.Deadline = 10 * time.Second
	}
	if o.Quiet <= 0 {
		o.Quiet = 100 * time.Millisecond
	}
	if o.HoldBound <= 0 {
		o.HoldBound = 2 * time.Second
	}
	if o.FloodLimit <= 0 {
		o.FloodLimit = 2000
	}
	return o
}

// clockStart is where every scenario's fake clock starts: a whole second, so JWT
// iat/exp (whole seconds) line up with the TTL boundaries.
var clockStart = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// Execute plays one scenario against client on a fresh fake server and judges it.
// The client must already be started; Execute sends init. It never panics on client
// behaviour: hangs become timeout, protocol faults crashed, and problems of the
// harness itself harness-error.
func Execute(ctx context.Context, sc Scenario, client cut.Client, opts Options) (res reports.ScenarioResult) {
	opts = opts.WithDefaults()
	res = reports.ScenarioResult{
		ID: sc.ID, Title: sc.Title, Level: string(sc.Level),
		Requirements: append([]string(nil), sc.Requirements...),
		Findings:     []reports.Finding{}, Replies: []reports.ReplyRecord{}, Journal: fakeserver.Journal{},
	}
	begin := time.Now()
	defer func() { res.DurationMs = float64(time.Since(begin).Microseconds()) / 1000 }()

	hello := client.Hello()
	for _, f := range sc.Features {
		if !hello.Has(f) {
			res.Outcome = reports.Skipped
			res.Message = fmt.Sprintf("skipped: the driver did not announce feature %q", f)
			return res
		}
	}

	s := newSession(ctx, sc, client, opts)
	defer s.cancel()
	if err := s.startServer(); err != nil {
		res.Outcome, res.Message = reports.HarnessError, "harness-error: "+err.Error()
		return res
	}
	defer s.Server.Close()

	s.play()
	s.collect(&res)
	return res
}

func newSession(ctx context.Context, sc Scenario, client cut.Client, opts Options) *Session {
	sctx, cancel := context.WithTimeout(ctx, opts.Deadline)
	return &Session{client: client, scenario: sc, opts: opts, ctx: sctx, cancel: cancel, started: time.Now()}
}

func (s *Session) startServer() error {
	var count int
	var once sync.Once
	o := fakeserver.Options{
		Clock:     clockwork.NewFakeClockAt(clockStart),
		HoldBound: s.opts.HoldBound,
	}
	if s.scenario.Server != nil {
		s.scenario.Server(&o)
	}
	o.OnRequest = func(fakeserver.Entry) {
		s.mu.Lock()
		count++
		over := count > s.opts.FloodLimit
		if over {
			s.flooded = true
		}
		s.mu.Unlock()
		if over {
			// Stop a looping client: cancel its commands and refuse its traffic.
			once.Do(func() { s.cancel(); go s.Server.Close() })
		}
	}
	s.Server = fakeserver.New(o)
	s.srvStart = s.Server.StartedAt()
	if err := s.Server.Start(); err != nil {
		return fmt.Errorf("fake server did not start: %w", err)
	}
	if _, err := s.Server.AddUser(UserName, UserEmail, UserPassword); err != nil {
		return fmt.Errorf("seeding the user: %w", err)
	}
	return nil
}

// play runs init, login and the scenario's Play in their own goroutine, so a fault
// can end them with runtime.Goexit wherever it happens.
func (s *Session) play() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				s.mu.Lock()
				s.ending = &ending{outcome: reports.HarnessError, message: fmt.Sprintf("harness-error: scenario panicked: %v", r)}
				s.mu.Unlock()
			}
		}()
		if err := s.client.Init(s.ctx, s.Server.URL(), s.scenario.ID); err != nil {
			s.fault(err, "init")
		}
		if !s.scenario.LoggedOut {
			s.Login()
		}
		s.scenario.Play(s)
	}()
	select {
	case <-done:
	case <-time.After(s.opts.Deadline + 2*time.Second):
		// Play itself is stuck (every wait honours the deadline, so this is a harness bug).
		s.mu.Lock()
		if s.ending == nil {
			s.ending = &ending{outcome: reports.HarnessError, message: "harness-error: scenario did not finish after its deadline"}
		}
		s.mu.Unlock()
	}
}

// collect turns the session into the scenario's result.
func (s *Session) collect(res *reports.ScenarioResult) {
	journal := s.Server.Journal()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.flooded || len(journal) > s.opts.FloodLimit {
		s.findings = append(s.findings, reports.Finding{Requirement: "RC3", Level: string(Must),
			Expected: fmt.Sprintf("at most %d requests in one scenario", s.opts.FloodLimit),
			Actual:   fmt.Sprintf("request flood: more than %d requests; the scenario was stopped", s.opts.FloodLimit)})
	}
	res.Findings = append(res.Findings, s.findings...)
	res.Replies = append(res.Replies, s.replies...)
	res.Journal = journal
	if src, ok := s.client.(cut.StderrSource); ok {
		res.Stderr = src.TakeStderr()
	}
	scrub(res, s.Server.Secrets())

	res.Outcome = judge(res.Findings, s.opts.Strict)
	if s.ending != nil && s.ending.outcome != "" && s.ending.outcome != reports.Failed && !s.flooded {
		res.Outcome = s.ending.outcome
	}
	res.Message = message(res, s.ending)
}

// judge: any MUST finding fails; only SHOULD findings warn.
func judge(fs []reports.Finding, strict bool) string {
	outcome := reports.Passed
	for _, f := range fs {
		if f.Level == string(Should) && !strict {
			outcome = reports.Warned
			continue
		}
		return reports.Failed
	}
	return outcome
}

// message leads with the requirement: "RC2: expected exactly 1 refresh call, observed 10".
func message(res *reports.ScenarioResult, e *ending) string {
	if e != nil && e.message != "" && res.Outcome != reports.Failed && res.Outcome != reports.Warned {
		return e.message
	}
	if len(res.Findings) == 0 {
		if e != nil {
			return e.message
		}
		return ""
	}
	var parts []string
	for _, f := range res.Findings {
		parts = append(parts, fmt.Sprintf("%s: expected %s, observed %s", f.Requirement, f.Expected, f.Actual))
	}
	return strings.Join(parts, "; ")
}

// scrub replaces every issued token secret by its label in everything a report shows.
func scrub(res *reports.ScenarioResult, secrets map[string]string) {
	if len(secrets) == 0 {
		return
	}
	pairs := make([]string, 0, 2*len(secrets))
	for secret, label := range secrets {
		pairs = append(pairs, secret, label)
	}
	r := strings.NewReplacer(pairs...)
	for i := range res.Replies {
		res.Replies[i].Body = r.Replace(res.Replies[i].Body)
		res.Replies[i].Error = r.Replace(res.Replies[i].Error)
	}
	res.Stderr = r.Replace(res.Stderr)
	for i := range res.Findings {
		res.Findings[i].Actual = r.Replace(res.Findings[i].Actual)
	}
}
