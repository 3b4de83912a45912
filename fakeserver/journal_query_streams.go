package fakeserver

// An open event stream stays Pending for as long as its client listens, so waits
// for "nothing in flight" must not count it; these helpers say which is which.

// Streams returns the entries answered with an event stream (Stream), open
// (Pending) or ended.
func (j Journal) Streams() Journal {
	return j.Where(func(e Entry) bool { return e.Stream })
}

// InFlight returns the entries still being handled or held: the Pending ones
// except open event streams, which are answered (their 200 is written) and may
// stay open for the rest of the scenario. "Wait until no request is pending"
// means len(j.InFlight()) == 0.
func (j Journal) InFlight() Journal {
	return j.Where(func(e Entry) bool { return e.Pending && !e.Stream })
}
