package fakeserver_test

import (
	"net/http"
	"strings"

	"github.com/jonboulle/clockwork"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

var _ = Describe("the refresh cookie on the real clock (serve)", func() {
	It("gets Max-Age exactly the refresh TTL at login, though time moves between reads", func() {
		srv := fakeserver.New(fakeserver.Options{Clock: clockwork.NewRealClock()})
		Expect(srv.Start()).To(Succeed())
		DeferCleanup(srv.Close)
		_, err := srv.AddUser("Ada", "ada@example.test", "pw")
		Expect(err).NotTo(HaveOccurred())
		for i := 0; i < 20; i++ {
			resp, err := http.Post(srv.URL()+"/api/auth/login", "application/json",
				strings.NewReader(`{"email":"ada@example.test","password":"pw"}`))
			Expect(err).NotTo(HaveOccurred())
			resp.Body.Close()
			Expect(resp.Cookies()).To(HaveLen(1))
			Expect(resp.Cookies()[0].MaxAge).To(Equal(int(fakeserver.DefaultRefreshTTL.Seconds())))
		}
	})
})
