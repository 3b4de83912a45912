package runner

import (
	"fmt"
	"io"
	"strings"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/scenarios"
)

// List is `tokenclock list`: the catalog (ID, level, requirements, title), then the
// built-in clients.
func List(w io.Writer) {
	fmt.Fprintln(w, "Scenarios:")
	for _, sc := range scenarios.Catalog() {
		reqs := make([]string, len(sc.Requirements))
		for i, r := range sc.Requirements {
			reqs[i] = string(r)
		}
		title := sc.Title
		if len(sc.Features) > 0 {
			// A driver without these features is skipped on the row: say so up front.
			title += " [needs " + strings.Join(sc.Features, ", ") + "]"
		}
		fmt.Fprintf(w, "  %-15s %-6s %-12s %s\n", sc.ID, sc.Level, strings.Join(reqs, " "), title)
	}
	fmt.Fprintln(w, "Built-in clients:")
	fmt.Fprintln(w, "  "+cut.BuiltInReference)
	for _, m := range cut.Mutants() {
		fmt.Fprintf(w, "  %s%s  (breaks %s)\n", cut.BuiltInMutantPrefix, m.Name, strings.Join(m.Breaks, " "))
	}
}
