package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
	"github.com/tokenclock/tokenclock/reports"
	"github.com/tokenclock/tokenclock/scenarios"
)

// Where the generated page and the README's summary of it live (from the repository root).
const (
	compatibilityDoc = "docs/compatibility.md"
	readme           = "README.md"
	readmeBegin      = "<!-- BEGIN GENERATED: compatibility summary (make matrix) -->"
	readmeEnd        = "<!-- END GENERATED: compatibility summary -->"
)

// bundled is one client of the matrix: its column (reports.Library), how to start it
// and its expected-failures file ("" for a client that must pass every row it runs).
type bundled struct {
	reports.Library
	// goPackage, for a Go driver, is the package the matrix builds; the command is then
	// the binary, and the user-facing Library.Command its /tmp path after `go build`.
	goPackage string
	expected  string
	// example marks a client written to pass (the reference and the kits' examples),
	// as opposed to a library driven as its docs show.
	example bool
	// profile is the server profile it runs under ("" is cookie).
	profile string
}

const (
	jsKit    = "node clientunderTest/node/kit/run.mjs clientunderTest/node/adapters/"
	jsNode   = "Node 20, JS kit"
	python   = "/usr/bin/python3 clientunderTest/python/"
	pyNode   = "Python 3.11 (Debian), Python kit"
	goKit    = "Go, driver kit"
	adapters = "clientunderTest/node/adapters/"
)

