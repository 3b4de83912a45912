package main

import (
	"bytes"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// gatedWriter blocks every Write until the gate opens: a terminal that stopped reading.
type gatedWriter struct {
	gate chan struct{}
	mu   sync.Mutex
	buf  bytes.Buffer
}

func (w *gatedWriter) Write(p []byte) (int, error) {
	<-w.gate
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

var _ = Describe("the request log", func() {
	It("renders one key=value line per journal entry", func() {
		Expect(formatEntry(fakeserver.Entry{
			Seq: 7, Method: "POST", Path: "/api/auth/refresh",
			RefreshToken: "R0", RefreshState: fakeserver.StateReused,
			Status: 401, VirtualTime: "2025-03-01T12:01:01Z",
		})).To(Equal("#7 POST /api/auth/refresh access=- refresh=R0(reused) status=401 clock=2025-03-01T12:01:01Z"))

		Expect(formatEntry(fakeserver.Entry{
			Seq: 8, Method: "POST", Path: "/api/auth/refresh",
			AccessToken: "A1", AccessState: fakeserver.StateExpired,
			RefreshToken: "R1", RefreshState: fakeserver.StateValid,
			Status: 200, IssuedAccess: "A2", IssuedRefresh: "R2", Fault: "delay", VirtualTime: "t",
		})).To(Equal("#8 POST /api/auth/refresh access=A1(expired) refresh=R1(valid) status=200 issued=A2,R2 fault=delay clock=t"))

		Expect(formatEntry(fakeserver.Entry{Seq: 9, Method: "GET", Path: "/api/auth/me", Fault: "reset", VirtualTime: "t"})).
			To(Equal("#9 GET /api/auth/me access=- refresh=- status=0(no-response) fault=reset clock=t"))
	})

	It("quotes what a client sent that could disturb a terminal", func() {
		Expect(printable("/api/ideas")).To(Equal("/api/ideas"))
		Expect(printable("/x\x1b[2Jy")).To(Equal(`"/x\x1b[2Jy"`))
		Expect(printable("/a b\nc")).To(Equal(`"/a b\nc"`))
		Expect(printable("/\xff")).To(Equal(`"/\xff"`))
		Expect(printable("")).To(Equal(`""`))
	})

	It("never blocks the server: lines are dropped and counted while output is stuck", func() {
		w := &gatedWriter{gate: make(chan struct{})}
		l := newRequestLog(w, 2)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 1; i <= 50; i++ {
				l.Entry(fakeserver.Entry{Seq: i, Method: "GET", Path: "/api/ideas", Status: 200})
			}
		}()
		Eventually(done).Should(BeClosed(), "Entry must not wait for the writer")
		close(w.gate)
		l.Close()
		out := w.buf.String()
		lines := strings.Count(out, "\n")
		Expect(out).To(ContainSubstring("#1 GET /api/ideas"))
		Expect(out).To(MatchRegexp(`\(\d+ request lines dropped: output too slow\)`))
		Expect(lines).To(BeNumerically("<", 50))
		l.Entry(fakeserver.Entry{Seq: 99})
		l.Println("after close")
		Expect(w.buf.String()).To(Equal(out), "after Close nothing is written and nothing panics")
	})
})

var _ = Describe("the banner helpers", func() {
	It("makes unspecified listen hosts dialable", func() {
		Expect(dialableURL("http://0.0.0.0:8088")).To(Equal("http://127.0.0.1:8088"))
		Expect(dialableURL("http://[::]:8088/_tokenclock/")).To(Equal("http://127.0.0.1:8088/_tokenclock/"))
		Expect(dialableURL("http://127.0.0.1:8088")).To(Equal("http://127.0.0.1:8088"))
	})

	It("warns only for addresses beyond loopback", func() {
		var b bytes.Buffer
		for _, addr := range []string{"127.0.0.1:1", "[::1]:1", "localhost:1"} {
			warnBeyondLoopback(&b, "--addr", addr)
		}
		Expect(b.String()).To(BeEmpty())
		warnBeyondLoopback(&b, "--addr", ":8088")
		warnBeyondLoopback(&b, "--control-addr", "0.0.0.0:9")
		Expect(b.String()).To(ContainSubstring("--addr :8088 is reachable beyond this machine"))
		Expect(b.String()).To(ContainSubstring("--control-addr 0.0.0.0:9 is reachable"))
	})
})
