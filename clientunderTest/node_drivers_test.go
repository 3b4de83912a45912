package clientundertest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

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
