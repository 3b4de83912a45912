package reports

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// DiagramCap is the most journal entries drawn as arrows in one sequence
// diagram; beyond it the diagram says so and the journal table still lists
// every entry. A flooding client (up to 2 000 requests) stays readable.
const DiagramCap = 500

// Layout of the sequence diagram, in SVG user units.
// The API lane sits far enough from the client lane for a full label
// ("↻ POST /api/ideas/i1 · A1 valid · R1 valid [status]", about 60 columns of
// 11px monospace) and the refresh lane leaves room for "200 → A12 R12" after it.
const (
	diagramWidth  = 1180
	diagramTop    = 34
	diagramRowH   = 20
	laneClientX   = 170
	laneAPIX      = 600
	laneRefreshX  = 1010
	diagramBottom = 12
	// charWidth is the advance of one 11px monospace column, rounded up so a
	// clipped label never runs into the arrow head.
	charWidth = 7
)

// diagram is a journal drawn as a sequence diagram: three lanes and one arrow
// per entry.
type diagram struct {
	Width, Height, LaneBottom int
	RowH                      int
	Lanes                     []diagramLane
	Arrows                    []diagramArrow
	Total, Shown              int
	Tail                      bool // the last Shown entries, not the first
}

type diagramLane struct {
	Name string
	X    int
}

var diagramLanes = []diagramLane{{"client", laneClientX}, {"API", laneAPIX}, {"refresh", laneRefreshX}}

// diagramArrow is one journal entry: a line from the client lane to the lane it
// addressed, its label above, the answer at its head, and the virtual time and
// real offset in the left gutter. Its coordinates are relative to its row, which
// the template moves to RowTop: the web console draws the same rows, a window of
// them at a time (WriteDiagramRows).
type diagramArrow struct {
	Seq                   int
	Class                 string
	Zebra                 bool
	RowTop, Y, X1, X2     int
	TextY                 int
	Head                  string
	LabelX, StatusX       int
	Label, Status         string
	VirtualAt, RealOffset string
	Title                 string
}

// arrowY is the baseline of an arrow within its row.
const arrowY = diagramRowH/2 + 4

// newArrow lays out entry e, of the given kinds, in the row starting at rowTop.
func newArrow(e fakeserver.Entry, kinds string, rowTop int, start time.Time, startOK, tabs bool) diagramArrow {
	x2 := laneAPIX
	if e.Call() == fakeserver.PathRefresh {
		x2 = laneRefreshX
	}
	return diagramArrow{
		Seq: e.Seq, Class: "arrow " + kinds,
		RowTop: rowTop, Y: arrowY, X1: laneClientX, X2: x2, TextY: arrowY - 4,
		Head:       fmt.Sprintf("M%d %d l-8 -4 v8 z", x2, arrowY),
		LabelX:     laneClientX + 6,
		StatusX:    x2 + 6,
		Label:      clip(tabPrefix(e, tabs)+arrowLabel(e, kinds), (x2-laneClientX-12)/charWidth),
		Status:     clip(statusLabel(e), (diagramWidth-x2-8)/charWidth),
		VirtualAt:  virtualOffset(e.VirtualTime, start, startOK),
		RealOffset: realOffset(e.RealOffsetMs),
		Title:      entryTitle(e),
	}
}

// diagramView says which part of a journal a diagram draws and from which zero
// it counts virtual time; the zero value is a scenario's: the first DiagramCap
// entries, timed from the first one.
type diagramView struct {
	// Tail draws the last DiagramCap entries instead: a recorded session's
	// incident is at its end.
	Tail bool
	// Origin, when set, is virtual time's zero (a serve session counts from the
	// server's start, as its web console does).
	Origin time.Time
}

// buildDiagram lays out j; kinds are the entries' classes from entryKinds.
func buildDiagram(j fakeserver.Journal, kinds []string, v diagramView) diagram {
	shown := min(len(j), DiagramCap)
	first := 0
	if v.Tail {
		first = len(j) - shown
	}
	d := diagram{
		Width: diagramWidth, RowH: diagramRowH, Total: len(j), Shown: shown, Tail: v.Tail,
		Height: diagramTop + shown*diagramRowH + diagramBottom,
		Lanes:  diagramLanes,
	}
	d.LaneBottom = d.Height - 4
	start, startOK := firstVirtualTime(j)
	if !v.Origin.IsZero() {
		start, startOK = v.Origin, true
	}
	tabs := severalInstances(j)
	for i := 0; i < shown; i++ {
		a := newArrow(j[first+i], kinds[first+i], diagramTop+i*diagramRowH, start, startOK, tabs)
		a.Zebra = i%2 == 1
		d.Arrows = append(d.Arrows, a)
	}
	return d
}

