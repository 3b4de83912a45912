package clientundertest_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// The bundled Node drivers, driven exactly as the harness drives them: through the
// Process adapter (protocol v1 over a real child process) against a real fake server.
// They need node and the installed packages; CI gets both from `make node-deps`, so a
// missing one fails loudly instead of skipping the drivers silently.

const (
	nodeUser     = "ada@example.test"
	nodePassword = "correct horse"
)

// nodeDrivers are the bundled clients the JS kit runs under Node (node/kit/run.mjs
// with an adapter module of node/adapters), and the name each must announce: the
// kit's protocol plumbing and the adapters' behaviour are what these specs test. dir
// is the adapter's file name without .mjs.
var nodeDrivers = []struct{ dir, name string }{
	{"axios-seed", "axios-seed-interceptor"},
	{"axios-singleflight", "axios-singleflight"},
}

// nodeDriverCommand returns the command line for a bundled driver, or fails the spec
// with the command that fixes what is missing.
func nodeDriverCommand(dir string) string {
	GinkgoHelper()
	node, err := exec.LookPath("node")
	Expect(err).NotTo(HaveOccurred(), "node is not on PATH: install Node.js 20+ (e.g. apt-get install nodejs npm), then run `make node-deps`")
	modules, err := filepath.Abs(filepath.Join("node", "node_modules"))
	Expect(err).NotTo(HaveOccurred())
	_, err = os.Stat(filepath.Join(modules, "axios"))
	Expect(err).NotTo(HaveOccurred(), "the Node drivers' packages are not installed in %s: run `make node-deps` (npm ci in clientunderTest/node)", modules)
	runner, err := filepath.Abs(filepath.Join("node", "kit", "run.mjs"))
	Expect(err).NotTo(HaveOccurred())
	adapter, err := filepath.Abs(filepath.Join("node", "adapters", dir+".mjs"))
	Expect(err).NotTo(HaveOccurred())
	return fmt.Sprintf("exec %q %q %q", node, runner, adapter)
}

// nodeProcessOptions runs a bundled driver through the Process adapter. The hello
// bound is raised from the protocol's 5 s: a loaded CI machine can take that long to
// start a runtime, and this suite tests the drivers, not the machine.
func nodeProcessOptions(name, dir string) cut.ProcessOptions {
	GinkgoHelper()
	return cut.ProcessOptions{Name: name, Command: nodeDriverCommand(dir), HelloTimeout: 20 * time.Second}
}

// newNodeTestServer starts a fresh fake server on a fake clock (started on a whole
// second, as JWT times are whole seconds) with one user, and closes it after the spec.
func newNodeTestServer() *fakeserver.Server {
	GinkgoHelper()
	return newNodeTestServerWith(func(*fakeserver.Options) {})
}

// newNodeTestServerWith is newNodeTestServer with options of the spec's own (such as
// the GraphQL auth signal).
func newNodeTestServerWith(set func(*fakeserver.Options)) *fakeserver.Server {
	GinkgoHelper()
	opts := fakeserver.Options{
		Clock: clockwork.NewFakeClockAt(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)),
		// Generous, so a loaded machine cannot release a gate before all its requests
		// arrived; a passing spec releases its gates itself.
		HoldBound: 10 * time.Second,
	}
	set(&opts)
	srv := fakeserver.New(opts)
	Expect(srv.Start()).To(Succeed())
	DeferCleanup(srv.Close)
	_, err := srv.AddUser("Ada", nodeUser, nodePassword)
	Expect(err).NotTo(HaveOccurred())
	return srv
}

// bodyOf decodes a reply body into a map (a failing spec shows the raw reply).
func bodyOf(r cut.Reply) map[string]any {
	GinkgoHelper()
	var m map[string]any
	Expect(json.Unmarshal(r.Body, &m)).To(Succeed(), "reply body %s", r.Body)
	return m
}

// startForContainer starts the driver in dir once for the enclosing Ordered
// container, into *proc, as the harness reuses one process across scenarios; every
// spec then starts with init against its own server.
func startForContainer(proc **cut.Process, name, dir string) {
	BeforeAll(func(ctx SpecContext) {
		p, err := cut.StartProcess(ctx, nodeProcessOptions(name, dir))
		Expect(err).NotTo(HaveOccurred())
		*proc = p
		DeferCleanup(p.Close)
	}, NodeTimeout(30*time.Second))
}

