// tokenclock console: reads the journal stream in a worker, off the page's main
// thread. A burst of requests brings thousands of events a second; parsing each
// here and posting one summary at most every BATCH_MS keeps the page responsive
// while a client floods the server.
"use strict";

const BATCH_MS = 50;
const FRESH_MAX = 500; // only the newest rows can be in view when they arrive

let batch = emptyBatch();
let timer = 0;
let lastFlush = 0;
const counted = new Set(); // seqs whose final state was counted (an entry arrives pending, then finishes)
let newest = 0; // the newest seq this page has seen arrive
let since = 0; // entries up to this seq arrived before the page opened: not counted
let journal = null; // {server, resets} of the journal the ids count in
let src = null;
let base = "";

function emptyBatch() {
  return { last: 0, requests: 0, refresh: 0, unauthorized: 0, reuse: [], fresh: [], updated: [], reset: null };
}

// flushSoon posts what arrived at once when the stream was quiet (a request's row
// should appear as it happens), and at most every BATCH_MS during a burst.
function flushSoon() {
  if (!timer) timer = setTimeout(flush, Math.max(0, lastFlush + BATCH_MS - performance.now()));
}

function flush() {
  timer = 0;
  lastFlush = performance.now();
  if (batch.fresh.length > FRESH_MAX) batch.fresh = batch.fresh.slice(-FRESH_MAX);
  postMessage({ batch });
  batch = emptyBatch();
}

// countFinal counts a request once, when its answer is final, and only if it
// arrived while the page was open (the counters say "since the page was opened").
function countFinal(e) {
  if (e.pending || e.seq <= since || counted.has(e.seq)) return;
  counted.add(e.seq);
  if (counted.size > 20000) {
    // Only recent seqs can come again (an update after a reconnect): forget the rest.
    for (const seq of counted) if (seq < newest - 10000) counted.delete(seq);
  }
  if (e.path === "/api/auth/refresh") batch.refresh++;
  if (e.status === 401) batch.unauthorized++;
  if (e.refreshState === "reused") batch.reuse.push({ seq: e.seq, token: e.refreshToken });
}

// startOver forgets everything: the journal was reset, or the server is another
// one. The page redraws from the server's state; counting starts again.
function startOver(why, last) {
  batch = emptyBatch();
  batch.reset = why;
  counted.clear();
  newest = last;
  since = last;
  flush();
}

function connect(after) {
  src = new EventSource(`${base}?after=${after}`);
  src.onopen = () => postMessage({ open: true });
  src.onerror = () => {
    // EventSource reconnects by itself, sending Last-Event-ID, unless the server
    // answered something other than a stream.
    postMessage(src.readyState === EventSource.CLOSED ? { closed: true } : { down: true });
  };
  // First on every connection: which server and journal the ids count in. After a
  // reconnect, a different one means the ids resumed from belong to another
  // journal (the server restarted, or was reset while we were away).
  src.addEventListener("journal", (ev) => {
    const j = JSON.parse(ev.data);
    if (journal && (j.server !== journal.server || j.resets !== journal.resets)) {
      const why = j.server !== journal.server ? "restarted" : "reset";
      journal = { server: j.server, resets: j.resets };
      src.close();
      startOver(why, j.last);
      connect(j.last);
      return;
    }
    journal = { server: j.server, resets: j.resets };
  });
  src.onmessage = (ev) => {
    const e = JSON.parse(ev.data);
    newest = Math.max(newest, e.seq);
    batch.requests++;
    batch.last = Math.max(batch.last, e.seq);
    batch.fresh.push(e.seq);
    countFinal(e);
    flushSoon();
  };
  src.addEventListener("update", (ev) => {
    const e = JSON.parse(ev.data);
    countFinal(e);
    batch.updated.push(e.seq);
    flushSoon();
  });
  src.addEventListener("reset", (ev) => {
    journal.resets = JSON.parse(ev.data).resets;
    startOver("reset", 0);
  });
}

onmessage = (ev) => {
  if (ev.data && ev.data.connect) {
    base = ev.data.connect;
    since = newest = ev.data.after;
    connect(ev.data.after);
  }
};
