package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"sync"
	"time"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// The default user every scenario logs in as, and a second one for ownership rows.
const (
	UserName     = "Ada"
	UserEmail    = "ada@example.test"
	UserPassword = "correct horse"
	OtherName    = "Bob"
	OtherEmail   = "bob@example.test"
	OtherPass    = "battery staple"
)

// Session is one scenario being played: the fresh server, the client, the replies
// the callers saw and the findings so far. Play methods that talk to the client end
// the scenario (with timeout or crashed) when the client faults, the way
// testing.T.FailNow does, so a Play function reads as a straight script.
type Session struct {
	Server   *fakeserver.Server
	client   cut.Client
	scenario Scenario
	opts     Limits
	profile  string // the server profile the row is judged under
	ctx      context.Context
	cancel   context.CancelFunc
	started  time.Time // real time the scenario started
	srvStart time.Time // real time the server started (journal realOffsetMs origin)
	// observed: the client reports each response it acted on (cut.ResponseObserver).
	observed bool

	mu           sync.Mutex
	replies      []ReplyRecord
	findings     []Finding
	nextID       int
	ending       *ending
	flooded      bool
	inconclusive string        // why the row's precondition did not happen
	acted        int           // 401 responses the in-process client reported acting on
	actedEarly   int           // calls the in-process client reported waiting on an early refresh
	activity     chan struct{} // closed and replaced on every reply and every reported response
}

// ending is why a scenario stopped before Play returned.
type ending struct {
	outcome Outcome
	message string
}

// Pending is a command in flight; Wait returns its reply.
type Pending struct {
	s       *Session
	Call    cut.Call
	cancel  context.CancelCauseFunc
	index   int
	done    chan struct{}
	reply   cut.Reply
	err     error
	Sent    time.Time
	Replied time.Time
}

// Done reports whether the reply has arrived.
func (p *Pending) Done() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Wait blocks for the reply; a client fault ends the scenario.
func (p *Pending) Wait() cut.Reply {
	<-p.done
	if p.err != nil {
		p.s.fault(p.err, CallText(p.Call))
	}
	return p.reply
}

// Go sends one request without waiting for its reply. A call to an instance other
// than 0 needs feature instances on the row (a harness error otherwise: the row would
// run, and maybe pass, on a driver that ignores instances).
func (s *Session) Go(call cut.Call) *Pending {
	if call.Instance != 0 {
		s.needs(cut.FeatureInstances)
	}
	ctx, cancel := context.WithCancelCause(s.ctx)
	p := &Pending{s: s, Call: call, cancel: cancel, done: make(chan struct{}), Sent: time.Now()}
	p.index = s.record(ReplyRecord{Cmd: "request", Method: call.Method, Path: call.Path, Instance: call.Instance, SentMs: s.ms(p.Sent)})
	go func() {
		defer cancel(nil)
		p.reply, p.err = s.client.Request(ctx, call)
		p.Replied = time.Now()
		// Recorded and marked done under one lock, before waiters are woken: a waiter
		// that wakes sees Done, and one that sees Done finds the reply recorded.
		s.mu.Lock()
		defer s.mu.Unlock()
		s.settleLocked(p.index, p.reply, p.err, p.Replied)
		close(p.done)
		s.pokeLocked()
	}()
	return p
}

// Cancel cancels the request as its caller would (an AbortController, a context
// cancel); it needs the client feature cancel (the row lists it in Features). The
// caller then normally sees error "cancelled".
func (p *Pending) Cancel() {
	p.s.mu.Lock()
	p.s.replies[p.index].Cancelled = true
	p.s.mu.Unlock()
	p.cancel(cut.ErrCancelled)
}

// Send sends one request and waits for what the caller sees.
func (s *Session) Send(call cut.Call) cut.Reply { return s.Go(call).Wait() }

// GoAll starts every call at once.
func (s *Session) GoAll(calls []cut.Call) []*Pending {
	ps := make([]*Pending, len(calls))
	for i, c := range calls {
		ps[i] = s.Go(c)
	}
	return ps
}

// WaitAll waits for every reply; the first fault ends the scenario.
func WaitAll(ps []*Pending) []cut.Reply {
	out := make([]cut.Reply, len(ps))
	for i, p := range ps {
		out[i] = p.Wait()
	}
	return out
}

