package main

import (
	"bytes"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"

	"github.com/tokenclock/tokenclock/internal/syncbuf"
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

// safeForTerminal fails the spec when out holds a byte a terminal could act on:
// C0 controls other than newline, DEL, C1 controls, or invalid UTF-8.
func safeForTerminal(out string) {
	GinkgoHelper()
	Expect(utf8.ValidString(out)).To(BeTrue(), "invalid UTF-8 in %q", out)
	for _, r := range out {
		if r == '\n' {
			continue
		}
		Expect(r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x202e).To(BeFalse(), "control character %U in %q", r, out)
	}
}

var _ = Describe("terminal escaping", func() {
	It("escapes every non-printable character of a line, keeping spaces and text", func() {
		for in, want := range map[string]string{
			"seeded user: Ada Lovelace <ada@example.test>": "seeded user: Ada Lovelace <ada@example.test>",
			"clear\x1b[2Jscreen":                           `clear\x1b[2Jscreen`,
			"title\x1b]0;pwned\x07":                        `title\x1b]0;pwned\a`,
			"link\x1b]8;;javascript:alert(1)\x1b\\x":       `link\x1b]8;;javascript:alert(1)\x1b\x`,
			"c1 \u009b31m csi":                             `c1 \u009b31m csi`,
			"bidi \u202egnp.exe":                           `bidi \u202egnp.exe`,
			"bad \xff byte, tab\t, del\x7f":                `bad \xff byte, tab\t, del\x7f`,
			"naïve — ok":                                   "naïve — ok",
		} {
			Expect(escapeControls(in)).To(Equal(want), "%q", in)
			safeForTerminal(escapeControls(in))
		}
	})

	It("escapes what a client or a flag put in any line the log writes: entries, banner, notes", func() {
		var buf syncbuf.Buffer
		l := newRequestLog(&buf, 16)
		l.Printf("  seeded user: %s <%s>", "\x1b]0;pwned\x07", "a@b")
		l.Entry(fakeserver.Entry{Seq: 1, Method: "GET", Path: "/\x1b]8;;javascript:x\x1b\\", Status: 404})
		l.Entry(fakeserver.Entry{Seq: 2, Method: "GET\x9b", Path: "/\u009b2J", Status: 404})
		l.Close()
		out := buf.String()
		safeForTerminal(out)
		Expect(out).To(ContainSubstring(`seeded user: \x1b]0;pwned\a <a@b>`))
		Expect(out).To(ContainSubstring(`#1 GET "/\x1b]8;;javascript:x\x1b\\"`))
	})
})

var _ = Describe("the request log when its output is stuck", func() {
	It("never blocks serve: Println gives up after a bounded wait, Close too", func() {
		w := &gatedWriter{gate: make(chan struct{})} // never opened during the spec: a full pipe
		DeferCleanup(func() { close(w.gate) })
		l := newRequestLog(w, 2)
		l.wait = 100 * time.Millisecond
		start := time.Now()
		for i := range 6 {
			l.Printf("banner line %d", i)
		}
		for i := range 100 {
			l.Entry(fakeserver.Entry{Seq: i, Method: "GET", Path: "/api/ideas"})
		}
		l.Println("tokenclock: shutting down")
		l.Close()
		Expect(time.Since(start)).To(BeNumerically("<", 3*time.Second), "bounded by a few waits, not forever")
		Expect(l.dropped.Load()).To(BeNumerically(">", 100), "the lines that found no room are counted")
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
			warnBeyondLoopback(&b, "--addr", addr, true)
		}
		Expect(b.String()).To(BeEmpty())
		warnBeyondLoopback(&b, "--addr", ":8088", false)
		Expect(b.String()).To(ContainSubstring("--addr :8088 is reachable beyond this machine"))
		Expect(b.String()).NotTo(ContainSubstring("control API"), "the control API is elsewhere (--control-addr)")
		b.Reset()
		warnBeyondLoopback(&b, "--addr", "0.0.0.0:8088", true)
		Expect(b.String()).To(ContainSubstring("--addr 0.0.0.0:8088 is reachable beyond this machine"))
		Expect(b.String()).To(ContainSubstring("the control API (/_tokenclock/) is exposed there too"))
		Expect(b.String()).To(ContainSubstring("--allow-host"))
		b.Reset()
		warnBeyondLoopback(&b, "--control-addr", "0.0.0.0:9", true)
		Expect(b.String()).To(ContainSubstring("--control-addr 0.0.0.0:9 is reachable"))
		Expect(b.String()).To(ContainSubstring("control API"))
	})
})
