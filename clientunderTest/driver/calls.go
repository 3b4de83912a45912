package driver

import (
	"context"
	"fmt"
	"math"
	"runtime/debug"
	"time"
)

// call starts a login, request or logout on its instance and returns at once; the
// reply goes out when the adapter returns. A command that cannot start (bad fields,
// no such instance) is answered here: the error reply is returned.
func (s *server) call(c command) fields {
	var n *int
	var work func(ctx context.Context, a Adapter) (Response, error)
	switch c.name {
	case "login":
		var f loginFields
		if bad := decode(c, &f); bad != nil {
			return bad
		}
		n = f.Instance
		work = func(ctx context.Context, a Adapter) (Response, error) { return a.Login(ctx, f.Email, f.Password) }
	case "logout":
		var f instanceFields
		if bad := decode(c, &f); bad != nil {
			return bad
		}
		n = f.Instance
		work = func(ctx context.Context, a Adapter) (Response, error) { return a.Logout(ctx) }
	default:
		var f requestFields
		if bad := decode(c, &f); bad != nil {
			return bad
		}
		switch {
		case f.Method == nil || f.Path == nil:
			return errorReply("bad request: method and path must be strings")
		case f.BodyKind != nil && *f.BodyKind != "json":
			return errorReply("unsupported: bodyKind %s", *f.BodyKind)
		}
		n = f.Instance
		call := f.call()
		work = func(ctx context.Context, a Adapter) (Response, error) { return a.Request(ctx, call) }
	}
	i, bad := s.index(n)
	if bad != nil {
		return bad
	}
	in := s.slots[i]
	if in == nil {
		return errorReply("internal: instance %d has no client: building it failed", i)
	}
	var p *pending
	if c.name == "request" { // only a request can be the target of a cancel
		p = s.track(c.id, in)
	}
	go s.run(c.id, in, p, work)
	return nil
}

// run performs work on in's adapter and sends the reply. Work that outlives its
// instance (a restart or init came first) is answered "aborted" as soon as the
// instance ends, never with a result that could be taken for the new scenario's; its
// adapter is left to wind down. A cancelled request is answered "cancelled" only once
// the adapter returned, and only if it returned no response anyway.
func (s *server) run(id int64, in *instance, p *pending, work func(context.Context, Adapter) (Response, error)) {
	ctx := in.life
	if p != nil {
		ctx = p.ctx
	}
	done := make(chan outcome, 1) // buffered: an abandoned adapter call still finishes
	go func() { done <- s.perform(ctx, in.adapter, work) }()
	var reply fields
	select {
	case o := <-done:
		switch {
		case in.life.Err() != nil:
			reply = abortedReply
		case p != nil && p.cancelled.Load() && o.err != nil:
			reply = cancelledReply
		default:
			reply = shape(o)
		}
	case <-in.life.Done():
		reply = abortedReply
	}
	if p != nil {
		s.forget(id, p) // before the reply: a cancel that comes after it finds nothing
	}
	s.out.send(id, reply)
}

// perform calls work, turning a panic in the adapter into an internal error reply:
// a bug in the client fails its command, not the whole driver.
func (s *server) perform(ctx context.Context, a Adapter, work func(context.Context, Adapter) (Response, error)) (o outcome) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Printf("the adapter panicked: %v\n%s", r, debug.Stack())
			o = outcome{err: internalError{fmt.Sprintf("the adapter panicked: %v", r)}}
		}
	}()
	res, err := work(ctx, a)
	return outcome{res: res, err: err}
}

// track registers request id as cancellable: its context ends with the instance or
// with a cancel.
func (s *server) track(id int64, in *instance) *pending {
	ctx, cancel := context.WithCancelCause(in.life)
	p := &pending{ctx: ctx, cancel: cancel}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[id] = p
	return p
}

// forget drops request id from the cancellable ones and releases its context.
func (s *server) forget(id int64, p *pending) {
	s.mu.Lock()
	if s.requests[id] == p {
		delete(s.requests, id)
	}
	s.mu.Unlock()
	p.cancel(nil)
}

// cancel aborts a request in flight: {ok: true}, and the target answers "cancelled"
// once its adapter returned. A target that already finished (or never was a
// request) is {ok: false}, and gets no second reply.
func (s *server) cancel(c command) fields {
	var f cancelFields
	if bad := decode(c, &f); bad != nil {
		return bad
	}
	target, ok := integer(f.Target)
	s.mu.Lock()
	p := s.requests[target]
	s.mu.Unlock()
	if !ok || p == nil {
		return fields{"ok": false}
	}
	p.cancelled.Store(true)
	p.cancel(errCancelled)
	return okReply
}

// tickOrSet is the clock command (feature clock).
func (s *server) tickOrSet(c command) fields {
	var f clockFields
	if bad := decode(c, &f); bad != nil {
		return bad
	}
	if s.clock == nil {
		return errorReply("not initialised: send init first")
	}
	switch f.Mode {
	case "set":
		t, err := time.Parse(time.RFC3339, f.Now)
		if err != nil {
			return errorReply("bad clock: now: %v", err)
		}
		s.clock.set(t)
	case "tick":
		d, err := f.duration()
		if err != nil {
			return errorReply("bad clock: %v", err)
		}
		s.clock.tick(d)
	default:
		return errorReply(`bad clock: mode must be "set" or "tick", not %q`, f.Mode)
	}
	return okReply
}

// duration is how far a tick advances: byMs when present, else by.
func (f clockFields) duration() (time.Duration, error) {
	d := time.Duration(0)
	if f.ByMs != nil {
		if *f.ByMs > math.MaxInt64/int64(time.Millisecond) {
			return 0, fmt.Errorf("byMs %d is too far", *f.ByMs)
		}
		d = time.Duration(*f.ByMs) * time.Millisecond
	} else {
		var err error
		if d, err = time.ParseDuration(f.By); err != nil {
			return 0, fmt.Errorf("by: %w", err)
		}
	}
	if d < 0 {
		return 0, fmt.Errorf("a tick cannot go back (%s)", d)
	}
	return d, nil
}