var _ = Describe("bundled Node drivers", Label("node"), func() {
	for _, d := range nodeDrivers {
		Describe(d.name, Ordered, ContinueOnFailure, func() {
			// One driver process for the whole container, as the harness reuses it
			// across scenarios; every spec starts with init against its own server.
			var proc *cut.Process
			startForContainer(&proc, d.name, d.dir)

			var srv *fakeserver.Server
			BeforeEach(func(ctx SpecContext) {
				srv = newNodeTestServer()
				Expect(proc.Init(ctx, cut.Env{BaseURL: srv.URL(), Scenario: "NODE-DRIVER"})).To(Succeed())
			}, NodeTimeout(30*time.Second))

			AfterEach(func() {
				if proc == nil { // BeforeAll failed and said why
					return
				}
				if CurrentSpecReport().Failed() {
					AddReportEntry("driver stderr", proc.TakeStderr())
				} else {
					proc.TakeStderr()
				}
			})

			It("answers hello with its name, its axios version, the kit's features and the adapter's bodies and sse", func() {
				h := proc.Hello()
				Expect(h.Name).To(Equal(d.name))
				Expect(h.Version).To(MatchRegexp(`^axios 1\.\d+\.\d+$`))
				Expect(h.Features).To(Equal([]string{cut.FeatureInstances, cut.FeatureRestart, cut.FeatureCancel,
					cut.FeatureClock, cut.FeatureBodies, cut.FeatureSSE}))
			})

			It("runs two instances over one profile: instance 1 learns the session from the shared cookie jar", func(ctx SpecContext) {
				Expect(proc.Init(ctx, cut.Env{BaseURL: srv.URL(), Scenario: "NODE-TABS", Instances: 2})).To(Succeed())
				Expect(proc.Login(ctx, nodeUser, nodePassword)).To(HaveField("Status", 200))

				me1, err := proc.Request(ctx, cut.Call{Method: "GET", Path: fakeserver.PathMe, Instance: 1})
				Expect(err).NotTo(HaveOccurred())
				Expect(me1.Status).To(Equal(200), "instance 1's GET reply %s %s", me1.Body, me1.Error)
				Expect(bodyOf(me1)).To(HaveKeyWithValue("email", nodeUser))
				me0, err := proc.Request(ctx, cut.Call{Method: "GET", Path: fakeserver.PathMe})
				Expect(err).NotTo(HaveOccurred())
				Expect(me0.Status).To(Equal(200))

				j := srv.Journal()
				Expect(j.To("POST", fakeserver.PathLogin)).To(ConsistOf(HaveField("Instance", 0)))
				// Instance 1 starts with no access token: 401, a refresh with the cookie
				// instance 0's login stored in the shared jar, then the replay — every
				// request tagged with its instance.
				Expect(onInstance(j, 1)).To(HaveExactElements(
					SatisfyAll(HaveField("Path", fakeserver.PathMe), HaveField("AccessToken", ""), HaveField("Status", 401)),
					SatisfyAll(HaveField("Path", fakeserver.PathRefresh), HaveField("RefreshToken", "R0"),
						HaveField("RefreshState", fakeserver.StateValid), HaveField("Status", 200)),
					SatisfyAll(HaveField("Path", fakeserver.PathMe), HaveField("AccessToken", "A1"), HaveField("Status", 200)),
				))
				// Instance 0 keeps its own token in its own memory.
				Expect(onInstance(j.To("GET", fakeserver.PathMe), 0)).To(ConsistOf(HaveField("AccessToken", "A0")))
			}, SpecTimeout(30*time.Second))

			It("logs out through instance 1: the shared session is revoked with the cookie the jar holds", func(ctx SpecContext) {
				Expect(proc.Init(ctx, cut.Env{BaseURL: srv.URL(), Scenario: "NODE-TABS", Instances: 2})).To(Succeed())
				Expect(proc.Login(ctx, nodeUser, nodePassword)).To(HaveField("Status", 200))
				Expect(proc.Request(ctx, cut.Call{Method: "GET", Path: fakeserver.PathMe, Instance: 1})).To(HaveField("Status", 200))

				out, err := proc.LogoutInstance(ctx, 1)
				Expect(err).NotTo(HaveOccurred())
				Expect(out.Status).To(Equal(200))
				Expect(srv.Journal().To("POST", fakeserver.PathLogout)).To(ConsistOf(SatisfyAll(
					HaveField("Instance", 1), HaveField("RefreshToken", "R1"), HaveField("RefreshState", fakeserver.StateValid))))

				// Instance 1 forgot its token: no token goes out, and nothing is refreshed.
				afterLogout := srv.Journal().LastSeq()
				me1, err := proc.Request(ctx, cut.Call{Method: "GET", Path: fakeserver.PathMe, Instance: 1})
				Expect(err).NotTo(HaveOccurred())
				Expect(me1.Status).To(Equal(401))
				Expect(onInstance(srv.Journal().Since(afterLogout), 1).To("GET", fakeserver.PathMe)).To(
					HaveEach(HaveField("AccessToken", "")))

				// What instance 0 does after a logout in another tab is each driver's own.
				mark := srv.Journal().LastSeq()
				_, err = proc.Request(ctx, cut.Call{Method: "GET", Path: fakeserver.PathMe})
				Expect(err).NotTo(HaveOccurred())
				later := srv.Journal().Since(mark)
				if d.dir == "axios-singleflight" {
					// The logout is noted in the shared storage; instance 0's storage
					// listener dropped its token and its session: no token, no refresh.
					Expect(later).To(ConsistOf(SatisfyAll(HaveField("Path", fakeserver.PathMe),
						HaveField("AccessToken", ""), HaveField("Status", 401))))
				} else {
					// The tutorial has no cross-tab logout signal: instance 0 still sends A0.
					Expect(later.To("GET", fakeserver.PathMe)).To(ContainElement(HaveField("AccessToken", "A0")))
				}
			}, SpecTimeout(30*time.Second))

			It("restarts one instance only: its in-flight command answers aborted, the other instance's goes on", func(ctx SpecContext) {
				Expect(proc.Init(ctx, cut.Env{BaseURL: srv.URL(), Scenario: "NODE-TABS", Instances: 2})).To(Succeed())
				Expect(proc.Login(ctx, nodeUser, nodePassword)).To(HaveField("Status", 200))
				Expect(proc.Request(ctx, cut.Call{Method: "GET", Path: fakeserver.PathMe, Instance: 1})).To(HaveField("Status", 200))

				hold := srv.AddFault(fakeserver.Rule{Method: "GET", Path: fakeserver.PathMe, Times: 2, Action: fakeserver.ActionHoldBefore})
				DeferCleanup(hold.Release)
				done := [2]chan cut.Reply{}
				for i := range done {
					done[i] = requestAsync(ctx, proc, cut.Call{Method: "GET", Path: fakeserver.PathMe, Instance: i})
				}
				Expect(hold.WaitHeld(ctx, 2)).To(Succeed())

				Expect(proc.RestartInstance(ctx, 1)).To(Succeed())
				// Answered while the server still holds its request.
				Eventually(done[1], 5*time.Second).Should(Receive(HaveField("Error", "aborted")))
				Expect(done[0]).NotTo(Receive(), "instance 0's request is not aborted by instance 1's reload")
				hold.Release()
				Eventually(done[0], 5*time.Second).Should(Receive(HaveField("Status", 200)))

				// The reloaded instance rebuilt from the profile: no token in memory, the
				// session from the shared jar (R1, from its first refresh).
				mark := srv.Journal().LastSeq()
				Expect(proc.Request(ctx, cut.Call{Method: "GET", Path: fakeserver.PathMe, Instance: 1})).To(HaveField("Status", 200))
				Expect(srv.Journal().Since(mark)).To(HaveExactElements(
					SatisfyAll(HaveField("Instance", 1), HaveField("Path", fakeserver.PathMe), HaveField("AccessToken", ""), HaveField("Status", 401)),
					SatisfyAll(HaveField("Instance", 1), HaveField("Path", fakeserver.PathRefresh), HaveField("RefreshToken", "R1"),
						HaveField("RefreshState", fakeserver.StateValid)),
					SatisfyAll(HaveField("Instance", 1), HaveField("Path", fakeserver.PathMe), HaveField("Status", 200)),
				))
			}, SpecTimeout(30*time.Second))

			It("answers a command for an instance init did not make with an error, and goes on", func(ctx SpecContext) {
				r, err := proc.Request(ctx, cut.Call{Method: "GET", Path: fakeserver.PathMe, Instance: 1})
				Expect(err).NotTo(HaveOccurred())
				Expect(r.Error).To(Equal("no instance 1 (init made 1)"))

				Expect(proc.Init(ctx, cut.Env{BaseURL: srv.URL(), Scenario: "NODE-TABS", Instances: 2})).To(Succeed())
				r, err = proc.Request(ctx, cut.Call{Method: "GET", Path: fakeserver.PathMe, Instance: 5})
				Expect(err).NotTo(HaveOccurred())
				Expect(r.Error).To(Equal("no instance 5 (init made 2)"))
				r, err = proc.LogoutInstance(ctx, 2)
				Expect(err).NotTo(HaveOccurred())
				Expect(r.Error).To(Equal("no instance 2 (init made 2)"))
				Expect(proc.RestartInstance(ctx, 3)).To(MatchError(ContainSubstring("no instance 3 (init made 2)")))
				Expect(srv.Journal()).To(BeEmpty(), "nothing was sent")

				Expect(proc.Login(ctx, nodeUser, nodePassword)).To(HaveField("Status", 200))
				Expect(proc.Request(ctx, cut.Call{Method: "GET", Path: fakeserver.PathMe, Instance: 1})).To(HaveField("Status", 200))
			}, SpecTimeout(30*time.Second))

			It("cancels a request: the target answers cancelled, a finished target's cancel is ok: false", func(ctx SpecContext) {
				Expect(proc.Login(ctx, "ada@example.test", "correct horse")).To(HaveField("Status", 200))
				hold := srv.AddFault(fakeserver.Rule{Method: "GET", Path: "/api/auth/me", Times: 1, Action: fakeserver.ActionHoldBefore})
				reqCtx, cancel := context.WithCancelCause(ctx)
				done := make(chan cut.Reply, 1)
				go func() {
					defer GinkgoRecover()
					r, err := proc.Request(reqCtx, cut.Call{Method: "GET", Path: "/api/auth/me"})
					Expect(err).NotTo(HaveOccurred())
					done <- r
				}()
				held, stop := context.WithTimeout(ctx, 5*time.Second)
				defer stop()
				Expect(hold.WaitHeld(held, 1)).To(Succeed())
				cancel(cut.ErrCancelled)
				Eventually(done, 3*time.Second).Should(Receive(HaveField("Error", "cancelled")))
				hold.Release()
			})

			It("logs in, calls protected endpoints with the token and logs out", func(ctx SpecContext) {
				login, err := proc.Login(ctx, nodeUser, nodePassword)
				Expect(err).NotTo(HaveOccurred())
				Expect(login.Status).To(Equal(200), "login reply %s", login.Body)
				Expect(bodyOf(login)).To(HaveKeyWithValue("accessToken", Not(BeEmpty())))

				me, err := proc.Request(ctx, cut.Call{Method: "GET", Path: "/api/auth/me"})
				Expect(err).NotTo(HaveOccurred())
				Expect(me.Status).To(Equal(200), "GET /api/auth/me reply %s", me.Body)
				Expect(bodyOf(me)).To(HaveKeyWithValue("email", nodeUser))

				idea := json.RawMessage(`{"title":"t","summary":"s","description":"d","tags":["x"]}`)
				created, err := proc.Request(ctx, cut.Call{Method: "POST", Path: "/api/ideas", Body: idea})
				Expect(err).NotTo(HaveOccurred())
				Expect(created.Status).To(Equal(201), "POST /api/ideas reply %s", created.Body)
				Expect(bodyOf(created)).To(HaveKeyWithValue("title", "t"))
				Expect(srv.Ideas()).To(ConsistOf(HaveField("Title", "t")))

				out, err := proc.Logout(ctx)
				Expect(err).NotTo(HaveOccurred())
				Expect(out.Status).To(Equal(200))

				// The server saw the client's own traffic: the token from login on the
				// protected calls, the refresh cookie from login on the logout.
				j := srv.Journal()
				Expect(j.To("GET", "/api/auth/me")).To(ConsistOf(HaveField("AccessToken", "A0")))
				Expect(j.To("POST", "/api/ideas")).To(ConsistOf(HaveField("AccessToken", "A0")))
				Expect(j.To("POST", "/api/auth/logout")).To(ConsistOf(SatisfyAll(
					HaveField("RefreshToken", "R0"), HaveField("RefreshState", fakeserver.StateValid))))
				Expect(j.Refreshes()).To(BeEmpty())
			}, SpecTimeout(30*time.Second))

			It("replies with the status and body the application sees on a failure", func(ctx SpecContext) {
				missing, err := proc.Request(ctx, cut.Call{Method: "GET", Path: "/api/ideas/no-such-idea"})
				Expect(err).NotTo(HaveOccurred())
				Expect(missing.Status).To(Equal(404))
				Expect(bodyOf(missing)).To(HaveKey("message"))
			}, SpecTimeout(30*time.Second))

			It("replies with an error naming the cause when no HTTP response arrives", func(ctx SpecContext) {
				srv.AddFault(fakeserver.Rule{Method: "GET", Path: "/api/ideas", Times: 1, Action: fakeserver.ActionReset})
				r, err := proc.Request(ctx, cut.Call{Method: "GET", Path: "/api/ideas"})
				Expect(err).NotTo(HaveOccurred())
				Expect(r.Status).To(BeZero())
				// axios's XMLHttpRequest path names it ERR_NETWORK; the kit's XHR adds the cause.
				Expect(r.Error).To(MatchRegexp(`^ERR_NETWORK (ECONNRESET|EPIPE)\b`))
			}, SpecTimeout(30*time.Second))

			It("forgets the session on init", func(ctx SpecContext) {
				login, err := proc.Login(ctx, nodeUser, nodePassword)
				Expect(err).NotTo(HaveOccurred())
				Expect(login.Status).To(Equal(200))
				afterLogin := srv.Journal().LastSeq()
				Expect(proc.Init(ctx, cut.Env{BaseURL: srv.URL(), Scenario: "NODE-DRIVER-2"})).To(Succeed())

				me, err := proc.Request(ctx, cut.Call{Method: "GET", Path: "/api/auth/me"})
				Expect(err).NotTo(HaveOccurred())
				Expect(me.Status).To(Equal(401))
				// Neither the old access token nor the old refresh cookie went out again.
				later := srv.Journal().Since(afterLogin)
				Expect(later.To("GET", "/api/auth/me")).To(HaveLen(1))
				Expect(later.Where(func(e fakeserver.Entry) bool {
					return e.AccessToken != "" || e.RefreshToken != ""
				})).To(BeEmpty())
			}, SpecTimeout(30*time.Second))
		})
	}
})

