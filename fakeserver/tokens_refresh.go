package fakeserver

import (
	"fmt"
	"time"
)

// issued is what a login, register or refresh hands out.
type issued struct {
	access  *accessRecord
	refresh *refreshRecord // the cookie to set (current token of the family)
	minted  bool           // refresh was minted by this response (journal IssuedRefresh)
	at      time.Time      // the server time the tokens were stamped with
}

// expiresIn is the body's expiresIn: whole seconds from issue until the access
// token's exp, rounded down (exp is whole seconds, the issue time need not be), so a
// client that schedules its refresh by it is never late; never negative.
func (o issued) expiresIn() int {
	return max(int(o.access.exp.Sub(o.at)/time.Second), 0)
}

// newRefresh mints the next refresh token of fam; the caller holds tokMu.
func (s *Server) newRefresh(fam *family, now time.Time) *refreshRecord {
	t := s.tok
	rec := &refreshRecord{
		label:  fmt.Sprintf("R%d", t.nextRefresh),
		secret: randomString(32),
		fam:    fam,
		exp:    now.Add(s.opts.RefreshTTL),
	}
	t.nextRefresh++
	if fam.issued == 0 {
		fam.first = rec.label
	}
	fam.issued++
	fam.current = rec
	t.addRefresh(rec)
	return rec
}

// startSession opens a new family for userID (login, register): A and R minted.
func (s *Server) startSession(userID string) (issued, error) {
	now := s.Now()
	s.tokMu.Lock()
	defer s.tokMu.Unlock()
	fam := s.tok.startFamily(userID)
	r := s.newRefresh(fam, now)
	a, err := s.mintAccess(userID, now)
	if err != nil {
		return issued{}, err
	}
	return issued{access: a, refresh: r, minted: true, at: now}, nil
}

// refreshJudgement is a refresh cookie's label and state at one instant.
type refreshJudgement struct {
	label, state string
	rec          *refreshRecord
	grace        bool // a spent previous token accepted inside the grace window
}

// judgeRefresh labels and judges a cookie value without changing anything; the
// caller holds tokMu (read or write). onRefresh says whether it was presented to
// POST /api/auth/refresh: only there is a spent token reuse; elsewhere it is revoked.
// Precedence: invalid > reused > revoked > expired > valid.
func (s *Server) judgeRefresh(cookie string, present, onRefresh bool, now time.Time) refreshJudgement {
	if !present {
		return refreshJudgement{state: StateNone}
	}
	rec, ok := s.tok.refresh[cookie]
	if !ok || rec.fam.forgotten {
		// Never issued, from before a Reset, or forgotten by a bound (MaxTokens,
		// MaxFamilies, MaxUsers): unknown alike.
		return refreshJudgement{label: "?", state: StateInvalid}
	}
	j := refreshJudgement{label: rec.label, rec: rec}
	fam := rec.fam
	switch {
	case rec.spent && onRefresh && s.inGrace(rec, now) && !fam.revoked:
		j.grace = true
		j.state = s.expiredOr(rec, now, StateValid)
	case rec.spent && onRefresh && !s.inGrace(rec, now):
		j.state = StateReused
	case rec.spent || fam.revoked:
		j.state = StateRevoked
	default:
		j.state = s.expiredOr(rec, now, StateValid)
	}
	return j
}

// inGrace: rec is the family's immediately previous token and now is before
// spentAt + ReuseGrace (server clock; a half-open window like exp).
func (s *Server) inGrace(rec *refreshRecord, now time.Time) bool {
	return s.opts.ReuseGrace > 0 && rec.fam.previous == rec && now.Before(rec.spentAt.Add(s.opts.ReuseGrace))
}

func (s *Server) expiredOr(rec *refreshRecord, now time.Time, state string) string {
	if !now.Before(rec.exp) {
		return StateExpired
	}
	return state
}

// peekRefresh judges under a read lock (journal labels at arrival, faulted requests).
func (s *Server) peekRefresh(cookie string, present, onRefresh bool) refreshJudgement {
	now := s.Now()
	s.tokMu.RLock()
	defer s.tokMu.RUnlock()
	j := s.judgeRefresh(cookie, present, onRefresh, now)
	j.rec = nil // not for use outside the lock
	return j
}

// refresh is POST /api/auth/refresh's decision, judged and applied under one lock so
// that of N parallel refreshes presenting one token exactly one rotates and every
// other one is reuse (revoking the family, the newest token too).
func (s *Server) refresh(cookie string, present bool) (refreshJudgement, issued, error) {
	now := s.Now()
	s.tokMu.Lock()
	defer s.tokMu.Unlock()
	j := s.judgeRefresh(cookie, present, true, now)
	switch j.state {
	case StateReused:
		j.rec.fam.revoked = true
		fallthrough
	default:
		j.rec = nil
		return j, issued{}, nil
	case StateValid:
	}
	rec, fam := j.rec, j.rec.fam
	j.rec = nil
	s.tok.useFamily(fam)
	out := issued{refresh: fam.current, at: now}
	if !j.grace && !s.opts.NoRotation {
		rec.spent, rec.spentAt = true, now
		fam.previous = rec
		out.refresh, out.minted = s.newRefresh(fam, now), true
	} else {
		s.tok.refreshUse.touch(fam.current.use) // re-sent: in use again
	}
	a, err := s.mintAccess(fam.userID, now)
	if err != nil {
		return j, issued{}, err
	}
	out.access = a
	return j, out, nil
}

// logout revokes the family of any token of it, spent or live (never reuse).
func (s *Server) logout(cookie string) {
	s.tokMu.Lock()
	defer s.tokMu.Unlock()
	if rec, ok := s.tok.refresh[cookie]; ok && !rec.fam.forgotten {
		rec.fam.revoked = true
	}
}

// RevokeRefresh revokes the refresh families of the user with that email, or of
// everyone when email is "". It returns how many families it newly revoked
// (families already forgotten by a bound are not counted).
func (s *Server) RevokeRefresh(email string) int {
	ids := s.userIDsByEmail(email)
	s.tokMu.Lock()
	defer s.tokMu.Unlock()
	n := 0
	s.tok.families.each(func(fam *family) {
		if (email == "" || ids[fam.userID]) && !fam.revoked {
			fam.revoked = true
			n++
		}
	})
	return n
}

// FamilyRevoked reports whether the family of the refresh token with that label
// (R0, R1…) is revoked; ok is false for an unknown label (or one forgotten by a
// bound).
func (s *Server) FamilyRevoked(label string) (revoked, ok bool) {
	s.tokMu.RLock()
	defer s.tokMu.RUnlock()
	if fam := s.tok.familyOf(label); fam != nil {
		return fam.revoked, true
	}
	return false, false
}

// RevokeFamily revokes the one refresh family that issued the refresh token with
// that label (R0, R1…: any token of the family, its current one or one it rotated
// away), as a detected reuse or a logout does; the user's other families stay
// valid. It reports whether the label names a remembered family: false for a
// label never issued, from before a Reset, or of a family forgotten by a bound.
// A family already revoked stays revoked (true).
func (s *Server) RevokeFamily(label string) bool {
	found, _ := s.revokeFamily(label)
	return found
}

// revokeFamily is RevokeFamily; newly says the family was not revoked before.
func (s *Server) revokeFamily(label string) (found, newly bool) {
	s.tokMu.Lock()
	defer s.tokMu.Unlock()
	fam := s.tok.familyOf(label)
	if fam == nil {
		return false, false
	}
	newly = !fam.revoked
	fam.revoked = true
	return true, newly
}
