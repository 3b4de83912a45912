package clientundertest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"
)

// ProcessOptions configures a protocol-v1 driver process. Zero durations and sizes
// take the defaults the driver protocol fixes.
type ProcessOptions struct {
	// Name labels the client in messages (the NAME of --client NAME=COMMAND).
	Name string
	// Command is run as `sh -c COMMAND`.
	Command string
	// Dir is the working directory ("" = the harness's).
	Dir string
	// Env is added to the harness's environment (KEY=VALUE entries).
	Env []string
	// HelloTimeout bounds the hello handshake (default 5 s).
	HelloTimeout time.Duration
	// KillGrace is how long a driver gets to exit after stdin EOF before its process
	// group is SIGKILLed (default 1 s). It also bounds the wait for the shutdown reply.
	KillGrace time.Duration
	// StderrLimit bounds the captured stderr: the last StderrLimit bytes are kept
	// (default 64 KiB).
	StderrLimit int
	// MaxLine is the longest stdout line accepted; a longer one is a flood fault
	// (default 4 MiB).
	MaxLine int
}

// Defaults of the driver protocol.
const (
	DefaultHelloTimeout = 5 * time.Second
	DefaultKillGrace    = time.Second
	DefaultStderrLimit  = 64 << 10
	DefaultMaxLine      = 4 << 20
)

func (o ProcessOptions) withDefaults() ProcessOptions {
	if o.HelloTimeout <= 0 {
		o.HelloTimeout = DefaultHelloTimeout
	}
	if o.KillGrace <= 0 {
		o.KillGrace = DefaultKillGrace
	}
	if o.StderrLimit <= 0 {
		o.StderrLimit = DefaultStderrLimit
	}
	if o.MaxLine <= 0 {
		o.MaxLine = DefaultMaxLine
	}
	if o.Name == "" {
		o.Name = o.Command
	}
	return o
}

// Process is a client under test that speaks driver protocol v1 over the stdin and
// stdout of a child process. It implements Client and StderrSource. One process
// serves many scenarios; after a fault or an unanswered command, the next Init
// replaces it with a fresh one.
type Process struct {
	opts ProcessOptions
	log  *stderrLog

	mu     sync.Mutex
	drv    *driver // nil after a failed restart or Close
	hello  Hello
	broken error // a restart that could not get through hello: not retried
	closed bool
}

var (
	_ Client       = (*Process)(nil)
	_ StderrSource = (*Process)(nil)
)

// StartProcess starts the driver and completes the hello handshake. If the driver
// cannot get through hello (no answer within HelloTimeout, garbage, exit), the
// error wraps ErrCrashed, names the reason and carries the driver's stderr, and
// nothing is left running. ctx bounds only the start, not the process's life.
func StartProcess(ctx context.Context, opts ProcessOptions) (*Process, error) {
	if strings.TrimSpace(opts.Command) == "" {
		return nil, errors.New("StartProcess: empty command")
	}
	opts = opts.withDefaults()
	p := &Process{opts: opts, log: newStderrLog(opts.StderrLimit)}
	d, h, err := p.launch(ctx)
	if err != nil {
		return nil, err
	}
	p.drv, p.hello = d, h
	return p, nil
}

// Hello is what the running driver announced.
func (p *Process) Hello() Hello {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hello
}

// TakeStderr returns the drivers' stderr captured since the last call (the last
// StderrLimit bytes) followed by the harness's notes, and clears both.
func (p *Process) TakeStderr() string {
	return p.log.Take()
}

// Close sends shutdown, waits briefly for the reply, closes stdin, gives the driver
// KillGrace to exit, then SIGKILLs its whole process group and reaps it. No
// goroutine or process of this Process outlives Close. It is idempotent, and wakes
// any command still waiting with ErrCrashed.
func (p *Process) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	d := p.drv
	p.drv = nil
	p.mu.Unlock()
	if d == nil {
		return nil
	}
	if d.restartReason() != "" {
		// A faulty or hung driver is sent no shutdown; it still gets EOF and SIGTERM,
		// and time to clean up what it started, before SIGKILL.
		d.stop(p.opts.KillGrace)
		return nil
	}
	d.markStopping()
	ctx, cancel := context.WithTimeout(context.Background(), p.opts.KillGrace)
	_, err := d.roundTrip(ctx, describe("shutdown"), bare("shutdown"))
	cancel()
	if err != nil {
		p.log.Note("shutdown: %v", err)
	}
	if d.stop(p.opts.KillGrace) {
		p.log.Note("driver %q did not exit within %v of stdin EOF; killed its process group", p.opts.Name, p.opts.KillGrace)
	}
	return nil
}
