package conformance

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// MergeInput is one run's results.json to merge, with where it came from (for the
// messages).
type MergeInput struct {
	Source string
	Run    RunResult
}

// Merge joins the results of several runs judged by catalog — the shards of one run
// (--shard), or runs of other clients, such as one client on several runtimes
// (app@node20, app@node22) — into one run whose verdicts and exit code Judge computes
// again, as for a run that played everything at once: each client's scenarios in
// catalog order, each client once. It refuses (an error naming the input) results of
// another schema version or catalog, runs that disagree on --strict, a pair (client,
// scenario) given twice, a client under two profiles, and a sharded run whose shards
// are not all there, each once. A client's expected failures are the ones its runs
// recorded (a verdict expected-failure or stale-expected-failure), so only pairs that
// were played are judged against its list.
func Merge(inputs []MergeInput, catalog Catalog) (RunResult, error) {
	if len(inputs) == 0 {
		return RunResult{}, fmt.Errorf("nothing to merge: give the report directories of the runs")
	}
	for _, in := range inputs {
		r := in.Run
		// A run's digest covers the rows its --focus selected: the same selection of
		// this catalog must give it.
		selected, err := catalog.Select(r.Options.Focus)
		digest := ""
		if err == nil {
			digest = selected.Digest()
		}
		switch {
		case r.SchemaVersion != SchemaVersion:
			return RunResult{}, fmt.Errorf("%s: results.json schema version %d; this tokenclock merges version %d only", in.Source, r.SchemaVersion, SchemaVersion)
		case r.CatalogDigest == "" && len(r.Errors) > 0:
			return RunResult{}, fmt.Errorf("%s: the run could not start: %s", in.Source, OneLine(r.Errors[0]))
		case r.Shard != nil && !r.Shard.Valid():
			return RunResult{}, fmt.Errorf("%s: shard %s is no shard (1 ≤ INDEX ≤ TOTAL ≤ %d)", in.Source, r.Shard, maxShards)
		case err != nil || digest == "" || r.CatalogDigest != digest:
			return RunResult{}, fmt.Errorf("%s: judged by another catalog (digest %q; this tokenclock's, for --focus %q, is %q): merge only runs of one catalog version, with the tokenclock that made them",
				in.Source, r.CatalogDigest, r.Options.Focus, digest)
		case r.Options.Strict != inputs[0].Run.Options.Strict:
			return RunResult{}, fmt.Errorf("%s: --strict differs from %s's: merge only runs judged alike", in.Source, inputs[0].Source)
		case r.Options.Focus != inputs[0].Run.Options.Focus:
			return RunResult{}, fmt.Errorf("%s: --focus %q differs from %s's %q: merge only runs of the same rows", in.Source, r.Options.Focus, inputs[0].Source, inputs[0].Run.Options.Focus)
		}
	}
	if err := checkShards(inputs); err != nil {
		return RunResult{}, err
	}
	first := inputs[0].Run
	out := RunResult{SchemaVersion: SchemaVersion, Tool: first.Tool, Version: first.Version, StartedAt: first.StartedAt,
		CatalogDigest: first.CatalogDigest, Options: first.Options, Clients: []ClientResult{}}
	index := map[string]int{}   // client name → its place in out.Clients
	seen := map[string]string{} // "client\x00ID" → the input that gave it
	expected := map[string]ExpectedFailures{}
	for _, in := range inputs {
		r := in.Run
		out.StartedAt = min(out.StartedAt, r.StartedAt)
		for _, e := range r.Errors {
			if !slices.Contains(out.Errors, e) {
				out.Errors = append(out.Errors, e)
			}
		}
		out.NotRun = append(out.NotRun, r.NotRun...)
		if out.Interrupted == nil {
			out.Interrupted = r.Interrupted
		}
		for _, c := range r.Clients {
			i, ok := index[c.Name]
			if !ok {
				i = len(out.Clients)
				index[c.Name] = i
				out.Clients = append(out.Clients, ClientResult{Name: c.Name, Command: c.Command, Profile: c.Profile,
					ExpectedFailuresFile: c.ExpectedFailuresFile, Hello: c.Hello, Scenarios: []ScenarioResult{}})
				expected[c.Name] = ExpectedFailures{}
			}
			m := &out.Clients[i]
			if m.ProfileName() != c.ProfileName() {
				return RunResult{}, fmt.Errorf("%s: client %s runs under the %s profile there and under %s in another input: give each profile's client its own name (NAME@LABEL)",
					in.Source, c.Name, c.ProfileName(), m.ProfileName())
			}
			if m.Hello.Name == "" { // a shard that played nothing of it never started it
				m.Hello = c.Hello
			}
			m.Command = cmp.Or(m.Command, c.Command)
			m.ExpectedFailuresFile = cmp.Or(m.ExpectedFailuresFile, c.ExpectedFailuresFile)
			for _, sr := range c.Scenarios {
				key := c.Name + "\x00" + sr.ID
				if other, dup := seen[key]; dup {
					return RunResult{}, fmt.Errorf("%s: client %s's %s is also in %s: each pair may come from one input only", in.Source, c.Name, sr.ID, other)
				}
				if _, known := catalog.ByID(sr.ID); !known {
					return RunResult{}, fmt.Errorf("%s: client %s played %s, which the catalog does not have", in.Source, c.Name, sr.ID)
				}
				seen[key] = in.Source
				if sr.Verdict == VerdictExpectedFailure || sr.Verdict == VerdictStaleExpectedFailure {
					expected[c.Name][sr.ID] = ""
				}
				m.Scenarios = append(m.Scenarios, sr)
			}
		}
	}
	order := map[string]int{}
	for i, sc := range catalog {
		order[sc.ID] = i
	}
	for i := range out.Clients {
		slices.SortStableFunc(out.Clients[i].Scenarios, func(a, b ScenarioResult) int { return order[a.ID] - order[b.ID] })
	}
	// As a run lists them: client by client, in catalog order.
	slices.SortStableFunc(out.NotRun, func(a, b NotRun) int {
		return cmp.Or(cmp.Compare(index[a.Client], index[b.Client]), cmp.Compare(order[a.ID], order[b.ID]))
	})
	Judge(&out, expected)
	return out, nil
}

