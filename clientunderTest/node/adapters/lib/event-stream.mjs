// event-stream.mjs is the shared machinery of feature `sse` (the protocol's
// `subscribe`, `events` and `unsubscribe`; see driver-loop.mjs): it reads a
// text/event-stream response, keeps what it carried, and reconnects when the server
// ends it. What a client brings is how it connects — which token it sends — and what
// it does when a connect fails (refresh? give up?): those are its own logic, passed in
// as `connect` and `retry`. It runs in Node (a response body that is a Node stream) and
// in a browser page (a fetch body: a ReadableStream), for the adapters of browser mode.
//
// The parser is the WHATWG EventSource one, reduced to what a client needs here: lines
// end with CRLF, LF or CR; `data:` lines accumulate (joined by \n); `id:` sets the last
// event id (an id holding NUL is ignored); a blank line ends the event, and an event
// without data is not one (its id still counts); `event:`, `retry:` and comments (`:`)
// are ignored. An event cut short by the end of the stream is dropped, as browsers do.
//
// Reconnects: after the server ends the stream (or it breaks), the subscription
// connects again with `Last-Event-ID: <last id seen>`; a failed connect is handed to
// `retry`, which says whether to try again. Every connect, the first included, is
// paced: at most 3 in any second (MAX_CONNECTS_PER_SECOND), and after consecutive
// failures a small backoff (100 ms, doubling, at most 2 s), so no policy can make a
// client hammer the server.

import { shapeOutcome, shapeBody } from '../../kit/lib/reply.mjs';
import { pathOf } from './url-path.mjs';

export const MAX_CONNECTS_PER_SECOND = 3;
const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 2000;
// MAX_EVENTS bounds what one subscription keeps: past it the oldest are dropped (and
// counted), so a flood cannot grow the driver without bound.
const MAX_EVENTS = 100_000;
// MAX_EVENT_BYTES bounds one line or one event's data: a stream that never ends its
// line is not an event stream, and the subscription ends.
const MAX_EVENT_BYTES = 1024 * 1024;
// MAX_ERROR_BODY bounds the body read from a refused connect (for its reply).
const MAX_ERROR_BODY = 64 * 1024;

class StreamTooLarge extends Error {}

/**
 * openEventStream starts a subscription and returns it at once:
 *
 *   ready      settles once: {ok: true} when the first connect succeeded, else the
 *              final outcome of the first connect as a protocol reply ({status, body}
 *              or {error}); {error: 'aborted'} / {error: 'unsubscribed'} when the
 *              subscription ended before it connected.
 *   snapshot() {events: [data strings, in order], open, ended, streamError?,
 *              droppedEvents?} — open: a stream is connected right now (false between
 *              reconnects, and for good once ended); ended: the subscription is over
 *              (unsubscribed, aborted, or given up); streamError: why it ended, when
 *              it ended by itself.
 *   close()    ends it for good (unsubscribe): the stream is closed, no reconnect.
 *
 * options:
 *   connect({lastEventId, signal}) → a promise of an axios response with
 *       responseType 'stream' (GET, Accept: text/event-stream, the client's auth, and
 *       Last-Event-ID when lastEventId is not null); it rejects like axios.
 *   retry(err, {connected, failures}) → (a promise of) whether to connect again after
 *       a failed connect: err is axios's error (its response body already read into
 *       err.response.data), connected whether this subscription ever connected,
 *       failures how many connects failed in a row, this one included. Returning false
 *       ends the subscription: streamError (or, before the first connect, ready) says why.
 *   signal  the tab's lifetime: a restart or init ends the subscription ('aborted').
 *   log     the driver's log.
 */
export function openEventStream({ connect, retry, signal, log }) {
  const events = [];
  let dropped = 0;
  let lastEventId = null;
  let live = true; // not ended
  let connected = false;
  let streamError;
  let current = null; // the AbortController of the connect (and stream) in flight
  let stream = null; // the open response body
  const recent = []; // start times of the last connects (pacing)
  const life = new AbortController(); // aborted when the subscription ends

  let settle;
  const ready = new Promise((resolve) => (settle = resolve));
  let settled = false;
  const answer = (reply) => {
    if (settled) return;
    settled = true;
    settle(reply);
  };

  const end = (error, reply) => {
    if (!live) return;
    live = false;
    connected = false;
    if (error) streamError = error;
    life.abort();
    current?.abort();
    closeBody(stream);
    answer(reply ?? { error: error ?? 'unsubscribed' });
  };

  const onAbort = () => end('aborted', { error: 'aborted' });
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });

  const push = (data) => {
    events.push(data);
    if (events.length > MAX_EVENTS) {
      events.shift();
      dropped += 1;
    }
  };

  // pace waits until a connect may start: the backoff after failures, and never more
  // than MAX_CONNECTS_PER_SECOND in any second.
  const pace = async (failures) => {
    let wait = failures > 0 ? Math.min(BACKOFF_FIRST_MS * 2 ** (failures - 1), BACKOFF_MAX_MS) : 0;
    const now = Date.now();
    while (recent.length > 0 && now - recent[0] >= 1000) recent.shift();
    if (recent.length >= MAX_CONNECTS_PER_SECOND) wait = Math.max(wait, recent[0] + 1000 - now);
    if (wait > 0) await sleep(wait, life.signal);
    recent.push(Date.now());
  };

  const run = async () => {
    let everConnected = false;
    let failures = 0;
    while (live) {
      await pace(failures);
      if (!live) return;
      const attempt = new AbortController();
      current = attempt;
      let res;
      try {
        res = await connect({ lastEventId, signal: attempt.signal });
        if (!isEventStream(res)) throw notAnEventStream(res);
      } catch (err) {
        if (!live) return;
        await readErrorBody(err);
        failures += 1;
        let again = false;
        try {
          again = Boolean(await retry(err, { connected: everConnected, failures }));
        } catch (policyErr) {
          log('the reconnect policy failed:', policyErr?.message ?? policyErr);
        }
        if (!live) return;
        if (!again) {
          end(failureText(err), everConnected ? undefined : shapeOutcome({ ok: false, value: err }));
          return;
        }
        log(`event stream: connect failed (${failureText(err)}); reconnecting`);
        continue;
      }
      if (!live) {
        closeBody(res.data);
        return;
      }
      failures = 0;
      stream = res.data;
      connected = true;
      if (!everConnected) {
        everConnected = true;
        answer({ ok: true });
      }
      try {
        await readEvents(res.data, {
          onEvent: push,
          onId: (id) => (lastEventId = id),
        });
      } catch (err) {
        if (err instanceof StreamTooLarge) {
          end(err.message);
          return;
        }
        if (live) log('event stream broke:', err?.code ?? '', err?.message ?? err);
      } finally {
        stream = null;
        connected = false;
      }
      // The server ended the stream (or it broke): connect again, paced.
    }
  };
  run().catch((err) => {
    log('event stream failed:', err?.message ?? err);
    end(`internal: ${err?.message ?? err}`);
  });

  return {
    ready,
    snapshot: () => ({
      events: [...events],
      open: connected,
      ended: !live,
      ...(streamError !== undefined && { streamError }),
      ...(dropped > 0 && { droppedEvents: dropped }),
    }),
    close: () => end(undefined, { error: 'unsubscribed' }),
  };
}

