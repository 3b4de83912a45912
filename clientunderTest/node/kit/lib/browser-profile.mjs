// browser-profile.mjs stands in for what the tabs of one browser profile share, beyond
// the cookie jar (a tough-cookie CookieJar, kept by each driver): localStorage with its
// cross-tab `storage` event, and navigator.locks. A driver keeps one of each in the
// loop's `persisted` object, so every instance (tab) of a scenario shares them and a
// reload (restart) of one instance keeps them; init starts a new profile.

/**
 * createLocks is a stand-in for navigator.locks (the Web Locks API) of one profile:
 * request(name, {signal}, callback) runs callback once every earlier holder of name
 * has finished — a promise-chain mutex, first come first served — and settles with
 * callback's outcome. The lock is held until callback settles, or until signal (the
 * requesting tab's lifetime) aborts: a browser drops the locks of a tab that goes
 * away. A request whose signal aborts while it waits never runs, and rejects at once.
 */
export function createLocks() {
  const tails = new Map(); // name → settles once the last queued holder is done

  const request = (name, options, callback) => {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const prev = tails.get(name) ?? Promise.resolve();
    let release;
    const mine = new Promise((resolve) => (release = resolve));
    // The next holder waits for the previous ones and for us, whichever order we end in.
    const tail = prev.then(() => mine);
    tails.set(name, tail);
    tail.then(() => {
      if (tails.get(name) === tail) tails.delete(name);
    });

    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (fn, value) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        release();
        fn(value);
      };
      const onAbort = () => finish(reject, abortError(signal));
      signal?.addEventListener('abort', onAbort, { once: true });
      prev.then(() => {
        if (settled) return; // aborted while waiting: never granted
        let work;
        try {
          work = Promise.resolve(callback());
        } catch (err) {
          work = Promise.reject(err);
        }
        work.then(
          (v) => finish(resolve, v),
          (err) => finish(reject, err),
        );
      });
    });
  };

  /** held reports whether name is held or waited for (navigator.locks ifAvailable). */
  const held = (name) => tails.has(name);

  return { request, held };
}

/**
 * createStorage is one profile's localStorage: string keys and values. Each tab opens
 * it with openTab; a change made through one tab is announced to every other open tab
 * as a `storage` event ({key, oldValue, newValue}), never to the tab that made it, and
 * only when the value really changed — as browsers do. Events are delivered at once
 * (a browser queues them as a task), so a test sees their effect as soon as the
 * writing command is answered.
 */
export function createStorage() {
  const items = new Map();
  const tabs = new Set(); // each open tab's listeners

  const write = (from, key, value) => {
    const oldValue = items.has(key) ? items.get(key) : null;
    if (value === null) items.delete(key);
    else items.set(key, value);
    if (oldValue === value) return;
    const event = { key, oldValue, newValue: value };
    for (const tab of [...tabs]) {
      if (tab === from) continue;
      for (const listener of [...tab]) {
        try {
          listener(event);
        } catch (err) {
          console.error('[driver] storage listener failed:', err?.message ?? err);
        }
      }
    }
  };

  /**
   * openTab is one tab's window.localStorage; the tab closes (its listeners go) when
   * signal aborts — a reload opens a new one.
   */
  const openTab = (signal) => {
    const listeners = new Set();
    tabs.add(listeners);
    signal?.addEventListener('abort', () => tabs.delete(listeners), { once: true });
    return {
      getItem: (key) => (items.has(key) ? items.get(key) : null),
      setItem: (key, value) => write(listeners, key, String(value)),
      removeItem: (key) => write(listeners, key, null),
      /** onStorage is window.addEventListener('storage', listener). */
      onStorage: (listener) => listeners.add(listener),
    };
  };

  return { openTab };
}

function abortError(signal) {
  const reason = signal?.reason;
  if (reason instanceof Error) return reason;
  const err = new Error('the tab went away (aborted)');
  err.name = 'AbortError';
  return err;
}
