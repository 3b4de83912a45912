package fakeserver_test

import (
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// rawControl sends one control request with full control over Host and headers
// (given as name, value pairs), to the server's listener.
func rawControl(srv *fakeserver.Server, method, path, host, body string, headers ...string) controlReply {
	GinkgoHelper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL()+path, rd)
	Expect(err).NotTo(HaveOccurred())
	if host != "" {
		req.Host = host
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	c := &http.Client{Timeout: 5 * time.Second}
	defer c.CloseIdleConnections()
	res, err := c.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	Expect(err).NotTo(HaveOccurred())
	return controlReply{Status: res.StatusCode, Header: res.Header, Body: b}
}

var _ = Describe("Control API: what a web page cannot do", func() {
	var srv *fakeserver.Server
	const rule = `{"path":"/api/ideas","action":"status","status":503}`
	BeforeEach(func() {
		srv = fakeserver.New(fakeserver.Options{
			Clock: clockwork.NewFakeClockAt(controlStart), ExposeControl: true,
			ControlAllowOrigins: []string{"http://localhost:5173"},
			ControlAllowHosts:   []string{"tokenclock.internal"},
		})
		Expect(srv.Start()).To(Succeed())
		DeferCleanup(srv.Close)
	})

	It("refuses a cross-origin text/plain POST (no preflight needed) with 403 {message}, installing nothing", func() {
		r := rawControl(srv, http.MethodPost, "/_tokenclock/faults", "", rule,
			"Origin", "http://evil.example", "Content-Type", "text/plain")
		expectControlError(r, http.StatusForbidden, `Origin "http://evil.example" is not this server's`)
		Expect(srv.State().Faults).To(BeZero())
		Expect(r.Header.Get("Access-Control-Allow-Origin")).To(BeEmpty())
	})

	DescribeTable("refuses other requests a browser sends on a page's behalf",
		func(method, path, host string, headers ...string) {
			r := rawControl(srv, method, path, host, "{}", headers...)
			Expect(r.Status).To(Equal(http.StatusForbidden), "body: %s", r.Body)
			Expect(r.Message()).NotTo(BeEmpty())
			Expect(srv.State().Faults).To(BeZero())
		},
		Entry("Origin null (a sandboxed frame, a file)", http.MethodPost, "/_tokenclock/reset", "", "Origin", "null"),
		Entry("a foreign origin reading the journal", http.MethodGet, "/_tokenclock/journal", "", "Origin", "http://evil.example"),
		Entry("Sec-Fetch-Site cross-site without an Origin (a no-cors GET)", http.MethodGet, "/_tokenclock/journal", "", "Sec-Fetch-Site", "cross-site"),
		Entry("an allowed origin's scheme differs", http.MethodGet, "/_tokenclock/state", "", "Origin", "https://localhost:5173"),
		Entry("a foreign Host (DNS rebinding)", http.MethodGet, "/_tokenclock/journal", "rebind.attacker.example"),
		Entry("a foreign Host with a port", http.MethodGet, "/_tokenclock/state", "rebind.attacker.example:8088"),
		Entry("a foreign Host on an unknown control path", http.MethodGet, "/_tokenclock/nope", "evil.example"),
		Entry("a name ending in localhost", http.MethodGet, "/_tokenclock/state", "localhost.attacker.example"),
		Entry("a foreign Host, same-origin to itself", http.MethodPost, "/_tokenclock/reset", "rebind.attacker.example:8088",
			"Origin", "http://rebind.attacker.example:8088", "Sec-Fetch-Site", "same-origin"),
	)

	It("says why a foreign Host is refused, escaping what the client sent", func() {
		r := rawControl(srv, http.MethodGet, "/_tokenclock/state", "evil.example", "")
		expectControlError(r, http.StatusForbidden, `Host "evil.example"`)
		Expect(r.Message()).To(ContainSubstring("--allow-host"))
	})

	It("still serves curl: no Origin, a loopback Host, whatever the content type", func() {
		r := rawControl(srv, http.MethodPost, "/_tokenclock/faults", "", rule, "Content-Type", "text/plain")
		Expect(r.Status).To(Equal(http.StatusOK), "body: %s", r.Body)
		Expect(srv.State().Faults).To(Equal(1))
		port := srv.URL()[strings.LastIndex(srv.URL(), ":"):]
		for _, host := range []string{"localhost" + port, "LOCALHOST" + port, "localhost", "127.0.0.1" + port, "127.9.8.7" + port, "[::1]" + port, "localhost." + port} {
			r := rawControl(srv, http.MethodGet, "/_tokenclock/state", host, "")
			Expect(r.Status).To(Equal(http.StatusOK), "Host %s: %s", host, r.Body)
		}
		Expect(rawControl(srv, http.MethodGet, "/_tokenclock/state", "tokenclock.internal:8088", "").Status).
			To(Equal(http.StatusOK), "a host named in ControlAllowHosts")
		Expect(rawControl(srv, http.MethodGet, "/_tokenclock/state", "", "", "Sec-Fetch-Site", "none").Status).
			To(Equal(http.StatusOK), "typed into the address bar")
	})

	It("accepts the server's own origin, and an allowed origin with CORS answers and a preflight", func() {
		own := rawControl(srv, http.MethodGet, "/_tokenclock/state", "", "", "Origin", srv.URL(), "Sec-Fetch-Site", "same-origin")
		Expect(own.Status).To(Equal(http.StatusOK), "body: %s", own.Body)
		Expect(own.Header.Get("Access-Control-Allow-Origin")).To(BeEmpty(), "same origin needs no CORS")

		r := rawControl(srv, http.MethodPost, "/_tokenclock/faults", "", rule,
			"Origin", "http://localhost:5173", "Sec-Fetch-Site", "cross-site", "Content-Type", "application/json")
		Expect(r.Status).To(Equal(http.StatusOK), "body: %s", r.Body)
		Expect(r.Header.Get("Access-Control-Allow-Origin")).To(Equal("http://localhost:5173"))
		Expect(r.Header.Values("Vary")).To(ContainElement("Origin"))

		pre := rawControl(srv, http.MethodOptions, "/_tokenclock/faults", "", "",
			"Origin", "http://localhost:5173", "Access-Control-Request-Method", "DELETE")
		Expect(pre.Status).To(Equal(http.StatusNoContent))
		Expect(pre.Header.Get("Access-Control-Allow-Methods")).To(Equal("POST, DELETE"))
		Expect(pre.Header.Get("Access-Control-Allow-Headers")).To(Equal("Content-Type"))

		expectControlError(rawControl(srv, http.MethodOptions, "/_tokenclock/faults", "", ""),
			http.StatusMethodNotAllowed, "not allowed")
	})

	It("guards only the control API: the application API keeps its own CORS rules", func() {
		r := rawControl(srv, http.MethodGet, "/api/ideas", "evil.example", "", "Origin", "http://evil.example")
		Expect(r.Status).To(Equal(http.StatusOK))
	})
})

var _ = Describe("Control API: handlers mounted on it", func() {
	var (
		h       *controlHarness
		reached []string
	)
	BeforeEach(func() {
		reached = nil
		h = newControlHarness()
		h.srv.MountControl("ui", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			reached = append(reached, r.URL.Path)
			_, _ = io.WriteString(w, "console")
		}))
	})

	It("serves the name and every path below it", func() {
		for _, p := range []string{"ui", "ui/", "ui/console.js"} {
			r := h.do(http.MethodGet, fakeserver.ControlPrefix+p, "")
			Expect(r.Status).To(Equal(http.StatusOK), p)
			Expect(string(r.Body)).To(Equal("console"))
		}
		Expect(reached).To(Equal([]string{"/_tokenclock/ui", "/_tokenclock/ui/", "/_tokenclock/ui/console.js"}))
	})

	It("keeps the guard: a foreign page or Host never reaches the handler", func() {
		Expect(h.do(http.MethodGet, fakeserver.ControlPrefix+"ui/", "", "Origin", "https://evil.example").Status).To(Equal(http.StatusForbidden))
		Expect(h.do(http.MethodGet, fakeserver.ControlPrefix+"ui/", "", "Sec-Fetch-Site", "cross-site").Status).To(Equal(http.StatusForbidden))
		Expect(rawControl(h.srv, http.MethodGet, fakeserver.ControlPrefix+"ui/", "rebind.attacker.example", "").Status).To(Equal(http.StatusForbidden))
		Expect(reached).To(BeEmpty())
	})

	It("never takes over a built-in control path", func() {
		h.srv.MountControl("state", http.NotFoundHandler())
		Expect(h.do(http.MethodGet, fakeserver.ControlPrefix+"state", "").Status).To(Equal(http.StatusOK))
		h.srv.MountControl("faults", http.NotFoundHandler())
		Expect(h.do(http.MethodPost, fakeserver.ControlPrefix+"faults/release", "{}").Status).To(Equal(http.StatusOK))
	})
})

var _ = Describe("JournalRange", func() {
	It("copies a window of seqs, bounded, without the rest", func() {
		h := newControlHarness()
		for range 5 {
			h.do(http.MethodGet, fakeserver.PathMe, "")
		}
		seqs := func(j fakeserver.Journal) []int {
			var out []int
			for _, e := range j {
				out = append(out, e.Seq)
			}
			return out
		}
		Expect(seqs(h.srv.JournalRange(2, 4))).To(Equal([]int{2, 3, 4}))
		Expect(seqs(h.srv.JournalRange(-10, 1))).To(Equal([]int{1}))
		Expect(seqs(h.srv.JournalRange(4, 99))).To(Equal([]int{4, 5}))
		Expect(h.srv.JournalRange(3, 2)).To(BeEmpty())
	})
})
