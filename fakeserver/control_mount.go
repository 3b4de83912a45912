package fakeserver

import (
	"net/http"
	"strings"
)

// MountControl serves the control path name (after ControlPrefix, e.g. "ui") and
// every path below it ("ui/…") with h, behind the control API's guard: a loopback
// Host and no foreign Origin (control_guard.go). It is how tokenclock serve adds
// its web console, a package that imports this one. A name the control API uses
// itself stays the control API's. Mount before the server answers requests.
func (s *Server) MountControl(name string, h http.Handler) {
	s.mountMu.Lock()
	defer s.mountMu.Unlock()
	if s.mounted == nil {
		s.mounted = map[string]http.Handler{}
	}
	s.mounted[strings.Trim(name, "/")] = h
}

// mountedFor is the handler mounted on the first segment of a control path, or nil.
func (s *Server) mountedFor(name string) http.Handler {
	first, _, _ := strings.Cut(name, "/")
	if _, builtIn := controlRoutes[name]; builtIn {
		return nil
	}
	s.mountMu.RLock()
	defer s.mountMu.RUnlock()
	return s.mounted[first]
}
