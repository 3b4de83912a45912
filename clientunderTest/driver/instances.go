package driver

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strings"
	"time"
)

// maxInstances bounds init.instances: the fake server records instance numbers up to
// 1023, and bad input must not make the driver build clients without bound.
const maxInstances = 1024

// instance is one built adapter and its life.
type instance struct {
	adapter Adapter
	life    context.Context // ends when the instance is thrown away
	end     context.CancelCauseFunc
}

// init throws every instance away, their in-flight work answered "aborted", and
// builds init.instances fresh ones over a new, empty profile.
func (s *server) init(c command) fields {
	var f initFields
	if bad := decode(c, &f); bad != nil {
		return bad
	}
	n := 1
	if f.Instances != nil {
		n = *f.Instances
	}
	switch {
	case f.BaseURL == "":
		return errorReply("bad init: baseURL must be a non-empty string")
	case n < 1 || n > maxInstances:
		return errorReply("bad init: instances must be an integer from 1 to %d", maxInstances)
	}
	s.endAll()
	start := time.Now()
	if t, err := time.Parse(time.RFC3339, f.Now); err == nil {
		start = t
	} else if f.Now != "" {
		s.log.Printf("init: now %q is not RFC 3339; the clock starts at the real time", f.Now)
	}
	s.baseURL, s.scenario = strings.TrimRight(f.BaseURL, "/"), f.Scenario
	s.oauth = OAuth2{Profile: cmp.Or(f.Profile, "cookie"), TokenURL: f.TokenURL, ClientID: f.ClientID, ClientSecret: f.ClientSecret}
	s.profile, s.transport, s.clock = NewProfile(), newBaseTransport(), newClock(start, s.log)
	s.slots = make([]*instance, n)
	for i := range s.slots {
		if bad := s.build(i); bad != nil {
			s.endAll()
			return bad
		}
	}
	return okReply
}

// restart is a page reload of one instance: its in-flight work is answered
// "aborted", and a new adapter is built on the same profile.
func (s *server) restart(c command) fields {
	var f instanceFields
	if bad := decode(c, &f); bad != nil {
		return bad
	}
	i, bad := s.index(f.Instance)
	if bad != nil {
		return bad
	}
	if bad := s.build(i); bad != nil {
		return bad
	}
	return okReply
}

// build throws instance i away, if it exists, and builds it again.
func (s *server) build(i int) fields {
	if old := s.slots[i]; old != nil {
		s.slots[i] = nil
		s.end(old)
	}
	life, end := context.WithCancelCause(s.ctx)
	tr := newInstanceTransport(s.transport, i, life)
	cfg := Config{
		BaseURL:    s.baseURL,
		Scenario:   s.scenario,
		Instance:   i,
		Instances:  len(s.slots),
		Context:    life,
		HTTPClient: &http.Client{Transport: tr, Jar: s.profile.Jar},
		Transport:  tr,
		Profile:    s.profile,
		OAuth2:     s.oauth,
		Clock:      s.clock,
		Log:        s.log,
	}
	a, err := s.construct(cfg)
	if err != nil {
		end(err)
		return errorReply("internal: building instance %d: %v", i, err)
	}
	s.slots[i] = &instance{adapter: a, life: life, end: end}
	return nil
}

// construct calls newAdapter, turning a panic or a nil adapter into an error.
func (s *server) construct(cfg Config) (a Adapter, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Printf("NewAdapter panicked: %v\n%s", r, debug.Stack())
			a, err = nil, fmt.Errorf("NewAdapter panicked: %v", r)
		}
	}()
	if a = s.newAdapter(cfg); a == nil {
		return nil, errors.New("NewAdapter returned nil")
	}
	return a, nil
}

// end throws one instance away: its context ends (in-flight work is answered
// "aborted" at once, its HTTP requests are aborted), then the adapter is closed.
func (s *server) end(in *instance) {
	in.end(errInstanceEnded)
	closer, ok := in.adapter.(io.Closer)
	if !ok {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			s.log.Printf("Close panicked: %v\n%s", r, debug.Stack())
		}
	}()
	if err := closer.Close(); err != nil {
		s.log.Printf("closing instance: %v", err)
	}
}

// endAll throws every instance, the profile and the clock away.
func (s *server) endAll() {
	for _, in := range s.slots {
		if in != nil {
			s.end(in)
		}
	}
	s.slots = nil
	if s.clock != nil {
		s.clock.stop()
	}
	if s.transport != nil {
		s.transport.CloseIdleConnections()
	}
}

// index is the instance a command names (absent: 0), or the error reply.
func (s *server) index(n *int) (int, fields) {
	if s.slots == nil {
		return 0, errorReply("not initialised: send init first")
	}
	i := 0
	if n != nil {
		i = *n
	}
	if i < 0 || i >= len(s.slots) {
		return 0, errorReply("no instance %d (init made %d)", i, len(s.slots))
	}
	return i, nil
}
