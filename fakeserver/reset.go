package fakeserver

import (
	"cmp"
	"slices"
	"time"
)

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

// State is the control API's /state document. A console polls it several times a
// second, so it copies nothing that grows without bound: the access tokens are
// counted (at most MaxTokens), StateFamilyLimit families listed, the journal only
// asked for its counters.
func (s *Server) State() State {
	now := s.Now()
	s.tokMu.RLock()
	families, live := s.tok.started, 0
	s.tok.families.each(func(f *family) {
		if !f.revoked {
			live++
		}
	})
	evicted := s.tok.evicted
	access := s.tok.countAccess(now)
	fams, userIDs := s.tok.recentFamilies(now)
	s.tokMu.RUnlock()
	// One lock at a time, as everywhere else (the two are never nested). A Reset
	// in between can at worst pair one poll's families with users from after it.
	s.dataMu.RLock()
	users := len(s.data.users)
	evicted.Users, evicted.Ideas = s.data.evicted.Users, s.data.evicted.Ideas
	for i, id := range userIDs {
		if u, ok := s.data.users[id]; ok {
			fams[i].Email = u.Email
		}
	}
	s.dataMu.RUnlock()
	last, dropped := s.journal.stats()
	faults := s.Faults()
	rules := make([]RuleState, len(faults))
	for i, f := range faults {
		rules[i] = f.state()
	}
	clientID := s.opts.OAuthClientID
	if s.opts.Profile != ProfileOAuth2 {
		clientID = ""
	}
	return State{
		Profile:         s.opts.Profile,
		OAuthClientID:   clientID,
		Now:             now.UTC().Format(timeLayout),
		AccessTTL:       s.opts.AccessTTL.String(),
		RefreshTTL:      s.opts.RefreshTTL.String(),
		Rotation:        !s.opts.NoRotation,
		ReuseGrace:      s.opts.ReuseGrace.String(),
		Users:           users,
		Families:        families,
		LiveFamilies:    live,
		Faults:          len(faults),
		JournalDropped:  dropped,
		Requests:        last,
		Evicted:         evicted,
		ClockOffset:     s.clockOffset(now),
		HoldBound:       s.opts.HoldBound.String(),
		AccessTokens:    access,
		RefreshFamilies: fams,
		Rules:           rules,
	}
}

// countAccess counts the remembered access tokens by state at now, as judgeAccess
// would judge them; the caller holds tokMu.
func (t *tokenStore) countAccess(now time.Time) AccessTokenCounts {
	var c AccessTokenCounts
	for _, rec := range t.access {
		switch {
		case rec.revoked:
			c.Revoked++
		case !now.Before(rec.exp):
			c.Expired++
		default:
			c.Valid++
		}
	}
	return c
}

// recentFamilies lists the StateFamilyLimit most recently used families,
// remembered or forgotten, newest first, with their users' ids (Email is left for
// the caller, which holds dataMu, not tokMu, to fill). The caller holds tokMu.
func (t *tokenStore) recentFamilies(now time.Time) ([]FamilyState, []string) {
	recent := make([]*family, 0, StateFamilyLimit)
	t.families.eachNewest(func(f *family) bool {
		recent = append(recent, f)
		return len(recent) < StateFamilyLimit
	})
	// Both lists are newest first: merged, the newest StateFamilyLimit of both.
	recent = append(recent, t.forgottenRecent...)
	slices.SortStableFunc(recent, func(a, b *family) int { return cmp.Compare(b.used, a.used) })
	recent = recent[:min(len(recent), StateFamilyLimit)]
	out := make([]FamilyState, len(recent))
	ids := make([]string, len(recent))
	for i, f := range recent {
		out[i] = FamilyState{First: f.first, Tokens: f.issued, State: f.state(now)}
		if f.current != nil {
			out[i].Current = f.current.label
		}
		ids[i] = f.userID
	}
	return out, ids
}

// state is the family's FamilyState state at now.
func (f *family) state(now time.Time) string {
	switch {
	case f.forgotten:
		return FamilyForgotten
	case f.revoked:
		return FamilyRevoked
	case f.current == nil || !now.Before(f.current.exp):
		return FamilyExpired
	}
	return FamilyLive
}

// state is the rule and its counters as State lists them.
func (f *Fault) state() RuleState {
	r := f.rule
	out := RuleState{
		ID: f.id, Method: r.Method, Path: r.Path, Action: r.Action, After: r.After, Times: r.Times,
		Status: r.Status, ReleaseAfter: max(r.ReleaseAfter, 0), // 0 or less: no self-release
	}
	if r.Delay > 0 {
		out.Delay = r.Delay.String()
	}
	if r.HoldFor > 0 {
		out.HoldFor = r.HoldFor.String()
	}
	f.mu.Lock()
	out.Matched, out.Held, out.Waiting, out.Released = f.matched, f.held, f.waiting, f.released
	f.mu.Unlock()
	return out
}
