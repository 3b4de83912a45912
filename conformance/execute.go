package conformance

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// Limits are the real-time limits of a scenario: the only places real time enters.
type Limits struct {
	// Deadline bounds one scenario in real time (default 10 s).
	Deadline time.Duration
	// QuietPeriod is how long "nothing after" waits after the last reply (default 100 ms).
	QuietPeriod time.Duration
	// HoldBound is when a held request releases by itself (default 2 s).
	HoldBound time.Duration
	// SettleWindow is how long the parallel gate keeps holding the shared refresh
	// after the last first send was answered, for a driver process to act on its 401s
	// (default 100 ms). In-process clients report delivery and need no window.
	SettleWindow time.Duration
	// FloodLimit ends a scenario as failed past this many requests (default 2000).
	FloodLimit int
}

// DefaultLimits are the limits of a run that sets none.
func DefaultLimits() Limits {
	return Limits{Deadline: 10 * time.Second, QuietPeriod: 100 * time.Millisecond, HoldBound: 2 * time.Second,
		SettleWindow: 100 * time.Millisecond, FloodLimit: 2000}
}

// WithDefaults fills zero fields from DefaultLimits.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	if l.Deadline <= 0 {
		l.Deadline = d.Deadline
	}
	if l.QuietPeriod <= 0 {
		l.QuietPeriod = d.QuietPeriod
	}
	if l.HoldBound <= 0 {
		l.HoldBound = d.HoldBound
	}
	if l.SettleWindow <= 0 {
		l.SettleWindow = d.SettleWindow
	}
	if l.FloodLimit <= 0 {
		l.FloodLimit = d.FloodLimit
	}
	return l
}

// Execute plays one scenario against client on a fresh fake server and reports its
// outcome (the verdict is Judge's). The client must already be started; Execute
// sends init. It never panics on client behaviour: hangs become timeout, protocol
// faults crashed, and problems of the harness itself harness-error.
func Execute(ctx context.Context, sc Scenario, client cut.Client, limits Limits) ScenarioResult {
	return execute(ctx, sc, client, limits, fakeserver.ProfileCookie, secretBook{})
}

// ExecuteProfile is Execute with the server under profile (fakeserver.Profile*; ""
// is cookie).
func ExecuteProfile(ctx context.Context, sc Scenario, client cut.Client, limits Limits, profile string) ScenarioResult {
	return execute(ctx, sc, client, limits, profile, secretBook{})
}

// execute is Execute with the secrets of the client's earlier scenarios: a driver
// may print an old token after its scenario ended, and that text lands in this
// result, so it is scrubbed with every secret the client was ever issued.
func execute(ctx context.Context, sc Scenario, client cut.Client, limits Limits, profile string, book scrubber) (res ScenarioResult) {
	limits = limits.WithDefaults()
	profile = profileName(profile)
	res = ScenarioResult{
		ID: sc.ID, Title: sc.Title, Level: sc.Level,
		Requirements: append([]RequirementID(nil), sc.Requirements...),
		Findings:     []Finding{}, Replies: []ReplyRecord{}, Journal: fakeserver.Journal{},
	}
	begin := time.Now()
	defer func() { res.DurationMs = float64(time.Since(begin).Microseconds()) / 1000 }()

	if src, ok := client.(cut.StderrSource); ok {
		if late := src.TakeStderr(); late != "" {
			res.Stderr = "[written after the previous scenario ended]\n" + late
		}
	}
	if hello := client.Hello(); !hello.SupportsProfile(profile) {
		// Not a row the client lacks a feature for: the run asked for what the client
		// cannot do at all, so nothing of it can be judged.
		res.Outcome = HarnessError
		res.Message = fmt.Sprintf("harness-error: the client does not support the %s profile (its hello lists %s): %s",
			profile, strings.Join(hello.ProfileNames(), ", "), profileFix(profile, hello))
		book.scrub(&res)
		return res
	}
	if why := skipReason(sc, client, profile); why != "" {
		res.Outcome, res.Message = Skipped, why
		book.scrub(&res)
		return res
	}

	s := newSession(ctx, sc, client, limits, profile)
	defer s.cancel()
	if err := s.startServer(); err != nil {
		res.Outcome, res.Message = HarnessError, "harness-error: "+err.Error()
		book.scrub(&res) // the stderr of an earlier scenario may be in it
		return res
	}
	defer s.Server.Close()
	defer s.observe()()

	s.play()
	s.collect(&res)
	book.add(s.Server.Secrets())
	book.scrub(&res)
	return res
}

func newSession(ctx context.Context, sc Scenario, client cut.Client, limits Limits, profile string) *Session {
	sctx, cancel := context.WithTimeout(ctx, limits.Deadline)
	return &Session{client: client, scenario: sc, opts: limits, profile: profile, ctx: sctx, cancel: cancel, started: time.Now()}
}

