// clock.mjs is the page's controllable clock (feature clock in browser mode): it
// replaces Date, setTimeout, setInterval and their clear functions with versions that
// run on a wall clock the harness can set and tick, as the reference client's clock
// and @sinonjs/fake-timers do:
//
//   set(nowMs)  moves the wall clock to nowMs and every pending timer with it, running
//               none (a skewed device clock, a laptop that slept);
//   tick(byMs)  advances the wall clock by byMs and runs every timer that falls due,
//               in order, before it returns.
//
// Unlike a frozen fake clock, this one also flows with real time between the
// harness's moves (sinon's shouldAdvanceTime): a page's real-time waits — a request
// timeout, a reconnect's pacing — still run, while a timer set 45 s ahead runs only
// when the harness ticks past it. performance.now stays real: it is a monotonic
// clock no device setting moves, and a client that measures lifetimes with it is
// right to be immune to a skewed wall clock.
//
// Why not the DevTools protocol's virtual time: it pauses the whole renderer between
// budgets (network replies included), so a held refresh or a quiet period would stall
// the page instead of letting it run.

const native = {
  Date,
  setTimeout: globalThis.setTimeout.bind(globalThis),
  clearTimeout: globalThis.clearTimeout.bind(globalThis),
  now: () => performance.timeOrigin + performance.now(),
};

// installClock replaces the page's timer functions; startMs is the wall clock now.
// It returns the controls {set, tick, now}. Install once, before any client code runs.
export function installClock(startMs) {
  let base = startMs; // the wall clock at realAt
  let realAt = native.now();
  const now = () => base + (native.now() - realAt);

  // timers: pending callbacks by id; each {due, seq, fn, args, every}. seq breaks ties.
  const timers = new Map();
  let nextId = 1;
  let seq = 0;
  let armed = null; // the one native timeout set for the earliest due timer

  const arm = () => {
    if (armed !== null) native.clearTimeout(armed);
    armed = null;
    let earliest = Infinity;
    for (const t of timers.values()) earliest = Math.min(earliest, t.due);
    if (earliest === Infinity) return;
    armed = native.setTimeout(() => {
      armed = null;
      runDue(now());
    }, Math.max(0, earliest - now()));
  };

  // runDue runs every timer due by `until`, earliest first; a callback may set or
  // clear timers (an interval re-arms itself).
  const runDue = (until) => {
    for (;;) {
      let next = null;
      for (const [id, t] of timers) {
        if (t.due <= until && (next === null || t.due < next[1].due || (t.due === next[1].due && t.seq < next[1].seq))) {
          next = [id, t];
        }
      }
      if (next === null) break;
      const [id, t] = next;
      if (t.every === undefined) timers.delete(id);
      else t.due += t.every, (t.seq = seq++);
      try {
        t.fn(...t.args);
      } catch (err) {
        // As a browser does: an exception in a timer is reported, the others still run.
        native.setTimeout(() => {
          throw err;
        });
      }
    }
    arm();
  };

  const add = (fn, ms, args, repeat) => {
    if (typeof fn !== 'function') fn = new Function(String(fn)); // setTimeout('code') is legal
    const delay = Math.max(0, Number(ms) || 0);
    const id = nextId++;
    timers.set(id, { due: now() + delay, seq: seq++, fn, args, every: repeat ? Math.max(1, delay) : undefined });
    arm();
    return id;
  };
  const clear = (id) => {
    if (timers.delete(id)) arm();
  };

  globalThis.setTimeout = (fn, ms, ...args) => add(fn, ms, args, false);
  globalThis.setInterval = (fn, ms, ...args) => add(fn, ms, args, true);
  globalThis.clearTimeout = clear;
  globalThis.clearInterval = clear;

  // Date: the same class, with "now" read from this clock.
  class ClockDate extends native.Date {
    constructor(...args) {
      if (args.length === 0) super(now());
      else super(...args);
    }
    static now() {
      return Math.floor(now());
    }
  }
  globalThis.Date = ClockDate;

  return {
    now,
    set(ms) {
      const shift = ms - now();
      base = ms;
      realAt = native.now();
      for (const t of timers.values()) t.due += shift;
      arm();
    },
    tick(byMs) {
      const end = now() + byMs;
      // Each timer runs with the clock at its due time, as in the reference client.
      for (;;) {
        let next = Infinity;
        for (const t of timers.values()) next = Math.min(next, t.due);
        if (next > end) break;
        base = next;
        realAt = native.now();
        runDue(next);
      }
      base = end;
      realAt = native.now();
      arm();
    },
  };
}