// requestAsync sends c in the background; the channel receives its reply, or a reply
// whose Error names the harness error (a fault), so a spec checks it where it waits.
func requestAsync(ctx context.Context, proc *cut.Process, c cut.Call) chan cut.Reply {
	done := make(chan cut.Reply, 1)
	go func() {
		r, err := proc.Request(ctx, c)
		if err != nil {
			r = cut.Reply{Error: "harness: " + err.Error()}
		}
		done <- r
	}()
	return done
}

// onInstance returns the journal entries sent by that client instance.
func onInstance(j fakeserver.Journal, instance int) fakeserver.Journal {
	return j.Where(func(e fakeserver.Entry) bool { return e.Instance == instance })
}

// expiredParallelGETs logs in, expires the access token, then sends n GETs whose first
// sends are all held until n have arrived, so every one carries the expired token.
// It returns the replies.
func expiredParallelGETs(ctx context.Context, proc *cut.Process, srv *fakeserver.Server, n int) []cut.Reply {
	GinkgoHelper()
	login, err := proc.Login(ctx, nodeUser, nodePassword)
	Expect(err).NotTo(HaveOccurred())
	Expect(login.Status).To(Equal(200))
	srv.ExpireAccess()
	gate := srv.AddFault(fakeserver.Rule{Method: "GET", Path: "/api/auth/me", Times: n, Action: fakeserver.ActionHoldBefore})

	replies := make([]cut.Reply, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer GinkgoRecover()
			defer wg.Done()
			r, err := proc.Request(ctx, cut.Call{Method: "GET", Path: "/api/auth/me"})
			Expect(err).NotTo(HaveOccurred())
			replies[i] = r
		}()
	}
	Expect(gate.WaitHeld(ctx, n)).To(Succeed(), "the %d GETs never all arrived", n)
	gate.Release()
	wg.Wait()
	Expect(srv.Journal().To("GET", "/api/auth/me").Where(func(e fakeserver.Entry) bool {
		return e.AccessToken == "A0"
	})).To(HaveLen(n), "every first send carried the expired A0")
	return replies
}

var _ = Describe("the Node drivers under concurrent expiry", Label("node"), func() {
	const parallel = 5
	start := func(ctx context.Context, dir, name string) (*cut.Process, *fakeserver.Server) {
		GinkgoHelper()
		proc, srv := startNodeDriver(ctx, dir, name)
		Expect(proc.Init(ctx, cut.Env{BaseURL: srv.URL(), Scenario: "CONC-NODE"})).To(Succeed())
		return proc, srv
	}

	It("axios-singleflight makes exactly one refresh and every caller gets 200", func(ctx SpecContext) {
		proc, srv := start(ctx, "axios-singleflight", "axios-singleflight")
		replies := expiredParallelGETs(ctx, proc, srv, parallel)
		Expect(srv.Journal().Refreshes()).To(HaveLen(1), "RC2: expected exactly 1 refresh call; stderr:\n%s", proc.TakeStderr())
		Expect(replies).To(HaveEach(HaveField("Status", 200)), "every caller gets its 200 after the one refresh")
	}, SpecTimeout(40*time.Second))

	It("axios-seed (the tutorial's interceptor) refreshes once per 401", func(ctx SpecContext) {
		proc, srv := start(ctx, "axios-seed", "axios-seed-interceptor")
		expiredParallelGETs(ctx, proc, srv, parallel)
		Expect(len(srv.Journal().Refreshes())).To(BeNumerically(">", 1),
			"the seed has no single flight: each of the %d 401s starts its own refresh", parallel)
	}, SpecTimeout(40*time.Second))
})

// startNodeDriver starts the driver in dir beside a fresh fake server (not initialised).
func startNodeDriver(ctx context.Context, dir, name string) (*cut.Process, *fakeserver.Server) {
	GinkgoHelper()
	srv := newNodeTestServer()
	proc, err := cut.StartProcess(ctx, nodeProcessOptions(name, dir))
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(proc.Close)
	return proc, srv
}

// crossTabExpiry inits two instances (tabs of one profile), logs in through instance
// 0, expires the access token and holds every refresh, then sends one GET from each
// instance: instance 0 holds the expired A0, instance 1 no token at all, so both get
// a 401 and want a refresh. It returns the hold (not yet released) and the replies.
func crossTabExpiry(ctx context.Context, proc *cut.Process, srv *fakeserver.Server) (*fakeserver.Fault, [2]chan cut.Reply) {
	GinkgoHelper()
	Expect(proc.Init(ctx, cut.Env{BaseURL: srv.URL(), Scenario: "TABS-NODE", Instances: 2})).To(Succeed())
	Expect(proc.Login(ctx, nodeUser, nodePassword)).To(HaveField("Status", 200))
	srv.ExpireAccess()
	hold := srv.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.PathRefresh, Action: fakeserver.ActionHoldBefore})
	DeferCleanup(hold.Release)
	done := [2]chan cut.Reply{}
	for i := range done {
		done[i] = requestAsync(ctx, proc, cut.Call{Method: "GET", Path: fakeserver.PathMe, Instance: i})
	}
	// Both tabs were answered 401 before any refresh went through.
	Expect(srv.WaitJournal(ctx, func(j fakeserver.Journal) bool {
		return len(j.To("GET", fakeserver.PathMe).WithStatus(401)) == 2
	})).To(BeTrue(), "both instances' GETs were answered 401")
	return hold, done
}

var _ = Describe("the Node drivers across tabs (instances) meeting one expiry", Label("node"), func() {
	start := startNodeDriver
	reused := func(e fakeserver.Entry) bool { return e.RefreshState == fakeserver.StateReused }

	It("axios-singleflight: one tab refreshes at a time, the second presents the rotated cookie, both callers get 200", func(ctx SpecContext) {
		proc, srv := start(ctx, "axios-singleflight", "axios-singleflight")
		hold, done := crossTabExpiry(ctx, proc, srv)
		Expect(hold.WaitHeld(ctx, 1)).To(Succeed())
		// The other tab waits for the refresh lock: no second refresh while the first is held.
		Consistently(func() int { return len(srv.Journal().Refreshes()) }, 300*time.Millisecond, 20*time.Millisecond).
			Should(Equal(1), "a second tab's refresh went out while the first was in flight; stderr:\n%s", proc.TakeStderr())
		hold.Release()

		var replies [2]cut.Reply
		for i := range done {
			Eventually(done[i], 10*time.Second).Should(Receive(&replies[i]))
		}
		Expect(replies).To(HaveEach(HaveField("Status", 200)), "both callers get 200")
		j := srv.Journal()
		Expect(j.Where(reused)).To(BeEmpty(), "no refresh token was presented twice:\n%v", j.Refreshes())
		Expect(j.Refreshes()).To(HaveExactElements(
			SatisfyAll(HaveField("RefreshToken", "R0"), HaveField("Status", 200)),
			SatisfyAll(HaveField("RefreshToken", "R1"), HaveField("Status", 200)),
		), "the second tab presents the cookie the first tab's refresh rotated in")
		Expect(j.Refreshes()).To(ConsistOf(HaveField("Instance", 0), HaveField("Instance", 1)), "each tab refreshed for itself")
	}, SpecTimeout(40*time.Second))

	It("axios-seed (the tutorial's interceptor): both tabs present the same refresh cookie, and one is reuse", func(ctx SpecContext) {
		proc, srv := start(ctx, "axios-seed", "axios-seed-interceptor")
		hold, done := crossTabExpiry(ctx, proc, srv)
		// No cross-tab coordination: both tabs' refreshes go out with R0.
		Expect(hold.WaitHeld(ctx, 2)).To(Succeed())
		hold.Release()
		for i := range done {
			Eventually(done[i], 10*time.Second).Should(Receive())
		}
		j := srv.Journal()
		Expect(j.Refreshes()).To(ConsistOf(
			SatisfyAll(HaveField("Instance", 0), HaveField("RefreshToken", "R0")),
			SatisfyAll(HaveField("Instance", 1), HaveField("RefreshToken", "R0")),
		))
		Expect(j.Where(reused)).To(HaveLen(1), "the second presentation of R0 is reuse:\n%v", j.Refreshes())
	}, SpecTimeout(40*time.Second))
})

