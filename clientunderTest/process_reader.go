package clientundertest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// errLineTooLong is a stdout line over MaxLine: the driver is flooding stdout.
var errLineTooLong = errors.New("line too long")

// lineReader reads '\n'-terminated lines and never holds more than max bytes of one
// line (plus one read buffer): a driver that writes gigabytes without a newline is
// detected after max bytes, not after the harness ran out of memory.
type lineReader struct {
	br   *bufio.Reader
	max  int
	line []byte
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64*1024), max: max}
}

// next returns the next line without its "\n" or "\r\n". The slice is valid until
// the following call. An unterminated last line is dropped with the io.EOF: the
// protocol says lines end with "\n", and a half-written line is no reply.
func (r *lineReader) next() ([]byte, error) {
	r.line = r.line[:0]
	for {
		frag, err := r.br.ReadSlice('\n')
		// +2 leaves room for the "\r\n" that is not part of the line.
		if len(r.line)+len(frag) > r.max+2 {
			return nil, errLineTooLong
		}
		r.line = append(r.line, frag...)
		switch {
		case err == nil:
			line := bytes.TrimSuffix(bytes.TrimSuffix(r.line, []byte("\n")), []byte("\r"))
			if len(line) > r.max {
				return nil, errLineTooLong
			}
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return nil, err
		}
	}
}

// wireReply is every field a driver may put in a reply; which ones count depends
// on the command it answers.
type wireReply struct {
	Status   *int            `json:"status"`
	Body     json.RawMessage `json:"body"`
	Error    *string         `json:"error"`
	OK       *bool           `json:"ok"`
	Name     string          `json:"name"`
	Version  string          `json:"version"`
	Features []string        `json:"features"`
	// MaxConcurrency is hello's optional cap on requests the client has in flight.
	MaxConcurrency int `json:"maxConcurrency"`
	// Profiles are hello's server profiles (none: cookie alone).
	Profiles []string `json:"profiles"`
	// Events, Open and StreamError answer the events command (feature sse).
	Events      []string `json:"events"`
	Open        *bool    `json:"open"`
	StreamError string   `json:"streamError"`
}

// readLoop is the driver's stdout: it turns lines into replies for the waiting
// commands until a fault or EOF, and then stops reading (the process is restarted
// or closed, which kills it, so nobody needs its stdout drained).
func (d *driver) readLoop() {
	defer d.goroutines.Done()
	lr := newLineReader(d.stdout, d.maxLine)
	for {
		line, err := lr.next()
		if err != nil {
			d.readFailed(err)
			return
		}
		if len(bytes.TrimSpace(line)) == 0 {
			// A blank line carries nothing; tolerating it costs nothing.
			continue
		}
		if !d.dispatch(line) {
			return
		}
	}
}

// readFailed turns the end of stdout into a fault naming its cause.
func (d *driver) readFailed(err error) {
	if errors.Is(err, errLineTooLong) {
		d.fail(crashed(fmt.Sprintf("driver %q wrote a stdout line over %d bytes (stdout flood)", d.name, d.maxLine)))
		return
	}
	// stdout ends when the process exits; wait a moment for its status so the
	// message can say how it ended.
	select {
	case <-d.exited:
		d.fail(crashed(fmt.Sprintf("driver %q exited (%s)", d.name, exitStatus(d.waitErr))))
	case <-d.quit:
	case <-time.After(d.killGrace):
		d.fail(crashed(fmt.Sprintf("driver %q closed its stdout (%v)", d.name, err)))
	}
}

// dispatch hands one reply to its waiting command. It reports false after a
// protocol fault, which ends reading.
func (d *driver) dispatch(line []byte) bool {
	trimmed := bytes.TrimSpace(line)
	if !json.Valid(trimmed) || trimmed[0] != '{' {
		d.fail(crashed(fmt.Sprintf("driver %q wrote a stdout line that is not a JSON object: %s", d.name, quotePrefix(line))))
		return false
	}
	var head struct {
		ID json.RawMessage `json:"id"`
	}
	var id int64
	if err := json.Unmarshal(trimmed, &head); err != nil || head.ID == nil {
		d.fail(crashed(fmt.Sprintf("driver %q wrote a reply without an id: %s", d.name, quotePrefix(line))))
		return false
	}
	if err := json.Unmarshal(head.ID, &id); err != nil {
		d.fail(crashed(fmt.Sprintf("driver %q wrote a reply whose id %s is not an integer", d.name, quotePrefix(head.ID))))
		return false
	}
	var r wireReply
	if err := json.Unmarshal(trimmed, &r); err != nil {
		d.fail(crashed(fmt.Sprintf("driver %q wrote a malformed reply to id %d: %v", d.name, id, err)))
		return false
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	if c, ok := d.pending[id]; ok {
		delete(d.pending, id)
		c.done <- callResult{reply: r}
		return true
	}
	if desc, ok := d.abandoned[id]; ok {
		delete(d.abandoned, id)
		d.log.Note("ignored a late reply to %s (no longer awaited)", desc)
		return true
	}
	if id >= 0 && id < d.nextID {
		d.failLocked(crashed(fmt.Sprintf("driver %q sent a second reply for id %d", d.name, id)))
	} else {
		d.failLocked(crashed(fmt.Sprintf("driver %q sent a reply with id %d, which was never sent to it", d.name, id)))
	}
	return false
}

// quotePrefix quotes at most the first 120 bytes of a line for a message: enough to
// recognise it, never the whole flood.
func quotePrefix(b []byte) string {
	const max = 120
	if len(b) > max {
		return fmt.Sprintf("%q… (%d bytes)", b[:max], len(b))
	}
	return fmt.Sprintf("%q", b)
}