// manifest lists every bundled client, kits' examples first, then one driver per real
// library (two where the library's documented pattern needs a setting to be correct:
// the default and the recommended setting). Each driver's header comment names the doc
// section it follows.
var manifest = []bundled{
	{example: true, Library: reports.Library{Client: "reference", Name: "tokenclock reference client", Runtime: "Go, in process",
		Pattern: "what the contract asks: one refresh in flight, shared; a profile-wide lock across tabs; replays with the new token",
		Command: "go:reference"}},
	{example: true, Library: reports.Library{Client: "axios-singleflight", Name: "axios (the JS kit's example)", Runtime: jsNode,
		Pattern: "the seed tutorial's interceptor fixed: single flight, Web Locks across tabs, early renewal, GraphQL, Idempotency-Key",
		Command: jsKit + "axios-singleflight.mjs"}},
	{example: true, Library: reports.Library{Client: "py-example", Name: "urllib (the Python kit's example)", Runtime: pyNode,
		Pattern: "single flight under the profile lock, replay with the same body, GraphQL, Idempotency-Key",
		Command: python + "example_adapter.py"}},
	{example: true, Library: reports.Library{Client: "go-example", Name: "net/http (the Go kit's example)", Runtime: goKit,
		Pattern: "docs/examples/go-driver: single flight under the profile lock, cancel by context",
		Command: "/tmp/go-example"}, goPackage: "./docs/examples/go-driver"},
	{Library: reports.Library{Client: "axios-seed", Name: "axios", Runtime: jsNode,
		Pattern: "the seed tutorial \"Refresh Token When Expires\": a response interceptor that refreshes and retries once per 401",
		Command: jsKit + "axios-seed.mjs"}, expected: adapters + "axios-seed.expected-failures.txt"},
	{Library: reports.Library{Client: "axios-auth-refresh", Name: "axios-auth-refresh", Runtime: jsNode,
		Pattern: "README \"Usage\": createAuthRefresh(axios, refreshAuthLogic), default options (5.x: deduplicateRefresh on)",
		Setting: "deduplicateRefresh: true (the 5.x default; the old pauseInstanceWhileRefreshing, the README's setting for concurrent requests)",
		Command: jsKit + "axios-auth-refresh.mjs", Inconclusive: logoutQueued("the library's request queue holds every request of the instance"),
		Notes: []reports.LibraryNote{{Scenario: "CONC-01", Text: "with deduplicateRefresh (the default since 5.0, and the README's " +
			"setting for concurrent requests), the instance is on the skip list while the refresh runs, so a 401 arriving then " +
			"is not queued but handed to its caller: one refresh, one replay, and the other 9 callers get 401 — although the " +
			"README says stalled requests are resolved once the refresh completes. The pre-5.0 default (next column) passes."}}},
		expected: adapters + "axios-auth-refresh.expected-failures.txt"},
	{Library: reports.Library{Client: "axios-auth-refresh-unpaused", Name: "axios-auth-refresh", Runtime: jsNode,
		Pattern: "README \"Usage\", the pre-5.0 default", Setting: "deduplicateRefresh: false (pauseInstanceWhileRefreshing off), refresh call marked skipAuthRefresh",
		Command: jsKit + "axios-auth-refresh-unpaused.mjs", Inconclusive: logoutQueued("the library's request queue holds every request of the instance")},
		expected: adapters + "axios-auth-refresh-unpaused.expected-failures.txt"},
	{Library: reports.Library{Client: "ky", Name: "ky", Runtime: jsNode + " (ky 2 needs Node 22)",
		Pattern: "README \"hooks.afterResponse\": refresh on a 401 and ky.retry with the new token",
		Command: jsKit + "ky.mjs",
		Inconclusive: map[string]string{"PROACTIVE-02": "ky's own request timeout (10 s) runs on the page clock: the row's 55 s " +
			"tick times out the GET in flight, so the row cannot line up an early refresh (ky makes none)"},
		Notes: []reports.LibraryNote{{Scenario: "EXP-REFRESH-04", Text: "ky treats an error thrown inside an afterResponse hook (here " +
			"the refresh answered 503) as the request's own failure and retries the original request, which carries the dead " +
			"token (the README's beforeRequest sets the header on the first try only): the caller ends with 401, not the 503. " +
			"ky's maintainers call retry-on-hook-error intended (sindresorhus/ky#149)."}}},
		expected: adapters + "ky.expected-failures.txt"},
	{Library: reports.Library{Client: "ofetch", Name: "ofetch", Runtime: jsNode,
		Pattern: "README \"Interceptors\" + \"Auto Retry\": onResponseError refreshes, retry: 1 on status 401",
		Command: jsKit + "ofetch.mjs"}, expected: adapters + "ofetch.expected-failures.txt"},
	{Library: reports.Library{Client: "openapi-fetch", Name: "openapi-fetch", Runtime: jsNode,
		Pattern: "docs \"Middleware › Auth\": onRequest sets the token, onResponse refreshes on a 401 and sends again",
		Command: jsKit + "openapi-fetch.mjs",
		Inconclusive: map[string]string{
			"TABS-01": "a tab without a token refreshes before its first request (\"fetch token, if it doesn't exist\"), so the tabs never meet the expiry with parallel first sends",
			"TABS-03": "the same: the second tab's first request is a refresh, not the GET the row's gate waits for",
		},
		Notes: []reports.LibraryNote{{Scenario: "EXP-ACCESS-02", Text: "onResponse receives the Request openapi-fetch already sent, " +
			"and the library does not clone it: a request with a body cannot be sent again (\"Cannot construct a Request with a " +
			"Request object that has already been used\"), so a POST that met an expired token fails after the refresh. The docs " +
			"show no retry; openapi-ts/openapi-typescript#2075 asks for one."}}},
		expected: adapters + "openapi-fetch.expected-failures.txt"},
	{Library: reports.Library{Client: "rtk-query", Name: "RTK Query (@reduxjs/toolkit)", Runtime: jsNode,
		Pattern: "docs \"Automatic re-authorization by extending fetchBaseQuery\" with the async-mutex of \"Preventing multiple unauthorized errors\"",
		Command: jsKit + "rtk-query.mjs", Inconclusive: logoutQueued("every request first awaits mutex.waitForUnlock()")},
		expected: adapters + "rtk-query.expected-failures.txt"},
	{Library: reports.Library{Client: "wretch", Name: "wretch", Runtime: jsNode + " (wretch 3 needs Node 22)",
		Pattern: "API docs \"catcher\": catcher(401) refreshes and replays the original request",
		Command: jsKit + "wretch.mjs"}, expected: adapters + "wretch.expected-failures.txt"},
	{Library: reports.Library{Client: "py-requests", Name: "requests", Runtime: pyNode,
		Pattern: "a Session with a response hook that refreshes on a 401 and resends (the community's re-auth recipe; requests documents hooks, not refresh)",
		Command: python + "requests_session.py"}, expected: "clientunderTest/python/requests_session.expected-failures.txt"},
	{Library: reports.Library{Client: "py-httpx", Name: "httpx", Runtime: pyNode,
		Pattern: "docs \"Custom authentication schemes\": an httpx.Auth whose auth_flow refreshes on a 401 (requires_response_body)",
		Command: python + "httpx_auth.py"}, expected: "clientunderTest/python/httpx_auth.expected-failures.txt"},
	{Library: reports.Library{Client: "go-resty", Name: "go-resty", Runtime: goKit,
		Pattern: "README \"Retries\" + \"Retry Hooks\": AddRetryCondition on a 401, AddRetryHook refreshes, OnBeforeRequest sets the token",
		Setting: "SetRetryCount(1)", Command: "/tmp/go-resty",
		Notes: []reports.LibraryNote{
			{Scenario: "LOOP-02", Text: "resty runs the retry hooks after the last attempt too (retry.go: \"Still run retry hooks " +
				"even on last retry to keep compatibility\"): the replay answered 401 (#4) makes the hook refresh once more (#5), " +
				"and no request ever uses that refresh. With the README's SetRetryCount(3): 4 refreshes."},
			{Scenario: "EXP-REFRESH-01", Text: "a retry hook cannot fail or skip its retry (it returns nothing; go-resty/resty#1007 " +
				"proposes a way): the refresh is refused (#3), and resty still replays the request with the dead token (#4)."},
		}},
		goPackage: "./clientunderTest/godrivers/resty", expected: "clientunderTest/godrivers/resty/expected-failures.txt"},
	{example: true, profile: fakeserver.ProfileOAuth2, Library: reports.Library{Client: "reference-oauth2",
		Name: "tokenclock reference client", Runtime: "Go, in process",
		Pattern: "the same code under the OAuth 2 profile: password grant, refresh_token grant, revocation at logout",
		Command: "go:reference"}},
	{profile: fakeserver.ProfileOAuth2, Library: reports.Library{Client: "x-oauth2", Name: "golang.org/x/oauth2", Runtime: goKit,
		Pattern: "package docs: Config.PasswordCredentialsToken, then Config.Client (a ReuseTokenSource that refreshes from the token's Expiry)",
		Command: "/tmp/x-oauth2", Inconclusive: expiryOnly("SESSION-01", "CANCEL-01", "CANCEL-02", "RESTART-03", "TABS-04"),
		Notes: []reports.LibraryNote{{Scenario: "EXP-ACCESS-01", Text: "x/oauth2 refreshes only when the token's Expiry " +
			"(expires_in, less its 10 s expiryDelta) has passed on the machine's clock, and its Transport hands every answer, " +
			"a 401 included, to the application: an access token the server refuses before that moment (an expiry the harness " +
			"moves the server's clock for, a revocation, a server restart) is sent until Expiry and never refreshed. " +
			"Apps add their own retry on 401 for that (openclaw/gogcli#241: \"if an access token is revoked server-side before " +
			"local expiry, every request fails\")."}}},
		goPackage: "./clientunderTest/godrivers/xoauth2", expected: "clientunderTest/godrivers/xoauth2/expected-failures.txt"},
	{profile: fakeserver.ProfileOAuth2, Library: reports.Library{Client: "py-requests-oauthlib", Name: "requests-oauthlib", Runtime: pyNode,
		Pattern: "docs \"Legacy Application Flow\" (fetch_token with a password) + \"Refreshing tokens\", its recommended " +
			"way: auto_refresh_url, auto_refresh_kwargs and token_updater",
		Command: python + "requests_oauthlib_session.py", Inconclusive: expiryOnly("SESSION-01", "RESTART-03", "TABS-04")},
		expected: "clientunderTest/python/requests_oauthlib_session.expected-failures.txt"},
	{profile: fakeserver.ProfileOAuth2, Library: reports.Library{Client: "py-authlib", Name: "Authlib", Runtime: pyNode,
		Pattern: "docs \"OAuth 2 Session\": fetch_token with a password, then \"Auto Update Token\" (token_endpoint and update_token)",
		Command: python + "authlib_session.py", Inconclusive: mergePins(expiryOnly("SESSION-01", "RESTART-03", "TABS-04"),
			map[string]string{
				"TABS-01": noTokenYet, "TABS-02": noTokenYet, "TABS-03": noTokenYet,
			})},
		expected: "clientunderTest/python/authlib_session.expected-failures.txt"},
	{profile: fakeserver.ProfileOAuth2, Library: reports.Library{Client: "openid-client", Name: "openid-client", Runtime: jsNode,
		Pattern: "API reference: discovery, genericGrantRequest('password'), fetchProtectedResource; on its " +
			"WWWAuthenticateChallengeError (invalid_token) refreshTokenGrant and send once more; tokenRevocation at logout",
		Command: jsKit + "openid-client.mjs"}, expected: adapters + "openid-client.expected-failures.txt"},
}

