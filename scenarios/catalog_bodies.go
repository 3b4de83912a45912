package scenarios

import (
	"fmt"
	"net/url"
	"strings"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// uploadSize is the BODY rows' generated file: large enough to go out in many
// chunks, small enough to keep a row in milliseconds.
const uploadSize = 256 << 10

// bodies is the BODY family: request bodies a client cannot simply send again. The
// symptoms: a POST retried after a 401 with a 0-byte streamed body, a Request whose
// body was already consumed ("body already used" swallowed), a multipart upload
// replayed without its file.
func bodies() []conformance.Scenario {
	return []conformance.Scenario{
		{
			ID: "BODY-01", Title: "a multipart upload meeting an expired token is replayed with every part intact, or its 401 returned",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC5}, Family: "body",
			Features: []string{cut.FeatureBodies},
			Play: func(s *conformance.Session) {
				call := uploadCall(s, cut.BodyMultipart, 11)
				call.Body = conformance.JSONBody(map[string]string{"caption": "tokenclock upload"})
				expectUploadReplay(s, call, true, func(e fakeserver.Entry) (bool, string) {
					file, fields := partsOf(e)
					ok := file != nil && file.SHA256 == fakeserver.GeneratedSHA256(call.Seed, call.Size) &&
						file.Length == call.Size && fields["caption"]
					return ok, "every part of the first send: the caption field and the whole file"
				})
			},
		},
		{
			ID: "BODY-02", Title: "a streamed upload meeting an expired token is replayed whole, or its 401 returned",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC5}, Family: "body",
			Features:     []string{cut.FeatureBodies},
			NotInBrowser: "Chromium streams an upload body only over HTTP/2, and the fake server speaks HTTP/1.1",
			Play: func(s *conformance.Session) {
				call := uploadCall(s, cut.BodyStream, 12)
				want := fakeserver.GeneratedSHA256(call.Seed, call.Size)
				expectUploadReplay(s, call, true, func(e fakeserver.Entry) (bool, string) {
					return e.BodySha256 == want && e.BodyLength == call.Size,
						fmt.Sprintf("the whole stream (%d bytes, the generated SHA-256)", call.Size)
				})
			},
		},
		{
			ID: "BODY-03", Title: "a form-encoded POST meeting an expired token is replayed with the same fields",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC5}, Family: "body",
			Features: []string{cut.FeatureBodies},
			Play: func(s *conformance.Session) {
				call := uploadCall(s, cut.BodyForm, 0)
				fields := map[string]string{"note": "tokenclock form", "lang": "en & fr"}
				call.Body = conformance.JSONBody(fields)
				expectUploadReplay(s, call, false, func(e fakeserver.Entry) (bool, string) {
					got, err := url.ParseQuery(string(e.Body))
					ok := err == nil && !e.BodyTruncated && len(got) == len(fields)
					for k, v := range fields {
						ok = ok && got.Get(k) == v
					}
					return ok, "the same form fields (note, lang)"
				})
			},
		},
	}
}

// uploadCall is a POST of kind to a fresh idea's attachments (the idea is made on
// the server directly: the row judges the upload, not the idea).
func uploadCall(s *conformance.Session, kind string, seed int64) cut.Call {
	idea, err := s.Server.AddIdea(conformance.UserEmail, fakeserver.IdeaInput{Title: "with attachments",
		Summary: "s", Description: "d", Tags: []string{"tokenclock"}})
	if err != nil {
		s.HarnessError("adding the idea: %v", err)
	}
	path := strings.Replace(fakeserver.PathAttachments, "{id}", idea.ID, 1)
	call := cut.Call{Method: "POST", Path: path, BodyKind: kind}
	if kind == cut.BodyMultipart || kind == cut.BodyStream {
		call.Size, call.Seed = uploadSize, seed
	}
	return call
}

// expectUploadReplay expires the token, sends call and judges it (RC5): its first
// send must meet the 401; then exactly one replay carries the new token and what
// intact says, and the caller gets 201 — or, when mayGiveUp (a body the client may
// only be able to read once: a stream, a multipart form built on one), there is no
// replay and the caller gets the 401 itself at once. A truncated or empty replay, a
// second replay, or an error in place of the 401 fails.
func expectUploadReplay(s *conformance.Session, call cut.Call, mayGiveUp bool, intact func(fakeserver.Entry) (bool, string)) {
	s.Expire()
	mark := s.Mark()
	r := s.Send(call)
	s.NothingAfter(conformance.RC5)
	sends := s.Since(mark).To("POST", call.Path)
	switch {
	case len(sends) == 0:
		s.Findf(conformance.RC5, "the upload reaches the server", "no send of %s", conformance.CallText(call))
	case !conformance.AuthFailed(sends[0]):
		s.Findf(conformance.RC5, "the first send meets the expired token (401)", "%s", conformance.TokenList(sends))
	case len(sends) == 1 && !mayGiveUp:
		s.Findf(conformance.RC5, "one replay after one refresh (a form body can be sent again)", "no replay; the caller got %s", conformance.ReplyText(r))
	case len(sends) == 1:
		s.Check(r.Error == "" && r.Status == 401, conformance.RC5,
			"no replay: the caller gets the 401 itself", "no replay, and the caller got %s", conformance.ReplyText(r))
	case len(sends) > 2:
		s.Findf(conformance.RC5, "at most one replay", "%d sends: %s", len(sends), conformance.TokenList(sends))
	default:
		ok, what := intact(sends[1])
		s.Check(ok, conformance.RC5, "the replay carries "+what,
			"the replay carried %d bytes (bodySha256 %s…)", sends[1].BodyLength, prefix(sends[1].BodySha256, 12))
		s.ExpectRefreshes(s.Since(mark), 1, conformance.RC5)
		s.ExpectCaller(r, 201, conformance.RC5)
	}
}

// partsOf finds a multipart entry's file part and which field names came with it.
func partsOf(e fakeserver.Entry) (*fakeserver.BodyPart, map[string]bool) {
	var file *fakeserver.BodyPart
	fields := map[string]bool{}
	for i, p := range e.Parts {
		if p.Name == fakeserver.UploadFilePart && p.Filename != "" {
			file = &e.Parts[i]
		} else {
			fields[p.Name] = true
		}
	}
	return file, fields
}

func prefix(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
