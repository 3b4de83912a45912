package fakeserver

import (
	"crypto/rand"
	"encoding/base64"
	"time"
)

// accessRecord is what the server remembers of an access token it issued. The JWT
// carries sub/jti/iat/exp; revocation is by jti, never by iat (whole seconds).
type accessRecord struct {
	label, jti, secret, userID string
	exp                        time.Time // the exp claim (whole seconds)
	revoked                    bool
}

// refreshRecord is one opaque refresh token of a family.
type refreshRecord struct {
	label, secret string
	fam           *family
	exp           time.Time
	spent         bool      // rotated away: presenting it again to /refresh is reuse
	spentAt       time.Time // server clock at rotation, for the grace window
}

// family is the chain of refresh tokens born from one login or register.
type family struct {
	userID   string
	current  *refreshRecord // the newest token
	previous *refreshRecord // the one current replaced (grace window)
	revoked  bool
}

// tokenStore holds every token issued since the last Reset; Server.tokMu guards it.
// Labels count per kind in order of issue: A0, A1…, R0, R1….
type tokenStore struct {
	access         map[string]*accessRecord // by jti
	accessBySecret map[string]*accessRecord
	refresh        map[string]*refreshRecord // by secret
	families       []*family
	nextAccess     int
	nextRefresh    int
}

func newTokenStore() *tokenStore {
	return &tokenStore{
		access:         map[string]*accessRecord{},
		accessBySecret: map[string]*accessRecord{},
		refresh:        map[string]*refreshRecord{},
	}
}

// randomString is 32 random bytes, base64url: refresh token secrets and jtis.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}
