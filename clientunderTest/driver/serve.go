package driver

import (
	"cmp"
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// The optional features of protocol v1 that the kit provides (docs/driver-protocol.md).
// cancel, restart and instances are the kit's own work and always announced; clock
// only when Options.Clock says the client runs on Config.Clock.
const (
	FeatureCancel    = "cancel"
	FeatureRestart   = "restart"
	FeatureInstances = "instances"
	FeatureClock     = "clock"
)

// errCancelled is the cause of a call's context after the harness cancelled it.
var errCancelled = errors.New("driver: cancelled by the caller")

// Main serves protocol v1 on stdin and stdout with the adapters newAdapter builds,
// until shutdown or stdin EOF; main returns then, and the driver exits 0. From here on
// os.Stdout is stderr, so that a stray fmt.Println in the client cannot corrupt the
// protocol: stdout carries protocol lines only.
func Main(newAdapter NewAdapter, opts Options) {
	protocol := os.Stdout
	os.Stdout = os.Stderr
	if opts.Log == nil {
		opts.Log = log.New(os.Stderr, "[driver] ", log.Lmicroseconds)
	}
	if err := Serve(context.Background(), os.Stdin, protocol, newAdapter, opts); err != nil {
		opts.Log.Printf("reading stdin: %v", err)
	}
}

// Serve reads commands from r and writes replies to w until shutdown, EOF on r (nil
// for both) or the end of ctx (its cause), starting each command as it arrives and
// answering each exactly once. Lines it cannot answer (not JSON, no integer id, over
// MaxLine) are logged and skipped. When it returns, every adapter has been thrown
// away and nothing more is written to w.
func Serve(ctx context.Context, r io.Reader, w io.Writer, newAdapter NewAdapter, opts Options) error {
	if opts.Log == nil {
		opts.Log = log.New(os.Stderr, "[driver] ", log.Lmicroseconds)
	}
	s := &server{
		ctx:        ctx,
		opts:       opts,
		newAdapter: newAdapter,
		log:        opts.Log,
		out:        &replyWriter{w: w, log: opts.Log},
		requests:   map[int64]*pending{},
	}
	defer s.stop()

	// The reader runs apart so that ctx can end Serve while a read blocks. Lines
	// cross an unbuffered channel: each is handled before the next is read.
	lines := make(chan []byte)
	readDone := make(chan error, 1)
	quit := make(chan struct{})
	defer close(quit)
	go func() {
		readDone <- readLines(r, MaxLine, func(line []byte) bool {
			select {
			case lines <- line:
				return true
			case <-quit:
				return false
			}
		}, s.log.Printf)
	}()
	for {
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case err := <-readDone:
			return err // nil at EOF: the harness is done with us
		case line := <-lines:
			if !s.handle(line) {
				return nil
			}
		}
	}
}

// server is the state of one Serve. Everything but out and requests belongs to the
// command loop's goroutine: commands that change it (init, restart, clock) run there,
// one at a time and in order, so a login read right after its init finds the client.
type server struct {
	ctx        context.Context
	opts       Options
	newAdapter NewAdapter
	log        *log.Logger
	out        *replyWriter

	baseURL, scenario string
	oauth             OAuth2 // the server profile of this init
	profile           *Profile
	transport         *http.Transport // the profile's connection pool
	clock             *Clock
	slots             []*instance // nil before the first init

	mu       sync.Mutex
	requests map[int64]*pending // the requests in flight, by id, for cancel
}

// pending is a request in flight that a cancel may target.
type pending struct {
	ctx       context.Context
	cancel    context.CancelCauseFunc
	cancelled atomic.Bool
}

// handle runs one line's command; false once the driver is to exit (shutdown).
func (s *server) handle(line []byte) bool {
	c, bad, err := parseCommand(line)
	switch {
	case err != nil:
		s.log.Printf("ignoring a line (%v): %.200q", err, line)
		return true
	case bad != nil:
		s.out.send(c.id, bad)
		return true
	}
	switch c.name {
	case "hello":
		s.out.send(c.id, s.hello(c))
	case "init":
		s.out.send(c.id, s.init(c))
	case "login", "request", "logout":
		if bad := s.call(c); bad != nil {
			s.out.send(c.id, bad)
		}
	case "cancel":
		s.out.send(c.id, s.cancel(c))
	case "restart":
		s.out.send(c.id, s.restart(c))
	case "clock":
		if !s.opts.Clock {
			s.out.send(c.id, errorReply("unsupported: clock"))
			return true
		}
		s.out.send(c.id, s.tickOrSet(c))
	case "shutdown":
		s.out.send(c.id, okReply)
		return false
	default:
		s.out.send(c.id, errorReply("unsupported: %s", c.name))
	}
	return true
}

// hello names the driver and what it offers.
func (s *server) hello(c command) fields {
	var f helloFields
	if bad := decode(c, &f); bad != nil {
		return bad
	}
	if p, ok := integer(f.Protocol); !ok || p != 1 {
		return errorReply("unsupported: protocol %s", strings.TrimSpace(string(f.Protocol)))
	}
	features := []string{FeatureCancel, FeatureInstances, FeatureRestart}
	if s.opts.Clock {
		features = append(features, FeatureClock)
	}
	reply := fields{"name": cmp.Or(s.opts.Name, "go-driver"), "version": cmp.Or(s.opts.Version, runtime.Version()), "features": features}
	if s.opts.MaxConcurrency > 0 {
		reply["maxConcurrency"] = s.opts.MaxConcurrency
	}
	if len(s.opts.Profiles) > 0 {
		reply["profiles"] = s.opts.Profiles
	}
	return reply
}

// stop ends Serve: no reply is written any more (the in-flight work answering
// "aborted" included), then everything is thrown away.
func (s *server) stop() {
	s.out.close()
	s.endAll()
}
