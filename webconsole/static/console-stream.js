// tokenclock console: reads the journal stream in a worker, off the page's main
// thread. A burst of requests brings thousands of events a second; parsing each
// here and posting one summary every BATCH_MS keeps the page responsive while a
// client floods the server.
"use strict";

const BATCH_MS = 50;
const FRESH_MAX = 500; // only the newest rows can be in view when they arrive

let batch = emptyBatch();
let timer = 0;
const counted = new Set(); // seqs whose final state was counted (an entry arrives pending, then finishes)
let newest = 0;

function emptyBatch() {
  return { last: 0, requests: 0, refresh: 0, unauthorized: 0, reuse: [], fresh: [], updated: [], reset: false };
}

let lastFlush = 0;

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

// countFinal counts a request once, when its answer is final.
function countFinal(e) {
  if (e.pending || counted.has(e.seq)) return;
  counted.add(e.seq);
  if (counted.size > 20000) {
    // Only recent seqs can come again (an update after a reconnect): forget the rest.
    for (const seq of counted) if (seq < newest - 10000) counted.delete(seq);
  }
  if (e.path === "/api/auth/refresh") batch.refresh++;
  if (e.status === 401) batch.unauthorized++;
  if (e.refreshState === "reused") batch.reuse.push({ seq: e.seq, token: e.refreshToken });
}

function connect(url) {
  const src = new EventSource(url);
  src.onopen = () => postMessage({ open: true });
  // EventSource reconnects by itself, sending Last-Event-ID.
  src.onerror = () => postMessage({ down: true });
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
  src.addEventListener("reset", () => {
    // What came before the reset is gone: the page starts over from this batch.
    batch = emptyBatch();
    batch.reset = true;
    counted.clear();
    newest = 0;
    flushSoon();
  });
}

onmessage = (ev) => {
  if (ev.data && ev.data.connect) connect(ev.data.connect);
};
