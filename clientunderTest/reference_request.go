package clientundertest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// Request sends one application call with the access token and, when a protected
// resource answers 401, refreshes the token once for the whole session and replays
// the call once (the contract in conformance/requirement.go):
//
//  1. A call that starts while a refresh is running waits for it (RC12); one whose
//     token is due for its early refresh joins or starts that refresh (RC2, RC18).
//  2. The call goes out with the current access token; the client remembers which
//     token generation it carried (RC9).
//  3. Anything but a 401 from a protected path goes straight back to the caller: 403,
//     404, 5xx and transport errors are never a reason to refresh (RC1), and a 401
//     from login, register, refresh or logout is final (RC6, RC14).
//  4. On a 401, afterUnauthorized replays with a newer token if one is already held
//     (RC9), joins the refresh in flight, or starts the session's one refresh (RC2).
//  5. The replay is the same method, path and body bytes with exactly one
//     Authorization header carrying the new token (RC4, RC5); whatever it gets,
//     even another 401, goes to the caller (RC3).
func (r *Reference) Request(ctx context.Context, call Call) (Reply, error) {
	reply, err := r.request(ctx, call)
	if (err != nil || reply.Error != "") && errors.Is(context.Cause(ctx), ErrCancelled) {
		// The caller gave up: it sees its cancellation, whatever was cut short. The
		// shared refresh does not run under this context, so nobody else notices.
		return Reply{Error: "cancelled"}, nil
	}
	return reply, err
}

func (r *Reference) request(ctx context.Context, call Call) (Reply, error) {
	base, t, err := r.current(call.Instance)
	if err != nil {
		return Reply{}, err
	}
	path, _, _ := strings.Cut(call.Path, "?")
	if !strings.HasPrefix(path, "/") {
		return Reply{Error: "EINVAL: the path must start with /: " + call.Path}, nil
	}
	method := call.Method
	if method == "" {
		method = http.MethodGet
	}
	body, err := newCallBody(call)
	if err != nil {
		return Reply{Error: "EINVAL: " + err.Error()}, nil
	}
	o := outgoing{method: method, url: base + call.Path, body: body.bytes, contentType: body.contentType,
		headers: call.Headers, instance: t.index}
	guarded := protected(path)
	if guarded && r.bug != bugNoIdempotencyKey {
		o.headers = withIdempotencyKey(method, o.headers)
	}
	var tee *streamTee
	if body.stream != nil {
		tee = &streamTee{}
		o.stream = io.TeeReader(body.stream, tee)
	}
	if guarded {
		if err := r.awaitRefresh(ctx, t); err != nil {
			return settle(err)
		}
		if err := r.renewEarly(ctx, base, t); err != nil {
			return settle(err)
		}
	}
	token, gen := r.token(t)
	sent := tokens(token)
	for replays := 0; ; replays++ {
		o.tokens = sent
		reply, err := r.exchange(ctx, t.life, t.sess.client, o)
		expired := guarded && r.bug.isExpiry(path, reply)
		if tee != nil && expired {
			// The stream is spent; what it sent is the replay's body, if it was kept whole.
			if tee.overflown || tee.buf.Len() != call.Size {
				expired = false // cannot replay: the caller gets the 401 at once
			}
			o.stream, o.body, tee = nil, tee.buf.Bytes(), nil
		}
		if err != nil || reply.Error != "" || !expired || replays >= r.bug.maxReplays() {
			r.acted(reply.Status)
			return reply, err
		}
		rec, err := r.afterUnauthorized(ctx, base, t, gen, http.StatusUnauthorized)
		switch {
		case err != nil:
			return settle(err)
		case rec.failure != nil:
			return *rec.failure, nil
		case !rec.replay:
			return reply, nil
		}
		o, sent = r.bug.replay(o, token, rec.token)
		token, gen = rec.token, rec.gen
	}
}

// protected reports whether a 401 from path can mean an expired access token: every
// path except the auth endpoints that take no access token.
func protected(path string) bool {
	switch path {
	case fakeserver.PathLogin, fakeserver.PathRegister, fakeserver.PathRefresh, fakeserver.PathLogout,
		fakeserver.PathToken, fakeserver.PathRevoke:
		return false
	}
	return true
}

// tokens is the Authorization list for a send: none without a token.
func tokens(token string) []string {
	if token == "" {
		return nil
	}
	return []string{token}
}

// settle turns a wait that ended early into the call's outcome: an aborted scenario
// answers "aborted" (as drivers do), the caller's deadline is a fault (ErrTimeout).
func settle(err error) (Reply, error) {
	if errors.Is(err, errAborted) {
		return Reply{Error: "aborted"}, nil
	}
	return Reply{}, err
}
