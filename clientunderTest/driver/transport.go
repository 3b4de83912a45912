package driver

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// InstanceHeader tags every HTTP request with the instance that sent it, so the fake
// server's journal can tell the tabs apart (feature instances).
const InstanceHeader = "X-Tokenclock-Instance"

// errInstanceEnded is why a request of a thrown-away instance was aborted.
var errInstanceEnded = errors.New("driver: the instance was thrown away (restart or init)")

// newBaseTransport is the connection pool of one profile. It never uses a proxy: the
// fake server is on loopback, and a proxy configured on the machine must not sit
// between the client and it.
func newBaseTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	return t
}

// instanceTransport is the RoundTripper of one instance: it adds InstanceHeader and
// binds every request to the instance's life, so that a restart aborts the instance's
// HTTP work even when the client passed no context of its own (a page reload cancels
// its fetches the same way).
type instanceTransport struct {
	base     http.RoundTripper
	instance string
	life     context.Context
}

// RoundTrip sends a copy of req (a RoundTripper must not change the caller's request)
// with the instance header, under a context that also ends with the instance.
func (t *instanceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := context.Cause(t.life); err != nil {
		if req.Body != nil {
			req.Body.Close() // a RoundTripper closes the body, even on error
		}
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	stop := context.AfterFunc(t.life, func() { cancel(errInstanceEnded) })
	release := func() {
		stop()
		cancel(nil)
	}
	out := req.Clone(ctx)
	out.Header.Set(InstanceHeader, t.instance)
	res, err := t.base.RoundTrip(out)
	if err != nil {
		release()
		return nil, err
	}
	// The body is read after RoundTrip returns: the context must live until it is closed.
	res.Body = &releasingBody{ReadCloser: res.Body, release: release}
	return res, nil
}

// releasingBody runs release once, when the response body is closed.
type releasingBody struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

// Close closes the body and ends the request's context.
func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}

// newInstanceTransport is the transport of instance i over base.
func newInstanceTransport(base http.RoundTripper, i int, life context.Context) *instanceTransport {
	return &instanceTransport{base: base, instance: strconv.Itoa(i), life: life}
}
