package scenarios

// Catalog is every scenario, in the order of spec/scenarios.md. IDs are stable
// forever; new rows are appended to their family, never renumbered.
func Catalog() []Scenario {
	var all []Scenario
	for _, family := range [][]Scenario{expAccess(), expRefresh(), concurrency(), loops(), rotation(), session()} {
		all = append(all, family...)
	}
	return all
}

// ByID finds a scenario; ok is false for an unknown ID.
func ByID(id string) (Scenario, bool) {
	for _, sc := range Catalog() {
		if sc.ID == id {
			return sc, true
		}
	}
	return Scenario{}, false
}