// rawDriver is a bundled driver run without the Process adapter, to check the wire
// itself: what exactly reaches stdout, and how the driver exits.
type rawDriver struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string // every stdout line, closed at EOF
	done  chan error  // the exit, once

	// For call: the next command id, and replies read while waiting for another.
	nextID int
	stash  map[float64]map[string]any
}

func startRawDriver(dir string) *rawDriver {
	GinkgoHelper()
	return startKit(filepath.Join("node", "adapters", dir+".mjs"))
}

// startKit runs the JS kit on the adapter module at path (relative to this package).
func startKit(path string) *rawDriver {
	GinkgoHelper()
	node, err := exec.LookPath("node")
	Expect(err).NotTo(HaveOccurred(), "node is not on PATH: install Node.js 20+, then run `make node-deps`")
	nodeDriverCommand("axios-seed") // fails with the fix when packages are missing
	runner, err := filepath.Abs(filepath.Join("node", "kit", "run.mjs"))
	Expect(err).NotTo(HaveOccurred())
	adapter, err := filepath.Abs(path)
	Expect(err).NotTo(HaveOccurred())
	d := &rawDriver{cmd: exec.Command(node, runner, adapter), lines: make(chan string, 64), done: make(chan error, 1),
		nextID: 1000, stash: map[float64]map[string]any{}}
	d.cmd.Stderr = GinkgoWriter
	d.stdin, err = d.cmd.StdinPipe()
	Expect(err).NotTo(HaveOccurred())
	stdout, err := d.cmd.StdoutPipe()
	Expect(err).NotTo(HaveOccurred())
	Expect(d.cmd.Start()).To(Succeed())
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 4<<20)
		for sc.Scan() {
			d.lines <- sc.Text()
		}
		close(d.lines)
		d.done <- d.cmd.Wait()
	}()
	DeferCleanup(func() {
		_ = d.cmd.Process.Kill() // no-op when it already exited; the reader goroutine then ends
	})
	return d
}

func (d *rawDriver) send(line string) {
	GinkgoHelper()
	_, err := io.WriteString(d.stdin, line+"\n")
	Expect(err).NotTo(HaveOccurred())
}

// reply waits for the next stdout line, which must be one JSON object.
func (d *rawDriver) reply() map[string]any {
	GinkgoHelper()
	var line string
	Eventually(d.lines).WithTimeout(15*time.Second).Should(Receive(&line), "no reply within 15 s")
	var m map[string]any
	Expect(json.Unmarshal([]byte(line), &m)).To(Succeed(), "stdout line is not a JSON object: %q", line)
	return m
}

// call sends one command (fields besides id), waits for the reply with its id and
// returns it with the id removed; replies to other commands read meanwhile are kept
// for their own wait.
func (d *rawDriver) call(fields map[string]any) map[string]any {
	GinkgoHelper()
	id := d.start(fields)
	return d.await(id)
}

// start sends one command with a fresh id and returns the id, without waiting.
func (d *rawDriver) start(fields map[string]any) int {
	GinkgoHelper()
	d.nextID++
	cmd := map[string]any{"id": d.nextID}
	for k, v := range fields {
		cmd[k] = v
	}
	line, err := json.Marshal(cmd)
	Expect(err).NotTo(HaveOccurred())
	d.send(string(line))
	return d.nextID
}

// await waits for the reply to command id (see call).
func (d *rawDriver) await(id int) map[string]any {
	GinkgoHelper()
	for {
		if m, ok := d.stash[float64(id)]; ok {
			delete(d.stash, float64(id))
			delete(m, "id")
			return m
		}
		m := d.reply()
		got, _ := m["id"].(float64)
		d.stash[got] = m
	}
}

var _ = Describe("the Node drivers' protocol plumbing", Label("node"), func() {
	for _, d := range nodeDrivers {
		It(d.name+" keeps stdout to replies, answers stale work 'aborted' and exits on EOF", func(ctx SpecContext) {
			srv := newNodeTestServer()
			drv := startRawDriver(d.dir)
			initLine := func(id int) string {
				return fmt.Sprintf(`{"id":%d,"cmd":"init","baseURL":%q,"scenario":"RAW"}`, id, srv.URL())
			}

			drv.send(`{"id":1,"cmd":"hello","protocol":1}`)
			Expect(drv.reply()).To(And(HaveKeyWithValue("id", 1.0), HaveKeyWithValue("name", d.name)))
			// Garbage is logged to stderr and answered by nothing; the next command still is.
			drv.send(`not json`)
			drv.send(`{"id":2,"cmd":"cancel","target":1}`) // hello finished long ago
			Expect(drv.reply()).To(Equal(map[string]any{"id": 2.0, "ok": false}))
			drv.send(`{"id":20,"cmd":"teleport"}`)
			Expect(drv.reply()).To(Equal(map[string]any{"id": 20.0, "error": "unsupported: teleport"}))
			drv.send(`{"id":3,"cmd":"request","method":"GET","path":"/api/auth/me"}`)
			Expect(drv.reply()).To(And(HaveKeyWithValue("id", 3.0), HaveKeyWithValue("error", ContainSubstring("init"))))

			// A request still held by the server when the next init arrives belongs to the
			// finished scenario: it is answered "aborted", never with a late result.
			drv.send(initLine(4))
			Expect(drv.reply()).To(Equal(map[string]any{"id": 4.0, "ok": true}))
			gate := srv.AddFault(fakeserver.Rule{Method: "GET", Path: "/api/ideas", Action: fakeserver.ActionHoldBefore})
			DeferCleanup(gate.Release)
			drv.send(`{"id":5,"cmd":"request","method":"GET","path":"/api/ideas"}`)
			Expect(gate.WaitHeld(ctx, 1)).To(Succeed())
			drv.send(initLine(6))
			Expect([]map[string]any{drv.reply(), drv.reply()}).To(ConsistOf(
				map[string]any{"id": 5.0, "error": "aborted"},
				map[string]any{"id": 6.0, "ok": true},
			))

			Expect(drv.stdin.Close()).To(Succeed())
			Eventually(drv.done).WithTimeout(15*time.Second).Should(Receive(BeNil()), "exit status 0 on stdin EOF")
			Expect(drv.lines).To(BeClosed())
		}, SpecTimeout(40*time.Second))

		It(d.name+" refuses a bad instances count and names the instance init did not make", func(ctx SpecContext) {
			srv := newNodeTestServer()
			drv := startRawDriver(d.dir)
			for id, bad := range []string{`0`, `-1`, `1.5`, `"2"`, `1025`} {
				drv.send(fmt.Sprintf(`{"id":%d,"cmd":"init","baseURL":%q,"instances":%s}`, id, srv.URL(), bad))
				Expect(drv.reply()).To(Equal(map[string]any{"id": float64(id), "error": "bad init: instances must be an integer from 1 to 1024"}), "instances %s", bad)
			}
			drv.send(fmt.Sprintf(`{"id":10,"cmd":"init","baseURL":%q,"instances":2}`, srv.URL()))
			Expect(drv.reply()).To(Equal(map[string]any{"id": 10.0, "ok": true}))
			drv.send(`{"id":11,"cmd":"restart","instance":2}`)
			Expect(drv.reply()).To(Equal(map[string]any{"id": 11.0, "error": "no instance 2 (init made 2)"}))
			drv.send(`{"id":12,"cmd":"request","method":"GET","path":"/api/auth/me","instance":-1}`)
			Expect(drv.reply()).To(Equal(map[string]any{"id": 12.0, "error": "no instance -1 (init made 2)"}))
			drv.send(`{"id":13,"cmd":"login","email":"a","password":"b","instance":"1"}`)
			Expect(drv.reply()).To(Equal(map[string]any{"id": 13.0, "error": `no instance "1" (init made 2)`}))
			drv.send(`{"id":14,"cmd":"logout","instance":1.5}`)
			Expect(drv.reply()).To(Equal(map[string]any{"id": 14.0, "error": "no instance 1.5 (init made 2)"}))
			drv.send(`{"id":15,"cmd":"restart","instance":1}`)
			Expect(drv.reply()).To(Equal(map[string]any{"id": 15.0, "ok": true}))
			Expect(srv.Journal()).To(BeEmpty(), "nothing was sent")
		}, SpecTimeout(30*time.Second))

		It(d.name+" answers shutdown, then exits 0", func(ctx SpecContext) {
			drv := startRawDriver(d.dir)
			drv.send(`{"id":1,"cmd":"shutdown"}`)
			Expect(drv.reply()).To(Equal(map[string]any{"id": 1.0, "ok": true}))
			Eventually(drv.done).WithTimeout(15 * time.Second).Should(Receive(BeNil()))
		}, SpecTimeout(30*time.Second))
	}
})

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// uploadPath makes an idea owned by the spec's user and returns its uploads path.
func uploadPath(srv *fakeserver.Server) string {
	GinkgoHelper()
	idea, err := srv.AddIdea(nodeUser, fakeserver.IdeaInput{Title: "with attachments", Summary: "s", Description: "d"})
	Expect(err).NotTo(HaveOccurred())
	return fakeserver.AttachmentsPath(idea.ID)
}

