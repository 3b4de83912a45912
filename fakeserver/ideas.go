package fakeserver

import (
	"net/http"
	"strconv"
)

// handleListIdeas answers the newest ideas first, at most Options.PageSize of
// them; ?_limit=N (a non-negative integer, else 400) keeps the first N, capped to
// the page size.
func handleListIdeas(s *Server, rq *request) reply {
	limit := s.opts.PageSize
	if vs, ok := rq.r.URL.Query()["_limit"]; ok {
		n, err := strconv.Atoi(firstOf(vs))
		if err != nil || n < 0 || !allDigits(firstOf(vs)) {
			return messageReply(http.StatusBadRequest, "_limit must be a non-negative integer")
		}
		limit = min(n, limit)
	}
	return jsonReply(http.StatusOK, s.ideasPage(limit))
}

func firstOf(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// allDigits rejects "+3" and " 3", which Atoi would accept or trip on differently.
func allDigits(v string) bool {
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return v != ""
}

func handleGetIdea(s *Server, rq *request) reply {
	s.dataMu.RLock()
	rec, ok := s.data.ideas[rq.id]
	var idea Idea
	if ok {
		idea = rec.public()
	}
	s.dataMu.RUnlock()
	if !ok {
		return missingIdea(rq.id)
	}
	return jsonReply(http.StatusOK, idea)
}

func missingIdea(id string) reply {
	return messageReply(http.StatusNotFound, "no idea with id "+strconv.Quote(id))
}

// handleCreateIdea creates an idea, once per Idempotency-Key (idempotency.go).
// Precedence: 401, 400 bad Idempotency-Key, then a kept answer for the key (again,
// or 422 for another body), 400 bad body. The key is checked, the idea made and
// the answer kept under one lock: parallel creates with one key make one idea.
func handleCreateIdea(s *Server, rq *request) reply {
	u, rp := s.authenticate(rq)
	if rp != nil {
		return *rp
	}
	key, problem := idempotencyKeyOf(rq.r.Header)
	if problem != "" {
		return messageReply(http.StatusBadRequest, problem)
	}
	in, inErr := ideaInput(rq.body)
	var request jsonDigest
	parsed := false
	if key != "" {
		request, parsed = canonicalJSON(rq.body) // outside the lock: up to 1 MiB of JSON
	}
	now := s.Now()
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	if key != "" {
		if rp, done := s.replayOrConflict(rq, u.ID, key, request, parsed); done {
			return rp
		}
	}
	if inErr != nil {
		return badBody(inErr)
	}
	owner, ok := s.data.users[u.ID]
	if !ok {
		// Forgotten (MaxUsers) between authentication and now: as if unknown.
		rq.access = accessJudgement{label: "?", state: StateInvalid, reason: descUnknown}
		return unauthorized(rq.access)
	}
	created := jsonReply(http.StatusCreated, s.data.addIdea(owner, in, now).public())
	if key != "" {
		s.data.idem.save(u.ID, key, request, created)
	}
	return created
}

// handleUpdateIdea replaces title, summary, description and tags. Precedence: 401,
// 400 bad body, 404 missing idea, 403 not the owner.
func handleUpdateIdea(s *Server, rq *request) reply {
	u, in, rp := s.authenticatedIdeaInput(rq)
	if rp != nil {
		return *rp
	}
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	rec, rp := s.ownedIdea(u, rq.id)
	if rp != nil {
		return *rp
	}
	s.data.replaceIdea(rec, in)
	return jsonReply(http.StatusOK, rec.public())
}

// handleDeleteIdea deletes the caller's idea. Precedence: 401, 404, 403.
func handleDeleteIdea(s *Server, rq *request) reply {
	u, rp := s.authenticate(rq)
	if rp != nil {
		return *rp
	}
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	rec, rp := s.ownedIdea(u, rq.id)
	if rp != nil {
		return *rp
	}
	s.data.removeIdea(rec)
	return messageReply(http.StatusOK, "idea deleted")
}

// authenticatedIdeaInput is the common start of a write with a body, in the spec's
// precedence: 401 bad credentials before 400 bad body.
func (s *Server) authenticatedIdeaInput(rq *request) (User, IdeaInput, *reply) {
	u, rp := s.authenticate(rq)
	if rp != nil {
		return User{}, IdeaInput{}, rp
	}
	in, err := ideaInput(rq.body)
	if err != nil {
		bad := badBody(err)
		return User{}, IdeaInput{}, &bad
	}
	return u, in, nil
}

// ownedIdea finds idea id for a change by u, in the spec's precedence: 404 missing
// before 403 not the owner. The caller holds dataMu.
func (s *Server) ownedIdea(u User, id string) (*ideaRecord, *reply) {
	rec, ok := s.data.ideas[id]
	switch {
	case !ok:
		rp := missingIdea(id)
		return nil, &rp
	case rec.User != u.ID:
		rp := notOwner()
		return nil, &rp
	}
	return rec, nil
}

func notOwner() reply {
	return messageReply(http.StatusForbidden, "only the owner may change this idea")
}
