package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// logStuckAfter is how long the request log waits for its output before giving up
// on a line (Println, Printf) or on the writer (Close): a terminal that stopped
// reading, or a full pipe, must never keep serve from answering or from stopping.
const logStuckAfter = time.Second

// requestLog writes serve's output lines from one goroutine, so the server's
// OnRequest hook (which must not block) only queues a line, and lines never interleave.
// The lines channel is never closed: a request finishing after Close is dropped
// instead of panicking on a closed channel. Every line is escaped (escapeControls):
// paths and methods come from clients.
type requestLog struct {
	lines   chan string
	stop    chan struct{}
	done    chan struct{}
	dropped atomic.Int64
	close   sync.Once
	wait    time.Duration // logStuckAfter; shorter in tests
}

// newRequestLog starts the writer goroutine; Close drains it.
func newRequestLog(w io.Writer, buffer int) *requestLog {
	l := &requestLog{lines: make(chan string, buffer), stop: make(chan struct{}), done: make(chan struct{}), wait: logStuckAfter}
	go l.write(w)
	return l
}

// write copies queued lines to w until Close, then writes what is still queued.
func (l *requestLog) write(w io.Writer) {
	defer close(l.done)
	emit := func(line string) {
		if n := l.dropped.Swap(0); n > 0 {
			fmt.Fprintf(w, "(%d request lines dropped: output too slow)\n", n)
		}
		_, _ = io.WriteString(w, escapeControls(line)+"\n")
	}
	for {
		select {
		case line := <-l.lines:
			emit(line)
		case <-l.stop:
			for {
				select {
				case line := <-l.lines:
					emit(line)
				default:
					if n := l.dropped.Swap(0); n > 0 {
						fmt.Fprintf(w, "(%d request lines dropped: output too slow)\n", n)
					}
					return
				}
			}
		}
	}
}

// Println queues a line, waiting a little for room: the banner and shutdown notes
// should not be lost while the log runs, but a stuck output drops them (counted)
// rather than blocking serve.
func (l *requestLog) Println(a ...any) { l.put(fmt.Sprint(a...)) }

// Printf is Println with a format.
func (l *requestLog) Printf(format string, a ...any) { l.put(fmt.Sprintf(format, a...)) }

func (l *requestLog) put(line string) {
	select {
	case l.lines <- line:
		return
	case <-l.stop:
		return
	default:
	}
	t := time.NewTimer(l.wait)
	defer t.Stop()
	select {
	case l.lines <- line:
	case <-l.stop:
	case <-t.C:
		l.dropped.Add(1)
	}
}

// Entry is the server's OnRequest hook: one line per request, dropped (and counted)
// rather than blocking the server when the output cannot keep up.
func (l *requestLog) Entry(e fakeserver.Entry) {
	select {
	case <-l.stop:
		return
	default:
	}
	select {
	case l.lines <- formatEntry(e):
	default:
		l.dropped.Add(1)
	}
}

// Close writes the lines queued so far and stops the writer; later lines are
// dropped. When the output is stuck it gives up after a short wait (the writer
// goroutine stays blocked in its Write; serve exits anyway).
func (l *requestLog) Close() {
	l.close.Do(func() { close(l.stop) })
	t := time.NewTimer(l.wait)
	defer t.Stop()
	select {
	case <-l.done:
	case <-t.C:
	}
}

// formatEntry renders one journal entry as a key=value line a person can follow:
//
//	#4 GET /api/auth/me access=A0(expired) refresh=- status=401 clock=2025-11-26T07:11:02Z
func formatEntry(e fakeserver.Entry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %s %s access=%s refresh=%s status=%s",
		e.Seq, printable(e.Method), printable(e.Path),
		tokenField(e.AccessToken, e.AccessState), tokenField(e.RefreshToken, e.RefreshState),
		statusField(e.Status))
	if e.GrantType != "" {
		fmt.Fprintf(&b, " grant=%s", printable(e.GrantType))
	}
	if e.IssuedAccess != "" || e.IssuedRefresh != "" {
		issued := strings.Trim(e.IssuedAccess+","+e.IssuedRefresh, ",")
		fmt.Fprintf(&b, " issued=%s", issued)
	}
	if e.Fault != "" {
		fmt.Fprintf(&b, " fault=%s", e.Fault)
	}
	fmt.Fprintf(&b, " clock=%s", e.VirtualTime)
	return b.String()
}

// tokenField is "-" for no token, else the label with its judged state, e.g. R0(reused).
func tokenField(label, state string) string {
	if label == "" {
		return "-"
	}
	return label + "(" + state + ")"
}

// statusField names status 0, which means nothing was written.
func statusField(status int) string {
	if status == 0 {
		return "0(no-response)"
	}
	return strconv.Itoa(status)
}

// printable quotes a request-supplied string that could disturb a terminal
// (control characters, spaces, invalid UTF-8); plain ones pass as they are.
func printable(s string) string {
	if !utf8.ValidString(s) {
		return strconv.Quote(s)
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == '"' || !strconv.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	if s == "" {
		return `""`
	}
	return s
}

// escapeControls makes a line safe for a terminal: every character that is not
// printable (C0 and C1 controls such as ESC, BEL and CSI, DEL, bidi and other
// format characters, invalid UTF-8) is written as a Go escape (\x1b, \u202e), so no
// ANSI or OSC sequence a client sent can reach the operator's terminal. Spaces and
// printable text pass as they are.
func escapeControls(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || (r != ' ' && !strconv.IsPrint(r)) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == ' ' || strconv.IsPrint(r):
			b.WriteString(s[i : i+size])
		default:
			q := strconv.QuoteRuneToASCII(r) // '\x1b', '\u202e'
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}
