//go:build linux

package fakeserver

import (
	"context"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// acceptQueues is how many listeners share an ephemeral port (SO_REUSEPORT): the
// kernel spreads new connections over their accept queues, each bounded by
// net.core.somaxconn (4096 here), so a burst of 5000 callers (CONC-07 ×5000) is
// not dropped into 1 s SYN retries.
const acceptQueues = 4

// listen listens on addr. On port 0 (the harness's servers) it opens acceptQueues
// listeners on one port with SO_REUSEPORT; on a given port (serve's --addr) one
// ordinary listener, so a second server on a port in use still fails to start
// instead of silently sharing it.
func listen(addr string) ([]net.Listener, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port != "0" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, err
		}
		return []net.Listener{ln}, nil
	}
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		}); err != nil {
			return err
		}
		return serr
	}}
	first, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, err
	}
	lns := []net.Listener{first}
	for range acceptQueues - 1 {
		ln, err := lc.Listen(context.Background(), "tcp", first.Addr().String())
		if err != nil {
			break // one queue still works; more were only for bursts
		}
		lns = append(lns, ln)
	}
	return lns, nil
}
