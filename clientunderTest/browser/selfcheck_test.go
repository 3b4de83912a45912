package browser_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/clientunderTest/browser"
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/scenarios"
)

// adapters is where the bundled JS adapter modules live.
var adapters = filepath.Join("..", "node", "adapters")

// skippedInBrowser are the rows the bundled adapters skip, and why: pinned, so that
// skipping is never mistaken for passing.
var skippedInBrowser = map[string]string{
	"LOOP-07":        "NotInBrowser: Chromium resends a request whose reused connection was reset",
	"EXP-REFRESH-05": "NotInBrowser: the same, for the refresh",
	"BODY-02":        "NotInBrowser: Chromium streams upload bodies only over HTTP/2",
}

// oauthRows are the oauth2 profile's rows: skipped under cookie, where the adapters run.
var oauthRows = []string{"OAUTH-01", "OAUTH-02", "OAUTH-03"}

// play runs the catalog (or the rows focus selects) against one adapter in Chromium.
func play(ctx context.Context, adapter, focus string) map[string]conformance.ScenarioResult {
	catalog, err := scenarios.Catalog().Select(focus)
	Expect(err).NotTo(HaveOccurred())
	// A hold bound of 5 s, as the scenarios package's self-checks use: on a loaded
	// machine (packages run side by side under -race) a parallel gate must still see
	// every first send arrive before it lets them go, or a row is inconclusive for
	// the load's sake.
	run := conformance.Run(ctx, conformance.Options{Catalog: catalog, Limits: conformance.Limits{HoldBound: 5 * time.Second},
		Clients: []conformance.ClientSpec{{Name: "adapter", Command: browser.Prefix + filepath.Join(adapters, adapter)}}})
	Expect(run.Clients).To(HaveLen(1))
	out := map[string]conformance.ScenarioResult{}
	for _, r := range run.Clients[0].Scenarios {
		out[r.ID] = r
	}
	Expect(out).To(HaveLen(len(catalog)))
	return out
}

// byOutcome lists the IDs with each outcome other than passed, sorted.
func byOutcome(results map[string]conformance.ScenarioResult) map[conformance.Outcome][]string {
	out := map[conformance.Outcome][]string{}
	for id, r := range results {
		if r.Outcome != conformance.Passed {
			out[r.Outcome] = append(out[r.Outcome], id)
		}
	}
	for _, ids := range out {
		sort.Strings(ids)
	}
	return out
}

// explain prints every row that did not pass, for a failure message.
func explain(results map[string]conformance.ScenarioResult) string {
	var b strings.Builder
	for _, r := range results {
		if r.Outcome != conformance.Passed {
			b.WriteString("\n  " + r.ID + " " + string(r.Outcome) + ": " + r.Message)
		}
	}
	return b.String()
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var _ = Describe("Browser mode's self-check, in real Chromium", Ordered, func() {
	It("runs the fixed adapter (axios-singleflight) through every row a browser can run, and it passes them", func(ctx SpecContext) {
		results := play(ctx, "axios-singleflight.mjs", "")
		got := byOutcome(results)
		Expect(got[conformance.Skipped]).To(ConsistOf(append(keys(skippedInBrowser), oauthRows...)), explain(results))
		delete(got, conformance.Skipped)
		Expect(got).To(BeEmpty(), explain(results))
		for id := range skippedInBrowser {
			Expect(results[id].Message).To(ContainSubstring("skipped in browser mode"), id)
		}
	}, SpecTimeout(5*time.Minute))

	It("runs the seed adapter: it fails exactly its documented list", func(ctx SpecContext) {
		results := play(ctx, "axios-seed.mjs", "")
		expected, err := conformance.ReadExpectedFailures(filepath.Join(adapters, "axios-seed.browser.expected-failures.txt"), scenarios.Catalog())
		Expect(err).NotTo(HaveOccurred())
		var failing []string
		for id, r := range results {
			if r.Outcome == conformance.Failed || r.Outcome == conformance.Warned {
				failing = append(failing, id)
			}
		}
		var listed []string
		for id := range expected {
			listed = append(listed, id)
		}
		sort.Strings(failing)
		sort.Strings(listed)
		Expect(failing).To(Equal(listed), explain(results))
		got := byOutcome(results)
		// The tutorial renews no token early: the PROACTIVE rows have nothing to judge.
		Expect(got[conformance.Skipped]).To(ConsistOf(append(append(keys(skippedInBrowser), "PROACTIVE-01", "PROACTIVE-02"), oauthRows...)), explain(results))
		Expect(results["PROACTIVE-01"].Message).To(ContainSubstring("renews nothing early"))
		Expect(got[conformance.Inconclusive]).To(BeEmpty(), explain(results))
		for _, o := range []conformance.Outcome{conformance.Timeout, conformance.Crashed, conformance.HarnessError} {
			Expect(got[o]).To(BeEmpty(), explain(results))
		}
	}, SpecTimeout(5*time.Minute))

	It("catches a client without credentials only where the page and the API differ in origin (RC22)", func(ctx SpecContext) {
		results := play(ctx, "axios-no-credentials.mjs", "^(EXP-ACCESS-01|CONC-01|BROWSER-.*)$")
		got := byOutcome(results)
		Expect(got).To(Equal(map[conformance.Outcome][]string{conformance.Failed: {"BROWSER-01", "BROWSER-03"}}), explain(results))
		for _, id := range got[conformance.Failed] {
			Expect(results[id].Findings).NotTo(BeEmpty())
			Expect(results[id].Findings[0].Requirement).To(Equal(conformance.RC22), explain(results))
		}
	}, SpecTimeout(2*time.Minute))

	It("leaves no Chromium process behind after Close", func() {
		before := chromiumPIDs()
		c, err := browser.New(context.Background(), browser.Options{Adapter: filepath.Join(adapters, "axios-seed.mjs")})
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Hello().Features).To(ContainElements("browser", "instances", "restart", "cancel", "clock", "bodies", "sse"))
		Expect(c.Hello().Version).To(MatchRegexp(`^axios 1\.\d+\.\d+, Chromium \d+\.\d+\.\d+\.\d+$`))
		Expect(c.Hello().MaxConcurrency).To(Equal(6))
		// This client's browser: the profile directory of the new Chromium processes
		// this test process started (other packages' tests may start browsers
		// meanwhile; they have their own).
		dirs := profileDirs(startedSince(before))
		Expect(dirs).NotTo(BeEmpty())
		Expect(c.Close()).To(Succeed())
		// Close returns only once every process of this browser is gone, its profile too.
		Expect(usingProfile(dirs)).To(BeEmpty())
		for _, d := range dirs {
			Expect(d).NotTo(BeADirectory())
		}
	})

	It("names the missing adapter, and a module without createClient, in clear errors", func() {
		_, err := browser.New(context.Background(), browser.Options{Adapter: "no/such/adapter.mjs"})
		Expect(err).To(MatchError(ContainSubstring("no/such/adapter.mjs")))
		bad := filepath.Join(GinkgoT().TempDir(), "bad.mjs")
		Expect(os.WriteFile(bad, []byte("export const features = [];\n"), 0o644)).To(Succeed())
		_, err = browser.New(context.Background(), browser.Options{Adapter: bad})
		Expect(err).To(MatchError(ContainSubstring("no default export createClient")))
	})
})