// DiagramLayout is the geometry of report.html's sequence diagrams, for a page
// that draws their rows itself (the web console): the SVG width, the height of one
// row, and the lanes.
type DiagramLayout struct {
	Width int           `json:"width"`
	RowH  int           `json:"rowHeight"`
	Lanes []DiagramLane `json:"lanes"`
}

// DiagramLane is one lane: its name and the x of its line.
type DiagramLane struct {
	Name string `json:"name"`
	X    int    `json:"x"`
}

// Layout is the diagrams' geometry.
func Layout() DiagramLayout {
	l := DiagramLayout{Width: diagramWidth, RowH: diagramRowH}
	for _, ln := range diagramLanes {
		l.Lanes = append(l.Lanes, DiagramLane(ln))
	}
	return l
}

// WriteDiagramRows writes the arrows of j's entries with seq >= from as
// report.html draws them (the same template, so the same labels, classes and
// highlighting), each moved to its row: the row of seq from is at y 0, the next
// one diagramRowH below. The entries of j before from are context only: the replay
// rule matches a resend with an earlier 401. The gutter's virtual times count from
// start.
func WriteDiagramRows(w io.Writer, j fakeserver.Journal, from int, start time.Time) error {
	kinds := entryKinds(j)
	tabs := severalInstances(j)
	for i, e := range j {
		if e.Seq < from {
			continue
		}
		a := newArrow(e, kinds[i], (e.Seq-from)*diagramRowH, start, true, tabs)
		if err := reportTemplate.ExecuteTemplate(w, "arrow", a); err != nil {
			return fmt.Errorf("draw diagram rows: %w", err)
		}
	}
	return nil
}

// severalInstances reports whether more than one client instance (tab) sent requests:
// only then do the labels name the tab.
func severalInstances(j fakeserver.Journal) bool {
	for _, e := range j {
		if e.Instance != 0 {
			return true
		}
	}
	return false
}

// tabPrefix names the entry's tab ("tab 1 · ") in a journal of several instances.
func tabPrefix(e fakeserver.Entry, tabs bool) string {
	if !tabs {
		return ""
	}
	return fmt.Sprintf("tab %d · ", e.Instance)
}

// entryKinds classifies each entry for colour: its lane ("api" or "refresh"),
// then any of "reuse" (refreshState reused), "replay" (a resend after a 401 with
// a newer access token), "fault" followed by the rule's action ("fault hold",
// "fault status", …; a hold only orders requests, so it is drawn quietly while
// the other actions are drawn as injected failures), "reset" (status 0) and
// "pending" (no final status yet).
func entryKinds(j fakeserver.Journal) []string {
	kinds := make([]string, len(j))
	replays := replaySet(j)
	for i, e := range j {
		k := []string{"api"}
		if e.Call() == fakeserver.PathRefresh {
			k[0] = "refresh"
		}
		if e.RefreshState == fakeserver.StateReused {
			k = append(k, "reuse")
		}
		if replays[i] {
			k = append(k, "replay")
		}
		if e.Fault != "" {
			k = append(k, "fault", "fault-"+idSafe(e.Fault))
		}
		switch {
		case e.Pending:
			k = append(k, "pending")
		case e.Status == 0:
			k = append(k, "reset")
		}
		kinds[i] = strings.Join(k, " ")
	}
	return kinds
}

// ReplayWindow is how soon after the answer that issued its access token a send
// must arrive to be drawn as a replay: a client resends a 401'd request as soon as
// its refresh answers. A request sent later with the same token is the app's next
// call, even when an earlier 401 of the same path was never resent (a caller that
// gave up).
const ReplayWindow = time.Second

