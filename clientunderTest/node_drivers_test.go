package clientundertest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
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

// nodeDrivers are the bundled drivers and the name each must announce.
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
	script, err := filepath.Abs(filepath.Join("node", dir, "driver.mjs"))
	Expect(err).NotTo(HaveOccurred())
	return fmt.Sprintf("exec %q %q", node, script)
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
	srv := fakeserver.New(fakeserver.Options{
		Clock: clockwork.NewFakeClockAt(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)),
		// Generous, so a loaded machine cannot release a gate before all its requests
		// arrived; a passing spec releases its gates itself.
		HoldBound: 10 * time.Second,
	})
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

var _ = Describe("bundled Node drivers", Label("node"), func() {
	for _, d := range nodeDrivers {
		Describe(d.name, Ordered, ContinueOnFailure, func() {
			// One driver process for the whole container, as the harness reuses it
			// across scenarios; every spec starts with init against its own server.
			var proc *cut.Process
			BeforeAll(func(ctx SpecContext) {
				var err error
				proc, err = cut.StartProcess(ctx, nodeProcessOptions(d.name, d.dir))
				Expect(err).NotTo(HaveOccurred())
				DeferCleanup(proc.Close)
			}, NodeTimeout(30*time.Second))

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

			It("answers hello with its name, its axios version and features cancel and restart", func() {
				h := proc.Hello()
				Expect(h.Name).To(Equal(d.name))
				Expect(h.Version).To(MatchRegexp(`^axios 1\.\d+\.\d+$`))
				Expect(h.Features).To(Equal([]string{cut.FeatureCancel, cut.FeatureRestart}))
			})

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
				Expect(r.Error).To(MatchRegexp(`^(ECONNRESET|EPIPE) `))
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
		srv := newNodeTestServer()
		proc, err := cut.StartProcess(ctx, nodeProcessOptions(name, dir))
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(proc.Close)
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

// rawDriver is a bundled driver run without the Process adapter, to check the wire
// itself: what exactly reaches stdout, and how the driver exits.
type rawDriver struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string // every stdout line, closed at EOF
	done  chan error  // the exit, once
}

func startRawDriver(dir string) *rawDriver {
	GinkgoHelper()
	node, err := exec.LookPath("node")
	Expect(err).NotTo(HaveOccurred(), "node is not on PATH: install Node.js 20+, then run `make node-deps`")
	nodeDriverCommand(dir) // fails with the fix when packages are missing
	script, err := filepath.Abs(filepath.Join("node", dir, "driver.mjs"))
	Expect(err).NotTo(HaveOccurred())
	d := &rawDriver{cmd: exec.Command(node, script), lines: make(chan string, 64), done: make(chan error, 1)}
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

		It(d.name+" answers shutdown, then exits 0", func(ctx SpecContext) {
			drv := startRawDriver(d.dir)
			drv.send(`{"id":1,"cmd":"shutdown"}`)
			Expect(drv.reply()).To(Equal(map[string]any{"id": 1.0, "ok": true}))
			Eventually(drv.done).WithTimeout(15 * time.Second).Should(Receive(BeNil()))
		}, SpecTimeout(30*time.Second))
	}
})
