package conformance

import (
	"fmt"
	"testing"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// unmatchedBodiesQuadratic is unmatchedBodies as it was before the optimisation
// recorded in docs/performance.md: every entry compared with every call. Kept as
// the benchmark's baseline and as the oracle the indexed version must agree with.
func unmatchedBodiesQuadratic(j fakeserver.Journal, calls []cut.Call) fakeserver.Journal {
	return j.Where(func(e fakeserver.Entry) bool {
		withBody := false
		for _, c := range calls {
			if c.Method != e.Method || c.Path != e.Path || len(c.Body) == 0 {
				continue
			}
			withBody = true
			if JSONEqual(e.Body, c.Body) {
				return false
			}
		}
		return withBody
	})
}

// BenchmarkUnmatchedBodies judges the journal of a gate with n callers (half GETs,
// in the 5000 case as CONC-07 ×5000; and CONC-02's mix of GETs and POSTs) with both
// versions, which must agree.
func BenchmarkUnmatchedBodies(b *testing.B) {
	for _, tc := range []struct {
		name  string
		calls []cut.Call
	}{
		{"gets=5000", gets(5000)},
		{"gets=5,posts=5", append(gets(5), post("a"), post("b"), post("c"), post("d"), post("e"))},
	} {
		j := gateJournal(tc.calls)
		want := len(unmatchedBodiesQuadratic(j, tc.calls))
		if got := len(unmatchedBodies(j, tc.calls)); got != want {
			b.Fatalf("%s: indexed finds %d unmatched bodies, quadratic %d", tc.name, got, want)
		}
		b.Run(tc.name+"/impl=quadratic", func(b *testing.B) {
			for b.Loop() {
				unmatchedBodiesQuadratic(j, tc.calls)
			}
		})
		b.Run(tc.name+"/impl=indexed", func(b *testing.B) {
			for b.Loop() {
				unmatchedBodies(j, tc.calls)
			}
		})
	}
}

// gateJournal is a gate pass's journal: each call sent twice (401, then the replay),
// one in seven replays with an altered body so both paths are exercised.
func gateJournal(calls []cut.Call) fakeserver.Journal {
	var j fakeserver.Journal
	for i, c := range calls {
		for k := range 2 {
			body := []byte(c.Body)
			if len(body) > 0 && k == 1 && i%7 == 0 {
				body = []byte(fmt.Sprintf(`{"title":"altered %d"}`, i))
			}
			j = append(j, fakeserver.Entry{Seq: len(j) + 1, Method: c.Method, Path: c.Path, Body: body})
		}
	}
	return j
}

func gets(n int) []cut.Call {
	calls := make([]cut.Call, n)
	for i := range calls {
		calls[i] = cut.Call{Method: "GET", Path: fakeserver.PathMe}
	}
	return calls
}

func post(tag string) cut.Call {
	return cut.Call{Method: "POST", Path: fakeserver.PathIdeas, Body: JSONBody(map[string]any{"title": "idea " + tag})}
}