// replaySet marks the entries that resend an earlier request answered 401 (or
// another auth failure): the same method and path from the same instance, with a
// newer access token, sent within ReplayWindow (real time) of the answer that
// issued that token. Each 401 is matched by at most one later send (preferring the
// same body), so a fresh request that merely carries the new token is not mistaken
// for a replay once its predecessor's replay has been seen.
func replaySet(j fakeserver.Journal) map[int]bool {
	unmatched := map[string][]int{}  // method+path → indexes of unmatched 401s
	issuedAt := map[string]float64{} // access token label → real ms its answer was written
	out := map[int]bool{}
	for i, e := range j {
		if e.IssuedAccess != "" {
			issuedAt[e.IssuedAccess] = e.RespondedOffsetMs
		}
		if e.Call() == fakeserver.PathRefresh {
			continue
		}
		// Per instance: one tab's first send is no replay of another tab's 401.
		key := fmt.Sprintf("%d %s %s", e.Instance, e.Method, e.Path)
		cand := unmatched[key]
		match := -1
		at, known := issuedAt[e.AccessToken]
		if !known || e.RealOffsetMs-at > float64(ReplayWindow.Milliseconds()) {
			cand = nil // no answer issued its token lately: not a resend
		}
		for ci, pi := range cand {
			if tokenIndex(j[pi].AccessToken) < tokenIndex(e.AccessToken) {
				if match < 0 {
					match = ci
				}
				if j[pi].BodySha256 == e.BodySha256 {
					match = ci
					break
				}
			}
		}
		if match >= 0 {
			out[i] = true
			unmatched[key] = append(cand[:match:match], cand[match+1:]...)
		}
		if e.Status == 401 || e.AuthFailure {
			unmatched[key] = append(unmatched[key], i)
		}
	}
	return out
}

// tokenIndex is the issue order in a label like "A3" (3); -1 for "", "?" or
// anything else, which every issued token is newer than.
func tokenIndex(label string) int {
	if len(label) < 2 {
		return -1
	}
	n, err := strconv.Atoi(label[1:])
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// hasKind reports whether the space-separated kinds include k as a whole word:
// a fault class like "fault-replay" must not read as a replay.
func hasKind(kinds, k string) bool {
	for _, f := range strings.Fields(kinds) {
		if f == k {
			return true
		}
	}
	return false
}

func arrowLabel(e fakeserver.Entry, kind string) string {
	var b strings.Builder
	if hasKind(kind, "replay") {
		b.WriteString("↻ ")
	}
	if hasKind(kind, "reuse") {
		b.WriteString("⚠ reuse ")
	}
	fmt.Fprintf(&b, "%s %s", e.Method, e.Path)
	if e.GrantType != "" {
		fmt.Fprintf(&b, " (%s)", e.GrantType)
	}
	if e.AccessToken != "" {
		fmt.Fprintf(&b, " · %s %s", e.AccessToken, e.AccessState)
	}
	if e.RefreshToken != "" {
		fmt.Fprintf(&b, " · %s %s", e.RefreshToken, e.RefreshState)
	}
	return oneLine(b.String())
}

func statusLabel(e fakeserver.Entry) string {
	var s string
	switch {
	case e.Pending:
		s = "… pending"
	case e.Status == 0:
		s = "✕ reset"
	default:
		s = strconv.Itoa(e.Status)
	}
	if e.IssuedAccess != "" || e.IssuedRefresh != "" {
		s += " → " + oneLine(e.IssuedAccess+" "+e.IssuedRefresh)
	}
	if e.GraceReuse {
		s += " (grace reuse)"
	}
	// The fault that acted is shown with the answer it shaped ("503 (status)").
	if e.Fault != "" {
		s += " (" + oneLine(e.Fault) + ")"
	}
	return s
}

// realOffset shows real time since the server started: milliseconds, as a
// scenario lasts a few hundred of them, and seconds past 10 s (a serve session's
// gutter would otherwise read 136550.4ms).
func realOffset(ms float64) string {
	ms = finite(ms)
	if ms >= 10_000 {
		return fmt.Sprintf("%.2fs", ms/1000)
	}
	return fmt.Sprintf("%.1fms", ms)
}

// entryTitle is the full entry as a tooltip, since labels are clipped.
func entryTitle(e fakeserver.Entry) string {
	return fmt.Sprintf("#%d %s %s | instance %d | access %s %s | refresh %s %s | status %d | fault %q | at %s, real +%.1fms, answered +%.1fms",
		e.Seq, e.Method, e.Path, e.Instance, e.AccessToken, e.AccessState, e.RefreshToken, e.RefreshState,
		e.Status, e.Fault, e.VirtualTime, finite(e.RealOffsetMs), finite(e.RespondedOffsetMs))
}

func firstVirtualTime(j fakeserver.Journal) (time.Time, bool) {
	for _, e := range j {
		if t, err := time.Parse(time.RFC3339Nano, e.VirtualTime); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// virtualOffset shows virtual time as "T+61.000s" from the journal's first
// entry: the jumps of the fake clock are what a reader looks for.
func virtualOffset(vt string, start time.Time, ok bool) string {
	t, err := time.Parse(time.RFC3339Nano, vt)
	if err != nil || !ok {
		return clip(vt, 12)
	}
	return fmt.Sprintf("T%+.3fs", t.Sub(start).Seconds())
}
