package driver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"syscall"
)

// fields is one reply without its id: {"status":…, "body":…}, {"ok":true}, {"error":…}.
type fields map[string]any

var (
	okReply        = fields{"ok": true}
	abortedReply   = fields{"error": "aborted"}
	cancelledReply = fields{"error": "cancelled"}
)

// errorReply is {"error": "<text>"}.
func errorReply(format string, args ...any) fields {
	return fields{"error": fmt.Sprintf(format, args...)}
}

// outcome is what an adapter method returned.
type outcome struct {
	res Response
	err error
}

// internalError is a failure of the driver itself (a panic, a nil adapter), replied
// as "internal: …" rather than as a transport error of the client.
type internalError struct{ msg string }

func (e internalError) Error() string { return "internal: " + e.msg }

// shape turns what the application saw into reply fields: an HTTP outcome, or, when
// there was no HTTP response, the error with its cause's code first.
func shape(o outcome) fields {
	var ie internalError
	switch {
	case errors.As(o.err, &ie):
		return fields{"error": ie.Error()}
	case o.err != nil:
		return fields{"error": errorText(o.err)}
	case o.res.Status < 100 || o.res.Status > 999:
		return errorReply("internal: the adapter returned no HTTP status (%d) and no error", o.res.Status)
	case len(o.res.Body) > MaxLine: // cheaper to refuse now than to encode it first
		return errorReply("internal: the response body is %d bytes, over the protocol's line bound", len(o.res.Body))
	}
	return fields{"status": o.res.Status, "body": shapeBody(o.res.Body)}
}

// shapeBody is the reply's body: JSON as it came (the encoder compacts it onto the
// reply's one line), other text as a string, an empty body as null.
func shapeBody(raw []byte) any {
	trimmed := bytes.TrimSpace(raw)
	switch {
	case len(trimmed) == 0:
		return nil
	case json.Valid(trimmed):
		return json.RawMessage(trimmed)
	}
	return string(raw)
}

// errorText names a call that got no HTTP response, the cause's code first as the
// protocol asks: "ECONNRESET Post "http://…": … connection reset by peer".
func errorText(err error) string {
	var ne net.Error
	code := "EIO"
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		code = "ECONNREFUSED"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		code = "ECONNRESET"
	case errors.Is(err, context.Canceled):
		code = "ECANCELED"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		code = "ETIMEDOUT"
	}
	return code + " " + err.Error()
}

// replyWriter writes reply lines, one whole line per Write, from any goroutine. Once
// closed (the driver is exiting) it drops every reply, as stdout may be gone.
type replyWriter struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
	failed bool // a write failed: logged once
	log    *log.Logger
}

// send writes {"id": id, …f} as one line. A reply that would break the protocol's
// line bound (a huge response body) is replaced by an error: an over-long line is a
// fault that would cost the whole scenario.
func (o *replyWriter) send(id int64, f fields) {
	line := encodeReply(id, f)
	if len(line) > MaxLine {
		line = encodeReply(id, errorReply("internal: the reply is %d bytes, over the protocol's line bound", len(line)))
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return
	}
	if _, err := o.w.Write(line); err != nil && !o.failed {
		o.failed = true
		o.log.Printf("writing a reply: %v", err)
	}
}

// close drops every later reply.
func (o *replyWriter) close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true
}

// encodeReply renders one reply line, "\n" included. HTML characters stay as they are:
// the line is read by the harness, not embedded in a page.
func encodeReply(id int64, f fields) []byte {
	msg := make(map[string]any, len(f)+1)
	for k, v := range f {
		msg[k] = v
	}
	msg["id"] = id
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(msg); err != nil {
		buf.Reset()
		_ = enc.Encode(map[string]any{"id": id, "error": "internal: encoding the reply: " + err.Error()})
	}
	return buf.Bytes()
}