// expiryOnly pins rows that need a refresh in flight for a library that refreshes
// only when the token's expiry time has passed on the machine's clock: the row's 401
// never starts one, so there is nothing for it to judge.
func expiryOnly(rows ...string) map[string]string {
	out := map[string]string{}
	for _, id := range rows {
		out[id] = expiryOnlyReason
	}
	return out
}

// expiryOnlyReason is the reason expiryOnly pins a row with.
const expiryOnlyReason = "the library refreshes only from the token's expiry time on the machine's clock, never on a 401: the row's refresh never starts"

// noTokenYet is why Authlib's TABS rows cannot line up: a tab built before the login
// has no token, and Authlib raises MissingTokenError without sending anything.
const noTokenYet = "a tab built before the login has no token, and Authlib raises MissingTokenError without sending its first call"

// mergePins is the union of pin sets.
func mergePins(sets ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, s := range sets {
		for id, why := range s {
			out[id] = why
		}
	}
	return out
}

// pinnedBecause is, for each row a client may have pinned as inconclusive, a fragment
// of the message that row gives in the situation the pins describe: a pinned row that
// turns inconclusive for another reason is not accepted. Pins made by expiryOnly are
// accepted on noRefresh instead (acceptedFragment).
var pinnedBecause = map[string]string{
	"SESSION-01":   "before the client's logout finished",
	"RESTART-03":   "before the client's logout finished",
	"TABS-01":      "first sends arrived within the hold bound",
	"TABS-02":      "first sends arrived within the hold bound",
	"TABS-03":      "first sends arrived within the hold bound",
	"PROACTIVE-02": "a caller got no 200",
}

