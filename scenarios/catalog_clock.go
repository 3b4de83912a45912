package scenarios

import (
	"fmt"
	"strings"
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
				callsOverTime(s, 9, time.Minute, 10*time.Minute)
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
			Server: func(o *fakeserver.Options) { o.AccessTTL = 2 * time.Minute },
			Play: func(s *conformance.Session) {
				s.SetClientClock(s.Now().Add(skewOffset))
				s.Login()
				callsOverTime(s, 6, 10*time.Second, 2*time.Minute)
			},
		},
	}
}

// callsOverTime sends n GETs one after another, both clocks advancing by every before
// each. The n·every that pass stay a minute short of the token's lifetime, so a client
// that renews up to a minute early needs at most one refresh: every caller must get
// 200, and no renewal may come before half a lifetime has passed (RC18).
func callsOverTime(s *conformance.Session, n int, every, lifetime time.Duration) {
	if time.Duration(n)*every > lifetime-time.Minute {
		s.HarnessError("callsOverTime: %d calls %s apart outlast a %s token less a minute", n, every, lifetime)
	}
	mark := s.Mark()
	for range n {
		s.AdvanceBoth(every)
		s.ExpectCaller(s.Send(GetMe()), 200, conformance.RC18)
	}
	expectRenewalsSpaced(s, mark, lifetime)
	s.ExpectNoReuse(conformance.RC18)
}

// expectRenewalsSpaced judges RC18 on the refreshes after mark: each must come at
// least half a lifetime (server clock) after the token it renews was issued, by the
// login or the refresh before it. A device clock that makes fresh tokens look expired,
// or a renewal timer that fires after its token was already renewed, shows as a
// refresh moments after the previous one.
func expectRenewalsSpaced(s *conformance.Session, mark int, lifetime time.Duration) {
	var issuedAt time.Time
	var issued string
	var early []string
	for _, e := range s.Server.Journal() {
		at, err := time.Parse(time.RFC3339Nano, e.VirtualTime)
		if err != nil || e.Status/100 != 2 || e.IssuedAccess == "" {
			continue
		}
		if e.Seq > mark && e.Call() == fakeserver.PathRefresh && !issuedAt.IsZero() && at.Sub(issuedAt) < lifetime/2 {
			early = append(early, fmt.Sprintf("%s renewed %s after it was issued", issued, at.Sub(issuedAt)))
		}
		issuedAt, issued = at, e.IssuedAccess
	}
	s.Check(len(early) == 0, conformance.RC18, fmt.Sprintf("no token renewed before half its %s lifetime (server clock)", lifetime),
		"%s (%s)", strings.Join(early, "; "), conformance.RefreshList(s.Since(mark)))
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
			ID: "SLEEP-02", Title: "a renewal timer that fires late after waking does not refresh a renewed token again",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC18}, Family: "sleep",
			Features: []string{cut.FeatureClock},
			Server:   func(o *fakeserver.Options) { o.AccessTTL = sleepLifetime },
			Play: func(s *conformance.Session) {
				// The laptop sleeps 4m50s into a 10-minute token: a renewal timer set for
				// up to 5 minutes before expiry has not fired. On waking, a call renews the
				// token; then the clocks run on for 9m30s in 30 s steps with a call each:
				// the old timer comes due long before the new token is half-way through.
				s.AdvanceBoth(4*time.Minute + 50*time.Second)
				s.Server.Advance(sleepLifetime + skewOffset)
				s.SetClientClock(s.Now())
				mark := s.Mark()
				s.ExpectCaller(s.Send(GetMe()), 200, conformance.RC18)
				s.ExpectRefreshes(s.Since(mark), 1, conformance.RC18)
				for range 19 {
					s.AdvanceBoth(30 * time.Second)
					s.ExpectCaller(s.Send(GetMe()), 200, conformance.RC18)
				}
				s.NothingAfter(conformance.RC18)
				expectRenewalsSpaced(s, mark, sleepLifetime)
			},
		},
	}
}

// lateRenewalWait is how long a PROACTIVE row, having seen no early refresh while its
// callers ran, still watches for one before it calls the client one that renews nothing
// early.
const lateRenewalWait = 500 * time.Millisecond

// noEarlyRenewal ends (the caller returns after it) a PROACTIVE row whose client
// started no early refresh while the row waited for one. It is skipped — early renewal is optional — only when nothing at
// all happened since mark: no refresh, not even one that came late (within
// lateRenewalWait after the callers were answered), no send answered 401, and every
// caller got 200. Anything else (a renewal after its callers, a 401, a failed caller)
// means the client does renew, or tried to, in a way the row could not line up:
// inconclusive, never a pass or a skip.
func noEarlyRenewal(s *conformance.Session, mark int, replies []cut.Reply, what string) {
	refreshed := func(fakeserver.Journal) bool { return len(s.Since(mark).To("POST", fakeserver.PathRefresh)) > 0 }
	late := s.WaitUntil(lateRenewalWait, refreshed)
	phase := s.Since(mark)
	answered401 := phase.WithStatus(401)
	allOK := true
	for _, r := range replies {
		allOK = allOK && r.Error == "" && r.Status == 200
	}
	if !late && len(answered401) == 0 && allOK {
		s.Skip("the client renews nothing early (" + what + "): early renewal is optional, and this row judges only how it is done")
	}
	s.Inconclusive(fmt.Sprintf("no early refresh while the row waited for one (%s), yet the client refreshed later (%d refresh "+
		"calls), saw %d answers 401 or a caller got no 200: the row could not line up what it judges",
		what, len(phase.To("POST", fakeserver.PathRefresh)), len(answered401)))
}

// stillHeld checks that the first request with method since mark (PROACTIVE-02's GET,
// or its early refresh) is still held at the server: a hold that released on its bound
// (a machine too loaded to get here within it) means the order the row needs did not
// happen, and the row is inconclusive, never judged on what followed.
func stillHeld(s *conformance.Session, mark int, method string) bool {
	for _, e := range s.Since(mark) {
		if e.Method == method {
			if e.Pending {
				return true
			}
			break
		}
	}
	s.Inconclusive(fmt.Sprintf("the held %s was answered (hold bound %s) before the row released it: the early refresh "+
		"and the 401 did not overlap", method, s.Limits().HoldBound))
	return false
}

// sleepLifetime is SLEEP-02's access-token lifetime: long enough that a client
// renewing up to 5 minutes early still renews after waking, not before the sleep.
const sleepLifetime = 10 * time.Minute

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
					noEarlyRenewal(s, mark, conformance.WaitAll(ps), fmt.Sprintf("no refresh with its clock %s into a %s token",
						dueAt, fakeserver.DefaultAccessTTL))
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
					noEarlyRenewal(s, mark, []cut.Reply{p.Wait()}, fmt.Sprintf("its clock passed %s of a %s token and no refresh started",
						dueAt, fakeserver.DefaultAccessTTL))
					return
				}
				s.Expire() // the server's clock: the in-flight GET now meets a dead token
				if !stillHeld(s, mark, "GET") {
					p.Wait()
					return
				}
				s.ReleaseAndSettle(first, mark, 1)
				if !stillHeld(s, mark, "POST") {
					hold.Release()
					p.Wait()
					return
				}
				hold.Release()
				r := p.Wait()
				s.ExpectReplayed(s.Since(mark), GetMe(), r, old, 200, conformance.ReplayReqs{
					Refresh: conformance.RC2, Replay: conformance.RC2, Body: conformance.RC2, Caller: conformance.RC2})
				s.ExpectNoReuse(conformance.RC2)
			},
		},
	}
}
