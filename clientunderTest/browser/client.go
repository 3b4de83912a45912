// Package browser is tokenclock's browser mode: a client under test written as a JS
// adapter module runs in a page of real headless Chromium, driven over the DevTools
// protocol (chromedp). The browser keeps the cookies and enforces CORS, SameSite and
// credentials, so the bugs a cookie jar in Node hides show here.
//
// One Chromium process serves every scenario of a Client; each scenario gets a fresh
// browser context (fresh cookies and storage) with one page (tab) per instance.
// restart is a page reload, cancel aborts the AbortSignal the adapter got, and clock
// moves the page's controllable clock (the JS kit's lib/clock.mjs, package jskit).
// docs/browser-mode.md is the user's reference.
package browser

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// Prefix is the --client command prefix of browser mode: browser:path/to/adapter.mjs.
const Prefix = "browser:"

// maxConcurrency is a browser's limit of HTTP/1.1 connections per host: more
// parallel calls queue in the browser, so the parallel gate waits for at most this
// many first sends.
const maxConcurrency = 6

// Options configure a Client.
type Options struct {
	// Adapter is the path of the JS adapter module.
	Adapter string
	// Chromium is the browser's executable. Default: $TOKENCLOCK_CHROMIUM, else
	// chromium (or chromium-browser, google-chrome) on PATH.
	Chromium string
	// StartTimeout bounds starting the browser and loading the adapter. Default 30 s.
	StartTimeout time.Duration
}

// Client is a JS adapter module running in headless Chromium: a cut.Client with the
// features instances (tabs), restart (reload), cancel and clock, plus what the
// adapter declares itself (bodies, sse).
type Client struct {
	opts  Options
	page  *page
	hello cut.Hello
	log   *cut.CapturedLog

	app     *http.Server // serves the page for the cross-origin and cross-site scenarios
	appPort int

	chromium *Chromium

	mu         sync.Mutex
	scenario   *scenario
	nextID     int64
	clockBase  time.Time // the pages' wall clock at clockAt (real time)
	clockAt    time.Time
	subscribed map[int64]int // stream handle → instance
	recent     []string      // the pages' last messages, for error messages
}

// scenario is one scenario's browser context and its tabs.
type scenario struct {
	env    cut.Env
	cancel context.CancelFunc // disposes the browser context, closing every tab
	tabs   []*tab
}

// tab is one page: an instance of the client.
type tab struct {
	instance int
	ctx      context.Context
	mu       sync.Mutex
	gen      int // bumped by each reload: work of an older page answers "aborted"
}

// New starts Chromium and loads the adapter once, to learn its features, within
// opts.StartTimeout and ctx. The browser stays up until Close.
func New(ctx context.Context, opts Options) (*Client, error) {
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 30 * time.Second
	}
	exe, err := FindChromium(opts.Chromium)
	if err != nil {
		return nil, err
	}
	pg, err := newPage(opts.Adapter)
	if err != nil {
		return nil, err
	}
	c := &Client{opts: opts, page: pg, log: cut.NewCapturedLog(cut.DefaultStderrLimit), subscribed: map[int64]int{}}
	if err := c.serveApp(); err != nil {
		return nil, err
	}
	if c.chromium, err = NewChromium(exe); err != nil {
		_ = c.app.Close()
		return nil, err
	}
	if err := c.start(ctx); err != nil {
		c.Close() // kills a browser that is still starting
		return nil, err
	}
	return c, nil
}

