package fakeserver

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// accessClaims are the access token's claims: sub, jti, iat, exp (whole seconds).
type accessClaims struct {
	jwt.RegisteredClaims
}

// mintAccess signs a new access token for userID and records it; the caller holds
// tokMu for writing, so labels follow the order of issue.
func (s *Server) mintAccess(userID string, now time.Time) (*accessRecord, error) {
	jti := randomString(16)
	claims := accessClaims{jwt.RegisteredClaims{
		Subject:   userID,
		ID:        jti,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(s.opts.AccessTTL)),
	}}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.key)
	if err != nil {
		return nil, fmt.Errorf("sign access token: %w", err)
	}
	t := s.tok
	rec := &accessRecord{
		label: fmt.Sprintf("A%d", t.nextAccess), jti: jti, secret: signed, userID: userID,
		exp: claims.ExpiresAt.Time,
	}
	t.nextAccess++
	t.addAccess(rec)
	return rec, nil
}

// verifiedAccess is the time-independent part of judging a Bearer token: its
// signature and claims checked once, so a request re-judged after a hold does not
// verify the signature twice. reason is set when the token is invalid.
type verifiedAccess struct {
	present bool      // an Authorization header was sent
	token   string    // the Bearer credential
	jti     string    // from a correctly signed token
	exp     time.Time // its exp claim
	reason  string    // why it is invalid ("" when signed by us)
}

// Descriptions in the invalid_token challenge (RFC 6750 §3); quote-free on purpose.
const (
	descMalformedHeader = "the Authorization header is not a Bearer token"
	descMalformed       = "the access token is malformed"
	descBadSignature    = "the access token signature is invalid"
	descBadAlg          = "the access token algorithm is not accepted"
	descUnknown         = "the access token was not issued by this server"
	descExpired         = "the access token expired"
	descRevoked         = "the access token was revoked"
	descMissing         = "no access token"
)

// verifyAccess reads the first Authorization header. A credential that is exactly a
// token this server issued and still remembers is verified by that record: the
// server signed it, so its signature and claims (jti, exp) are the record's, and
// parsing it again would only repeat that work (it was 65 % of an authenticated
// request's CPU). Expiry is still judged against the clock on every request
// (judgeAccess). Anything else — forged, altered, or forgotten past MaxTokens — is
// parsed and checked as a JWT. Expired tokens still yield their claims (golang-jwt
// returns them with ErrTokenExpired), so revoked can win over expired.
func (s *Server) verifyAccess(header []string) verifiedAccess {
	if len(header) == 0 {
		return verifiedAccess{}
	}
	v := verifiedAccess{present: true}
	scheme, cred, ok := strings.Cut(strings.TrimSpace(header[0]), " ")
	cred = strings.TrimSpace(cred)
	if !ok || !strings.EqualFold(scheme, "Bearer") || cred == "" {
		v.reason = descMalformedHeader
		return v
	}
	v.token = cred
	s.tokMu.RLock()
	rec, issued := s.tok.accessBySecret[cred]
	if issued {
		v.jti, v.exp = rec.jti, rec.exp
	}
	s.tokMu.RUnlock()
	if issued {
		return v
	}
	var claims accessClaims
	tok, err := s.parser.ParseWithClaims(cred, &claims, func(*jwt.Token) (any, error) { return s.key, nil })
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenInvalidClaims) && errors.Is(err, jwt.ErrTokenExpired):
		// Signature checked (claims are validated last): judged expired below,
		// after revocation.
	case tok != nil && tok.Method != nil && tok.Method.Alg() != jwt.SigningMethodHS256.Alg():
		v.reason = descBadAlg // alg none, RS256, …
		return v
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		v.reason = descBadSignature
		return v
	default:
		v.reason = descMalformed
		return v
	}
	if claims.ID == "" || claims.Subject == "" || claims.ExpiresAt == nil {
		v.reason = descMalformed
		return v
	}
	v.jti, v.exp = claims.ID, claims.ExpiresAt.Time
	return v
}

// accessJudgement is a Bearer token's label and state at one instant.
type accessJudgement struct {
	label, state, reason, userID string
}

// judgeAccess labels and judges a verified token against the records and now:
// invalid > revoked > expired > valid, expired meaning now >= exp. A correctly
// signed token whose jti is unknown (issued before Reset) is "?" invalid, as is
// any string that is not exactly what this server issued.
func (s *Server) judgeAccess(v verifiedAccess, now time.Time) accessJudgement {
	if !v.present {
		return accessJudgement{label: "", state: StateNone, reason: descMissing}
	}
	if v.reason != "" {
		return accessJudgement{label: "?", state: StateInvalid, reason: v.reason}
	}
	s.tokMu.RLock()
	rec, ok := s.tok.access[v.jti]
	var label, userID string
	revoked := false
	if ok && rec.secret == v.token {
		label, userID, revoked = rec.label, rec.userID, rec.revoked
	}
	s.tokMu.RUnlock()
	switch {
	case label == "":
		return accessJudgement{label: "?", state: StateInvalid, reason: descUnknown}
	case revoked:
		return accessJudgement{label: label, state: StateRevoked, reason: descRevoked, userID: userID}
	case !now.Before(v.exp):
		return accessJudgement{label: label, state: StateExpired, reason: descExpired, userID: userID}
	}
	return accessJudgement{label: label, state: StateValid, userID: userID}
}

// RevokeAccess revokes every access token issued so far (by jti) to the user with
// that email, or to everyone when email is "". Tokens issued afterwards, even in the
// same second, stay valid. It returns how many it newly revoked.
func (s *Server) RevokeAccess(email string) int {
	ids := s.userIDsByEmail(email)
	s.tokMu.Lock()
	defer s.tokMu.Unlock()
	n := 0
	for _, rec := range s.tok.access {
		if (email == "" || ids[rec.userID]) && !rec.revoked {
			rec.revoked = true
			n++
		}
	}
	return n
}
