package fakeserver

import (
	"net/http"
	"time"
)

// controlAdvanceBody is the body of POST /_tokenclock/clock/advance.
type controlAdvanceBody struct {
	By *string `json:"by"`
}

// controlExpireBody is the body of POST /_tokenclock/expire.
type controlExpireBody struct {
	What string `json:"what"`
}

// controlRevokeBody is the body of POST /_tokenclock/revoke.
type controlRevokeBody struct {
	What  string `json:"what"`
	Email string `json:"email"`
	// Family names one refresh family by the label of any of its refresh tokens
	// (only with what "refresh"); a pointer, so "" is refused rather than taken
	// for everyone.
	Family *string `json:"family"`
}

// ControlRevoked is the answer of POST /_tokenclock/revoke: how many access tokens
// and refresh families were revoked (0 for the kind not asked for).
type ControlRevoked struct {
	AccessTokens    int `json:"accessTokens"`
	RefreshFamilies int `json:"refreshFamilies"`
}

// controlAdvance moves the clock forward by a positive Go duration.
func controlAdvance(s *Server, w http.ResponseWriter, r *http.Request) {
	var body controlAdvanceBody
	if err := decodeControlBody(w, r, &body); err != nil {
		writeControlDecodeError(w, err)
		return
	}
	if body.By == nil {
		writeControlError(w, http.StatusBadRequest, `"by" is required: a Go duration such as "61s"`)
		return
	}
	by, err := time.ParseDuration(*body.By)
	if err != nil {
		writeControlError(w, http.StatusBadRequest, `"by" must be a Go duration such as "61s" or "1h30m": `+err.Error())
		return
	}
	if by <= 0 {
		writeControlError(w, http.StatusBadRequest, `"by" must be greater than 0: the clock only moves forward`)
		return
	}
	now, err := s.advanceOrRefuse(by)
	if err != nil {
		writeControlDecodeError(w, err)
		return
	}
	writeControlJSON(w, http.StatusOK, controlNow{Now: formatControlTime(now)})
}

// controlExpire advances the clock just past the access or refresh TTL.
func controlExpire(s *Server, w http.ResponseWriter, r *http.Request) {
	var body controlExpireBody
	if err := decodeControlBody(w, r, &body); err != nil {
		writeControlDecodeError(w, err)
		return
	}
	var ttl time.Duration
	switch body.What {
	case "access":
		ttl = s.opts.AccessTTL
	case "refresh":
		ttl = s.opts.RefreshTTL
	default:
		writeControlError(w, http.StatusBadRequest, `"what" must be "access" or "refresh"`)
		return
	}
	// The Go API's ExpireAccess and ExpireRefresh step TTL+1s; the same step, refused
	// rather than shortened at the clock's bound.
	now, err := s.advanceOrRefuse(ttl + time.Second)
	if err != nil {
		writeControlDecodeError(w, err)
		return
	}
	writeControlJSON(w, http.StatusOK, controlNow{Now: formatControlTime(now)})
}

// controlRevoke revokes access tokens, refresh families, or both, of one user or of
// all; or the one refresh family a token label names.
func controlRevoke(s *Server, w http.ResponseWriter, r *http.Request) {
	var body controlRevokeBody
	if err := decodeControlBody(w, r, &body); err != nil {
		writeControlDecodeError(w, err)
		return
	}
	if body.Family != nil {
		controlRevokeFamily(s, w, body)
		return
	}
	var out ControlRevoked
	switch body.What {
	case "access":
		out.AccessTokens = s.RevokeAccess(body.Email)
	case "refresh":
		out.RefreshFamilies = s.RevokeRefresh(body.Email)
	case "all":
		out.AccessTokens = s.RevokeAccess(body.Email)
		out.RefreshFamilies = s.RevokeRefresh(body.Email)
	default:
		writeControlError(w, http.StatusBadRequest, `"what" must be "access", "refresh" or "all"`)
		return
	}
	writeControlJSON(w, http.StatusOK, out)
}

// controlRevokeFamily revokes the family of the refresh token labelled body.Family:
// one session, where "refresh" with an email revokes every session of the user.
func controlRevokeFamily(s *Server, w http.ResponseWriter, body controlRevokeBody) {
	label := *body.Family
	switch {
	case body.What != "refresh":
		writeControlError(w, http.StatusBadRequest, `"family" is only for "what": "refresh" (it names a refresh family), not `+quoteForMessage(body.What))
		return
	case body.Email != "":
		// Both would mean "this family, if it is that user's": refused rather than
		// guessed, since either alone is a complete request.
		writeControlError(w, http.StatusBadRequest, `give "family" or "email", not both: "family" names one family whoever its user is`)
		return
	case label == "":
		writeControlError(w, http.StatusBadRequest, `"family" must be the label of one of the family's refresh tokens, such as "R3"`)
		return
	}
	found, newly := s.revokeFamily(label)
	if !found {
		writeControlError(w, http.StatusNotFound, "no remembered refresh family issued a refresh token labelled "+quoteForMessage(label)+
			" (never issued, from before a reset, or forgotten by a bound; GET /_tokenclock/state lists the families)")
		return
	}
	out := ControlRevoked{}
	if newly {
		out.RefreshFamilies = 1
	}
	writeControlJSON(w, http.StatusOK, out)
}
