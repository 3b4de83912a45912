package clientundertest_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

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
