package reports_test

import (
	"fmt"
	"github.com/tokenclock/tokenclock/conformance"
	"time"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// evilStderr proves escaping: it must never become markup in any report.
const evilStderr = "refresh failed\n<script>alert('x')</script> & \"quotes\"\n"

// clock0 is the fake clock's start: a whole second, as the harness starts it.
var clock0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// jb builds a journal one entry at a time, numbering seq and real offsets.
type jb struct{ j fakeserver.Journal }

func (b *jb) add(vt time.Duration, method, path, at, as, rt, rs string, status int, mod ...func(*fakeserver.Entry)) *jb {
	n := len(b.j) + 1
	e := fakeserver.Entry{
		Seq: n, VirtualTime: clock0.Add(vt).Format(time.RFC3339Nano), VirtualOffset: "T+" + vt.String(), RealOffsetMs: float64(n) * 1.5,
		RespondedOffsetMs: float64(n)*1.5 + 0.7, Method: method, Path: path,
		AccessToken: at, AccessState: as, RefreshToken: rt, RefreshState: rs, Status: status,
		AuthorizationHeaders: map[bool]int{true: 1, false: 0}[at != ""],
	}
	for _, m := range mod {
		m(&e)
	}
	b.j = append(b.j, e)
	return b
}

func issued(a, r string) func(*fakeserver.Entry) {
	return func(e *fakeserver.Entry) { e.IssuedAccess, e.IssuedRefresh = a, r }
}

func fault(f string) func(*fakeserver.Entry) { return func(e *fakeserver.Entry) { e.Fault = f } }

func body(h string) func(*fakeserver.Entry) { return func(e *fakeserver.Entry) { e.BodySha256 = h } }

const (
	me      = "/api/auth/me"
	refresh = "/api/auth/refresh"
	login   = "/api/auth/login"
	ideas   = "/api/ideas"
	expired = 61 * time.Second
)

// loginJournal is the client's own login that mints A0 and R0.
func loginJournal() *jb {
	return (&jb{}).add(0, "POST", login, "", "none", "", "none", 200, issued("A0", "R0"), body("b0"))
}

// journalExpAccess01 is the well-behaved run of EXP-ACCESS-01: 401, one refresh, replay.
func journalExpAccess01() fakeserver.Journal {
	return loginJournal().
		add(expired, "GET", me, "A0", "expired", "", "none", 401).
		add(expired, "POST", refresh, "", "none", "R0", "valid", 200, issued("A1", "R1")).
		add(expired, "GET", me, "A1", "valid", "", "none", 200).j
}

// journalConc01Broken is CONC-01 for a client without single flight: three
// parallel 401s each refresh; the later refreshes present the spent R0 (reuse).
func journalConc01Broken() fakeserver.Journal {
	b := loginJournal()
	for range 3 {
		b.add(expired, "GET", me, "A0", "expired", "", "none", 401, fault("hold"))
	}
	b.add(expired, "POST", refresh, "", "none", "R0", "valid", 200, issued("A1", "R1"))
	b.add(expired, "POST", refresh, "", "none", "R0", "reused", 401)
	b.add(expired, "POST", refresh, "", "none", "R0", "revoked", 401)
	b.add(expired, "GET", me, "A1", "revoked", "", "none", 401)
	return b.j
}

// journalLoop07 is a POST whose connection is reset before handling.
func journalLoop07() fakeserver.Journal {
	return loginJournal().add(0, "POST", ideas, "A0", "valid", "", "none", 0, fault("reset"), body("b1")).j
}

// journalSequential is EXP-ACCESS-04: GETs 2 and 3 carry A1 on their first
// send, so only the first GET's second send is a replay.
func journalSequential() fakeserver.Journal {
	return loginJournal().
		add(expired, "GET", me, "A0", "expired", "", "none", 401).
		add(expired, "POST", refresh, "", "none", "R0", "valid", 200, issued("A1", "R1")).
		add(expired, "GET", me, "A1", "valid", "", "none", 200).
		add(expired, "GET", me, "A1", "valid", "", "none", 200).
		add(expired, "GET", me, "A1", "valid", "", "none", 200).j
}

// longJournal is a flooding client: n sends of GET, each answered 401.
func longJournal(n int) fakeserver.Journal {
	b := loginJournal()
	for len(b.j) < n {
		b.add(expired, "GET", me, "A0", "expired", "", "none", 401)
	}
	return b.j
}

func rerun(client, id string) string {
	return fmt.Sprintf("make conformance CLIENT='%s=node d.mjs' FOCUS='^%s$'", client, id)
}

func reply(id int, status int, errText string) conformance.ReplyRecord {
	return conformance.ReplyRecord{ID: id, Cmd: "request", Method: "GET", Path: me, Status: status, Error: errText,
		SentMs: float64(id) * 2, RepliedMs: float64(id)*2 + 1.25}
}

func scenario(id, title string, level conformance.Level, reqs []conformance.RequirementID, outcome conformance.Outcome) conformance.ScenarioResult {
	return conformance.ScenarioResult{ID: id, Title: title, Level: level, Requirements: reqs, Outcome: outcome,
		Findings: []conformance.Finding{}, Replies: []conformance.ReplyRecord{}, Journal: fakeserver.Journal{},
		DurationMs: 12.5}
}

// sampleRun is a realistic run: three clients, every outcome, an expected
// failure, a stale expected failure, findings, replays, reuse, a reset, and
// hostile stderr.
func sampleRun() conformance.RunResult {
	seed := conformance.ClientResult{Name: "seed", Command: "node clientunderTest/node/kit/run.mjs clientunderTest/node/adapters/axios-seed.mjs",
		Hello: cut.Hello{Name: "axios-seed", Version: "1.0.0", Features: []string{"logout"}}}
	fixed := conformance.ClientResult{Name: "fixed", Command: "node b.mjs",
		Hello: cut.Hello{Name: "axios-fixed", Version: "2.0.0", Features: []string{"logout", "cancel"}}}
	crashy := conformance.ClientResult{Name: "crashy", Command: "python3 c.py",
		Hello: cut.Hello{Name: "crashy", Version: "0.0.1", Features: []string{}}}

	pass := func(c string) conformance.ScenarioResult {
		s := scenario("EXP-ACCESS-01", "expired access token is refreshed and the GET replayed", "MUST", []conformance.RequirementID{"RC1", "RC4"}, conformance.Passed)
		s.Journal, s.Replies, s.Rerun = journalExpAccess01(), []conformance.ReplyRecord{reply(2, 200, "")}, rerun(c, "EXP-ACCESS-01")
		return s
	}
	conc := func(c string) conformance.ScenarioResult {
		s := scenario("CONC-01", "10 parallel requests share one refresh", "MUST", []conformance.RequirementID{"RC2", "RC4"}, conformance.Failed)
		s.Message = "RC2: expected exactly 1 refresh call, observed 3"
		s.Findings = []conformance.Finding{
			{Requirement: "RC2", Expected: "1 refresh call", Actual: "3 refresh calls", Level: "MUST"},
			{Requirement: "RC8", Expected: "no reuse detected", Actual: "R0 presented twice (reuse at seq 6)", Level: "MUST"},
		}
		s.Journal, s.Rerun, s.Stderr = journalConc01Broken(), rerun(c, "CONC-01"), evilStderr
		s.Replies = []conformance.ReplyRecord{reply(2, 401, ""), reply(3, 401, ""), reply(4, 401, "")}
		s.DurationMs = 143
		return s
	}
	seq := scenario("EXP-ACCESS-04", "3 sequential GETs after expiry share one refresh", "MUST", []conformance.RequirementID{"RC2"}, conformance.Passed)
	seq.Journal = journalSequential()
	warned := scenario("EXP-REFRESH-04", "a 503 from refresh keeps the session", "SHOULD", []conformance.RequirementID{"RC11"}, conformance.Warned)
	warned.Message = "RC11: expected the second caller 200, got 401"
	warned.Findings = []conformance.Finding{{Requirement: "RC11", Expected: "second caller 200", Actual: "401", Level: "SHOULD"}}
	warned.Rerun = rerun("seed", "EXP-REFRESH-04")
	skipped := scenario("CONC-05", "requests during a refresh use its result", "SHOULD", []conformance.RequirementID{"RC12"}, conformance.Skipped)
	skipped.Message = "driver lacks feature \"cancel\""
	timeout := scenario("LOOP-01", "a 401 from refresh is final", "MUST", []conformance.RequirementID{"RC6"}, conformance.Timeout)
	timeout.Message = "commands still unanswered at the 10s deadline: request #2"
	timeout.Rerun, timeout.DurationMs = rerun("seed", "LOOP-01"), 10000.5
	reset := scenario("LOOP-07", "a reset POST starts no refresh", "MUST", []conformance.RequirementID{"RC1"}, conformance.Passed)
	reset.Journal, reset.Replies = journalLoop07(), []conformance.ReplyRecord{reply(2, 0, "socket hang up")}
	xfail := conc("seed")
	xfail.ID, xfail.Title = "CONC-03", "rotation survives parallel refresh"
	xfail.Rerun = rerun("seed", "CONC-03")

	seed.Scenarios = []conformance.ScenarioResult{pass("seed"), seq, conc("seed"), xfail, warned, skipped, timeout, reset}

	harness := scenario("CONC-01", "10 parallel requests share one refresh", "MUST", []conformance.RequirementID{"RC2", "RC4"}, conformance.HarnessError)
	harness.Message = "fake server did not start: listen tcp: address already in use"
	fixedSkip := skipped
	fixedSkip.Outcome, fixedSkip.Message = conformance.Passed, ""
	fixed.Scenarios = []conformance.ScenarioResult{pass("fixed"), seq, harness, fixedSkip}

	crash := pass("crashy")
	crash.Outcome, crash.Message, crash.Stderr = conformance.Crashed, "driver exited with status 1 before replying to request #2", evilStderr
	crash.Journal = crash.Journal[:2]
	stale := scenario("LOOP-07", "a reset POST starts no refresh", "MUST", []conformance.RequirementID{"RC1"}, conformance.Passed)
	stale.Rerun = rerun("crashy", "LOOP-07")
	crashy.Scenarios = []conformance.ScenarioResult{crash, stale}

	run := conformance.RunResult{
		SchemaVersion: 1, Tool: "tokenclock", Version: "0.1.0", StartedAt: "2026-11-26T10:00:00Z",
		Options: conformance.RunOptions{Strict: false, Focus: "", Deadline: "10s", Quiet: "100ms", HoldBound: "2s"},
		Clients: []conformance.ClientResult{seed, fixed, crashy},
	}
	conformance.Judge(&run, sampleExpected())
	return run
}

// sampleExpected is sampleRun's expected-failures lists: seed's CONC-03 fails as
// listed; crashy's LOOP-07 passes although listed (a stale list).
func sampleExpected() map[string]conformance.ExpectedFailures {
	return map[string]conformance.ExpectedFailures{
		"seed":   {"CONC-03": "no single flight"},
		"crashy": {"LOOP-07": "was broken once"},
	}
}

// allScenarios yields every (client, scenario) pair of run.
func allScenarios(run conformance.RunResult) (pairs [][2]string, results []conformance.ScenarioResult) {
	for _, c := range run.Clients {
		for _, s := range c.Scenarios {
			pairs = append(pairs, [2]string{c.Name, s.ID})
			results = append(results, s)
		}
	}
	return pairs, results
}
