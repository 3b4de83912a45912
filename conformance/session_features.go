package conformance

import (
	"fmt"
	"time"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
)

// The Session steps of the optional driver features a row lists in Features:
// restart, instances, clock. Each checks the row declared the feature, so a driver
// without it is skipped before Play, never sent a command it did not announce.

// Restart reloads the client (feature restart; the row lists it in Features): its
// in-flight commands answer "aborted" and it rebuilds itself from what it persists.
func (s *Session) Restart() { s.RestartInstance(0) }

// RestartInstance reloads one instance (a tab); an instance other than 0 needs
// feature instances on the row too.
func (s *Session) RestartInstance(instance int) {
	s.needs(cut.FeatureRestart)
	t := time.Now()
	i := s.record(ReplyRecord{Cmd: "restart", Instance: instance, SentMs: s.ms(t)})
	r, ok := s.client.(cut.Restarter)
	if !ok {
		s.stop(HarnessError, "harness-error: the row restarts a client that cannot restart (list feature restart on the row)")
	}
	var err error
	if instance == 0 {
		err = r.Restart(s.ctx)
	} else {
		err = s.multi().RestartInstance(s.ctx, instance)
	}
	s.settle(i, cut.Reply{}, err, time.Now())
	if err != nil {
		s.fault(err, "restart")
	}
}

// needs ends the scenario as a harness error when the row uses feature f without
// listing it in Features: every driver-facing step of a feature is declared on the
// row, so a driver without it is skipped, never sent a command it never announced.
func (s *Session) needs(f string) {
	for _, x := range s.scenario.Features {
		if x == f {
			return
		}
	}
	s.stop(HarnessError, fmt.Sprintf("harness-error: the row uses feature %q without listing it in Features", f))
}

// multi is the client as a MultiInstance, or a harness error: the row must list
// feature instances, so a client without it is skipped before Play.
func (s *Session) multi() cut.MultiInstance {
	s.needs(cut.FeatureInstances)
	m, ok := s.client.(cut.MultiInstance)
	if !ok {
		s.stop(HarnessError, "harness-error: the row uses a second instance of a client without instances (list feature instances on the row)")
	}
	return m
}

// SetClientClock sets the client's own clock to now without running its timers
// (feature clock): a skewed device clock, or a laptop waking from sleep. The server's
// clock does not move.
func (s *Session) SetClientClock(now time.Time) {
	s.clockStep(func(c cut.Clocked) error { return c.SetClock(s.ctx, now) })
}

// TickClientClock advances the client's own clock by d, running the timers that fall
// due (feature clock). The server's clock does not move.
func (s *Session) TickClientClock(d time.Duration) {
	s.clockStep(func(c cut.Clocked) error { return c.TickClock(s.ctx, d) })
}

// AdvanceBoth moves the server's clock and then the client's by d: time passing for
// both, as it does in the real world (feature clock).
func (s *Session) AdvanceBoth(d time.Duration) {
	s.Server.Advance(d)
	s.TickClientClock(d)
}

func (s *Session) clockStep(step func(cut.Clocked) error) {
	s.needs(cut.FeatureClock)
	t := time.Now()
	i := s.record(ReplyRecord{Cmd: "clock", SentMs: s.ms(t)})
	c, ok := s.client.(cut.Clocked)
	if !ok {
		s.stop(HarnessError, "harness-error: the row moves the clock of a client without feature clock (list it on the row)")
	}
	err := step(c)
	s.settle(i, cut.Reply{}, err, time.Now())
	if err != nil {
		s.fault(err, "clock")
	}
}
