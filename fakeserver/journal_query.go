package fakeserver

import (
	"cmp"
	"slices"
	"sort"
)

// Journal is a snapshot of journal entries with query helpers for checks. Every
// helper keeps seq order and returns a new slice, except Since, which returns a
// tail of its receiver (capacity capped, so an append to it copies): gates call it
// on every journal change of a 10 000-entry run, and the copies were half of such a
// run's allocations.
type Journal []Entry

// Refreshes returns the refresh calls (Entry.IsRefresh): POST PathRefresh, or under
// oauth2 the refresh_token grant at PathToken.
func (j Journal) Refreshes() Journal { return j.Where(Entry.IsRefresh) }

// To returns the entries for that method and path ("" matches any method). path
// may name an auth call (Entry.Call): To("POST", PathLogin) finds the oauth2
// password grants too.
func (j Journal) To(method, path string) Journal {
	return j.Where(func(e Entry) bool {
		return (method == "" || e.Method == method) && (e.Path == path || e.Call() == path)
	})
}

// Since returns the entries with seq > seq. A journal in seq order (as the server
// gives it) yields its own tail, found by binary search; any other is filtered.
func (j Journal) Since(seq int) Journal {
	if !slices.IsSortedFunc(j, func(a, b Entry) int { return cmp.Compare(a.Seq, b.Seq) }) {
		return j.Where(func(e Entry) bool { return e.Seq > seq })
	}
	i := sort.Search(len(j), func(k int) bool { return j[k].Seq > seq })
	return j[i:len(j):len(j)]
}

// ArrivedAfter returns the entries that arrived after e's response was written
// (realOffsetMs strictly greater than e's respondedOffsetMs). A pending e has no
// response yet: nothing arrived after it; an open event stream (Stream) has one,
// written when it opened.
func (j Journal) ArrivedAfter(e Entry) Journal {
	if e.Pending && !e.Stream {
		return Journal{}
	}
	return j.Where(func(x Entry) bool { return x.Seq != e.Seq && x.RealOffsetMs > e.RespondedOffsetMs })
}

// Where returns the entries for which keep is true.
func (j Journal) Where(keep func(Entry) bool) Journal {
	out := Journal{}
	for _, e := range j {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// LastSeq is the last entry's seq, 0 when empty.
func (j Journal) LastSeq() int {
	if len(j) == 0 {
		return 0
	}
	return j[len(j)-1].Seq
}

// WithAccess returns the entries that presented the access token with that label.
func (j Journal) WithAccess(label string) Journal {
	return j.Where(func(e Entry) bool { return e.AccessToken == label })
}

// WithRefresh returns the entries that presented the refresh token with that label.
func (j Journal) WithRefresh(label string) Journal {
	return j.Where(func(e Entry) bool { return e.RefreshToken == label })
}

// WithStatus returns the entries answered with that status (0: reset or none).
func (j Journal) WithStatus(status int) Journal {
	return j.Where(func(e Entry) bool { return e.Status == status })
}

// Finished drops the entries still pending.
func (j Journal) Finished() Journal {
	return j.Where(func(e Entry) bool { return !e.Pending })
}

// Seq returns the entry with that seq, false when it is not in the snapshot.
func (j Journal) Seq(seq int) (Entry, bool) {
	for _, e := range j {
		if e.Seq == seq {
			return e, true
		}
	}
	return Entry{}, false
}
