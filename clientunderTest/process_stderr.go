package clientundertest

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// notePrefix marks the harness's own lines in a captured log, so a reader can tell
// them from what the driver printed.
const notePrefix = "[tokenclock] "

// maxNotes and maxNoteLen bound the harness notes the same way the driver's text is
// bounded: a driver that provokes a note per line must not grow memory either.
const (
	maxNotes   = 64
	maxNoteLen = 1024
)

// stderrLog is the captured stderr of a Process's drivers (across restarts) plus the
// harness's notes about them. It keeps only the last limit bytes of driver text, so
// a driver printing megabytes without a newline costs at most limit bytes; Write
// never blocks on anything but the mutex, so the driver is never slowed down.
type stderrLog struct {
	mu           sync.Mutex
	limit        int
	buf          []byte
	dropped      int64
	notes        []string
	droppedNotes int
}

// CapturedLog is the bounded log of a client kind other than a Process (a browser
// page's console), kept the same way: the last limit bytes of text plus the
// harness's notes.
type CapturedLog = stderrLog

// NewCapturedLog returns an empty log keeping the last limit bytes.
func NewCapturedLog(limit int) *CapturedLog { return newStderrLog(limit) }

func newStderrLog(limit int) *stderrLog {
	return &stderrLog{limit: limit}
}

// Write keeps the tail of everything written: it is the io.Writer os/exec copies the
// driver's stderr into.
func (l *stderrLog) Write(p []byte) (int, error) {
	n := len(p)
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(p) > l.limit {
		l.dropped += int64(len(l.buf) + len(p) - l.limit)
		l.buf = l.buf[:0]
		p = p[len(p)-l.limit:]
	}
	if over := len(l.buf) + len(p) - l.limit; over > 0 {
		l.dropped += int64(over)
		kept := copy(l.buf, l.buf[over:])
		l.buf = l.buf[:kept]
	}
	l.buf = append(l.buf, p...)
	return n, nil
}

// Note records a harness note (a late reply ignored, a fault, a restart).
func (l *stderrLog) Note(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if len(s) > maxNoteLen {
		s = s[:maxNoteLen] + "…"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.notes) == maxNotes {
		l.notes = l.notes[1:]
		l.droppedNotes++
	}
	l.notes = append(l.notes, s)
}

// Take returns the captured text and the notes since the last call, and clears them.
// A truncated capture says how much was dropped, so nobody mistakes a tail for the
// whole story.
func (l *stderrLog) Take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	if l.dropped > 0 {
		fmt.Fprintf(&b, "%sstderr truncated: dropped the first %d bytes, kept the last %d\n",
			notePrefix, l.dropped, len(l.buf))
	}
	text := l.buf
	if l.dropped > 0 {
		// The cut may have split a UTF-8 sequence; drop its orphaned tail bytes.
		for i := 0; i < utf8.UTFMax && len(text) > 0 && !utf8.RuneStart(text[0]); i++ {
			text = text[1:]
		}
	}
	b.Write(text)
	if len(text) > 0 && text[len(text)-1] != '\n' && len(l.notes) > 0 {
		b.WriteByte('\n')
	}
	if l.droppedNotes > 0 {
		fmt.Fprintf(&b, "%s%d earlier notes dropped\n", notePrefix, l.droppedNotes)
	}
	for _, n := range l.notes {
		b.WriteString(notePrefix)
		b.WriteString(n)
		b.WriteByte('\n')
	}
	l.buf = l.buf[:0]
	l.dropped = 0
	l.notes = nil
	l.droppedNotes = 0
	return b.String()
}
