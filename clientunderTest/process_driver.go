package clientundertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"
)

// driver is one running driver process: its pipes, the commands awaiting replies,
// and the three goroutines (stdout reader, stdin writer, waiter) that stop() joins.
// A Process replaces its driver after a fault; a driver is never reused.
type driver struct {
	name      string
	cmd       *exec.Cmd
	pgid      int
	tag       string // driverTagEnv value of this start
	stdin     *os.File
	stdout    *os.File
	log       *stderrLog
	maxLine   int
	killGrace time.Duration

	wake    chan struct{} // capacity 1: the queue has lines to write
	quit    chan struct{} // closed by stop: the writer and reader give up
	exited  chan struct{} // closed once cmd.Wait has returned
	waitErr error         // cmd.Wait's result; read only after exited is closed

	mu        sync.Mutex
	queue     [][]byte
	nextID    int64
	pending   map[int64]*pendingCall
	abandoned map[int64]string // sent, then given up on at the caller's deadline
	fault     *faultError      // the first fault; once set, nothing more is sent
	timedOut  bool             // a command went unanswered: restart before the next scenario
	stopping  bool             // the harness is closing it: its exit is no fault

	goroutines sync.WaitGroup
	stopOnce   sync.Once
}

// pendingCall is one command awaiting its reply.
type pendingCall struct {
	desc string // "request #7 (GET /api/auth/me)", for messages
	done chan callResult
}

// callResult is what wakes a pendingCall: its reply, or the fault that ended the
// driver.
type callResult struct {
	reply wireReply
	err   error
}

// roundTrip sends one command and waits for its reply, for a fault, or for ctx.
// build renders the command's JSON line (without the newline) for the id the
// driver assigns; desc names the command in messages.
func (d *driver) roundTrip(ctx context.Context, desc func(id int64) string, build func(id int64) ([]byte, error)) (wireReply, error) {
	d.mu.Lock()
	id := d.nextID
	if d.fault != nil {
		d.mu.Unlock()
		return wireReply{}, crashed(fmt.Sprintf("%s not sent: %v", desc(id), d.fault))
	}
	if ctx.Err() != nil {
		d.mu.Unlock()
		return wireReply{}, timedOut(fmt.Sprintf("%s not sent: the deadline had already passed", desc(id)))
	}
	line, err := build(id)
	if err != nil {
		d.mu.Unlock()
		return wireReply{}, fmt.Errorf("encoding %s: %w", desc(id), err)
	}
	d.nextID++
	c := &pendingCall{desc: desc(id), done: make(chan callResult, 1)}
	d.pending[id] = c
	d.queue = append(d.queue, append(line, '\n'))
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default: // the writer is already due to look at the queue
	}

	select {
	case r := <-c.done:
		return r.reply, r.err
	case <-ctx.Done():
	}
	d.mu.Lock()
	if _, still := d.pending[id]; still {
		delete(d.pending, id)
		d.abandoned[id] = c.desc
		d.timedOut = true
		d.mu.Unlock()
		return wireReply{}, timedOut(fmt.Sprintf("no reply to %s within the deadline", c.desc))
	}
	d.mu.Unlock()
	r := <-c.done // answered (or failed) while ctx ended: that result stands
	return r.reply, r.err
}

// fail records the driver's first fault and wakes every waiting command with it.
func (d *driver) fail(err *faultError) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.failLocked(err)
}

func (d *driver) failLocked(err *faultError) {
	if d.fault != nil {
		return
	}
	d.fault = err
	if !d.stopping {
		d.log.Note("%v", err)
	}
	for id, c := range d.pending {
		delete(d.pending, id)
		c.done <- callResult{err: crashed(fmt.Sprintf("%s: %s", c.desc, err.msg))}
	}
}

// faultMessage is the driver's fault as such (without the command it woke), or
// err's text when the driver has none.
func (d *driver) faultMessage(err error) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fault != nil {
		return d.fault.msg
	}
	return err.Error()
}

// restartReason says why this driver must not serve another scenario, or "".
func (d *driver) restartReason() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.fault != nil:
		return d.fault.Error()
	case d.timedOut || len(d.abandoned) > 0:
		return "commands of the previous scenario went unanswered"
	case len(d.pending) > 0:
		return fmt.Sprintf("%d commands still awaiting replies", len(d.pending))
	}
	return ""
}

// writeLoop serializes every command onto the driver's stdin, in the order they
// were queued. It runs on its own goroutine so a driver that stops reading stdin
// blocks no caller: they still time out on their own contexts.
func (d *driver) writeLoop() {
	defer d.goroutines.Done()
	for {
		select {
		case <-d.quit:
			return
		case <-d.wake:
		}
		for {
			d.mu.Lock()
			if len(d.queue) == 0 {
				d.mu.Unlock()
				break
			}
			line := d.queue[0]
			d.queue[0] = nil
			d.queue = d.queue[1:]
			d.mu.Unlock()
			if _, err := d.stdin.Write(line); err != nil {
				d.writeFailed(err)
				return
			}
		}
	}
}

// writeFailed: usually the driver exited, and the reader reports that with its
// exit status; only a driver that closed stdin yet lives on is reported here.
func (d *driver) writeFailed(err error) {
	select {
	case <-d.exited:
	case <-d.quit:
	case <-time.After(d.killGrace):
		d.fail(crashed(fmt.Sprintf("driver %q stopped reading its stdin (%v)", d.name, err)))
	}
}

// wait is the only caller of cmd.Wait; it reaps the shell so no zombie stays.
func (d *driver) wait() {
	defer d.goroutines.Done()
	d.waitErr = d.cmd.Wait()
	close(d.exited)
}

// exitStatus words cmd.Wait's result: "exit status 3", "signal: killed".
func exitStatus(err error) string {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return "exit status 0"
	case errors.As(err, &ee):
		return ee.Error()
	default:
		return err.Error()
	}
}
