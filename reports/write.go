package reports

import (
	"bufio"
	"errors"
	"fmt"
	"github.com/tokenclock/tokenclock/conformance"
	"io"
	"os"
	"path/filepath"
)

// Report file names inside REPORT_DIR (results.md).
const (
	ResultsFile = "results.json"
	JUnitFile   = "junit.xml"
	HTMLFile    = "report.html"
	SummaryFile = "summary.md"
)

// WriteAll writes results.json, junit.xml, report.html and summary.md into dir,
// creating it. Each file is written to a temporary file in dir and renamed into
// place, so a reader never sees half a file. Every file is attempted even when
// one fails (results.json first: scripts read exitCode from it); the errors are
// joined.
func WriteAll(dir string, run conformance.RunResult) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create report dir: %w", err)
	}
	writers := []struct {
		name  string
		write func(io.Writer, conformance.RunResult) error
	}{
		{ResultsFile, WriteJSON},
		{JUnitFile, WriteJUnit},
		{HTMLFile, WriteHTML},
		{SummaryFile, WriteSummary},
	}
	var errs []error
	for _, w := range writers {
		if err := writeFileAtomic(filepath.Join(dir, w.name), func(out io.Writer) error {
			return w.write(out, run)
		}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// writeFileAtomic writes path through a temporary sibling and a rename; on any
// error the temporary file is removed and path is left as it was.
func writeFileAtomic(path string, fill func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	buf := bufio.NewWriterSize(tmp, 64<<10)
	if err = fill(buf); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err = buf.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	// CreateTemp makes the file 0600; reports are meant to be read by CI and people.
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}
