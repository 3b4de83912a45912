package fakeserver

import "time"

// StartedAt is the real time the journal's realOffsetMs and respondedOffsetMs count
// from, so a harness can put its own events (a caller's reply) on the same scale.
func (s *Server) StartedAt() time.Time { return s.started }
