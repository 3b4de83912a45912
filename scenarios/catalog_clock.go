package scenarios

import (
	"fmt"
	"time"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// skewOffset is the device-clock offset of the SKEW rows (ahead or behind) and the
// length of the SLEEP rows' sleep: 5 minutes,
// well inside what phones and laptops without NTP drift to, and five times the
// default token lifetime.
const skewOffset = 5 * time.Minute

// dueAt is how far into a 60 s token the PROACTIVE rows put the client's clock: 5 s
// before expiry, so any client that renews early at all (most renew 10–60 s ahead)
// is due; one that renews later than that is judged inconclusive there.
const dueAt = 55 * time.Second

// skews is the SKEW family: the client's clock disagrees with the server's. The
// symptom it reproduces: a client that reads the JWT exp against a device clock
// minutes ahead sees every token expired and refreshes before every call; one behind
// never renews early and must still handle the 401.
func skews() []conformance.Scenario {
	return []conformance.Scenario{
		{
			ID: "SKEW-01", Title: "a client clock 5 min ahead refreshes at most once per 10-min token lifetime",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC18}, Family: "skew",
			Features: []string{cut.FeatureClock}, LoggedOut: true,
			Server: func(o *fakeserver.Options) { o.AccessTTL = 10 * time.Minute },
			Play: func(s *conformance.Session) {
				s.SetClientClock(s.Now().Add(skewOffset))
				s.Login()
				callsOverTime(s, 9, time.Minute)
			},
		},
		{
			ID: "SKEW-02", Title: "a client clock 5 min behind still answers the 401 with one refresh and a replay",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC18}, Family: "skew",
			Features: []string{cut.FeatureClock}, LoggedOut: true,
			Play: func(s *conformance.Session) {
				s.SetClientClock(s.Now().Add(-skewOffset))
				s.Login()
				old := loginLabel(s.Server.Journal())
				s.Expire() // the server's clock only: the client believes its token fresh
				mark := s.Mark()
				r := s.Send(GetMe())
				s.ExpectReplayed(s.Since(mark), GetMe(), r, old, 200, conformance.ReplayReqs{
					Refresh: conformance.RC18, Replay: conformance.RC18, Body: conformance.RC18, Caller: conformance.RC18})
			},
		},
		{
			ID: "SKEW-03", Title: "a client clock ahead by more than the token lifetime does not refresh before every call",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC18}, Family: "skew",
			Features: []string{cut.FeatureClock}, LoggedOut: true,
			Play: func(s *conformance.Session) {
				s.SetClientClock(s.Now().Add(skewOffset))
				s.Login()
				callsOverTime(s, 6, 10*time.Second)
			},
		},
	}
}

// callsOverTime sends n GETs one after another, both clocks advancing by every
// before each; the n·every that pass are less than the token's lifetime, so at most one
// refresh is needed (an early one), and every caller must get 200.
func callsOverTime(s *conformance.Session, n int, every time.Duration) {
	mark := s.Mark()
	for range n {
		s.AdvanceBoth(every)
		s.ExpectCaller(s.Send(GetMe()), 200, conformance.RC18)
	}
	s.ExpectAtMostRefreshes(s.Since(mark), 1, conformance.RC18)
	s.ExpectNoReuse(conformance.RC18)
}

// sleeps is the SLEEP family: a laptop sleeps past expiry, so the client's clock
// jumps while its timers never fired. The symptoms: the first call after waking
// fails or fires several refreshes; the renewal timer set before the sleep fires late
// and refreshes a token that was already renewed.
func sleeps() []conformance.Scenario {
	return []conformance.Scenario{
		{
			ID: "SLEEP-01", Title: "after sleeping past expiry, the first request refreshes once and succeeds",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC18}, Family: "sleep",
			Features: []string{cut.FeatureClock},
			Play: func(s *conformance.Session) {
				s.Server.Advance(skewOffset)
				s.SetClientClock(s.Now())
				mark := s.Mark()
				s.ExpectCaller(s.Send(GetMe()), 200, conformance.RC18)
				s.ExpectRefreshes(s.Since(mark), 1, conformance.RC18)
				s.ExpectNoReuse(conformance.RC18)
			},
		},
		{
			ID: "SLEEP-02", Title: "a renewal timer that fires late after waking does not refresh a second time",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC18}, Family: "sleep",
			Features: []string{cut.FeatureClock},
			Play: func(s *conformance.Session) {
				// 40 s in, the sleep starts; the client wakes 5 min later, a call renews
				// the token, and 10 s on the timer set before the sleep comes due.
				s.AdvanceBoth(40 * time.Second)
				s.Server.Advance(skewOffset)
				s.SetClientClock(s.Now())
				mark := s.Mark()
				s.ExpectCaller(s.Send(GetMe()), 200, conformance.RC18)
				s.AdvanceBoth(10 * time.Second)
				s.ExpectCaller(s.Send(GetMe()), 200, conformance.RC18)
				s.NothingAfter(conformance.RC18)
				s.ExpectRefreshes(s.Since(mark), 1, conformance.RC18)
			},
		},
	}
}

