package driver_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/clientunderTest/driver"
)

var _ = Describe("Config.HTTPClient", func() {
	// server sets a cookie on /login, and answers /whoami with the instance header
	// and the cookie it got; /hang waits until the client goes away.
	var (
		srv  *httptest.Server
		gone chan struct{}
	)
	BeforeEach(func() {
		gone = make(chan struct{}, 8)
		mux := http.NewServeMux()
		mux.HandleFunc("/login", func(w http.ResponseWriter, _ *http.Request) {
			http.SetCookie(w, &http.Cookie{Name: "refreshToken", Value: "R0", Path: "/", HttpOnly: true})
			w.Write([]byte(`{}`))
		})
		mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
			cookie, _ := r.Cookie("refreshToken")
			w.Write(mustJSON(map[string]any{"instance": r.Header.Get(driver.InstanceHeader), "cookie": cookie.String()}))
		})
		mux.HandleFunc("/hang", func(_ http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
			gone <- struct{}{}
		})
		srv = httptest.NewServer(mux)
		DeferCleanup(srv.Close)
	})

	It("tags each instance's requests with its number and sends with the profile's shared jar", func() {
		f := serve(driver.Options{})
		f.init(1, srv.URL, 3)
		f.send(`{"id":2,"cmd":"request","method":"GET","path":"/get/login","instance":1}`)
		Expect(f.next()).To(HaveKeyWithValue("status", 200.0))
		f.send(`{"id":3,"cmd":"request","method":"GET","path":"/get/whoami","instance":2}`)
		Expect(f.next()).To(HaveKeyWithValue("body", map[string]any{"instance": "2", "cookie": "refreshToken=R0"}))
		f.send(`{"id":4,"cmd":"restart","instance":2}`)
		Expect(f.next()).To(HaveKeyWithValue("ok", true))
		f.send(`{"id":5,"cmd":"request","method":"GET","path":"/get/whoami","instance":2}`)
		Expect(f.next()).To(HaveKeyWithValue("body", map[string]any{"instance": "2", "cookie": "refreshToken=R0"}),
			"a restart keeps the jar")
		f.init(6, srv.URL, 1)
		f.send(`{"id":7,"cmd":"request","method":"GET","path":"/get/whoami"}`)
		Expect(f.next()).To(HaveKeyWithValue("body", map[string]any{"instance": "0", "cookie": ""}), "init empties it")
	})

	It("aborts an instance's HTTP work when the instance is thrown away, even work no caller can cancel", func() {
		f := serve(driver.Options{})
		f.init(1, srv.URL, 2)
		f.send(`{"id":2,"cmd":"request","method":"GET","path":"/detached/hang","instance":1}`,
			`{"id":3,"cmd":"request","method":"GET","path":"/detached/hang"}`)
		Consistently(gone, 100*time.Millisecond).ShouldNot(Receive())
		f.send(`{"id":4,"cmd":"restart","instance":1}`)
		Expect(f.collect(2)).To(HaveKeyWithValue(2.0, HaveKeyWithValue("error", "aborted")))
		Eventually(gone).Should(Receive(), "the restarted instance's request is gone")
		Consistently(gone, 100*time.Millisecond).ShouldNot(Receive(), "instance 0's request goes on")
		f.send(`{"id":5,"cmd":"request","method":"GET","path":"/get/whoami","instance":1}`)
		Expect(f.next()).To(HaveKeyWithValue("status", 200.0), "the rebuilt instance sends")
	})

	It("cancels a request with its caller, and names a transport error's code first", func() {
		f := serve(driver.Options{})
		f.init(1, srv.URL, 1)
		f.send(`{"id":2,"cmd":"request","method":"GET","path":"/get/hang"}`)
		Consistently(gone, 100*time.Millisecond).ShouldNot(Receive())
		f.send(`{"id":3,"cmd":"cancel","target":2}`)
		Expect(f.collect(2)).To(HaveKeyWithValue(2.0, HaveKeyWithValue("error", "cancelled")))
		Eventually(gone).Should(Receive())

		l, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		closed := "http://" + l.Addr().String()
		Expect(l.Close()).To(Succeed())
		f.init(4, closed, 1)
		f.send(`{"id":5,"cmd":"request","method":"GET","path":"/get/anything"}`)
		Expect(f.next()).To(HaveKeyWithValue("error", HavePrefix("ECONNREFUSED Get \""+closed+"/anything\"")))
	})

	It("never hands a request of a thrown-away instance to the network", func() {
		f := serve(driver.Options{})
		f.init(1, srv.URL, 1)
		old := f.built()[0]
		f.send(`{"id":2,"cmd":"restart"}`)
		Expect(f.next()).To(HaveKeyWithValue("ok", true))
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"/whoami", nil)
		Expect(err).NotTo(HaveOccurred())
		_, err = old.cfg.HTTPClient.Do(req)
		Expect(err).To(MatchError(ContainSubstring("the instance was thrown away")))
	})
})
