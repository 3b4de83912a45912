package browser

import (
	"context"
	"errors"
	"path/filepath"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/jonboulle/clockwork"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

var _ = Describe("A page that crashes", func() {
	It("is a crashed call, the next scenario gets a working page, and Close leaves nothing running", func(ctx SpecContext) {
		c, err := New(ctx, Options{Adapter: filepath.Join("..", "node", "adapters", "axios-singleflight.mjs")})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(c.Close)
		scenario := func() *fakeserver.Server {
			srv := fakeserver.New(fakeserver.Options{Clock: clockwork.NewFakeClock(), Page: c.PageHandler()})
			Expect(srv.Start()).To(Succeed())
			DeferCleanup(srv.Close)
			_, err := srv.AddUser("Ada", "ada@example.test", "correct horse")
			Expect(err).NotTo(HaveOccurred())
			Expect(c.Init(ctx, cut.Env{BaseURL: srv.URL(), Now: time.Now()})).To(Succeed())
			r, err := c.Login(ctx, "ada@example.test", "correct horse")
			Expect(err).NotTo(HaveOccurred())
			Expect(r.Status).To(Equal(200))
			return srv
		}
		scenario()
		t, err := c.tab(0)
		Expect(err).NotTo(HaveOccurred())
		go func() {
			// Page.crash never answers: the renderer is gone.
			_, _ = chromedp.Run(t.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, cdppage.Crash, cdp.Empty{})
				return err
			}))
		}()
		bounded, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		Eventually(func() error {
			_, err := c.Request(bounded, cut.Call{Method: "GET", Path: fakeserver.PathMe})
			return err
		}).WithTimeout(5 * time.Second).Should(Satisfy(func(err error) bool {
			return errors.Is(err, cut.ErrCrashed) || errors.Is(err, cut.ErrTimeout)
		}))

		scenario() // a fresh context: the crash is behind us
		r, err := c.Request(ctx, cut.Call{Method: "GET", Path: fakeserver.PathMe})
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Status).To(Equal(200))
	}, SpecTimeout(time.Minute))
})
