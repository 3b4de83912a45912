package fakeserver

import "net/http"

// ControlPublished is the answer of POST /_tokenclock/events/publish: the id of
// the event published.
type ControlPublished struct {
	ID int `json:"id"`
}

// ControlDropped is the answer of POST /_tokenclock/events/drop: how many open
// event streams were ended.
type ControlDropped struct {
	Dropped int `json:"dropped"`
}

// controlPublishEvent publishes one event (PublishEvent); a body, if any, is ignored.
func controlPublishEvent(s *Server, w http.ResponseWriter, _ *http.Request) {
	writeControlJSON(w, http.StatusOK, ControlPublished{ID: s.PublishEvent()})
}

// controlDropStreams ends every open event stream (DropStreams); a body, if any,
// is ignored. It answers once their journal entries are final.
func controlDropStreams(s *Server, w http.ResponseWriter, _ *http.Request) {
	writeControlJSON(w, http.StatusOK, ControlDropped{Dropped: s.DropStreams()})
}