// noRefresh is how a row says its client never refreshed on the 401 it set up: the
// OAuth 2 libraries that refresh only from a token's expiry time.
const noRefresh = "started no refresh within the hold bound"

// acceptedFragment is the message fragment a row pinned with reason must show: the
// pin's own situation, so one client's pin never accepts another situation.
func acceptedFragment(id, reason string) string {
	if reason == expiryOnlyReason {
		return noRefresh
	}
	return pinnedBecause[id]
}

// logoutQueued pins SESSION-01 and RESTART-03 for a client whose logout waits behind
// the refresh in flight (how names the mechanism): no refresh can land after its
// logout, so those rows, which judge exactly that, have nothing to observe.
func logoutQueued(how string) map[string]string {
	why := how + ", logout included: the logout is always sent after the refresh was answered, so no refresh lands after it"
	return map[string]string{"SESSION-01": why, "RESTART-03": why}
}

// libraries are the matrix's columns, in manifest order.
func libraries() []reports.Library {
	out := make([]reports.Library, len(manifest))
	for i, b := range manifest {
		out[i] = b.Library
		if b.goPackage != "" {
			out[i].Build = "go build -o " + b.Command + " " + b.goPackage
		}
	}
	return out
}

// clientSpecs builds the Go drivers into bin (none when bin is "") and returns every bundled client as the
// run starts it, with its expected failures (read against the whole catalog, whatever
// the run selects).
func clientSpecs(ctx context.Context, bin string) ([]conformance.ClientSpec, map[string]conformance.ExpectedFailures, error) {
	var specs []conformance.ClientSpec
	expected := map[string]conformance.ExpectedFailures{}
	for _, b := range manifest {
		spec := conformance.ClientSpec{Name: b.Client, Command: b.Command, Profile: b.profile}
		if b.goPackage != "" && bin != "" {
			out := filepath.Join(bin, b.Client)
			build := exec.CommandContext(ctx, "go", "build", "-o", out, b.goPackage)
			if msg, err := build.CombinedOutput(); err != nil {
				return nil, nil, fmt.Errorf("go build %s: %v\n%s", b.goPackage, err, msg)
			}
			spec.Command = out
		}
		if b.expected != "" {
			x, err := conformance.ReadExpectedFailures(b.expected, scenarios.Catalog())
			if err != nil {
				return nil, nil, err
			}
			spec.ExpectedFailuresFile, spec.Expected = b.expected, x
			expected[b.Client] = x
		}
		specs = append(specs, spec)
	}
	return specs, expected, nil
}

