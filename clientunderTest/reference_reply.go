package clientundertest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
)

// maxReplyBytes bounds how much of a response body the client keeps, so a runaway
// server cannot grow memory without bound. It matches the protocol's line limit.
const maxReplyBytes = 4 << 20

// readReply reads and closes the whole response. The body becomes what a driver
// would put on the wire: the raw JSON, a non-JSON text as a JSON string, an empty
// body as null. An error means the response broke off before its body was complete.
func readReply(resp *http.Response) (Reply, error) {
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes+1))
	if err != nil {
		return Reply{}, fmt.Errorf("reading the %d response body: %w", resp.StatusCode, err)
	}
	if len(raw) > maxReplyBytes {
		return Reply{}, fmt.Errorf("the %d response body exceeds %d bytes", resp.StatusCode, maxReplyBytes)
	}
	return Reply{Status: resp.StatusCode, Body: replyBody(raw)}, nil
}

// replyBody converts a response body to the JSON value the caller sees.
func replyBody(raw []byte) json.RawMessage {
	trimmed := bytes.TrimSpace(raw)
	switch {
	case len(trimmed) == 0:
		return json.RawMessage("null")
	case json.Valid(trimmed):
		return json.RawMessage(trimmed)
	}
	text, err := json.Marshal(string(raw)) // invalid UTF-8 becomes U+FFFD
	if err != nil {
		return json.RawMessage("null")
	}
	return text
}

// errorText names a failure that left the caller without an HTTP response, led by
// the errno-style code Node drivers use, so reports read the same for every client.
func errorText(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "ECONNREFUSED: " + err.Error()
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "ECONNRESET: " + err.Error()
	case errors.As(err, &ne) && ne.Timeout():
		return "ETIMEDOUT: " + err.Error()
	}
	return "EIO: " + err.Error()
}

// requestBody is the exact bytes a Call sends: empty for no body. A JSON null counts
// as no body (what axios sends for `data: null`).
func requestBody(b json.RawMessage) []byte {
	if t := bytes.TrimSpace(b); len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return nil
	}
	return b
}
