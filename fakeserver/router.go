package fakeserver

import (
	"net/http"
	"strings"
)

// handlerFunc decides a reply; it never writes (the pipeline does).
type handlerFunc func(s *Server, rq *request) reply

// endpoint is one path's methods, in the order the Allow header lists them.
type endpoint struct {
	methods []string
	handle  map[string]handlerFunc
}

func newEndpoint(pairs ...any) endpoint {
	e := endpoint{handle: map[string]handlerFunc{}}
	for i := 0; i+1 < len(pairs); i += 2 {
		m := pairs[i].(string)
		e.methods = append(e.methods, m)
		e.handle[m] = pairs[i+1].(func(*Server, *request) reply)
	}
	return e
}

// A tiny router rather than net/http's mux: its 404/405 bodies are text, and
// every error here must be {"message"}.
var (
	fixedRoutes = map[string]endpoint{
		PathMe:      newEndpoint(http.MethodGet, handleMe),
		PathIdeas:   newEndpoint(http.MethodGet, handleListIdeas, http.MethodPost, handleCreateIdea),
		PathEvents:  newEndpoint(http.MethodGet, handleEvents),
		PathGraphQL: newEndpoint(http.MethodPost, handleGraphQL),
	}
	ideaRoute = newEndpoint(http.MethodGet, handleGetIdea, http.MethodPut, handleUpdateIdea,
		http.MethodDelete, handleDeleteIdea)
)

// lookup finds the endpoint for path under profile and the {id} it carries, if any.
func lookup(profile, path string) (endpoint, string, bool) {
	if e, ok := fixedRoutes[path]; ok {
		return e, "", true
	}
	if e, ok := profileRoutes[profile][path]; ok {
		return e, "", true
	}
	if id, ok := attachmentsIdea(path); ok {
		return attachmentsRoute, id, true
	}
	if id, ok := strings.CutPrefix(path, PathIdeas+"/"); ok && id != "" && !strings.Contains(id, "/") {
		return ideaRoute, id, true
	}
	return endpoint{}, "", false
}

// handle routes with the spec's precedence: 404 unknown path, 405 wrong method
// (JSON body, Allow header), 413 too large, then the endpoint's own checks (401
// bad credentials, 400 bad body, 404 missing idea, 403 not the owner).
func (s *Server) handle(rq *request) reply {
	ep, id, ok := lookup(s.opts.Profile, rq.r.URL.Path)
	if other, theirs := s.otherProfilePath(rq.r.URL.Path); !ok && theirs {
		return messageReply(http.StatusNotFound, "no such endpoint under the "+s.opts.Profile+" profile: "+
			rq.r.URL.Path+" belongs to the "+other+" profile")
	}
	if !ok {
		return messageReply(http.StatusNotFound, "no such endpoint: "+rq.r.URL.Path)
	}
	h, ok := ep.handle[rq.r.Method]
	if !ok {
		allow := strings.Join(ep.methods, ", ")
		if rq.r.Method == http.MethodOptions && s.opts.CORSOrigin != "" {
			return s.preflight(rq.r, allow)
		}
		return messageReply(http.StatusMethodNotAllowed, rq.r.Method+" is not allowed on "+rq.r.URL.Path).
			with("Allow", allow)
	}
	if rq.tooLarge {
		return messageReply(http.StatusRequestEntityTooLarge, "the request body is larger than 1 MiB")
	}
	if rq.readErr {
		return messageReply(http.StatusBadRequest, "the request body could not be read")
	}
	rq.id = id
	return h(s, rq)
}
