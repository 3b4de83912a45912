package fakeserver

import (
	"cmp"
	"container/list"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"time"
)

// accessRecord is what the server remembers of an access token it issued. The JWT
// carries sub/jti/iat/exp; revocation is by jti, never by iat (whole seconds).
type accessRecord struct {
	label, jti, secret, userID string
	exp                        time.Time // the exp claim (whole seconds)
	revoked                    bool
	issued                     *list.Element // in tokenStore.accessOrder
}

// refreshRecord is one opaque refresh token of a family.
type refreshRecord struct {
	label, secret string
	fam           *family
	exp           time.Time
	spent         bool          // rotated away: presenting it again to /refresh is reuse
	spentAt       time.Time     // server clock at rotation, for the grace window
	use           *list.Element // in tokenStore.refreshUse
}

// family is the chain of refresh tokens born from one login or register.
type family struct {
	userID    string
	current   *refreshRecord // the newest token
	previous  *refreshRecord // the one current replaced (grace window)
	revoked   bool
	forgotten bool          // pushed out by a bound: its tokens are unknown now
	use       *list.Element // in tokenStore.families
	// For State: the label of its first token (the family's name for a person),
	// how many tokens it was issued, and when it was last used (tokenStore.useSeq).
	first  string
	issued int
	used   uint64
}

// tokenStore holds the tokens issued since the last Reset, within Options.MaxTokens
// and MaxFamilies; Server.tokMu guards it. Labels count per kind in order of issue:
// A0, A1…, R0, R1….
type tokenStore struct {
	maxTokens, maxFamilies int

	access         map[string]*accessRecord // by jti
	accessBySecret map[string]*accessRecord
	accessOrder    lru[*accessRecord] // oldest issued first

	// refresh holds every remembered refresh token by secret, those of forgotten
	// families too (judged "?" invalid) until refreshUse pushes them out, so
	// forgetting a family costs nothing more than marking it.
	refresh    map[string]*refreshRecord
	refreshUse lru[*refreshRecord] // least recently issued or used first

	families    lru[*family]                    // remembered families, least recently used first
	byUser      map[string]map[*family]struct{} // remembered families of each user
	started     int                             // families started since the last Reset
	nextAccess  int
	nextRefresh int
	evicted     Evicted // Families and Tokens

	useSeq uint64 // stamps family.used: the order families were used in
	// forgottenRecent is the most recently used of the forgotten families, at most
	// StateFamilyLimit, most recently used first: State lists them among the
	// remembered ones (a family forgotten with its user can be among the newest).
	forgottenRecent []*family
}

func newTokenStore(o Options) *tokenStore {
	return &tokenStore{
		maxTokens:      o.MaxTokens,
		maxFamilies:    o.MaxFamilies,
		access:         map[string]*accessRecord{},
		accessBySecret: map[string]*accessRecord{},
		refresh:        map[string]*refreshRecord{},
		byUser:         map[string]map[*family]struct{}{},
	}
}

// startFamily opens a family for userID and forgets the least recently used
// families beyond MaxFamilies.
func (t *tokenStore) startFamily(userID string) *family {
	fam := &family{userID: userID}
	fam.use = t.families.add(fam)
	t.useSeq++
	fam.used = t.useSeq
	if t.byUser[userID] == nil {
		t.byUser[userID] = map[*family]struct{}{}
	}
	t.byUser[userID][fam] = struct{}{}
	t.started++
	for t.families.len() > t.maxFamilies {
		old, _ := t.families.oldest()
		t.forgetFamily(old)
	}
	return fam
}

// forgetFamily marks a family forgotten: its refresh tokens are judged unknown
// from now on; its access tokens live on until they expire (as after a logout).
func (t *tokenStore) forgetFamily(fam *family) {
	if fam.forgotten {
		return
	}
	fam.forgotten = true
	t.families.remove(fam.use)
	t.keepForgotten(fam)
	if fams := t.byUser[fam.userID]; fams != nil {
		delete(fams, fam)
		if len(fams) == 0 {
			delete(t.byUser, fam.userID)
		}
	}
	t.evicted.Families++
}

// useFamily marks fam used now (a refresh): most recently used.
func (t *tokenStore) useFamily(fam *family) {
	t.families.touch(fam.use)
	t.useSeq++
	fam.used = t.useSeq
}

// keepForgotten puts a family just forgotten among forgottenRecent when it is one
// of the StateFamilyLimit most recently used: a full store forgets a family at
// every login, and this costs it at most StateFamilyLimit pointers moved.
func (t *tokenStore) keepForgotten(fam *family) {
	kept := t.forgottenRecent
	if len(kept) == StateFamilyLimit && kept[len(kept)-1].used >= fam.used {
		return
	}
	i, _ := slices.BinarySearchFunc(kept, fam.used, func(f *family, used uint64) int {
		return cmp.Compare(used, f.used) // newest first
	})
	kept = slices.Insert(kept, i, fam)
	if len(kept) > StateFamilyLimit {
		kept[len(kept)-1] = nil
		kept = kept[:StateFamilyLimit]
	}
	t.forgottenRecent = kept
}

// addAccess remembers an access token, forgetting the oldest beyond MaxTokens.
func (t *tokenStore) addAccess(rec *accessRecord) {
	t.access[rec.jti] = rec
	t.accessBySecret[rec.secret] = rec
	rec.issued = t.accessOrder.add(rec)
	for t.accessOrder.len() > t.maxTokens {
		old, _ := t.accessOrder.oldest()
		t.accessOrder.remove(old.issued)
		delete(t.access, old.jti)
		delete(t.accessBySecret, old.secret)
		t.evicted.Tokens++
	}
}

// addRefresh remembers a refresh token, forgetting the least recently used beyond
// MaxTokens. A family whose current token goes is forgotten with it.
func (t *tokenStore) addRefresh(rec *refreshRecord) {
	t.refresh[rec.secret] = rec
	rec.use = t.refreshUse.add(rec)
	for t.refreshUse.len() > t.maxTokens {
		old, _ := t.refreshUse.oldest()
		t.refreshUse.remove(old.use)
		delete(t.refresh, old.secret)
		t.evicted.Tokens++
		switch old {
		case old.fam.current:
			t.forgetFamily(old.fam)
		case old.fam.previous:
			old.fam.previous = nil
		}
	}
}

// familyOf is the remembered family that issued the refresh token with that
// label, or nil. Families have no label of their own and labels are not indexed:
// a scan of the remembered tokens (at most MaxTokens), for the control API only,
// is cheaper than an index every refresh would pay for.
func (t *tokenStore) familyOf(label string) *family {
	for _, rec := range t.refresh {
		if rec.label == label {
			if rec.fam.forgotten {
				return nil
			}
			return rec.fam
		}
	}
	return nil
}

// forgetUser forgets every family of a user forgotten by MaxUsers.
func (t *tokenStore) forgetUser(id string) {
	for fam := range t.byUser[id] {
		t.forgetFamily(fam)
	}
}

// forgetSessions ends the sessions of users forgotten by MaxUsers: their families
// are forgotten (their access tokens fail on the missing user).
func (s *Server) forgetSessions(userIDs []string) {
	if len(userIDs) == 0 {
		return
	}
	s.tokMu.Lock()
	defer s.tokMu.Unlock()
	for _, id := range userIDs {
		s.tok.forgetUser(id)
	}
}

// randomString is 32 random bytes, base64url: refresh token secrets and jtis.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}
