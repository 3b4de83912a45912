package clientundertest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// maxStreamReplay bounds how much of a one-shot stream the reference keeps to replay
// it: the fake server's upload limit. A longer stream is not replayed; its caller
// gets the 401.
const maxStreamReplay = fakeserver.MaxUploadBytes

// callBody is what a call sends (feature bodies): bytes the client can send again
// (JSON, form, multipart), or a one-shot stream it can read only once.
type callBody struct {
	bytes       []byte
	stream      io.Reader // BodyStream: read once; nil otherwise
	contentType string    // "" for JSON (exchange's default) or no body
}

// newCallBody builds the body of call by its kind; a body the kind cannot carry is
// the caller's error, answered EINVAL like a bad path.
func newCallBody(call Call) (callBody, error) {
	switch call.BodyKind {
	case "", BodyJSON:
		return callBody{bytes: requestBody(call.Body)}, nil
	case BodyForm:
		fields, err := stringFields(call.Body)
		if err != nil {
			return callBody{}, err
		}
		form := url.Values{}
		for _, k := range sortedKeys(fields) {
			form.Set(k, fields[k])
		}
		return callBody{bytes: []byte(form.Encode()), contentType: "application/x-www-form-urlencoded"}, nil
	case BodyMultipart:
		fields, err := stringFields(call.Body)
		if err != nil {
			return callBody{}, err
		}
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, k := range sortedKeys(fields) {
			if err := mw.WriteField(k, fields[k]); err != nil {
				return callBody{}, err
			}
		}
		if err := fakeserver.WriteGeneratedFile(mw, call.Seed, call.Size); err != nil {
			return callBody{}, err
		}
		if err := mw.Close(); err != nil {
			return callBody{}, err
		}
		return callBody{bytes: buf.Bytes(), contentType: mw.FormDataContentType()}, nil
	case BodyStream:
		// Hidden behind a plain io.Reader so net/http cannot find a length or rewind it.
		return callBody{stream: struct{ io.Reader }{fakeserver.GeneratedReader(call.Seed, call.Size)},
			contentType: "application/octet-stream"}, nil
	}
	return callBody{}, fmt.Errorf("unknown bodyKind %q", call.BodyKind)
}

// stringFields reads a form's fields: a JSON object whose values are strings (other
// values are sent as their JSON text). No body is no fields.
func stringFields(body json.RawMessage) (map[string]string, error) {
	if len(requestBody(body)) == 0 {
		return nil, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("a form body must be a JSON object: %v", err)
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		var s string
		if json.Unmarshal(v, &s) != nil {
			s = string(v)
		}
		out[k] = s
	}
	return out, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// streamTee keeps what a one-shot stream sent, so the reference can replay it after a
// 401: the server reads an upload to its end before answering, so by then the whole
// stream went out and is kept here.
type streamTee struct {
	buf       bytes.Buffer
	overflown bool
}

func (t *streamTee) Write(p []byte) (int, error) {
	if t.buf.Len()+len(p) > maxStreamReplay {
		t.overflown = true
		return len(p), nil
	}
	return t.buf.Write(p)
}

// withIdempotencyKey returns headers with an Idempotency-Key for a POST that has
// none: a write the server may have applied before it answered 401 (or before the
// connection died) must not be applied twice when it is replayed (RC20). The key is
// made once per call, so the replay carries the same one (RC15).
func withIdempotencyKey(method string, headers map[string]string) map[string]string {
	if method != http.MethodPost {
		return headers
	}
	for k := range headers {
		if http.CanonicalHeaderKey(k) == "Idempotency-Key" {
			return headers
		}
	}
	out := make(map[string]string, len(headers)+1)
	for k, v := range headers {
		out[k] = v
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on the platforms Go supports
	out["Idempotency-Key"] = hex.EncodeToString(b[:])
	return out
}

// IsAuthFailure reports whether a reply from path is its endpoint's signal that the
// access token was refused: a 401, or GraphQL's 200 whose errors carry the code
// UNAUTHENTICATED (RC1: the auth-failure signal, whatever form the endpoint gives it).
func IsAuthFailure(path string, r Reply) bool {
	if r.Status == http.StatusUnauthorized {
		return true
	}
	if path != fakeserver.PathGraphQL || r.Status != http.StatusOK {
		return false
	}
	var doc struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if json.Unmarshal(r.Body, &doc) != nil {
		return false
	}
	if d := strings.TrimSpace(string(doc.Data)); d != "" && d != "null" {
		return false // data came back: a partial failure, and a replay could apply a write twice
	}
	for _, e := range doc.Errors {
		if e.Extensions.Code == "UNAUTHENTICATED" {
			return true
		}
	}
	return false
}
