package fakeserver

// Reset empties users, tokens, ideas, journal and faults (releasing held
// requests) and the events kept for replay, and ends every open event stream;
// labels and ids restart (A0, R0, u1, i1, seq 1), except event ids, which never
// repeat on one server (events.go). On a real clock the
// offset goes back to 0 (the clock is back to now); a fake clock stays where it
// is: it belongs to the harness, and time never runs backwards under a client.
// The signing key stays, so a token from before the Reset still verifies but is
// unknown: "?" invalid.
func (s *Server) Reset() {
	s.events.reset()
	s.faults.clear()
	s.tokMu.Lock()
	s.tok = newTokenStore(s.opts)
	s.tokMu.Unlock()
	s.dataMu.Lock()
	s.data = newDataStore(s.opts)
	s.dataMu.Unlock()
	s.journal.reset()
	s.offset.Store(0)
}

// State is the control API's /state document.
func (s *Server) State() State {
	s.tokMu.RLock()
	families, live := s.tok.started, 0
	s.tok.families.each(func(f *family) {
		if !f.revoked {
			live++
		}
	})
	evicted := s.tok.evicted
	s.tokMu.RUnlock()
	s.dataMu.RLock()
	users := len(s.data.users)
	evicted.Users, evicted.Ideas = s.data.evicted.Users, s.data.evicted.Ideas
	s.dataMu.RUnlock()
	last, dropped := s.journal.stats()
	return State{
		Now:            s.Now().UTC().Format(timeLayout),
		AccessTTL:      s.opts.AccessTTL.String(),
		RefreshTTL:     s.opts.RefreshTTL.String(),
		Rotation:       !s.opts.NoRotation,
		ReuseGrace:     s.opts.ReuseGrace.String(),
		Users:          users,
		Families:       families,
		LiveFamilies:   live,
		Faults:         s.faults.len(),
		JournalDropped: dropped,
		Requests:       last,
		Evicted:        evicted,
	}
}
