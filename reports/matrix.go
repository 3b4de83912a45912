package reports

import (
	"strings"

	"github.com/tokenclock/tokenclock/conformance"
)

// row is one scenario of the matrix, with its result for each client (nil when
// that client has no result for it).
type row struct {
	ID           string
	Title        string
	Level        conformance.Level
	Requirements []conformance.RequirementID
	Cells        []*conformance.ScenarioResult
}

// matrixRows is the union of every client's scenarios, in the order they first
// appear, so clients that ran different selections still share one table. A
// repeated ID within one client keeps its first result.
func matrixRows(run conformance.RunResult) []row {
	var rows []row
	index := map[string]int{}
	for ci, c := range run.Clients {
		for si := range c.Scenarios {
			sr := &run.Clients[ci].Scenarios[si]
			i, ok := index[sr.ID]
			if !ok {
				i = len(rows)
				index[sr.ID] = i
				rows = append(rows, row{ID: sr.ID, Title: sr.Title, Level: sr.Level,
					Requirements: sr.Requirements, Cells: make([]*conformance.ScenarioResult, len(run.Clients))})
			}
			if rows[i].Cells[ci] == nil {
				rows[i].Cells[ci] = sr
			}
		}
	}
	return rows
}

// anchorID is the HTML id of one client × scenario detail section. Names and
// IDs are normally [a-z0-9-] and [A-Z0-9-]; anything else becomes "_" so the id
// stays a plain token.
func anchorID(client, id string) string {
	return "d-" + idSafe(client) + "-" + idSafe(id)
}

func idSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
