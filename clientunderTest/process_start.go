package clientundertest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// protocolEnv is what every driver finds in its environment on top of the
// harness's own: the protocol version, and loopback exempted from any HTTP proxy so
// nothing sits between the client and the fake server.
var protocolEnv = []string{
	"TOKENCLOCK_PROTOCOL=1",
	"NO_PROXY=127.0.0.1,localhost",
	"no_proxy=127.0.0.1,localhost",
}

// startDriver launches `sh -c COMMAND` in a process group of its own. The shell
// here (dash) does not exec its last command, so the driver proper is a grandchild:
// only killing the whole group reaches it.
func startDriver(opts ProcessOptions, log *stderrLog) (*driver, error) {
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("stdin pipe: %w", err)
	}
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		closeAll(stdinR, stdinW)
		return nil, fmt.Errorf("stdout pipe: %w", err)
	}
	cmd := exec.Command("sh", "-c", opts.Command)
	cmd.Dir = opts.Dir
	tag := newDriverTag()
	env := append(os.Environ(), opts.Env...)
	cmd.Env = append(append(env, protocolEnv...), driverTagEnv+"="+tag)
	// Plain files for stdin and stdout: os/exec adds no copying goroutine, and the
	// harness alone decides when they close. stderr goes through os/exec's copier
	// into the bounded log; WaitDelay stops Wait waiting on it forever when some
	// descendant escaped the group and kept it open.
	cmd.Stdin = stdinR
	cmd.Stdout = stdoutW
	cmd.Stderr = log
	cmd.WaitDelay = opts.KillGrace
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		closeAll(stdinR, stdinW, stdoutR, stdoutW)
		return nil, fmt.Errorf("starting sh -c %q: %w", opts.Command, err)
	}
	// The child holds its own copies; ours would keep EOF from ever arriving.
	closeAll(stdinR, stdoutW)

	d := &driver{
		name:      opts.Name,
		cmd:       cmd,
		pgid:      cmd.Process.Pid, // Setpgid with Pgid 0: the group is named after the shell
		tag:       tag,
		stdin:     stdinW,
		stdout:    stdoutR,
		log:       log,
		maxLine:   opts.MaxLine,
		killGrace: opts.KillGrace,
		wake:      make(chan struct{}, 1),
		quit:      make(chan struct{}),
		exited:    make(chan struct{}),
		pending:   map[int64]*pendingCall{},
		abandoned: map[int64]string{},
	}
	d.goroutines.Add(3)
	go d.wait()
	go d.readLoop()
	go d.writeLoop()
	return d, nil
}

// stop ends the driver and everything it started, and joins its goroutines; it is
// idempotent. With grace > 0 the driver first gets stdin EOF, then SIGTERM, within
// grace to exit by itself; then (or at once) the whole process group is SIGKILLed,
// and every process carrying the driver's tag. It reports
// whether a driver given grace had to be killed.
func (d *driver) stop(grace time.Duration) (killed bool) {
	d.stopOnce.Do(func() {
		d.mu.Lock()
		d.stopping = true
		d.failLocked(crashed(fmt.Sprintf("driver %q was stopped by the harness", d.name)))
		d.mu.Unlock()
		close(d.quit)
		_ = d.stdin.Close() // EOF for the driver; also unblocks a writer stuck on a full pipe
		if grace > 0 {
			// Half the grace after EOF, then SIGTERM for the other half: a driver
			// that cleans up on a signal (Node's handlers, a browser it started)
			// gets its chance before SIGKILL.
			select {
			case <-d.exited:
			case <-time.After(grace / 2):
				_ = syscall.Kill(-d.pgid, syscall.SIGTERM)
				select {
				case <-d.exited:
				case <-time.After(grace - grace/2):
					killed = true
				}
			}
		}
		// Even after a clean exit: background children of the driver may remain.
		if err := syscall.Kill(-d.pgid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			d.log.Note("killing process group %d: %v", d.pgid, err)
		}
		<-d.exited
		// Processes that left the group (spawned detached, or setsid) still carry
		// the driver's tag: nothing the driver started outlives it.
		if n := killTagged(d.tag, d.killGrace); n > 0 {
			d.log.Note("killed %d process(es) driver %q left outside its process group", n, d.name)
		}
		_ = d.stdout.Close() // unblocks the reader if some escaped process holds stdout
		d.goroutines.Wait()
	})
	return killed
}

// markStopping tells the driver its coming exit is expected (a shutdown is on its
// way), so the exit is not logged as a fault.
func (d *driver) markStopping() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopping = true
}

func closeAll(files ...*os.File) {
	for _, f := range files {
		_ = f.Close()
	}
}
