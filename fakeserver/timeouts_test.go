package fakeserver_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// dialServer opens a raw TCP connection to the server, closed after the spec.
func dialServer(srv *fakeserver.Server) net.Conn {
	GinkgoHelper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL(), "http://"))
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(conn.Close)
	return conn
}

// closedWithin reports how long the server took to close conn (reading and
// discarding whatever it answered first), failing the spec past limit.
func closedWithin(conn net.Conn, limit time.Duration) time.Duration {
	GinkgoHelper()
	start := time.Now()
	Expect(conn.SetReadDeadline(start.Add(limit))).To(Succeed())
	_, err := io.Copy(io.Discard, conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		Fail("the server kept the connection open for " + limit.String())
	}
	return time.Since(start)
}

var _ = Describe("Connection timeouts", func() {
	It("closes a connection that trickles its body, after ReadTimeout", func() {
		h := newAPI(fakeserver.Options{ReadTimeout: 300 * time.Millisecond})
		conn := dialServer(h.srv)
		_, err := io.WriteString(conn, "POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10000\r\n\r\n{")
		Expect(err).NotTo(HaveOccurred())
		stop := make(chan struct{})
		DeferCleanup(func() { close(stop) })
		go func() { // one byte every 50 ms: 10 000 bytes would take over 8 minutes
			for {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
					if _, err := conn.Write([]byte(" ")); err != nil {
						return
					}
				}
			}
		}()
		took := closedWithin(conn, 5*time.Second)
		Expect(took).To(BeNumerically(">=", 200*time.Millisecond))
		Eventually(h.last).Should(HaveField("Status", http.StatusBadRequest), "journalled: the body could not be read")
	})

	It("closes an idle keep-alive connection after IdleTimeout", func() {
		h := newAPI(fakeserver.Options{IdleTimeout: 300 * time.Millisecond})
		conn := dialServer(h.srv)
		_, err := io.WriteString(conn, "GET /api/ideas HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
		Expect(err).NotTo(HaveOccurred())
		br := bufio.NewReader(conn)
		res, err := http.ReadResponse(br, nil)
		Expect(err).NotTo(HaveOccurred())
		_, _ = io.Copy(io.Discard, res.Body)
		Expect(res.Body.Close()).To(Succeed())
		Expect(res.StatusCode).To(Equal(http.StatusOK))
		Expect(res.Close).To(BeFalse(), "kept alive")

		start := time.Now()
		Expect(conn.SetReadDeadline(start.Add(5 * time.Second))).To(Succeed())
		_, err = br.ReadByte()
		Expect(err).To(MatchError(io.EOF), "the server closed the idle connection")
		Expect(time.Since(start)).To(BeNumerically(">=", 200*time.Millisecond))
	})

	It("cuts neither held nor delayed requests: the body is read before they wait", func() {
		h := newAPI(fakeserver.Options{ReadTimeout: 200 * time.Millisecond, IdleTimeout: 200 * time.Millisecond,
			HoldBound: 700 * time.Millisecond})
		ada := h.seedUser()
		h.srv.AddFault(fakeserver.Rule{Method: "POST", Path: "/api/ideas", Times: 1, Action: fakeserver.ActionHoldBefore})
		r := h.createIdea(ada, "held")
		Expect(r.Err).NotTo(HaveOccurred())
		Expect(r.Status).To(Equal(http.StatusCreated))
		Expect(h.last().Fault).To(Equal("hold"))

		h.srv.AddFault(fakeserver.Rule{Method: "GET", Path: "/api/ideas", Times: 1, Action: fakeserver.ActionHoldResponse})
		Expect(h.do("GET", "/api/ideas", nil).Status).To(Equal(http.StatusOK))
		h.srv.AddFault(fakeserver.Rule{Method: "GET", Path: "/api/auth/me", Times: 1, Action: fakeserver.ActionDelay, Delay: 600 * time.Millisecond})
		Expect(h.me(ada.Access).Status).To(Equal(http.StatusOK))
	})

	It("defaults: body and headers within 30 s (headers 10 s), idle 60 s, no write timeout", func() {
		hs := fakeserver.New(fakeserver.Options{}).HTTPServer(http.NotFoundHandler())
		Expect([]time.Duration{hs.ReadTimeout, hs.ReadHeaderTimeout, hs.IdleTimeout, hs.WriteTimeout}).
			To(Equal([]time.Duration{30 * time.Second, 10 * time.Second, 60 * time.Second, 0}))
		Expect(fakeserver.DefaultReadTimeout).To(BeNumerically(">", fakeserver.DefaultHoldBound))
	})
})
