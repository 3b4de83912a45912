package fakeserver

import "net/http"

// ControlHandler serves the control API routes under /_tokenclock/ (placeholder until
// the control API lands).
func (s *Server) ControlHandler() http.Handler { return http.NotFoundHandler() }
