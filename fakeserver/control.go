package fakeserver

import (
	"net/http"
	"strings"
)

// controlRoute is one control path: the method it answers and what it does.
type controlRoute struct {
	method string
	handle func(s *Server, w http.ResponseWriter, r *http.Request)
}

// controlRoutes maps each control path (after ControlPrefix) to its route. The
// handlers are thin wrappers over the Go API: the Go API is primary.
var controlRoutes = map[string]controlRoute{
	"state":         {http.MethodGet, controlState},
	"clock/advance": {http.MethodPost, controlAdvance},
	"expire":        {http.MethodPost, controlExpire},
	"revoke":        {http.MethodPost, controlRevoke},
	"faults":        {http.MethodPost, controlAddFault},
	"journal":       {http.MethodGet, controlJournal},
	"reset":         {http.MethodPost, controlReset},
}

// faultsClearRoute answers DELETE on the faults path, which POST also uses.
var faultsClearRoute = controlRoute{http.MethodDelete, controlClearFaults}

// ControlHandler serves the control API (fake-server-api.md, "Control API") at full
// paths under /_tokenclock/: the same handler works mounted on the API listener or
// alone on --control-addr. Every answer is JSON; errors are {"message"} with 400,
// 404 for an unknown control path, 405 for a wrong method and 413 for a body over
// MaxBodyBytes. Bad input never answers 500.
func (s *Server) ControlHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, ControlPrefix)
		route, known := controlRoutes[name]
		if !ok || !known {
			writeControlError(w, http.StatusNotFound, "unknown control path "+r.URL.Path)
			return
		}
		allowed := route.method
		if name == "faults" {
			allowed = http.MethodPost + ", " + http.MethodDelete
			if r.Method == http.MethodDelete {
				route = faultsClearRoute
			}
		}
		if r.Method != route.method {
			w.Header().Set("Allow", allowed)
			writeControlError(w, http.StatusMethodNotAllowed,
				r.Method+" not allowed on "+r.URL.Path+"; use "+allowed)
			return
		}
		route.handle(s, w, r)
	})
}

// controlState answers the /state document.
func controlState(s *Server, w http.ResponseWriter, _ *http.Request) {
	writeControlJSON(w, http.StatusOK, s.State())
}

// controlJournal answers every journal entry so far; an empty journal is [], not null,
// so readers can always iterate.
func controlJournal(s *Server, w http.ResponseWriter, _ *http.Request) {
	j := s.Journal()
	if j == nil {
		j = Journal{}
	}
	writeControlJSON(w, http.StatusOK, j)
}

// controlReset empties the server; a body, if any, is ignored (clients often send {}).
func controlReset(s *Server, w http.ResponseWriter, _ *http.Request) {
	s.Reset()
	writeControlJSON(w, http.StatusOK, controlNow{Now: formatControlTime(s.Now())})
}

// controlClearFaults removes every fault rule (and so releases every hold).
func controlClearFaults(s *Server, w http.ResponseWriter, _ *http.Request) {
	s.ClearFaults()
	writeControlJSON(w, http.StatusOK, controlMessage{Message: "all fault rules removed"})
}