// attachmentOf decodes an upload's 201 answer.
func attachmentOf(r cut.Reply) fakeserver.Attachment {
	GinkgoHelper()
	Expect(r.Status).To(Equal(201), "upload reply %s %s", r.Body, r.Error)
	var a fakeserver.Attachment
	Expect(json.Unmarshal(r.Body, &a)).To(Succeed(), "reply body %s", r.Body)
	return a
}

// generatedFile matches the convention's file part of seed and size.
func generatedFile(seed int64, size int) types.GomegaMatcher {
	return Equal(fakeserver.BodyPart{Name: fakeserver.UploadFilePart, Filename: fakeserver.GeneratedFileName(seed),
		SHA256: fakeserver.GeneratedSHA256(seed, size), Length: size})
}

// field matches a multipart field part of that name and value.
func field(name, value string) types.GomegaMatcher {
	return Equal(fakeserver.BodyPart{Name: name, SHA256: sha256Hex([]byte(value)), Length: len(value)})
}

// uploadsTo is the journal's sends of POST path, in order.
func uploadsTo(srv *fakeserver.Server, path string) fakeserver.Journal {
	return srv.Journal().To("POST", path)
}

var _ = Describe("the Node drivers' request bodies (feature bodies)", Label("node"), func() {
	for _, d := range nodeDrivers {
		Describe(d.name, Ordered, ContinueOnFailure, func() {
			var proc *cut.Process
			startForContainer(&proc, d.name, d.dir)

			var srv *fakeserver.Server
			var path string
			BeforeEach(func(ctx SpecContext) {
				srv = newNodeTestServer()
				Expect(proc.Init(ctx, cut.Env{BaseURL: srv.URL(), Scenario: "NODE-BODIES"})).To(Succeed())
				Expect(proc.Login(ctx, nodeUser, nodePassword)).To(HaveField("Status", 200))
				path = uploadPath(srv)
			}, NodeTimeout(30*time.Second))

			AfterEach(func() {
				if proc != nil && CurrentSpecReport().Failed() {
					AddReportEntry("driver stderr", proc.TakeStderr())
				}
			})

			It("sends each body kind as asked: the server receives the bytes the convention names", func(ctx SpecContext) {
				send := func(c cut.Call) (cut.Reply, fakeserver.Entry) {
					GinkgoHelper()
					mark := srv.Journal().LastSeq()
					r, err := proc.Request(ctx, c)
					Expect(err).NotTo(HaveOccurred())
					sends := srv.Journal().Since(mark).To("POST", path)
					Expect(sends).To(HaveLen(1), "one send, no refresh: the token is valid")
					return r, sends[0]
				}

				// json (the default kind): the body as JSON.
				r, e := send(cut.Call{Method: "POST", Path: path, Body: json.RawMessage(`{"note":"json"}`)})
				Expect(attachmentOf(r).SHA256).To(Equal(sha256Hex([]byte(`{"note":"json"}`))))
				Expect(e.BodySha256).To(Equal(sha256Hex([]byte(`{"note":"json"}`))))

				// form: the object's strings, URL-encoded in their order.
				r, e = send(cut.Call{Method: "POST", Path: path, BodyKind: cut.BodyForm,
					Body: json.RawMessage(`{"note":"tokenclock form","lang":"en & fr"}`)})
				const form = "note=tokenclock+form&lang=en+%26+fr"
				Expect(string(e.Body)).To(Equal(form))
				Expect(e.BodySha256).To(Equal(sha256Hex([]byte(form))))
				Expect(attachmentOf(r).Length).To(Equal(len(form)))

				// multipart: the fields, then the generated file part.
				r, e = send(cut.Call{Method: "POST", Path: path, BodyKind: cut.BodyMultipart, Size: 70000, Seed: 5,
					Body: json.RawMessage(`{"caption":"tokenclock upload"}`)})
				if d.dir == "axios-seed" {
					// The tutorial's instance default Content-Type application/json makes axios's
					// browser path serialise a FormData as JSON, in Chromium as under the kit.
					Expect(e.Parts).To(BeEmpty())
					Expect(string(e.Body)).To(HavePrefix(`{"caption":"tokenclock upload"`))
				} else {
					Expect(e.Parts).To(HaveExactElements(field("caption", "tokenclock upload"), generatedFile(5, 70000)))
					a := attachmentOf(r)
					Expect(a.SHA256).To(Equal(fakeserver.GeneratedSHA256(5, 70000)))
					Expect(a.Length).To(Equal(70000))
				}

				// stream: the generated bytes, chunked.
				r, e = send(cut.Call{Method: "POST", Path: path, BodyKind: cut.BodyStream, Size: 300001, Seed: 7})
				Expect(e.BodySha256).To(Equal(fakeserver.GeneratedSHA256(7, 300001)))
				Expect(e.BodyLength).To(Equal(300001))
				Expect(attachmentOf(r).SHA256).To(Equal(fakeserver.GeneratedSHA256(7, 300001)))

				// Edge sizes: an empty stream, a multipart file shorter than one unit.
				_, e = send(cut.Call{Method: "POST", Path: path, BodyKind: cut.BodyStream, Size: 0, Seed: 1})
				Expect(e.BodyLength).To(BeZero())
				if d.dir != "axios-seed" { // the seed sends a FormData as JSON (above)
					_, e = send(cut.Call{Method: "POST", Path: path, BodyKind: cut.BodyMultipart, Size: 3, Seed: -4})
					Expect(e.Parts).To(HaveExactElements(generatedFile(-4, 3)))
				}
			}, SpecTimeout(30*time.Second))

			It("answers a body it cannot build with an error, sending nothing", func(ctx SpecContext) {
				mark := srv.Journal().LastSeq()
				for _, c := range []cut.Call{
					{Method: "POST", Path: path, BodyKind: "xml"},
					{Method: "POST", Path: path, BodyKind: cut.BodyForm, Body: json.RawMessage(`{"n":1}`)},
					{Method: "POST", Path: path, BodyKind: cut.BodyForm, Body: json.RawMessage(`["a"]`)},
					{Method: "POST", Path: path, BodyKind: cut.BodyStream, Size: -1},
					{Method: "POST", Path: path, BodyKind: cut.BodyMultipart, Size: 1 << 30},
				} {
					r, err := proc.Request(ctx, c)
					Expect(err).NotTo(HaveOccurred())
					Expect(r.Error).To(HavePrefix("bad request: "), "%+v", c)
				}
				Expect(srv.Journal().Since(mark)).To(BeEmpty())
			}, SpecTimeout(30*time.Second))

			// expiredUpload sends c with an expired token and returns the caller's reply and
			// the upload's sends (first send, replay).
			expiredUpload := func(ctx context.Context, c cut.Call) (cut.Reply, fakeserver.Journal) {
				GinkgoHelper()
				srv.ExpireAccess()
				r, err := proc.Request(ctx, c)
				Expect(err).NotTo(HaveOccurred())
				sends := uploadsTo(srv, path)
				Expect(sends).To(HaveLen(2), "a first send and one replay")
				Expect(sends[0]).To(SatisfyAll(HaveField("AccessToken", "A0"), HaveField("Status", 401), HaveField("AuthFailure", true)))
				Expect(sends[1]).To(HaveField("AccessToken", "A1"), "the replay carries the refreshed token")
				Expect(srv.Journal().Refreshes()).To(HaveLen(1))
				return r, sends
			}

			It("replays a multipart upload after a refresh with every part intact (a FormData is sent again)", func(ctx SpecContext) {
				if d.dir == "axios-seed" {
					Skip("the seed sends a FormData as JSON (above); BODY-01 is in its expected failures")
				}
				c := cut.Call{Method: "POST", Path: path, BodyKind: cut.BodyMultipart, Size: 256 << 10, Seed: 11,
					Body: json.RawMessage(`{"caption":"tokenclock upload"}`)}
				r, sends := expiredUpload(ctx, c)
				Expect(sends[0].Parts).To(HaveExactElements(field("caption", "tokenclock upload"), generatedFile(11, 256<<10)))
				Expect(sends[1].Parts).To(HaveExactElements(field("caption", "tokenclock upload"), generatedFile(11, 256<<10)))
				Expect(attachmentOf(r).SHA256).To(Equal(fakeserver.GeneratedSHA256(11, 256<<10)))
			}, SpecTimeout(30*time.Second))

			It("replays a form after a refresh with the same bytes", func(ctx SpecContext) {
				c := cut.Call{Method: "POST", Path: path, BodyKind: cut.BodyForm, Body: json.RawMessage(`{"a":"1","b":"two words"}`)}
				r, sends := expiredUpload(ctx, c)
				Expect(sends[1].BodySha256).To(Equal(sha256Hex([]byte("a=1&b=two+words"))))
				Expect(r.Status).To(Equal(201))
			}, SpecTimeout(30*time.Second))

			if d.dir == "axios-singleflight" {
				It("replays a streamed upload after a refresh whole, from the copy it kept while sending", func(ctx SpecContext) {
					const size = 256 << 10
					r, sends := expiredUpload(ctx, cut.Call{Method: "POST", Path: path, BodyKind: cut.BodyStream, Size: size, Seed: 12})
					for i, e := range sends {
						Expect(e.BodySha256).To(Equal(fakeserver.GeneratedSHA256(12, size)), "send %d", i)
						Expect(e.BodyLength).To(Equal(size), "send %d", i)
					}
					a := attachmentOf(r)
					Expect(a.SHA256).To(Equal(fakeserver.GeneratedSHA256(12, size)))
					Expect(a.Length).To(Equal(size))
				}, SpecTimeout(30*time.Second))
			} else {
				It("cannot replay a streamed upload after a refresh: the first send consumed the stream, and the caller gets an error (the tutorial's bug)", func(ctx SpecContext) {
					const size = 256 << 10
					srv.ExpireAccess()
					r, err := proc.Request(ctx, cut.Call{Method: "POST", Path: path, BodyKind: cut.BodyStream, Size: size, Seed: 12})
					Expect(err).NotTo(HaveOccurred())
					sends := uploadsTo(srv, path)
					Expect(sends).To(HaveLen(1), "fetch refuses to send a body it already read")
					Expect(sends[0].BodyLength).To(Equal(size), "the first send carried the whole stream")
					Expect(sends[0].BodySha256).To(Equal(fakeserver.GeneratedSHA256(12, size)))
					Expect(srv.Journal().Refreshes()).To(HaveLen(1))
					Expect(r.Status).To(BeZero())
					Expect(r.Error).NotTo(BeEmpty(), "the replay failed before it was sent")
				}, SpecTimeout(30*time.Second))
			}
		})
	}
})

