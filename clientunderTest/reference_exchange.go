package clientundertest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strconv"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// outgoing is one HTTP send. tokens are the Bearer tokens to attach, normally zero or
// one (a mutant may attach two).
type outgoing struct {
	method  string
	url     string
	headers map[string]string
	body    []byte
	tokens  []string
	cookies []*http.Cookie
	wrote   func() // called once the request is written (nil: nobody asks)
	// instance is the tab that sends it: every request says so in the
	// X-Tokenclock-Instance header (feature instances), refresh and logout included.
	instance int
	// stream is a one-shot body sent chunked (feature bodies, BodyStream); body is
	// then nil. contentType is the body's type ("" is JSON for a body).
	stream      io.Reader
	contentType string
}

// exchange sends one request and reads the whole response. A request that got no
// HTTP response is a Reply with Error; an error return means the caller's ctx ended
// (ErrTimeout). ctx and life are joined: Init and Close abort the call too.
func (r *Reference) exchange(ctx, life context.Context, c *http.Client, o outgoing) (Reply, error) {
	joined, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(life, cancel)()
	if o.wrote != nil {
		joined = httptrace.WithClientTrace(joined, &httptrace.ClientTrace{
			WroteRequest: func(httptrace.WroteRequestInfo) { o.wrote() },
		})
	}
	req, err := http.NewRequestWithContext(joined, o.method, o.url, nil)
	if err != nil {
		return Reply{Error: "EINVAL: " + err.Error()}, nil
	}
	req.Header.Set(fakeserver.InstanceHeader, strconv.Itoa(o.instance))
	for k, v := range o.headers {
		req.Header.Set(k, v)
	}
	setBody(req, o.body)
	if o.stream != nil {
		req.Body, req.ContentLength = io.NopCloser(o.stream), -1 // chunked, read once
	}
	switch {
	case req.Header.Get("Content-Type") != "":
	case o.contentType != "" && (len(o.body) > 0 || o.stream != nil):
		req.Header.Set("Content-Type", o.contentType)
	case len(o.body) > 0:
		req.Header.Set("Content-Type", "application/json")
	}
	if len(o.tokens) > 0 {
		req.Header.Del("Authorization")
	}
	for _, t := range o.tokens {
		req.Header.Add("Authorization", "Bearer "+t)
	}
	for _, ck := range o.cookies {
		req.AddCookie(ck)
	}
	resp, err := c.Do(req)
	if err == nil {
		reply, rerr := readReply(resp)
		if rerr == nil {
			return reply, nil
		}
		err = rerr
	}
	switch {
	case ctx.Err() != nil:
		return Reply{}, fmt.Errorf("%w: %s %s: %v", ErrTimeout, o.method, req.URL.Path, ctx.Err())
	case life.Err() != nil:
		return Reply{Error: "aborted"}, nil
	}
	return Reply{Error: errorText(err)}, nil
}

// setBody gives the request a body net/http cannot rewind. net/http silently
// re-sends a replayable request (GET, HEAD, OPTIONS, TRACE, or one with an
// Idempotency-Key) once when a kept-alive connection dies under it; the contract
// allows no sends beyond the client's own replay, so every send must be one we decided
// on. A non-nil body without GetBody is not replayable; net/http still sends an empty
// one on a GET as no body at all.
func setBody(req *http.Request, b []byte) {
	req.GetBody = nil
	switch {
	case len(b) > 0:
		req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	case replayable(req):
		req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(nil)), 0
	default:
		req.Body, req.ContentLength = nil, 0
	}
}

func replayable(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return req.Header.Get("Idempotency-Key") != "" || req.Header.Get("X-Idempotency-Key") != ""
}