// pageHead and pageTail frame the generated tables of docs/compatibility.md.
var pageHead = strings.TrimLeft(`
# Compatibility: how real refresh clients fare

Which popular HTTP clients get token refresh right, judged by the whole catalog
([conformance.md](conformance.md)) against the fake server. Each library is driven the
way its **own documentation** recommends refreshing an expired token (the pattern
column; each driver's header comment quotes the section), with its pinned version, and
nothing fixed on its behalf: a failure here is what an app that follows those docs
ships. Where a pattern needs a setting to be correct, the matrix runs it both ways.

Generated by `+"`make matrix`"+` (scripts/matrix) from one run of every bundled client; it
also writes that run's report.html to reports/matrix/. `+"`make test`"+` checks that this page
lists, for every client, exactly the rows its expected-failures file (and the pinned
inconclusive rows) list, with the same reasons, and plays a sample of rows against every
client. How the JavaScript
libraries run: [the JS kit](js-kit.md) (Node 20: the newest majors that support it are
pinned); Python: [the Python kit](python-kit.md) on Debian's packages; Go: the driver kit
of [writing a driver](writing-a-driver.md).

`, "\n")

var pageTail = `
## Reading this page

- failed counts the rows that failed (or timed out or crashed) — a row fails on any MUST
  finding, SHOULD rows included; warned the SHOULD rows with only SHOULD findings;
  inconclusive the rows that could not judge the client (below);
  skipped the rows the client cannot run (a
  feature it lacks: cancel, clock, bodies, event streams; BROWSER rows need a real
  browser, see [browser mode](browser-mode.md)). A skip is never a pass, and it makes
  counts incomparable: requests and httpx have no way to cancel a call, so their CANCEL
  rows are skipped where every JS library's fail.
- A failure is listed with the reason from the client's expected-failures file, which
  leads with the requirement it breaks (RC numbers: [conformance.md](conformance.md)).
- An **inconclusive** row could not judge the client: the situation it tests never
  happens with that client's design (a logout that always waits for the refresh in
  flight, say). It is listed with why, pinned in scripts/matrix/manifest.go, and
  ` + "`make matrix`" + ` accepts it; a plain ` + "`tokenclock run`" + ` of that client still exits 1 on
  it, since an inconclusive row is never an expected failure.
- **Library note** marks a result that is the library's own behaviour (not the pattern
  an app wrote around it, not our driver), with the journal of the scenario that shows
  it: one line per request the server saw, as report.html draws it.
`