var _ = Describe("the Node drivers on GraphQL and Idempotency-Key", Label("node"), func() {
	for _, d := range nodeDrivers {
		Describe(d.name, Ordered, ContinueOnFailure, func() {
			var proc *cut.Process
			startForContainer(&proc, d.name, d.dir)
			AfterEach(func() {
				if proc != nil && CurrentSpecReport().Failed() {
					AddReportEntry("driver stderr", proc.TakeStderr())
				}
			})

			// start inits the driver against a fresh server with these options, logged in.
			start := func(ctx context.Context, set func(*fakeserver.Options)) *fakeserver.Server {
				GinkgoHelper()
				srv := newNodeTestServerWith(set)
				Expect(proc.Init(ctx, cut.Env{BaseURL: srv.URL(), Scenario: "NODE-GQL-IDEM"})).To(Succeed())
				Expect(proc.Login(ctx, nodeUser, nodePassword)).To(HaveField("Status", 200))
				return srv
			}
			errorsMode := func(o *fakeserver.Options) { o.GraphQLAuthSignal = fakeserver.GraphQLAuthErrors }
			me := cut.Call{Method: "POST", Path: fakeserver.PathGraphQL, Body: json.RawMessage(`{"query":"{ me { id email } }"}`)}

			It("GraphQL answering an expired token with 200 UNAUTHENTICATED", func(ctx SpecContext) {
				srv := start(ctx, errorsMode)
				srv.ExpireAccess()
				r, err := proc.Request(ctx, me)
				Expect(err).NotTo(HaveOccurred())
				Expect(r.Status).To(Equal(200))
				sends := srv.Journal().To("POST", fakeserver.PathGraphQL)
				if d.dir == "axios-singleflight" {
					// Handled exactly like a 401: one refresh, one replay, the data.
					Expect(string(r.Body)).To(ContainSubstring(`"email":"` + nodeUser + `"`))
					Expect(srv.Journal().Refreshes()).To(HaveLen(1))
					Expect(sends).To(HaveExactElements(
						SatisfyAll(HaveField("AccessToken", "A0"), HaveField("AuthFailure", true), HaveField("Status", 200)),
						SatisfyAll(HaveField("AccessToken", "A1"), HaveField("AuthFailure", false), HaveField("Status", 200)),
					))
				} else {
					// The tutorial knows only 401: the errors go to the caller, nothing is refreshed.
					Expect(string(r.Body)).To(ContainSubstring(`"code":"UNAUTHENTICATED"`))
					Expect(srv.Journal().Refreshes()).To(BeEmpty())
					Expect(sends).To(ConsistOf(HaveField("AuthFailure", true)))
				}
			}, SpecTimeout(30*time.Second))

			if d.dir == "axios-singleflight" {
				It("GraphQL: a replay answered UNAUTHENTICATED again goes back to the caller as it is, after one refresh", func(ctx SpecContext) {
					srv := start(ctx, errorsMode)
					srv.ExpireAccess()
					// Hold the replay, and let the refreshed token expire meanwhile.
					hold := srv.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.PathGraphQL, After: 1, Times: 1, Action: fakeserver.ActionHoldBefore})
					DeferCleanup(hold.Release)
					done := requestAsync(ctx, proc, me)
					Expect(hold.WaitHeld(ctx, 1)).To(Succeed())
					srv.ExpireAccess()
					hold.Release()
					var r cut.Reply
					Eventually(done, 10*time.Second).Should(Receive(&r))
					Expect(r.Status).To(Equal(200))
					Expect(string(r.Body)).To(ContainSubstring(`"code":"UNAUTHENTICATED"`))
					Expect(srv.Journal().Refreshes()).To(HaveLen(1), "one refresh, no second one for the replay")
					Expect(srv.Journal().To("POST", fakeserver.PathGraphQL)).To(HaveExactElements(
						SatisfyAll(HaveField("AccessToken", "A0"), HaveField("AuthFailure", true)),
						SatisfyAll(HaveField("AccessToken", "A1"), HaveField("AuthFailure", true)),
					))
				}, SpecTimeout(30*time.Second))

				It("GraphQL answering with 401 (the default signal) is refreshed and replayed too", func(ctx SpecContext) {
					srv := start(ctx, func(*fakeserver.Options) {})
					srv.ExpireAccess()
					r, err := proc.Request(ctx, me)
					Expect(err).NotTo(HaveOccurred())
					Expect(r.Status).To(Equal(200))
					Expect(string(r.Body)).To(ContainSubstring(`"email":"` + nodeUser + `"`))
					Expect(srv.Journal().Refreshes()).To(HaveLen(1))
				}, SpecTimeout(30*time.Second))

				It("sends an Idempotency-Key of its own on every POST, once per call: the replay of a committed write is answered with the first result", func(ctx SpecContext) {
					srv := start(ctx, func(*fakeserver.Options) {})
					srv.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.PathIdeas, Times: 1, Action: fakeserver.ActionCommitThen401})
					idea := json.RawMessage(`{"title":"once","summary":"s","description":"d"}`)
					r, err := proc.Request(ctx, cut.Call{Method: "POST", Path: fakeserver.PathIdeas, Body: idea})
					Expect(err).NotTo(HaveOccurred())
					Expect(r.Status).To(Equal(201), "reply %s", r.Body)
					sends := srv.Journal().To("POST", fakeserver.PathIdeas)
					Expect(sends).To(HaveLen(2))
					Expect(sends[0].IdempotencyKey).To(Equal("K1"))
					Expect(sends[1]).To(SatisfyAll(HaveField("IdempotencyKey", "K1"), HaveField("IdempotentReplay", true)))
					Expect(srv.Ideas()).To(HaveLen(1), "the write is applied once")

					// The next call is another write: another key. Uploads and GraphQL POSTs
					// get one too; GETs and the auth calls do not.
					Expect(proc.Request(ctx, cut.Call{Method: "POST", Path: fakeserver.PathIdeas, Body: idea})).To(HaveField("Status", 201))
					Expect(srv.Journal().To("POST", fakeserver.PathIdeas)[2].IdempotencyKey).To(Equal("K2"))
					Expect(srv.Ideas()).To(HaveLen(2))
				}, SpecTimeout(30*time.Second))
			}

			It("keeps a caller's Idempotency-Key on the replay", func(ctx SpecContext) {
				srv := start(ctx, func(*fakeserver.Options) {})
				srv.ExpireAccess()
				idea := json.RawMessage(`{"title":"keyed","summary":"s","description":"d"}`)
				r, err := proc.Request(ctx, cut.Call{Method: "POST", Path: fakeserver.PathIdeas, Body: idea,
					Headers: map[string]string{"Idempotency-Key": "caller-key-1"}})
				Expect(err).NotTo(HaveOccurred())
				Expect(r.Status).To(Equal(201))
				Expect(srv.Journal().To("POST", fakeserver.PathIdeas)).To(HaveExactElements(
					SatisfyAll(HaveField("IdempotencyKey", "K1"), HaveField("Status", 401)),
					SatisfyAll(HaveField("IdempotencyKey", "K1"), HaveField("Status", 201)),
				))
				if d.dir == "axios-seed" {
					// The tutorial sends no key of its own.
					Expect(proc.Request(ctx, cut.Call{Method: "POST", Path: fakeserver.PathIdeas, Body: idea})).To(HaveField("Status", 201))
					Expect(srv.Journal().To("POST", fakeserver.PathIdeas)[2].IdempotencyKey).To(BeEmpty())
				}
			}, SpecTimeout(30*time.Second))
		})
	}
})

