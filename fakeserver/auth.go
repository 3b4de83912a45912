package fakeserver

import (
	"errors"
	"net/http"
)

// authResponse is what register, login and refresh answer: {accessToken,
// expiresIn, user}. expiresIn is seconds until the access token's exp, like OAuth
// 2's expires_in (RFC 6749 §5.1); clients may ignore it.
type authResponse struct {
	AccessToken string `json:"accessToken"`
	ExpiresIn   int    `json:"expiresIn"`
	User        User   `json:"user"`
}

func handleRegister(s *Server, rq *request) reply {
	m, err := jsonObject(rq.body)
	if err != nil {
		return badBody(err)
	}
	var f [3]string
	for i, name := range []string{"name", "email", "password"} {
		if f[i], err = stringField(m, name); err != nil {
			return badBody(err)
		}
	}
	u, err := s.registerUser(f[0], f[1], f[2])
	switch {
	case errors.Is(err, ErrEmailTaken):
		return messageReply(http.StatusConflict, "email already registered")
	case err != nil:
		return badBody(err)
	}
	return s.sessionReply(rq, http.StatusCreated, u)
}

func handleLogin(s *Server, rq *request) reply {
	m, err := jsonObject(rq.body)
	if err != nil {
		return badBody(err)
	}
	email, err := stringField(m, "email")
	if err != nil {
		return badBody(err)
	}
	password, err := stringField(m, "password")
	if err != nil {
		return badBody(err)
	}
	user, ok := s.checkPassword(email, password)
	if !ok {
		return badCredentials()
	}
	return s.sessionReply(rq, http.StatusOK, user)
}

// checkPassword finds the user with that email and password (login, the password
// grant).
func (s *Server) checkPassword(email, password string) (User, bool) {
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	u, ok := s.data.byEmail[emailKey(email)]
	if !ok || u.password != password {
		return User{}, false
	}
	s.data.userUse.touch(u.use)
	return u.User, true
}

// badCredentials is login's 401: no invalid_token challenge, as it is not an
// expiry and must not make a client refresh.
func badCredentials() reply {
	return messageReply(http.StatusUnauthorized, "invalid email or password")
}

// sessionReply starts a new refresh family for u and answers {accessToken,
// expiresIn, user} with the refresh cookie.
func (s *Server) sessionReply(rq *request, status int, u User) reply {
	now := s.Now()
	out, err := s.startSession(u.ID)
	if err != nil {
		return messageReply(http.StatusServiceUnavailable, "could not issue tokens")
	}
	rq.issuedAccess, rq.issuedRefresh = out.access.label, out.refresh.label
	rp := jsonReply(status, authResponse{AccessToken: out.access.secret, ExpiresIn: out.expiresIn(), User: u})
	return s.setRefreshCookie(rp, rq.r, out.refresh, now)
}

// handleRefresh rotates (or, in grace/no-rotation mode, re-sends) the refresh
// token and issues a new access token. Any body is ignored.
func handleRefresh(s *Server, rq *request) reply {
	now := s.Now()
	j, out, err := s.refresh(rq.cookie, rq.hasCookie)
	rq.refresh = j
	if err != nil {
		return messageReply(http.StatusServiceUnavailable, "could not issue tokens")
	}
	if j.state != StateValid {
		return refreshRejected(j.state)
	}
	u, ok := s.useUserByID(out.access.userID)
	if !ok {
		return refreshRejected(StateInvalid)
	}
	rq.issuedAccess = out.access.label
	rq.graceReuse = j.grace // on success only: a grace token whose user is gone was not accepted
	if out.minted {
		rq.issuedRefresh = out.refresh.label
	}
	rp := jsonReply(http.StatusOK, authResponse{AccessToken: out.access.secret, ExpiresIn: out.expiresIn(), User: u})
	return s.setRefreshCookie(rp, rq.r, out.refresh, now)
}

// refreshRejected is the refresh endpoint's 401 {message}, by the cookie's state.
func refreshRejected(state string) reply {
	return messageReply(http.StatusUnauthorized, refreshRejectedMessage(state))
}

// refreshRejectedMessage says why a refresh token was refused, by its state.
func refreshRejectedMessage(state string) string {
	msg := map[string]string{
		StateNone:    "no refresh token",
		StateInvalid: "the refresh token is invalid",
		StateExpired: "the refresh token expired",
		StateRevoked: "the refresh token was revoked",
		StateReused:  "the refresh token was already used; its session is revoked",
	}[state]
	if msg == "" {
		msg = "the refresh token was revoked"
	}
	return msg
}

// handleLogout revokes the family of the presented token (spent or live; not
// reuse), clears the cookie, and never fails for a missing one. Any body is ignored.
func handleLogout(s *Server, rq *request) reply {
	if rq.hasCookie {
		s.logout(rq.cookie)
	}
	return s.clearRefreshCookie(messageReply(http.StatusOK, "logged out"), rq.r)
}

// handleMe answers the user's document, encoded when the user was added (the
// catalog's most frequent call).
func handleMe(s *Server, rq *request) reply {
	u, rp := s.authenticate(rq)
	if rp != nil {
		return *rp
	}
	doc, ok := s.userDocByID(u.ID)
	if !ok { // forgotten since authenticate looked: as authenticate answers that
		return unauthorized(accessJudgement{label: "?", state: StateInvalid, reason: descUnknown})
	}
	return jsonBytesReply(http.StatusOK, doc)
}

// authenticate judges the Bearer token now (after any hold) and returns its user,
// or the reply: 400 invalid_request for several Authorization headers, 401 with a
// bare Bearer challenge when none, 401 invalid_token otherwise.
func (s *Server) authenticate(rq *request) (User, *reply) {
	if len(rq.r.Header.Values("Authorization")) > 1 {
		rp := messageReply(http.StatusBadRequest, "more than one Authorization header").
			with("WWW-Authenticate", invalidRequest("more than one Authorization header"))
		return User{}, &rp
	}
	rq.access = s.judgeAccess(rq.verified, s.Now())
	if rq.access.state != StateValid {
		rp := unauthorized(rq.access)
		return User{}, &rp
	}
	u, ok := s.userByID(rq.access.userID)
	if !ok {
		rq.access = accessJudgement{label: "?", state: StateInvalid, reason: descUnknown}
		rp := unauthorized(rq.access)
		return User{}, &rp
	}
	return u, nil
}

// unauthorized is a protected resource's 401 for a judged token (RFC 6750 §3).
func unauthorized(j accessJudgement) reply {
	if j.state == StateNone {
		return messageReply(http.StatusUnauthorized, descMissing).with("WWW-Authenticate", bareBearer)
	}
	return messageReply(http.StatusUnauthorized, j.reason).with("WWW-Authenticate", invalidToken(j.reason))
}
