package reports

import (
	"encoding/json"
	"fmt"
	"github.com/tokenclock/tokenclock/conformance"
	"io"
	"math"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// SchemaVersion is the results.json schema this package writes.

// WriteJSON writes run as results.json: the model's JSON, indented. A zero
// schemaVersion becomes SchemaVersion, nil lists become [] (so readers in any
// language see arrays, never null), and non-finite numbers become 0 (JSON has
// none, and results.json must be written on every exit).
func WriteJSON(w io.Writer, run conformance.RunResult) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Stderr and messages stay readable; results.json is data, never served as HTML.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(normalize(run)); err != nil {
		return fmt.Errorf("write results.json: %w", err)
	}
	return nil
}

// normalize returns a copy of run fit for JSON; run itself is not modified.
func normalize(run conformance.RunResult) conformance.RunResult {
	if run.SchemaVersion == 0 {
		run.SchemaVersion = conformance.SchemaVersion
	}
	clients := make([]conformance.ClientResult, len(run.Clients))
	for i, c := range run.Clients {
		c.Hello = cut.Hello{Name: c.Hello.Name, Version: c.Hello.Version, Features: nonNil(c.Hello.Features),
			MaxConcurrency: c.Hello.MaxConcurrency}
		c.Counts.Outcomes, c.Counts.Verdicts = nonNilMap(c.Counts.Outcomes), nonNilMap(c.Counts.Verdicts)
		scenarios := make([]conformance.ScenarioResult, len(c.Scenarios))
		for j, sr := range c.Scenarios {
			sr.Requirements = nonNil(sr.Requirements)
			sr.Findings = nonNil(sr.Findings)
			sr.DurationMs = finite(sr.DurationMs)
			sr.Replies = normalReplies(sr.Replies)
			sr.Journal = normalJournal(sr.Journal)
			scenarios[j] = sr
		}
		c.Scenarios = scenarios
		clients[i] = c
	}
	run.Clients = clients
	return run
}

func normalReplies(rs []conformance.ReplyRecord) []conformance.ReplyRecord {
	out := make([]conformance.ReplyRecord, len(rs))
	for i, r := range rs {
		r.SentMs, r.RepliedMs = finite(r.SentMs), finite(r.RepliedMs)
		out[i] = r
	}
	return out
}

// normalJournal copies the journal only when it must change: journals run to
// thousands of entries.
func normalJournal(j fakeserver.Journal) fakeserver.Journal {
	if j == nil {
		return fakeserver.Journal{}
	}
	for i, e := range j {
		if finite(e.RealOffsetMs) != e.RealOffsetMs || finite(e.RespondedOffsetMs) != e.RespondedOffsetMs {
			out := make(fakeserver.Journal, len(j))
			copy(out, j)
			for k := i; k < len(out); k++ {
				out[k].RealOffsetMs = finite(out[k].RealOffsetMs)
				out[k].RespondedOffsetMs = finite(out[k].RespondedOffsetMs)
			}
			return out
		}
	}
	return j
}

func nonNilMap[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return map[K]V{}
	}
	return m
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// finite maps NaN and ±Inf to 0.
func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}