// FindChromium locates the browser: exe when set, $TOKENCLOCK_CHROMIUM, then PATH;
// the error says how to install one.
func FindChromium(exe string) (string, error) {
	if exe == "" {
		exe = os.Getenv("TOKENCLOCK_CHROMIUM")
	}
	if exe != "" {
		return exe, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("browser mode needs Chromium: none found on PATH (install it with `make chromium`, " +
		"Debian's package chromium, or name one with TOKENCLOCK_CHROMIUM)")
}

// allocatorOptions start Chromium headless, with nothing reaching beyond loopback:
// every host name but localhost resolves to nothing, no proxy, no background
// networking; and with the flags that keep background tabs' timers running.

func allocatorOptions(exe string) []chromedp.ExecAllocatorOption {
	opts := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
	return append(opts,
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
	)
}

// serveApp listens on a loopback port of its own: the page's origin for the
// scenarios whose page is not on the API's origin (127.0.0.1 for cross-origin,
// localhost for cross-site).
func (c *Client) serveApp() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("browser mode: page listener: %w", err)
	}
	c.appPort = ln.Addr().(*net.TCPAddr).Port
	mux := http.NewServeMux()
	mux.Handle(fakeserver.PagePrefix, c.page)
	c.app = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = c.app.Serve(ln) }()
	return nil
}

// start launches the browser and asks a throwaway page what the adapter declares.
func (c *Client) start(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.StartTimeout)
	defer cancel()
	launched := make(chan error, 1)
	go func() { launched <- chromedp.Do(c.chromium.Ctx) }() // launches Chromium
	select {
	case err := <-launched:
		if err != nil {
			return fmt.Errorf("browser mode: starting Chromium: %w", err)
		}
	case <-ctx.Done():
		return fmt.Errorf("browser mode: Chromium did not start within %s: %w", c.opts.StartTimeout, context.Cause(ctx))
	}
	tabCtx, closeTab := chromedp.NewContext(c.chromium.Ctx, chromedp.WithNewBrowserContext())
	defer closeTab()
	t := &tab{ctx: tabCtx}
	if err := c.prepareTab(ctx, t); err != nil {
		return fmt.Errorf("browser mode: opening a tab: %w", err)
	}
	c.watchConsole(t)
	if err := c.open(ctx, t, c.PageOrigin(cut.CrossOrigin)+fakeserver.PagePrefix); err != nil {
		return err
	}
	var h struct {
		Name     string   `json:"name"`
		Version  string   `json:"version"`
		Features []string `json:"features"`
		Error    string   `json:"error"`
	}
	if err := c.eval(ctx, t, &h, "hello", c.page.adapterURL); err != nil {
		return fmt.Errorf("browser mode: loading the adapter: %w", err)
	}
	if h.Error != "" {
		return fmt.Errorf("browser mode: loading the adapter %s: %s%s", c.opts.Adapter, h.Error, c.consoleHint())
	}
	var product string
	err := c.run(ctx, t, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		v, err := cdp.Call(ctx, tg, cdpbrowser.GetVersion, cdp.Empty{})
		product = v.Product // HeadlessChrome/156.0.8078.108
		return err
	}))
	if err != nil {
		return fmt.Errorf("browser mode: asking Chromium its version: %w", err)
	}
	c.hello = helloOf(c.opts.Adapter, h.Name, h.Version, h.Features, product)
	return nil
}

// helloOf is the client's announcement: the adapter's name (its file name when it
// declares none) and version, with the browser's (product: "HeadlessChrome/156.0.…");
// the features browser mode supplies plus those the adapter implements itself.
func helloOf(adapter, name, version string, features []string, product string) cut.Hello {
	if name == "" {
		name = AdapterName(adapter)
	}
	browser := "Chromium"
	if _, v, ok := strings.Cut(product, "/"); ok && v != "" {
		browser += " " + v
	}
	if version != "" {
		version += ", "
	}
	all := []string{cut.FeatureBrowser, cut.FeatureInstances, cut.FeatureRestart, cut.FeatureCancel, cut.FeatureClock}
	for _, f := range features {
		if !contains(all, f) {
			all = append(all, f)
		}
	}
	return cut.Hello{Name: name, Version: version + browser, Features: all, MaxConcurrency: maxConcurrency}
}

// AdapterName is an adapter's name from its file: axios-seed for
// path/to/axios-seed.mjs.
func AdapterName(adapter string) string {
	return strings.TrimSuffix(filepath.Base(adapter), filepath.Ext(adapter))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