// sseDriver is a raw driver initialised against srv and logged in, for the SSE specs.
func sseDriver(dir string, srv *fakeserver.Server, instances int) *rawDriver {
	GinkgoHelper()
	drv := startRawDriver(dir)
	Expect(drv.call(map[string]any{"cmd": "init", "baseURL": srv.URL(), "scenario": "NODE-SSE", "instances": instances})).
		To(Equal(map[string]any{"ok": true}))
	Expect(drv.call(map[string]any{"cmd": "login", "email": nodeUser, "password": nodePassword})).
		To(HaveKeyWithValue("status", 200.0))
	return drv
}

// eventData is what a stream carries for the events published as ids: {"n":<id>}.
func eventData(ids ...int) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = fmt.Sprintf(`{"n":%d}`, id)
	}
	return out
}

// eventStreams is the journal's connects to the events path, in order.
func eventStreams(srv *fakeserver.Server) fakeserver.Journal {
	return srv.Journal().To("GET", fakeserver.PathEvents)
}

// openStreams counts the event streams still open.
func openStreams(j fakeserver.Journal) int {
	return len(j.Streams().Where(func(e fakeserver.Entry) bool { return e.Pending }))
}

var _ = Describe("the Node drivers' event streams (feature sse)", Label("node"), func() {
	events := func(drv *rawDriver, target int) map[string]any {
		GinkgoHelper()
		return drv.call(map[string]any{"cmd": "events", "target": target})
	}

	// subscribedWithOneEvent starts driver name beside a fresh server, subscribes to
	// the event stream and waits until the stream received one published event; it
	// returns the server, the raw driver, the subscribe's id and that event's id.
	subscribedWithOneEvent := func(name string) (*fakeserver.Server, *rawDriver, int, int) {
		GinkgoHelper()
		srv := newNodeTestServer()
		drv := sseDriver(name, srv, 1)
		sub := drv.start(map[string]any{"cmd": "subscribe", "path": fakeserver.PathEvents})
		Expect(drv.await(sub)).To(Equal(map[string]any{"ok": true}))
		e1 := srv.PublishEvent()
		Eventually(func() any { return events(drv, sub)["events"] }).WithTimeout(5 * time.Second).Should(Equal(eventData(e1)))
		return srv, drv, sub, e1
	}

	for _, d := range nodeDrivers {
		It(d.name+" subscribes, reports the published events in order, and unsubscribes for good", func(ctx SpecContext) {
			srv := newNodeTestServer()
			drv := sseDriver(d.dir, srv, 1)
			sub := drv.start(map[string]any{"cmd": "subscribe", "path": fakeserver.PathEvents})
			Expect(drv.await(sub)).To(Equal(map[string]any{"ok": true}))
			Expect(eventStreams(srv)).To(ConsistOf(SatisfyAll(HaveField("AccessToken", "A0"), HaveField("Status", 200),
				HaveField("Stream", true), HaveField("Pending", true), HaveField("LastEventID", ""))))

			ids := []int{srv.PublishEvent(), srv.PublishEvent(), srv.PublishEvent()}
			Eventually(func() any { return events(drv, sub)["events"] }).WithTimeout(5 * time.Second).
				Should(Equal(eventData(ids...)))
			Expect(events(drv, sub)).To(SatisfyAll(HaveKeyWithValue("open", true), HaveKeyWithValue("ended", false),
				Not(HaveKey("streamError"))))

			Expect(drv.call(map[string]any{"cmd": "unsubscribe", "target": sub})).To(Equal(map[string]any{"ok": true}))
			Expect(srv.WaitJournal(ctx, func(j fakeserver.Journal) bool { return openStreams(j) == 0 })).To(BeTrue())
			srv.PublishEvent()
			Consistently(func() int { return len(eventStreams(srv)) }, 700*time.Millisecond, 50*time.Millisecond).
				Should(Equal(1), "no reconnect after unsubscribe")
			Expect(events(drv, sub)).To(Equal(map[string]any{"events": eventData(ids...), "open": false, "ended": true}),
				"closed for good, by the caller: no streamError")

			Expect(drv.call(map[string]any{"cmd": "events", "target": 999999})).To(HaveKeyWithValue("error", "no subscription 999999"))
			Expect(drv.call(map[string]any{"cmd": "unsubscribe", "target": 999999})).To(Equal(map[string]any{"ok": false}))
			Expect(drv.call(map[string]any{"cmd": "subscribe"})).To(HaveKeyWithValue("error", ContainSubstring("path")))
		}, SpecTimeout(40*time.Second))

		It(d.name+" gives each instance its own stream, and a restart ends that instance's streams only", func(ctx SpecContext) {
			srv := newNodeTestServer()
			drv := sseDriver(d.dir, srv, 2)
			sub0 := drv.start(map[string]any{"cmd": "subscribe", "path": fakeserver.PathEvents})
			Expect(drv.await(sub0)).To(Equal(map[string]any{"ok": true}))
			// Instance 1 has no token yet: what its first connect does is the client's own
			// (singleflight refreshes from the shared cookie; the seed captured no token).
			sub1 := drv.start(map[string]any{"cmd": "subscribe", "path": fakeserver.PathEvents, "instance": 1})
			first1 := drv.await(sub1)
			if d.dir == "axios-singleflight" {
				Expect(first1).To(Equal(map[string]any{"ok": true}))
				Expect(srv.WaitJournal(ctx, func(j fakeserver.Journal) bool { return openStreams(j) == 2 })).To(BeTrue())
				Expect(onInstance(eventStreams(srv).Where(func(e fakeserver.Entry) bool { return e.Stream }), 1)).
					To(ConsistOf(HaveField("AccessToken", "A1")))
			} else {
				Expect(first1).To(HaveKeyWithValue("status", 401.0), "never connects: every connect sends the captured (absent) token")
			}

			Expect(drv.call(map[string]any{"cmd": "restart"})).To(Equal(map[string]any{"ok": true}))
			Expect(events(drv, sub0)).To(SatisfyAll(HaveKeyWithValue("open", false), HaveKeyWithValue("ended", true),
				HaveKeyWithValue("streamError", "aborted")))
			Expect(srv.WaitJournal(ctx, func(j fakeserver.Journal) bool {
				return len(onInstance(j.Streams().Where(func(e fakeserver.Entry) bool { return e.Pending }), 0)) == 0
			})).To(BeTrue(), "instance 0's stream is closed by its reload")
			if d.dir == "axios-singleflight" {
				id := srv.PublishEvent()
				Eventually(func() any { return events(drv, sub1)["events"] }).WithTimeout(5 * time.Second).Should(Equal(eventData(id)))
				Expect(events(drv, sub1)).To(SatisfyAll(HaveKeyWithValue("open", true), HaveKeyWithValue("ended", false)))
			}
			// init ends and forgets every subscription.
			Expect(drv.call(map[string]any{"cmd": "init", "baseURL": srv.URL()})).To(Equal(map[string]any{"ok": true}))
			Expect(srv.WaitJournal(ctx, func(j fakeserver.Journal) bool { return openStreams(j) == 0 })).To(BeTrue())
			Expect(events(drv, sub1)).To(HaveKey("error"))
		}, SpecTimeout(40*time.Second))
	}

	It("axios-singleflight reconnects a dropped stream with the refreshed token and Last-Event-ID, losing no event", func(ctx SpecContext) {
		srv, drv, sub, e1 := subscribedWithOneEvent("axios-singleflight")

		// The app refreshes (an ordinary call meets the expired token).
		srv.ExpireAccess()
		Expect(drv.call(map[string]any{"cmd": "request", "method": "GET", "path": fakeserver.PathMe})).To(HaveKeyWithValue("status", 200.0))
		Expect(srv.Journal().Refreshes()).To(HaveLen(1))

		Expect(srv.DropStreams()).To(Equal(1))
		e2 := srv.PublishEvent() // published while the client is away, or just back
		Expect(srv.WaitJournal(ctx, func(j fakeserver.Journal) bool { return openStreams(j) == 1 })).To(BeTrue())
		e3 := srv.PublishEvent()
		Eventually(func() any { return events(drv, sub)["events"] }).WithTimeout(5 * time.Second).Should(Equal(eventData(e1, e2, e3)))

		Expect(eventStreams(srv)).To(HaveExactElements(
			SatisfyAll(HaveField("AccessToken", "A0"), HaveField("Status", 200), HaveField("StreamEvents", BeNumerically(">=", 1))),
			SatisfyAll(HaveField("AccessToken", "A1"), HaveField("AccessState", fakeserver.StateValid), HaveField("Status", 200),
				HaveField("LastEventID", strconv.Itoa(e1))),
		))
		Expect(srv.Journal().Refreshes()).To(HaveLen(1), "the current token was valid: no refresh for the reconnect")
	}, SpecTimeout(40*time.Second))

	It("axios-singleflight: a reconnect answered 401 refreshes once and reconnects with the new token; a first connect too", func(ctx SpecContext) {
		srv := newNodeTestServer()
		drv := sseDriver("axios-singleflight", srv, 1)
		// The first connect meets an expired token: one refresh fixes it, so subscribe is ok.
		srv.ExpireAccess()
		sub := drv.start(map[string]any{"cmd": "subscribe", "path": fakeserver.PathEvents})
		Expect(drv.await(sub)).To(Equal(map[string]any{"ok": true}))
		Expect(eventStreams(srv)).To(HaveExactElements(
			SatisfyAll(HaveField("AccessToken", "A0"), HaveField("Status", 401)),
			SatisfyAll(HaveField("AccessToken", "A1"), HaveField("Status", 200), HaveField("Stream", true)),
		))
		e1 := srv.PublishEvent()
		Eventually(func() any { return events(drv, sub)["events"] }).WithTimeout(5 * time.Second).Should(Equal(eventData(e1)))

		// The token expires while the stream is open; then the server drops it.
		srv.ExpireAccess()
		srv.DropStreams()
		Expect(srv.WaitJournal(ctx, func(j fakeserver.Journal) bool { return openStreams(j) == 1 })).To(BeTrue())
		e2 := srv.PublishEvent()
		Eventually(func() any { return events(drv, sub)["events"] }).WithTimeout(5 * time.Second).Should(Equal(eventData(e1, e2)))
		Expect(eventStreams(srv)[2:]).To(HaveExactElements(
			SatisfyAll(HaveField("AccessToken", "A1"), HaveField("AccessState", fakeserver.StateExpired), HaveField("Status", 401),
				HaveField("LastEventID", strconv.Itoa(e1))),
			SatisfyAll(HaveField("AccessToken", "A2"), HaveField("Status", 200), HaveField("LastEventID", strconv.Itoa(e1))),
		))
		Expect(srv.Journal().Refreshes()).To(HaveLen(2))
	}, SpecTimeout(40*time.Second))

	It("axios-singleflight: a refused refresh ends the stream, with no more reconnects", func(ctx SpecContext) {
		srv := newNodeTestServer()
		drv := sseDriver("axios-singleflight", srv, 1)
		sub := drv.start(map[string]any{"cmd": "subscribe", "path": fakeserver.PathEvents})
		Expect(drv.await(sub)).To(Equal(map[string]any{"ok": true}))
		srv.ExpireRefresh() // access and refresh tokens both expire
		srv.DropStreams()
		Eventually(func() map[string]any { return events(drv, sub) }).WithTimeout(5 * time.Second).Should(SatisfyAll(
			HaveKeyWithValue("open", false), HaveKeyWithValue("ended", true),
			HaveKeyWithValue("streamError", ContainSubstring("HTTP 401 from POST /api/auth/refresh"))))
		Expect(srv.Journal().Refreshes()).To(ConsistOf(HaveField("Status", 401)))
		n := len(eventStreams(srv))
		Consistently(func() int { return len(eventStreams(srv)) }, 1500*time.Millisecond, 100*time.Millisecond).Should(Equal(n))
		Expect(n).To(Equal(2), "the first stream, and one reconnect answered 401")
	}, SpecTimeout(40*time.Second))

	It("axios-seed reconnects with the token it captured at subscribe, never the refreshed one, at most 3 times a second, and gives up", func(ctx SpecContext) {
		srv, drv, sub, e1 := subscribedWithOneEvent("axios-seed")
		_ = e1

		// The app refreshes (the interceptor stores A1), then the server drops the stream.
		srv.ExpireAccess()
		Expect(drv.call(map[string]any{"cmd": "request", "method": "GET", "path": fakeserver.PathMe})).To(HaveKeyWithValue("status", 200.0))
		srv.DropStreams()

		Eventually(func() map[string]any { return events(drv, sub) }).WithTimeout(15 * time.Second).Should(SatisfyAll(
			HaveKeyWithValue("open", false), HaveKeyWithValue("ended", true), HaveKeyWithValue("streamError", ContainSubstring("HTTP 401"))))
		reconnects := eventStreams(srv)[1:]
		Expect(reconnects).To(HaveLen(5), "gives up after 5 failed connects")
		Expect(reconnects).To(HaveEach(SatisfyAll(HaveField("AccessToken", "A0"), HaveField("AccessState", fakeserver.StateExpired),
			HaveField("Status", 401), HaveField("LastEventID", strconv.Itoa(e1)))), "every reconnect sends the captured A0")
		// The client paces its connects 1000 ms apart by its own clock; they reach the
		// server later by a varying delay (a new connection, a busy machine), so the
		// server sees some gaps shorter. The backoff alone (100, 200, 400 ms) would
		// give 700 ms: 850 still tells the pacing from its absence.
		for i := 3; i < len(reconnects); i++ {
			Expect(reconnects[i].RealOffsetMs-reconnects[i-3].RealOffsetMs).To(BeNumerically(">=", 850),
				"at most 3 connects in any second: connects %d and %d", i-3, i)
		}
		Expect(len(srv.Journal().Refreshes())).To(BeNumerically(">", 1), "the app refreshed; the stream kept its header")
		Consistently(func() int { return len(eventStreams(srv)) }, time.Second, 100*time.Millisecond).Should(Equal(6))
	}, SpecTimeout(40*time.Second))

	for _, d := range nodeDrivers {
		It(d.name+" speaks subscribe, events and unsubscribe with the Process adapter (Streamer)", func(ctx SpecContext) {
			proc, srv := startNodeDriver(ctx, d.dir, d.name)
			Expect(proc.Hello().Has(cut.FeatureSSE)).To(BeTrue())
			Expect(proc.Init(ctx, cut.Env{BaseURL: srv.URL(), Scenario: "NODE-SSE-PROCESS", Instances: 2})).To(Succeed())
			Expect(proc.Login(ctx, nodeUser, nodePassword)).To(HaveField("Status", 200))
			var streamer cut.Streamer = proc
			handle, r, err := streamer.Subscribe(ctx, fakeserver.PathEvents, 0)
			Expect(err).NotTo(HaveOccurred())
			Expect(r).To(BeZero(), "connected")
			id := srv.PublishEvent()
			Eventually(func() []string {
				ev, err := streamer.Events(ctx, handle)
				Expect(err).NotTo(HaveOccurred())
				return ev.Events
			}).WithTimeout(5 * time.Second).Should(Equal([]string{fmt.Sprintf(`{"n":%d}`, id)}))
			Expect(streamer.Events(ctx, handle)).To(Equal(cut.StreamEvents{Events: []string{fmt.Sprintf(`{"n":%d}`, id)}, Open: true}))
			Expect(streamer.Unsubscribe(ctx, handle)).To(Succeed())
			Expect(streamer.Events(ctx, handle)).To(HaveField("Open", false))

			// A subscribe through instance 1, which holds no token yet.
			_, r, err = streamer.Subscribe(ctx, fakeserver.PathEvents, 1)
			Expect(err).NotTo(HaveOccurred())
			if d.dir == "axios-singleflight" {
				Expect(r).To(BeZero(), "refreshed from the shared cookie, then connected")
			} else {
				Expect(r.Status).To(Equal(401), "the captured (absent) token never connects")
			}
			Expect(onInstance(eventStreams(srv), 1)).NotTo(BeEmpty(), "instance 1's connects carry its instance header")
		}, SpecTimeout(40*time.Second))
	}

	It("axios-seed answers a subscribe that never connects with the last refusal", func(ctx SpecContext) {
		srv := newNodeTestServer()
		drv := sseDriver("axios-seed", srv, 1)
		srv.ExpireAccess()
		r := drv.call(map[string]any{"cmd": "subscribe", "path": fakeserver.PathEvents})
		Expect(r).To(SatisfyAll(HaveKeyWithValue("status", 401.0), HaveKeyWithValue("body", HaveKey("message"))))
		Expect(eventStreams(srv)).To(HaveLen(5))
		Expect(eventStreams(srv)).To(HaveEach(HaveField("AccessToken", "A0")))
	}, SpecTimeout(40*time.Second))
})