/**
 * readEvents parses a text/event-stream body until it ends, calling onId(lastEventId)
 * at each event boundary and onEvent(data) for each event with data.
 */
export async function readEvents(body, { onEvent, onId }) {
  const decoder = new TextDecoder('utf-8');
  let pending = ''; // text after the last line end
  let afterCR = false; // the previous chunk ended with CR: a leading LF belongs to it
  let first = true;
  let data = '';
  let hasData = false;
  let idBuffer = null;

  const line = (text) => {
    if (text === '') {
      if (idBuffer !== null) onId(idBuffer);
      if (hasData) onEvent(data);
      data = '';
      hasData = false;
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      data = hasData ? data + '\n' + value : value;
      hasData = true;
      if (data.length > MAX_EVENT_BYTES) throw new StreamTooLarge(`an event's data is larger than ${MAX_EVENT_BYTES} bytes`);
    } else if (field === 'id' && !value.includes('\0')) {
      idBuffer = value;
    }
  };

  const feed = (text) => {
    if (first) {
      first = false;
      if (text.startsWith('\uFEFF')) text = text.slice(1);
    }
    let start = 0;
    if (afterCR && text.startsWith('\n')) start = 1;
    afterCR = false;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      line(pending + text.slice(start, i));
      pending = '';
      if (c === 13) {
        if (i + 1 === text.length) afterCR = true;
        else if (text.charCodeAt(i + 1) === 10) i += 1;
      }
      start = i + 1;
    }
    pending += text.slice(start);
    if (pending.length > MAX_EVENT_BYTES) throw new StreamTooLarge(`a line is longer than ${MAX_EVENT_BYTES} bytes`);
  };

  for await (const chunk of body) {
    feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
  }
  feed(decoder.decode());
  // Whatever is left (a line without its end, an event without its blank line) was
  // cut short by the end of the stream: dropped.
}

function isEventStream(res) {
  const type = String(res?.headers?.['content-type'] ?? '');
  return res && res.status >= 200 && res.status < 300 && type.toLowerCase().startsWith('text/event-stream');
}

// notAnEventStream is the error for a 2xx answer that is no event stream: it carries
// the response, so the reply shows what the server said.
function notAnEventStream(res) {
  const err = new Error(`the answer is not an event stream (HTTP ${res?.status}, Content-Type ${res?.headers?.['content-type'] ?? 'none'})`);
  err.code = 'ERR_NOT_EVENT_STREAM';
  err.response = res;
  err.config = res?.config;
  return err;
}

// readErrorBody replaces a refused connect's streamed body by its parsed text, so a
// reply can show it (and the connection is freed).
async function readErrorBody(err) {
  const res = err?.response;
  const body = res?.data;
  if (!body || typeof body[Symbol.asyncIterator] !== 'function') return;
  const decoder = new TextDecoder('utf-8');
  let text = '';
  try {
    for await (const chunk of body) {
      if (text.length < MAX_ERROR_BODY) text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    }
  } catch {
    // what arrived is what there is
  }
  res.data = shapeBody(text.slice(0, MAX_ERROR_BODY));
}

// closeBody lets a response body go: a Node stream is destroyed, a fetch body cancelled.
function closeBody(body) {
  if (typeof body?.destroy === 'function') body.destroy();
  else if (typeof body?.cancel === 'function') body.cancel().catch(() => {});
}

// failureText says why a connect failed, briefly and without tokens:
// "HTTP 401 from POST /api/auth/refresh: the refresh token was revoked".
export function failureText(err) {
  const res = err?.response;
  if (res && Number.isInteger(res.status)) {
    const method = String(err.config?.method ?? res.config?.method ?? 'GET').toUpperCase();
    const message = typeof res.data?.message === 'string' ? `: ${res.data.message}` : '';
    return `HTTP ${res.status} from ${method} ${pathOf(err.config ?? res.config)}${message}`;
  }
  const code = err?.code ?? err?.cause?.code ?? 'ERROR';
  const message = err?.message ?? String(err);
  return message.startsWith(code) ? message : `${code} ${message}`;
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
