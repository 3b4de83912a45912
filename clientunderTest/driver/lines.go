package driver

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// MaxLine is the protocol's line bound (4 MiB). A longer command line is logged and
// skipped, never buffered whole: bad input must not grow the driver without bound.
const MaxLine = 4 << 20

// readLines calls onLine with each line of r, without its "\n" or a "\r" before it,
// skipping blank lines, and logs and skips any line longer than maxLine bytes. A last
// line without "\n" still counts. It returns nil at EOF, or the read error, or
// errStopped once onLine returns false.
func readLines(r io.Reader, maxLine int, onLine func([]byte) bool, logf func(string, ...any)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var line []byte
	skipping := false
	for {
		frag, err := br.ReadSlice('\n')
		complete := err == nil
		if complete {
			frag = frag[:len(frag)-1]
		}
		if !skipping {
			if len(line)+len(frag) > maxLine {
				logf("skipping a line over %d bytes", maxLine)
				skipping, line = true, nil
			} else {
				line = append(line, frag...)
			}
		}
		switch {
		case complete, err == io.EOF:
			if !skipping && len(bytes.TrimSpace(line)) > 0 {
				if !onLine(bytes.TrimSuffix(line, []byte("\r"))) {
					return errStopped
				}
			}
			if err == io.EOF {
				return nil
			}
			line, skipping = nil, false // a fresh slice: onLine may keep the last one
		case errors.Is(err, bufio.ErrBufferFull):
			// The line goes on past the reader's buffer: keep collecting it.
		default:
			return err
		}
	}
}

// errStopped: the line consumer wanted no more lines.
var errStopped = errors.New("driver: stopped reading")