// WaitAllBy waits for the replies until the real-time limit and returns how many were
// still unanswered then. It never ends the scenario by itself.
func WaitAllBy(ps []*Pending, limit time.Time) (unanswered int) {
	for _, p := range ps {
		select {
		case <-p.done:
		case <-time.After(time.Until(limit)):
		}
		if !p.Done() {
			unanswered++
		}
	}
	return unanswered
}

// Login logs the default user in through the client; anything but 200 fails the row.
func (s *Session) Login() cut.Reply { return s.LoginAs(UserEmail, UserPassword, 200) }

// LoginAs logs in through the client and checks the caller saw want.
func (s *Session) LoginAs(email, password string, want int) cut.Reply {
	t := time.Now()
	i := s.record(ReplyRecord{Cmd: "login", Method: "POST", Path: s.AuthPath(fakeserver.PathLogin), SentMs: s.ms(t)})
	r, err := s.client.Login(s.ctx, email, password)
	s.settle(i, r, err, time.Now())
	if err != nil {
		s.fault(err, "login")
	}
	if r.Status != want {
		s.Findf(LoginPrecondition, fmt.Sprintf("caller %d from the client's login", want), "%s", ReplyText(r))
		if want == 200 {
			s.stop(Failed, "")
		}
	}
	return r
}

// Logout runs the client's own logout (through instance 0).
func (s *Session) Logout() cut.Reply { return s.LogoutInstance(0) }

// LogoutInstance runs the client's logout through one instance (a tab); an instance
// other than 0 needs feature instances on the row.
func (s *Session) LogoutInstance(instance int) cut.Reply {
	t := time.Now()
	i := s.record(ReplyRecord{Cmd: "logout", Method: "POST", Path: s.AuthPath(fakeserver.PathLogout), Instance: instance, SentMs: s.ms(t)})
	var r cut.Reply
	var err error
	if instance == 0 {
		r, err = s.client.Logout(s.ctx)
	} else {
		r, err = s.multi().LogoutInstance(s.ctx, instance)
	}
	s.settle(i, r, err, time.Now())
	if err != nil {
		s.fault(err, "logout")
	}
	return r
}

// Expire advances the server clock past the access TTL (61 s by default).
func (s *Session) Expire() { s.Server.ExpireAccess() }

// Mark is the journal position now: Since(mark) is everything that arrives later.
func (s *Session) Mark() int { return s.Server.Journal().LastSeq() }

// Since is the journal after mark.
func (s *Session) Since(mark int) fakeserver.Journal { return s.Server.Journal().Since(mark) }

// Findf records a broken check. Its level is the requirement's own level.
func (s *Session) Findf(req RequirementID, expected, actualFormat string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.findings = append(s.findings, Finding{
		Requirement: req, Expected: expected, Actual: fmt.Sprintf(actualFormat, args...),
		Level: req.Level(),
	})
}

// Check records a finding when ok is false.
func (s *Session) Check(ok bool, req RequirementID, expected, actualFormat string, args ...any) bool {
	if !ok {
		s.Findf(req, expected, actualFormat, args...)
	}
	return ok
}

// fault ends the scenario for a client fault: crashed for protocol faults and exits,
// timeout for hangs (or failed, when the hang was the harness stopping a flood).
func (s *Session) fault(err error, what string) {
	s.mu.Lock()
	flooded := s.flooded
	s.mu.Unlock()
	switch {
	case flooded:
		s.stop(Failed, "")
	case errors.Is(err, cut.ErrCrashed):
		s.stop(Crashed, fmt.Sprintf("crashed during %s: %v", what, err))
	case errors.Is(err, cut.ErrTimeout), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		s.stop(Timeout, fmt.Sprintf("timeout: no reply to %s within the %s deadline", what, s.opts.Deadline))
	default:
		s.stop(Crashed, fmt.Sprintf("client error during %s: %v", what, err))
	}
}

// stop ends Play at once with outcome (kept if an earlier stop already chose one).
func (s *Session) stop(outcome Outcome, message string) {
	s.mu.Lock()
	if s.ending == nil {
		s.ending = &ending{outcome: outcome, message: message}
	}
	s.mu.Unlock()
	runtime.Goexit()
}

// Skip ends Play at once with the scenario skipped, because the client does not do
// what the row is about — a behaviour the contract leaves optional, which no feature
// in hello announces (early renewal: a client that never renews early has nothing for
// the PROACTIVE rows to judge). Like a feature the client lacks, it is never a pass,
// and it must not stand for a precondition the row needs the client to meet: that is
// Inconclusive.
func (s *Session) Skip(why string) {
	s.stop(Skipped, "skipped: "+why)
}

