package driver

import (
	"bytes"
	"log"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("Clock", func() {
	t0 := time.Date(2026, 11, 26, 7, 12, 50, 0, time.UTC)

	// record is what the timers saw: their names, in the order they ran, and the
	// clock when each ran.
	type record struct {
		mu   sync.Mutex
		runs []string
		at   []time.Time
	}
	var (
		c   *Clock
		rec *record
		out *bytes.Buffer
	)
	timer := func(name string, d time.Duration) *Timer {
		return c.AfterFunc(d, func() {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			rec.runs = append(rec.runs, name)
			rec.at = append(rec.at, c.Now())
		})
	}
	runs := func() []string {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return append([]string{}, rec.runs...)
	}
	BeforeEach(func() {
		out = &bytes.Buffer{}
		c, rec = newClock(t0, log.New(out, "", 0)), &record{}
		DeferCleanup(c.stop)
	})

	It("starts at the time it is given and flows with real time", func() {
		Expect(c.Now()).To(BeTemporally("~", t0, time.Second)) // real time flows meanwhile: a loaded machine is slow
		time.Sleep(20 * time.Millisecond)
		Expect(c.Since(t0)).To(BeNumerically(">=", 20*time.Millisecond))
		Expect(c.Until(t0.Add(time.Minute))).To(BeNumerically("<", time.Minute))
	})

	It("moves the wall clock and every pending timer with it on set, running none", func() {
		timer("in 5s", 5*time.Second)
		c.set(t0.Add(time.Hour))
		Expect(c.Now()).To(BeTemporally("~", t0.Add(time.Hour), time.Second))
		c.set(t0.Add(-time.Hour))
		Expect(runs()).To(BeEmpty(), "a set backwards or forwards runs nothing")
		c.tick(4 * time.Second)
		Expect(runs()).To(BeEmpty(), "still 1s away")
		c.tick(time.Second)
		Expect(runs()).To(Equal([]string{"in 5s"}))
	})

	It("runs each timer that falls due on tick, in due order, each at its due time, before tick returns", func() {
		timer("c at 3s", 3*time.Second)
		timer("a at 1s", time.Second)
		timer("b at 1s", time.Second)
		timer("d at 10s", 10*time.Second)
		c.AfterFunc(2*time.Second, func() { timer("e set at 2s, due at 2.5s", 500*time.Millisecond) })
		start := c.Now()
		c.tick(5 * time.Second)
		Expect(runs()).To(Equal([]string{"a at 1s", "b at 1s", "e set at 2s, due at 2.5s", "c at 3s"}))
		for i, offset := range []time.Duration{time.Second, time.Second, 2500 * time.Millisecond, 3 * time.Second} {
			// Distinct due times are 500 ms apart at least: 200 ms tells them apart and
			// leaves room for real time flowing during the tick on a loaded machine.
			Expect(rec.at[i]).To(BeTemporally("~", start.Add(offset), 200*time.Millisecond), rec.runs[i])
		}
		Expect(c.Now()).To(BeTemporally("~", start.Add(5*time.Second), time.Second))
	})

	It("fires a timer when real time brings it due, and never a stopped one", func() {
		// Due before the one that fires, so a stopped timer that ran would show; far
		// enough off that Stop comes first even when the machine is busy.
		stopped := timer("stopped", 200*time.Millisecond)
		timer("fires", 300*time.Millisecond)
		Expect(stopped.Stop()).To(BeTrue())
		Expect(stopped.Stop()).To(BeFalse(), "a timer stops once")
		Eventually(runs).WithTimeout(5 * time.Second).Should(Equal([]string{"fires"}))
		Consistently(runs, 50*time.Millisecond).Should(Equal([]string{"fires"}))
	})

	It("runs nothing once it is thrown away", func() {
		timer("late", 100*time.Millisecond) // far enough off that stop comes first on a busy machine
		c.stop()
		timer("later", 0)
		c.tick(time.Minute)
		Consistently(runs, 300*time.Millisecond).Should(BeEmpty(), "late came due meanwhile")
	})

	It("logs a timer that panics and runs the next", func() {
		c.AfterFunc(time.Second, func() { panic("timer bug") })
		timer("after", 2*time.Second)
		c.tick(3 * time.Second)
		Expect(runs()).To(Equal([]string{"after"}))
		Expect(out.String()).To(ContainSubstring("a clock timer panicked: timer bug"))
	})
})
