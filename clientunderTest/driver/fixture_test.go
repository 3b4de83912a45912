package driver_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/clientunderTest/driver"

	"github.com/tokenclock/tokenclock/internal/syncbuf"
)

// fixture is one Serve over pipes, playing the harness: it writes command lines and
// reads reply lines, and records every adapter Serve built.
type fixture struct {
	in      *io.PipeWriter
	replies chan map[string]any // every line Serve wrote, decoded
	served  chan error          // Serve's result
	ended   chan struct{}       // closed once Serve returned
	logs    *syncbuf.Buffer

	release chan struct{} // closed to let /slow and /stubborn requests finish

	mu       sync.Mutex
	adapters []*fakeAdapter // in the order they were built
}

// serve starts Serve with a fake adapter per instance; the spec's cleanup ends it.
func serve(opts driver.Options) *fixture {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	f := &fixture{in: inW, replies: make(chan map[string]any, 1024), served: make(chan error, 1),
		ended: make(chan struct{}), logs: &syncbuf.Buffer{}, release: make(chan struct{})}
	opts.Log = log.New(f.logs, "", 0)
	go func() {
		f.served <- driver.Serve(context.Background(), inR, outW, f.newAdapter, opts)
		close(f.ended)
		outW.Close()
	}()
	go func() {
		defer GinkgoRecover()
		lines := bufio.NewScanner(outR)
		lines.Buffer(nil, driver.MaxLine+1)
		for lines.Scan() {
			var reply map[string]any
			Expect(json.Unmarshal(lines.Bytes(), &reply)).To(Succeed(), "stdout carries JSON objects only: %q", lines.Text())
			f.replies <- reply
		}
		close(f.replies)
	}()
	DeferCleanup(func() {
		f.in.Close()
		f.unblock()
		Eventually(f.ended).Should(BeClosed(), "Serve returns at stdin EOF")
	})
	return f
}

func (f *fixture) newAdapter(cfg driver.Config) driver.Adapter {
	a := &fakeAdapter{cfg: cfg, release: f.release}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.adapters = append(f.adapters, a)
	return a
}

// built is every adapter built so far.
func (f *fixture) built() []*fakeAdapter {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*fakeAdapter(nil), f.adapters...)
}

// unblock lets every /slow and /stubborn request finish (once).
func (f *fixture) unblock() {
	select {
	case <-f.release:
	default:
		close(f.release)
	}
}

// send writes command lines, each ended by "\n".
func (f *fixture) send(lines ...string) {
	GinkgoHelper()
	for _, l := range lines {
		_, err := io.WriteString(f.in, l+"\n")
		Expect(err).NotTo(HaveOccurred())
	}
}

// next is the next reply, within 5 s (a 4 MiB reply takes a while under -race).
func (f *fixture) next() map[string]any {
	GinkgoHelper()
	var r map[string]any
	Eventually(f.replies, 5*time.Second).Should(Receive(&r))
	return r
}

// collect is the next n replies, by id.
func (f *fixture) collect(n int) map[float64]map[string]any {
	GinkgoHelper()
	out := map[float64]map[string]any{}
	for range n {
		r := f.next()
		out[r["id"].(float64)] = r
	}
	return out
}

// init sends init for instances instances against base and expects its ok.
func (f *fixture) init(id int, base string, instances int) {
	GinkgoHelper()
	f.send(line(map[string]any{"id": id, "cmd": "init", "baseURL": base, "scenario": "SPEC-1",
		"now": "2026-11-26T07:12:50Z", "instances": instances}))
	Expect(f.next()).To(Equal(map[string]any{"id": float64(id), "ok": true}))
}

// fakeAdapter answers requests by path:
//
//	/fast       200 {"path": …} at once
//	/slow       200 once released, or the context's error when it ends first
//	/stubborn   200 once released, whatever the context says
//	/panic      panics
//	/body/…     200 with the body named after /body/ (see bodies)
//	/instance   200 {"instance": i, "instances": n}
//	/get/…      GET cfg.BaseURL + the rest through cfg.HTTPClient, under the call's ctx
//	/detached/… the same under context.Background(): no caller can cancel it
type fakeAdapter struct {
	cfg     driver.Config
	release chan struct{}
	closed  atomic.Bool
}

// bodies are the response bodies of /body/NAME.
var bodies = map[string][]byte{
	"json":   []byte("{\n  \"a\": 1,\n  \"b\": [true, null]\n}\n"),
	"text":   []byte("plain <b>text</b>"),
	"empty":  nil,
	"spaces": []byte(" \n "),
	// over the line bound, and within it but not once encoded (every "\n" takes two bytes)
	"huge": []byte(`"` + strings.Repeat("y", driver.MaxLine) + `"`),
	"long": []byte(`"` + strings.Repeat("\n", driver.MaxLine/2) + `"`),
}

func (a *fakeAdapter) Login(_ context.Context, email, _ string) (driver.Response, error) {
	return driver.Response{Status: 200, Body: mustJSON(map[string]any{"email": email})}, nil
}

func (a *fakeAdapter) Logout(context.Context) (driver.Response, error) {
	return driver.Response{Status: 200, Body: []byte(`{"message":"logged out"}`)}, nil
}

func (a *fakeAdapter) Request(ctx context.Context, call driver.Call) (driver.Response, error) {
	path := call.Path
	switch {
	case path == "/fast":
		return driver.Response{Status: 200, Body: mustJSON(map[string]any{"path": path})}, nil
	case path == "/slow":
		select {
		case <-a.release:
			return driver.Response{Status: 200, Body: mustJSON(map[string]any{"path": path})}, nil
		case <-ctx.Done():
			return driver.Response{}, ctx.Err()
		}
	case path == "/stubborn":
		<-a.release
		return driver.Response{Status: 200, Body: mustJSON(map[string]any{"path": path})}, nil
	case path == "/panic":
		panic("the client fell over")
	case path == "/echo":
		return driver.Response{Status: 200, Body: mustJSON(map[string]any{"method": call.Method, "body": call.Body, "headers": call.Headers})}, nil
	case strings.HasPrefix(path, "/body/"):
		return driver.Response{Status: 200, Body: bodies[strings.TrimPrefix(path, "/body/")]}, nil
	case path == "/instance":
		return driver.Response{Status: 200, Body: mustJSON(map[string]any{"instance": a.cfg.Instance, "instances": a.cfg.Instances})}, nil
	case strings.HasPrefix(path, "/get/"):
		return a.get(ctx, strings.TrimPrefix(path, "/get"))
	case strings.HasPrefix(path, "/detached/"):
		return a.get(context.Background(), strings.TrimPrefix(path, "/detached"))
	}
	return driver.Response{Status: 404}, nil
}

// get sends GET path through the kit's HTTP client.
func (a *fakeAdapter) get(ctx context.Context, path string) (driver.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.cfg.BaseURL+path, nil)
	if err != nil {
		return driver.Response{}, err
	}
	res, err := a.cfg.HTTPClient.Do(req)
	if err != nil {
		return driver.Response{}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return driver.Response{Status: res.StatusCode, Body: body}, err
}

// Close records that the kit threw this instance away.
func (a *fakeAdapter) Close() error {
	a.closed.Store(true)
	return nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	Expect(err).NotTo(HaveOccurred())
	return b
}

func line(v any) string { return string(mustJSON(v)) }
