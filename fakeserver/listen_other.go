//go:build !linux

package fakeserver

import "net"

// listen listens on addr with one listener (SO_REUSEPORT spreading is Linux-only).
func listen(addr string) ([]net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return []net.Listener{ln}, nil
}