// checkShards refuses sharded inputs that do not make whole runs: the shards of one
// run (the same total and the same clients) must be there once each, 1..total.
func checkShards(inputs []MergeInput) error {
	type group struct {
		total   int
		clients string
		sources map[int]string // index → input
	}
	groups := map[string]*group{}
	var keys []string
	for _, in := range inputs {
		s := in.Run.Shard
		if s == nil {
			continue
		}
		names := make([]string, 0, len(in.Run.Clients))
		for _, c := range in.Run.Clients {
			names = append(names, c.Name)
		}
		shown := strings.Join(names, ", ")
		slices.Sort(names) // the shards of one run may list its clients in any order
		key := fmt.Sprintf("%d %s", s.Total, strings.Join(names, ","))
		g, ok := groups[key]
		if !ok {
			g = &group{total: s.Total, clients: shown, sources: map[int]string{}}
			groups[key] = g
			keys = append(keys, key)
		}
		if other, dup := g.sources[s.Index]; dup {
			return fmt.Errorf("%s: shard %s of clients %s is also %s: give each shard once", in.Source, s, g.clients, other)
		}
		g.sources[s.Index] = in.Source
	}
	for _, key := range keys {
		g := groups[key]
		for i := 1; i <= g.total; i++ {
			if _, ok := g.sources[i]; !ok {
				return fmt.Errorf("shard %d/%d of clients %s is missing: merge every shard of a run (a shard that played nothing still writes its report directory)",
					i, g.total, g.clients)
			}
		}
	}
	return nil
}