// Inconclusive records that a precondition the row names did not happen (why says
// what, and what the client must do): the scenario ends inconclusive, never passed,
// whatever the checks find. The first reason is kept.
func (s *Session) Inconclusive(why string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inconclusive == "" {
		s.inconclusive = why
	}
}

// HarnessError ends the scenario at once as a problem of the harness itself (a setup
// step through the server's API failed): never counted against the client.
func (s *Session) HarnessError(format string, args ...any) {
	s.stop(HarnessError, "harness-error: "+fmt.Sprintf(format, args...))
}

// Context is the scenario's context: it ends at the deadline or when the scenario stops.
func (s *Session) Context() context.Context { return s.ctx }

// Limits are the scenario's real-time limits.
func (s *Session) Limits() Limits { return s.opts }

// Now is the fake server's clock.
func (s *Session) Now() time.Time { return s.Server.Now() }

// observe subscribes to an in-process client's reports of the responses it acted on.
func (s *Session) observe() func() {
	o, ok := s.client.(cut.ResponseObserver)
	if !ok {
		return func() {}
	}
	s.observed = true
	o.ObserveResponses(func(status int) {
		s.mu.Lock()
		defer s.mu.Unlock()
		switch status {
		case 401:
			s.acted++
		case 0:
			s.actedEarly++
		}
		s.pokeLocked()
	})
	return func() { o.ObserveResponses(nil) }
}

// acted401 is how many 401 responses the client reported acting on so far.
func (s *Session) acted401() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acted
}

// earlyActed is how many calls the client reported joining or starting an early
// (clock-driven) refresh before they were sent.
func (s *Session) earlyActed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.actedEarly
}

// changed is closed at the next reply or reported response.
func (s *Session) changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.activity == nil {
		s.activity = make(chan struct{})
	}
	return s.activity
}

// pokeLocked wakes every waiter of changed; the caller holds mu.
func (s *Session) pokeLocked() {
	if s.activity != nil {
		close(s.activity)
	}
	s.activity = make(chan struct{})
}

// Abandon ends the scenario now, judged on the findings so far; commands still in
// flight are cancelled (a hung client is not waited for past a failed check).
func (s *Session) Abandon() {
	s.cancel()
	s.stop("", "")
}

func (s *Session) record(r ReplyRecord) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	r.ID = s.nextID
	s.replies = append(s.replies, r)
	return len(s.replies) - 1
}

func (s *Session) settle(i int, r cut.Reply, err error, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked(i, r, err, at)
	s.pokeLocked()
}

// settleLocked records a reply; the caller holds mu.
func (s *Session) settleLocked(i int, r cut.Reply, err error, at time.Time) {
	rec := &s.replies[i]
	rec.RepliedMs = s.ms(at)
	rec.Status, rec.Error = r.Status, r.Error
	if err != nil {
		rec.Error = "harness: " + err.Error()
	}
	if len(r.Body) > 0 {
		rec.Body = string(r.Body) // clipped once scrubbed (secretBook.scrub): a cut must not split a secret
	}
}

// maxReplyBody is how much of a reply body a result keeps: enough to read any body
// the fake server sends, while a driver that answers with megabytes cannot make
// results.json and report.html grow with it.
const maxReplyBody = 8 << 10

func clipBody(b string) string {
	// A body clipped before is left as it is: a result may be scrubbed twice (once as
	// it ends, once more with every secret of its client).
	if len(b) <= maxReplyBody || clippedTail.MatchString(b[maxReplyBody:]) {
		return b
	}
	return fmt.Sprintf("%s… (%d more bytes not kept)", b[:maxReplyBody], len(b)-maxReplyBody)
}

// clippedTail is what clipBody appends.
var clippedTail = regexp.MustCompile(`^… \(\d+ more bytes not kept\)$`)

func (s *Session) ms(t time.Time) float64 {
	return float64(t.Sub(s.started).Microseconds()) / 1000
}

// serverMs converts a real time to the journal's realOffsetMs scale.
func (s *Session) serverMs(t time.Time) float64 {
	return float64(t.Sub(s.srvStart).Microseconds()) / 1000
}

func CallText(c cut.Call) string { return c.Method + " " + c.Path }

func ReplyText(r cut.Reply) string {
	if r.Error != "" {
		return "error " + r.Error
	}
	return fmt.Sprintf("caller %d", r.Status)
}

// JSONBody marshals v for a Call body.
func JSONBody(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only ever called with literal maps
	}
	return b
}
