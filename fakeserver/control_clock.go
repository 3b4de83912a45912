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

// controlRevoke revokes access tokens, refresh families, or both, of one user or of all.
func controlRevoke(s *Server, w http.ResponseWriter, r *http.Request) {
	var body controlRevokeBody
	if err := decodeControlBody(w, r, &body); err != nil {
		writeControlDecodeError(w, err)
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
