package fakeserver

import (
	"bufio"
	"encoding/json"
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
	"state":          {http.MethodGet, controlState},
	"clock/advance":  {http.MethodPost, controlAdvance},
	"expire":         {http.MethodPost, controlExpire},
	"revoke":         {http.MethodPost, controlRevoke},
	"faults":         {http.MethodPost, controlAddFault},
	"faults/release": {http.MethodPost, controlReleaseFault},
	"faults/remove":  {http.MethodPost, controlRemoveFault},
	"journal":        {http.MethodGet, controlJournal},
	"journal/stream": {http.MethodGet, controlJournalStream},
	"reset":          {http.MethodPost, controlReset},

	// Server-sent events (control_events.go).
	"events/publish": {http.MethodPost, controlPublishEvent},
	"events/drop":    {http.MethodPost, controlDropStreams},
}

// faultsClearRoute answers DELETE on the faults path, which POST also uses.
var faultsClearRoute = controlRoute{http.MethodDelete, controlClearFaults}

// ControlHandler serves the control API (fake-server-api.md, "Control API") at full
// paths under /_tokenclock/: the same handler works mounted on the API listener or
// alone on --control-addr. Every answer is JSON; errors are {"message"} with 400,
// 403 for a request a web page sent or a foreign Host (control_guard.go), 404 for
// an unknown control path, 405 for a wrong method and 413 for a body over
// MaxBodyBytes. Bad input never answers 500.
func (s *Server) ControlHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		refusal, cors := s.controlRefusal(r)
		if refusal != "" {
			writeControlError(w, http.StatusForbidden, refusal)
			return
		}
		if cors {
			controlCORS(w, r.Header.Get("Origin"))
		}
		name, ok := strings.CutPrefix(r.URL.Path, ControlPrefix)
		if h := s.mountedFor(name); ok && h != nil {
			h.ServeHTTP(w, r)
			return
		}
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
		if r.Method == http.MethodOptions && cors {
			controlPreflight(w, allowed)
			return
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
// so readers can always iterate. A full journal is tens of megabytes of JSON: it is
// copied and written a chunk at a time, never held in memory at once. The answer
// ends with the entry that was last when the request arrived; an entry still
// pending shows as it stood when its chunk was copied.
func controlJournal(s *Server, w http.ResponseWriter, _ *http.Request) {
	const chunk = 1000
	upTo, _ := s.journal.stats()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 32<<10)
	_ = bw.WriteByte('[')
	for after, first := 0, true; ; {
		j := s.journal.chunk(after, upTo, chunk)
		for i := range j {
			if !first {
				_ = bw.WriteByte(',')
			}
			first = false
			b, _ := json.Marshal(&j[i]) // an Entry always marshals
			_, _ = bw.Write(b)
		}
		if len(j) < chunk {
			break
		}
		after = j[len(j)-1].Seq
	}
	_, _ = bw.WriteString("]\n")
	_ = bw.Flush()
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