// proactives is the PROACTIVE family: the early refresh a client starts from its
// own clock, before any 401. The symptoms: every due caller renews on its own (two
// locks, two refreshes), and a 401 that arrives during an early refresh starts a
// second one that races it for the rotating token.
func proactives() []conformance.Scenario {
	return []conformance.Scenario{
		{
			ID: "PROACTIVE-01", Title: "5 parallel callers of a token due for early refresh share one refresh, with no 401",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC2}, Family: "proactive",
			Features: []string{cut.FeatureClock},
			Play: func(s *conformance.Session) {
				s.Server.Advance(dueAt)
				s.SetClientClock(s.Now()) // the timers do not run: the callers find the token due
				hold := s.Server.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.PathRefresh,
					Action: fakeserver.ActionHoldBefore, ReleaseAfter: 2})
				mark := s.Mark()
				ps := s.GoAll(GetMes(5))
				if !s.WaitHeld(hold, 1, ps...) {
					conformance.WaitAll(ps)
					s.Inconclusive(fmt.Sprintf("the client made no early refresh with its clock %s into a %s token: "+
						"there was no early refresh to judge", dueAt, fakeserver.DefaultAccessTTL))
					return
				}
				s.SettleEarly(hold, len(ps))
				hold.Release()
				replies := conformance.WaitAll(ps)
				phase := s.Since(mark)
				s.ExpectRefreshes(phase, 1, conformance.RC2)
				for _, r := range replies {
					s.ExpectCaller(r, 200, conformance.RC2)
				}
				answered401 := phase.To("GET", fakeserver.PathMe).WithStatus(401)
				s.Check(len(answered401) == 0, conformance.RC2, "no caller's send answered 401 (the token was renewed before it expired)",
					"%s", conformance.TokenList(answered401))
				s.ExpectNoReuse(conformance.RC2)
			},
		},
		{
			ID: "PROACTIVE-02", Title: "a 401 that arrives during an early refresh joins it: one refresh",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC2}, Family: "proactive",
			Features: []string{cut.FeatureClock},
			Play: func(s *conformance.Session) {
				old := loginLabel(s.Server.Journal())
				first := s.Server.AddFault(fakeserver.Rule{Method: "GET", Path: fakeserver.PathMe, Times: 1, Action: fakeserver.ActionHoldBefore})
				hold := s.Server.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.PathRefresh, Action: fakeserver.ActionHoldBefore})
				mark := s.Mark()
				p := s.Go(GetMe())
				if !s.WaitHeld(first, 1, p) {
					s.HarnessError("the GET never reached the server")
				}
				s.TickClientClock(dueAt) // the client's renewal timer fires; the GET is in flight
				if !s.WaitHeld(hold, 1, p) {
					p.Wait()
					s.Inconclusive(fmt.Sprintf("the client's clock passed %s of a %s token and no early refresh started: "+
						"there was no early refresh for a 401 to race", dueAt, fakeserver.DefaultAccessTTL))
					return
				}
				s.Expire() // the server's clock: the in-flight GET now meets a dead token
				s.ReleaseAndSettle(first, mark, 1)
				hold.Release()
				r := p.Wait()
				s.ExpectReplayed(s.Since(mark), GetMe(), r, old, 200, conformance.ReplayReqs{
					Refresh: conformance.RC2, Replay: conformance.RC2, Body: conformance.RC2, Caller: conformance.RC2})
				s.ExpectNoReuse(conformance.RC2)
			},
		},
	}
}
