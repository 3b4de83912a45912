package scenarios

import "github.com/tokenclock/tokenclock/conformance"

// Catalog is every scenario, in catalog order. IDs are stable forever; new rows are
// appended to their family, never renumbered.
func Catalog() conformance.Catalog {
	var all conformance.Catalog
	for _, family := range [][]conformance.Scenario{expAccess(), expRefresh(), concurrency(), loops(), rotation(), session(), cancellation(), restarts(), skews(), sleeps(), proactives(), tabs(), bodies(), idempotency(), graphQL(), streams(), browserRows(), oauthRows()} {
		all = append(all, family...)
	}
	return all
}