func (s *Session) startServer() error {
	var count int
	var once sync.Once
	// Each scenario's clock starts at real now on a whole second (JWT times are whole
	// seconds), so a client that reads exp against its own clock sees fresh tokens as
	// fresh on any day; a long run does not age the tokens of later rows.
	clock := clockwork.NewFakeClockAt(fakeserver.ScenarioClockStart(time.Now()))
	o := fakeserver.Options{Clock: clock, HoldBound: s.opts.HoldBound, JournalBodyBytes: harnessBodyBytes, Profile: s.profile}
	if host, ok := s.client.(cut.PageHost); ok {
		// Browser mode: the page is served from the API's origin, or the API allows
		// the page's own origin, with credentials, as a real API must.
		o.Page = host.PageHandler()
		o.CORSOrigin = host.PageOrigin(s.scenario.Origin)
	}
	if s.scenario.Server != nil {
		s.scenario.Server(&o)
	}
	o.Profile = s.profile // a row's options never change the profile it is judged under
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

// harnessBodyBytes is how much of each request body a scenario's journal keeps: far
// more than any body a row sends (its RC5 checks compare those), while a client that
// floods the server with megabyte bodies up to the flood limit keeps the journal to
// tens of megabytes (fakeserver's byte budget is then never reached).
const harnessBodyBytes = 16 << 10

// play runs init, login and the scenario's Play in their own goroutine, so a fault
// can end them with runtime.Goexit wherever it happens.
func (s *Session) play() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				s.mu.Lock()
				s.ending = &ending{outcome: HarnessError, message: fmt.Sprintf("harness-error: scenario panicked: %v", r)}
				s.mu.Unlock()
			}
		}()
		env := cut.Env{BaseURL: s.Server.URL(), Scenario: s.scenario.ID, Now: s.Server.Now(), Instances: s.scenario.Instances,
			Origin: s.scenario.Origin, Profile: s.profile}
		if s.profile == fakeserver.ProfileOAuth2 {
			env.TokenURL = s.Server.URL() + fakeserver.PathToken
			env.ClientID, env.ClientSecret = s.Server.OAuthClient()
		}
		if err := s.client.Init(s.ctx, env); err != nil {
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
			s.ending = &ending{outcome: HarnessError, message: "harness-error: scenario did not finish after its deadline"}
		}
		s.mu.Unlock()
	}
}

// collect turns the session into the scenario's result.
func (s *Session) collect(res *ScenarioResult) {
	journal := s.Server.Journal()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.flooded || len(journal) > s.opts.FloodLimit {
		s.findings = append(s.findings, Finding{Requirement: RC3, Level: RC3.Level(),
			Expected: fmt.Sprintf("at most %d requests in one scenario", s.opts.FloodLimit),
			Actual:   fmt.Sprintf("request flood: more than %d requests; the scenario was stopped", s.opts.FloodLimit)})
	}
	if dropped := s.Server.State().JournalDropped; dropped > 0 && s.inconclusive == "" {
		s.inconclusive = fmt.Sprintf("the server's journal dropped its %d oldest entries (its byte budget): "+
			"the checks could not see every request", dropped)
	}
	res.Findings = append(res.Findings, s.findings...)
	res.Replies = append(res.Replies, s.replies...)
	res.Journal = journal
	if src, ok := s.client.(cut.StderrSource); ok {
		if res.Stderr != "" {
			res.Stderr += "[this scenario]\n"
		}
		res.Stderr += src.TakeStderr()
	}
	res.Outcome = s.outcome(res.Findings)
	res.Message = message(res, s.ending, s.inconclusive)
}

// outcome ranks what happened: a harness error, a crash or a hang end the scenario
// whatever was found; a precondition that did not happen makes every finding
// meaningless (inconclusive); then the findings decide. A flood is the client's
// failure even though the harness stopped it by cancelling its commands.
func (s *Session) outcome(fs []Finding) Outcome {
	for _, f := range fs {
		if _, known := f.Requirement.Lookup(); !known && f.Requirement != LoginPrecondition {
			s.ending = &ending{outcome: HarnessError, message: fmt.Sprintf(
				"harness-error: a check names requirement %q, which the contract does not have", f.Requirement)}
			return HarnessError
		}
	}
	if s.ending != nil && s.ending.outcome != "" && s.ending.outcome != Failed && !s.flooded {
		return s.ending.outcome
	}
	if s.inconclusive != "" && !s.flooded {
		return Inconclusive
	}
	outcome := Passed
	for _, f := range fs {
		if f.Level == Should {
			outcome = Warned
			continue
		}
		return Failed
	}
	return outcome
}

// message leads with the requirement: "RC2: expected exactly 1 refresh call, observed 10".
func message(res *ScenarioResult, e *ending, inconclusive string) string {
	switch {
	case res.Outcome == Inconclusive:
		return "inconclusive: " + inconclusive
	case e != nil && e.message != "" && res.Outcome != Failed && res.Outcome != Warned:
		return e.message
	case len(res.Findings) == 0 && e != nil:
		return e.message
	}
	var parts []string
	for _, f := range res.Findings {
		parts = append(parts, fmt.Sprintf("%s: expected %s, observed %s", f.Requirement, f.Expected, f.Actual))
	}
	return strings.Join(parts, "; ")
}

// skipReason says why the client cannot run sc ("" when it can): a feature it did not
// announce, a page it cannot move to another origin, or a row a browser cannot run.
func skipReason(sc Scenario, client cut.Client, profile string) string {
	hello := client.Hello()
	if sc.Profile != "" && sc.Profile != profile {
		return fmt.Sprintf("skipped under the %s profile: the row applies to the %s profile only (%s)", profile, sc.Profile, sc.ProfileReason)
	}
	for _, f := range sc.Features {
		if !hello.Has(f) {
			return fmt.Sprintf("skipped: the driver did not announce feature %q", f)
		}
	}
	if _, host := client.(cut.PageHost); sc.Origin != cut.SameOrigin && !host {
		// A driver may announce feature browser (its own browser), but only a page the
		// harness serves can be moved to another origin.
		return "skipped: the row moves the page to another origin, which only browser mode's clients (browser:ADAPTER) can do"
	}
	if sc.NotInBrowser != "" && hello.Has(cut.FeatureBrowser) {
		return "skipped in browser mode: " + sc.NotInBrowser
	}
	return ""
}