var _ = Describe("Starting browser mode", func() {
	It("gives up on a browser that never starts, within StartTimeout, and leaves it killed", func() {
		dir := GinkgoT().TempDir()
		fake, pidFile := filepath.Join(dir, "chromium"), filepath.Join(dir, "pid")
		// It says which process it is: other packages' tests run sleeps of their own.
		Expect(os.WriteFile(fake, []byte("#!/bin/sh\necho $$ > '"+pidFile+"'\nexec sleep 300\n"), 0o755)).To(Succeed())
		adapter := filepath.Join(adapters, "axios-seed.mjs")
		begin := time.Now()
		_, err := browser.New(context.Background(), browser.Options{Adapter: adapter, Chromium: fake, StartTimeout: time.Second})
		Expect(err).To(MatchError(ContainSubstring("Chromium did not start within 1s")))
		Expect(time.Since(begin)).To(BeNumerically("<", 10*time.Second))
		pid, err := os.ReadFile(pidFile)
		Expect(err).NotTo(HaveOccurred(), "the fake browser ran")
		Eventually(func() bool {
			stat, err := os.ReadFile("/proc/" + strings.TrimSpace(string(pid)) + "/stat")
			// Gone, or dead and not yet reaped (state Z), as the product's own check counts it.
			return err != nil || strings.HasPrefix(string(stat[strings.LastIndexByte(string(stat), ')')+1:]), " Z")
		}).WithTimeout(5*time.Second).Should(BeTrue(), "the fake browser (pid %s) is gone", pid)
	})

	It("stops starting when its caller is cancelled", func() {
		fake := filepath.Join(GinkgoT().TempDir(), "chromium")
		Expect(os.WriteFile(fake, []byte("#!/bin/sh\nexec sleep 301\n"), 0o755)).To(Succeed())
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		_, err := browser.New(ctx, browser.Options{Adapter: filepath.Join(adapters, "axios-seed.mjs"), Chromium: fake})
		Expect(err).To(MatchError(ContainSubstring("did not start")))
	})
})

// startedSince lists the Chromium processes running now, descended from this test
// process, that were not in before.
func startedSince(before []string) []string {
	var out []string
	for _, p := range chromiumPIDs() {
		if !slices.Contains(before, p) && descendsFromUs(p) {
			out = append(out, p)
		}
	}
	return out
}

// descendsFromUs says whether pid's chain of parents leads to this process.
func descendsFromUs(pid string) bool {
	me := strconv.Itoa(os.Getpid())
	for range 64 { // deeper than any process tree here; a cycle cannot loop forever
		stat, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			return false
		}
		// The command name, in parentheses, may hold spaces: fields follow the last ')'.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) < 2 {
			return false
		}
		pid = fields[1] // state, then ppid
		if pid == me {
			return true
		}
		if pid == "0" || pid == "1" {
			return false
		}
	}
	return false
}

// profileDirs are the --user-data-dir values of the processes pids.
func profileDirs(pids []string) []string {
	var dirs []string
	for _, pid := range pids {
		cmdline, _ := os.ReadFile("/proc/" + pid + "/cmdline")
		for _, arg := range strings.Split(string(cmdline), "\x00") {
			if dir, ok := strings.CutPrefix(arg, "--user-data-dir="); ok && !slices.Contains(dirs, dir) {
				dirs = append(dirs, dir)
			}
		}
	}
	return dirs
}

// usingProfile lists the live processes started with one of the profile dirs.
func usingProfile(dirs []string) []string {
	var pids []string
	for _, pid := range chromiumPIDs() {
		for _, d := range profileDirs([]string{pid}) {
			if slices.Contains(dirs, d) {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// chromiumPIDs lists the running Chromium processes of this user.
func chromiumPIDs() []string {
	out, _ := exec.Command("pgrep", "-u", strconv.Itoa(os.Getuid()), "-f", "chrom(e|ium)").Output()
	return strings.Fields(string(out))
}
