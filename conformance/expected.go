package conformance

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
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
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, reason, _ := strings.Cut(line, " ")
		id = strings.TrimSpace(id)
		reason = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(reason), "#"))
		if _, ok := catalog.ByID(id); !ok {
			return nil, fmt.Errorf("%s:%d: unknown scenario ID %q", name, n, id)
		}
		if _, dup := out[id]; dup {
			return nil, fmt.Errorf("%s:%d: scenario %s listed twice", name, n, id)
		}
		out[id] = reason
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}
