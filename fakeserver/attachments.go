package fakeserver

import (
	"fmt"
	"net/http"
	"strings"
)

// Uploads: POST PathAttachments takes a file for one of the caller's ideas, as
// multipart/form-data (one part named UploadFilePart, any fields besides) or as a
// raw body of any other content type, chunked or not. They exist to test bodies a
// client cannot simply replay: a stream that was consumed by the first attempt, a
// large body sent again after a 401. The server keeps no file: it answers what it
// received (length, SHA-256, parts) and journals the same, which is all a
// scenario checks.
//
// Unlike every other endpoint, an upload's body is not read by the pipeline before
// any delay or hold: its handler reads it as it streams (attachments_body.go), so
// the access token can be judged either side of the body
// (Options.AuthAfterUploadBody) and a pending entry's bodyLength shows the bytes
// arriving.

// MaxUploadBytes is the largest upload body the server reads; larger is 413,
// after reading and discarding up to drainLimit more, so the client sees the 413
// rather than a broken pipe. Larger than MaxBodyBytes (the JSON endpoints' limit):
// a scenario's file should not have to fit a JSON body's bound.
const MaxUploadBytes = 8 << 20

// AttachmentsPath is PathAttachments for one idea: "/api/ideas/<id>/attachments".
func AttachmentsPath(ideaID string) string { return PathIdeas + "/" + ideaID + "/attachments" }

// Attachment is the answer to an upload: 201 {id, ideaId, length, sha256, parts?}.
// Length and SHA256 describe the file: the whole body of a raw upload, the
// UploadFilePart part's content of a multipart one (so both encodings of one
// generated file answer the same). Parts lists every part of a multipart upload,
// as the journal does; absent for a raw one.
type Attachment struct {
	ID     string     `json:"id"` // a1, a2, … in order of upload since the last reset
	IdeaID string     `json:"ideaId"`
	Length int        `json:"length"`
	SHA256 string     `json:"sha256"`
	Parts  []BodyPart `json:"parts,omitempty"`
}

// attachmentsRoute answers the uploads path; lookup finds it with attachmentsIdea.
var attachmentsRoute = newEndpoint(http.MethodPost, handleUpload)

// attachmentsIdea is the {id} of an uploads path: PathIdeas/{id}/attachments, {id}
// one non-empty segment.
func attachmentsIdea(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, PathIdeas+"/")
	if !ok {
		return "", false
	}
	id, ok := strings.CutSuffix(rest, "/attachments")
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", false
	}
	return id, true
}

// streamsBody reports whether the request's handler reads its own body as it
// streams (an upload), so the pipeline must not read it first.
func streamsBody(r *http.Request) bool {
	_, ok := attachmentsIdea(r.URL.Path)
	return ok && r.Method == http.MethodPost
}

// handleUpload reads the whole body whatever it then answers, so a client still
// writing its upload reads the answer instead of a broken pipe. The token is
// judged when the upload is handled (after any delay or hold) before its first
// byte is read, or, with Options.AuthAfterUploadBody, after its last. Precedence as
// everywhere: 413, 401 (400 for several Authorization headers), 400 bad body, 404
// missing idea, 403 not the owner.
func handleUpload(s *Server, rq *request) reply {
	var (
		u      User
		denied *reply
	)
	if !s.opts.AuthAfterUploadBody {
		u, denied = s.authenticate(rq)
		// The pending entry shows the judgement before a byte of the body is read:
		// a scenario that waits for bodyLength to grow knows the token was judged.
		s.journal.update(rq.entry, rq.copyInto)
	}
	up := s.readUpload(rq)
	if s.opts.AuthAfterUploadBody {
		u, denied = s.authenticate(rq)
	}
	switch {
	case rq.tooLarge:
		return messageReply(http.StatusRequestEntityTooLarge, "the upload is larger than 8 MiB")
	case rq.readErr:
		return messageReply(http.StatusBadRequest, "the request body could not be read")
	case denied != nil:
		return *denied
	case up.problem != "":
		return messageReply(http.StatusBadRequest, up.problem)
	}
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	if _, rp := s.ownedIdea(u, rq.id); rp != nil {
		return *rp
	}
	s.data.nextAttachment++
	return jsonReply(http.StatusCreated, Attachment{
		ID: fmt.Sprintf("a%d", s.data.nextAttachment), IdeaID: rq.id,
		Length: up.length, SHA256: up.sha256, Parts: up.parts,
	})
}
