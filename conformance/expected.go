package conformance

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
)

// ExpectedFailures is a client's expected-failures file: scenario ID → reason.
type ExpectedFailures map[string]string

// ReadExpectedFailures reads a file of one scenario ID per line, "#" comments, the
// reason after the ID. An ID the catalog does not have is an error (exit 2).
func ReadExpectedFailures(path string, catalog Catalog) (ExpectedFailures, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("expected-failures file: %w", err)
	}
	defer f.Close()
	return ParseExpectedFailures(f, path, catalog)
}

// ParseExpectedFailures parses the expected-failures format from r; name is used in errors.
func ParseExpectedFailures(r io.Reader, name string, catalog Catalog) (ExpectedFailures, error) {
	out := ExpectedFailures{}
	br := bufio.NewReader(r) // not a Scanner: a long comment line is no error
	for n := 1; ; n++ {
		raw, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if line := strings.TrimSpace(raw); line != "" && !strings.HasPrefix(line, "#") {
			id, reason := line, ""
			if i := strings.IndexFunc(line, unicode.IsSpace); i >= 0 { // a space or a tab ends the ID
				id, reason = line[:i], line[i:]
			}
			reason = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(reason), "#"))
			if _, ok := catalog.ByID(id); !ok {
				return nil, fmt.Errorf("%s:%d: unknown scenario ID %q", name, n, clipID(id))
			}
			if _, dup := out[id]; dup {
				return nil, fmt.Errorf("%s:%d: scenario %s listed twice", name, n, id)
			}
			out[id] = reason
		}
		if err == io.EOF {
			return out, nil
		}
	}
}

// clipID keeps an error about an unknown ID one readable line, whatever the file holds.
func clipID(id string) string {
	if r := []rune(id); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return id
}
