// tokenclock console: draws the journal live and calls the control API.
//
// The page keeps no copy of the journal. It knows the seqs it holds (first..last),
// learns of each new or finished request from the journal stream, and asks the
// server to draw the rows in view (ui/rows: the report's own renderer). So a
// journal of 100 000 entries costs a tall empty spacer and one screenful of SVG.
"use strict";

const control = new URL("../", location.href); // /_tokenclock/
const ui = new URL("./", location.href); // /_tokenclock/ui/
const $ = (id) => document.getElementById(id);

const OVERSCAN = 40; // rows drawn above and below the view, so a scroll shows rows at once
const STATE_POLL_MS = 1000; // the real clock moves even when nothing happens

const view = {
  layout: null,
  first: 1, // the oldest seq the server still holds
  last: 0, // the newest seq
  drawn: null, // {from, to} of the rows on screen
  dirty: true, // something in the drawn window changed
  inFlight: false,
  frame: 0,
  fresh: new Set(), // seqs to flash when drawn (new requests)
  reuses: new Map(), // spent token label → {first: the lowest seq of its reuses, n}
  lastReused: "", // the token of the newest reuse: the alert names it
  scale: 1, // the diagram drawn at this size (fit)
  rowPx: 20, // one row's height on screen
};
const counts = { requests: 0, refresh: 0, unauthorized: 0, reuse: 0 };

// ---- control API ---------------------------------------------------------

async function call(path, body) {
  const res = await fetch(new URL(path, control), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body ?? {}),
  });
  let answer = {};
  try {
    answer = await res.json();
  } catch {
    /* an empty answer */
  }
  if (!res.ok) {
    throw new Error(answer.message || `${path}: HTTP ${res.status}`);
  }
  return answer;
}

async function act(label, path, body) {
  try {
    const answer = await call(path, body);
    note(`${label}: ${describe(answer)}`);
  } catch (err) {
    alertBox(`${label} failed: ${err.message}`);
  }
  refreshState();
}

function describe(answer) {
  if (answer.now) return `server clock now ${answer.now}`;
  if (answer.id) return `rule #${answer.id} added`;
  if (answer.removed) return `removed rule #${answer.removed.join(", #")}`;
  if (answer.released) return `released ${answer.released.length ? "rule #" + answer.released.join(", #") : "nothing (no rule holds)"}`;
  if ("accessTokens" in answer) return `${answer.accessTokens} access tokens, ${answer.refreshFamilies} refresh families revoked`;
  return answer.message || "done";
}

const actions = {
  "expire-access": () => act("Expire access token", "expire", { what: "access" }),
  "expire-refresh": () => act("Expire refresh token", "expire", { what: "refresh" }),
  "revoke-access": () => act("Revoke all access tokens", "revoke", { what: "access" }),
  "revoke-refresh": () => act("Revoke all refresh families", "revoke", { what: "refresh" }),
  "release-all": () => act("Release all holds", "faults/release", {}),
  "clear-faults": async () => {
    try {
      const res = await fetch(new URL("faults", control), { method: "DELETE" });
      const answer = await res.json();
      if (!res.ok) throw new Error(answer.message || `HTTP ${res.status}`);
      note(`Remove all rules: ${answer.message}`);
    } catch (err) {
      alertBox(`Remove all rules failed: ${err.message}`);
    }
    refreshState();
  },
  // Two clicks, not a confirm() dialog: a dialog stops every page script (and the
  // live diagram) until it is answered.
  reset: (button) => {
    if (button.dataset.armed) {
      disarm(button);
      act("Reset server", "reset", {});
      return;
    }
    button.dataset.armed = "yes";
    button.textContent = "Click again to reset";
    button.disarm = setTimeout(() => disarm(button), 4000);
  },
};

function disarm(button) {
  clearTimeout(button.disarm);
  delete button.dataset.armed;
  button.textContent = "Reset server";
}

function note(text) {
  $("last-action").textContent = text;
}

function alertBox(text, kind) {
  const a = $("alert");
  a.textContent = text;
  a.className = "alert" + (kind ? " " + kind : "");
  a.hidden = false;
}

// ---- the fault form ------------------------------------------------------

function faultBody(form) {
  const f = new FormData(form);
  const action = f.get("action");
  const body = { action, method: f.get("method"), path: f.get("path").trim() };
  const whole = (name) => Number.parseInt(f.get(name) || "0", 10);
  body.after = whole("after");
  body.times = whole("times");
  if (action === "status") body.status = whole("status") || 503;
  if ((action === "hold" || action === "hold-response") && whole("holdStatus") > 0) body.status = whole("holdStatus");
  if (action === "delay") body.delay = f.get("delay").trim();
  if (action === "hold" || action === "hold-response") {
    if (f.get("holdFor").trim()) body.holdFor = f.get("holdFor").trim();
    if (whole("releaseAfter") > 0) body.releaseAfter = whole("releaseAfter");
  }
  return body;
}

function showFaultFields(form) {
  const action = form.elements.action.value;
  for (const label of form.querySelectorAll("[data-for]")) {
    label.hidden = !label.dataset.for.split(" ").includes(action);
  }
}

// ---- state panel ---------------------------------------------------------

let stateTimer = 0;
let stateInFlight = false;

async function refreshState() {
  if (stateInFlight) return;
  stateInFlight = true;
  try {
    const res = await fetch(new URL("state", control));
    if (res.ok) showState(await res.json());
  } catch {
    /* the connection badge says the server is gone */
  } finally {
    stateInFlight = false;
  }
}

function showState(st) {
  // The clock to the millisecond: enough to read expiry, short enough to scan.
  $("s-now").textContent = st.now.replace("T", " ").replace(/(\.\d{3})\d*Z$/, "$1Z");
  $("s-offset").textContent = (st.clockOffset ?? "–").replace(/(\.\d{3})\d*s$/, "$1s");
  $("s-ttl").textContent = `access ${st.accessTTL} · refresh ${st.refreshTTL}`;
  $("s-rotation").textContent = st.rotation ? `on (reuse grace ${st.reuseGrace})` : "off";
  const a = st.accessTokens || {};
  $("s-access").textContent = `${a.valid ?? 0} valid · ${a.expired ?? 0} expired · ${a.revoked ?? 0} revoked`;
  // The oldest seq still held: entries are dropped oldest first, and counted.
  const first = (st.journalDropped || 0) + 1;
  if (first !== view.first || st.requests > view.last) {
    view.first = first;
    view.last = Math.max(view.last, st.requests);
    resize();
  }
  showFamilies(st);
  showRules(st.rules || []);
}

function item(text, cls, buttons) {
  const li = document.createElement("li");
  const what = document.createElement("span");
  what.className = "what " + (cls || "");
  what.textContent = text;
  li.append(what);
  const btns = document.createElement("span");
  for (const [label, fn] of buttons) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "small";
    b.textContent = label;
    b.addEventListener("click", fn);
    btns.append(b);
  }
  li.append(btns);
  return li;
}

// unchanged reports whether a list shows the same data as last time, so a poll
// does not rebuild it under the pointer of someone about to click its button.
function unchanged(list, data) {
  const key = JSON.stringify(data);
  if (list.dataset.key === key) return true;
  list.dataset.key = key;
  return false;
}

function showFamilies(st) {
  const list = $("families");
  const fams = st.refreshFamilies || [];
  $("families-total").textContent = st.families
    ? `${st.liveFamilies} live of ${st.families} started${fams.length < st.families ? ` (the ${fams.length} most recently used shown)` : ""}`
    : "No login yet.";
  if (unchanged(list, fams)) return;
  list.replaceChildren(
    ...fams.map((f) => {
      const chain = f.first === f.current ? f.current : `${f.first} → ${f.current}`;
      const who = f.email ? ` · ${f.email}` : "";
      // By its current token: the first may be forgotten already (the token bound),
      // the current one never while the family is remembered.
      const buttons = f.state === "live" ? [["Revoke", () => act(`Revoke family ${chain}`, "revoke", { what: "refresh", family: f.current })]] : [];
      return item(`${chain} (${f.tokens} ${f.tokens === 1 ? "token" : "tokens"})${who} · ${f.state}`, "st-" + f.state, buttons);
    }),
  );
}

function showRules(rules) {
  if (unchanged($("rules"), rules)) return;
  $("rules").replaceChildren(
    ...rules.map((r) => {
      const where = `${r.method || "any"} ${r.path || "any path"}`;
      let what = `#${r.id} ${r.action}${r.status ? " " + r.status : ""}${r.delay ? " " + r.delay : ""} · ${where}`;
      if (r.after) what += ` · after ${r.after}`;
      if (r.times) what += ` · ${r.times}×`;
      what += ` · matched ${r.matched}`;
      const holds = r.action === "hold" || r.action === "hold-response";
      if (holds) what += ` · held ${r.held}${r.waiting ? ` · ${r.waiting} waiting` : ""}${r.released ? " · released" : ""}`;
      const buttons = [];
      if (holds && !r.released) buttons.push(["Release", () => act(`Release rule #${r.id}`, "faults/release", { id: r.id })]);
      buttons.push(["Remove", () => act(`Remove rule #${r.id}`, "faults/remove", { id: r.id })]);
      return item(what, r.waiting ? "waiting" : "", buttons);
    }),
  );
}

// ---- the journal stream --------------------------------------------------

function showCounts() {
  $("n-requests").textContent = counts.requests;
  $("n-refresh").textContent = counts.refresh;
  $("n-401").textContent = counts.unauthorized;
  $("n-reuse").textContent = counts.reuse;
  $("n-reuse").classList.toggle("hot", counts.reuse > 0);
}

function inWindow(seq) {
  return view.drawn && seq >= view.drawn.from && seq <= view.drawn.to;
}

// connect reads the journal stream in a worker (console-stream.js), which posts a
// summary of what arrived every few tens of milliseconds.
function connect(after) {
  const worker = new Worker(new URL("console-stream.js", ui));
  worker.onmessage = ({ data }) => {
    if (data.open) badge("live", "live");
    if (data.down) badge("reconnecting…", "down");
    if (data.closed) badge("disconnected: the server refused the journal stream — reload the page", "down");
    if (data.batch) apply(data.batch);
  };
  worker.postMessage({ connect: new URL("journal/stream", control).href, after });
}

function badge(text, cls) {
  $("conn").textContent = text;
  $("conn").className = "conn " + cls;
}

// apply takes one summary from the stream worker.
function apply(b) {
  if (b.reset) startOver(b.reset);
  counts.requests += b.requests;
  counts.refresh += b.refresh;
  counts.unauthorized += b.unauthorized;
  counts.reuse += b.reuse.length;
  for (const r of b.reuse) {
    // One incident per spent token: its first reuse, and how many followed.
    // Entries are counted as their answers come, which under load is not always
    // in seq order: the incident is named by the lowest seq, where it began.
    const seen = view.reuses.get(r.token) ?? { first: r.seq, n: 0 };
    seen.first = Math.min(seen.first, r.seq);
    seen.n++;
    view.reuses.set(r.token, seen);
    view.lastReused = r.token;
  }
  if (b.reuse.length) {
    const { first, n } = view.reuses.get(view.lastReused);
    const times = n > 1 ? ` (and ${n - 1} more times)` : "";
    alertBox(`⚠ Refresh token reuse detected at #${first}: ${view.lastReused} was presented again after it was rotated${times}, ` +
      "so the server revoked its whole family. That session's next refresh fails, in every tab that shares it: its user is logged out once the access token expires.");
  }
  for (const seq of b.fresh) view.fresh.add(seq);
  if (b.last > view.last) view.last = b.last;
  if (b.updated.some(inWindow)) view.dirty = true;
  resizeSoon();
  scheduleState();
}

// startOver clears the diagram and counters: the journal was reset, or the server
// restarted (the stream worker noticed either).
function startOver(why) {
  view.first = 1;
  view.last = 0;
  view.fresh.clear();
  view.drawn = null;
  view.reuses.clear();
  Object.keys(counts).forEach((k) => (counts[k] = 0));
  const svg = $("rows");
  svg.innerHTML = "";
  svg.setAttribute("height", 0);
  $("scroller").scrollTop = 0;
  if (why === "restarted") alertBox("The server restarted: the journal starts over.", "info");
  else $("alert").hidden = true;
  refreshState();
}

let countsFrame = 0;
function showCountsSoon() {
  if (!countsFrame) countsFrame = requestAnimationFrame(() => ((countsFrame = 0), showCounts()));
}

function scheduleState() {
  if (!stateTimer) stateTimer = setTimeout(() => ((stateTimer = 0), refreshState()), 150);
}

// ---- the diagram ---------------------------------------------------------

// fit scales the diagram down to the pane when it is a little narrower than the
// diagram (so the refresh lane's answers stay in view), but not below NARROWEST:
// in a narrow window the diagram keeps its size and scrolls sideways.
const NARROWEST = 900;
function fit() {
  const { width, rowHeight } = view.layout;
  const pane = $("scroller").clientWidth;
  view.scale = pane >= NARROWEST ? Math.min(1, pane / width) : 1;
  view.rowPx = rowHeight * view.scale;
  document.documentElement.style.setProperty("--row", `${view.rowPx}px`);
  drawLanes();
}

function drawLanes() {
  const { width, lanes } = view.layout;
  const head = $("lanes");
  head.setAttribute("width", width * view.scale);
  head.setAttribute("height", 24 * view.scale);
  head.setAttribute("viewBox", `0 0 ${width} 24`);
  const parts = [`<text class="gutter" x="4" y="16">virtual</text><text class="gutter" x="92" y="16">real</text>`];
  for (const l of lanes) {
    parts.push(`<g class="lane"><text x="${l.x}" y="16" text-anchor="middle">${l.name}</text></g>`);
  }
  head.innerHTML = parts.join("");
}

function rows() {
  return Math.max(0, view.last - view.first + 1);
}

// resizeSoon resizes once per frame: a burst of requests brings thousands of
// events a second, and each resize makes the browser lay the page out.
let resizeFrame = 0;
function resizeSoon() {
  if (!resizeFrame) resizeFrame = requestAnimationFrame(() => ((resizeFrame = 0), resize()));
}

// resize grows the spacer to the journal's length, follows the newest row when
// asked to, and draws what is in view.
function resize() {
  $("spacer").style.height = `${rows() * view.rowPx}px`;
  $("empty").hidden = rows() > 0;
  if ($("follow").checked) {
    const s = $("scroller");
    s.scrollTop = s.scrollHeight;
  }
  if (view.drawn && view.drawn.from < view.first) view.dirty = true; // the oldest rows were dropped
  showCountsSoon();
  draw(); // now, not a frame later: a new row should show as it happens
}

function scheduleDraw() {
  if (!view.frame) view.frame = requestAnimationFrame(draw);
}

// draw asks the server for the rows in view (plus OVERSCAN) when they are not the
// ones drawn, or when one of them changed; one request at a time.
async function draw() {
  cancelAnimationFrame(view.frame);
  view.frame = 0;
  if (view.inFlight) return;
  const s = $("scroller");
  if (rows() === 0) {
    $("rows").innerHTML = "";
    $("rows").setAttribute("height", 0);
    view.drawn = null;
    return;
  }
  // A scroll position beyond the rows (the journal was reset or shrank) shows the last ones.
  const top = Math.min(Math.floor(s.scrollTop / view.rowPx), rows() - 1);
  const bottom = Math.ceil((s.scrollTop + s.clientHeight) / view.rowPx);
  const from = Math.max(view.first, view.first + top - OVERSCAN);
  const to = Math.min(view.last, Math.max(from, view.first + bottom + OVERSCAN));
  const need = !view.drawn || view.dirty || from < view.drawn.from || to > view.drawn.to;
  if (!need) return;
  view.inFlight = true;
  view.dirty = false;
  try {
    const res = await fetch(new URL(`rows?from=${from}&to=${to}`, ui));
    if (!res.ok) throw new Error((await res.json()).message);
    place(await res.json());
  } catch (err) {
    view.dirty = true;
    badge(`cannot draw rows: ${err.message}`, "down");
  } finally {
    view.inFlight = false;
  }
  scheduleDraw(); // anything that arrived meanwhile
}

function place(answer) {
  const { width, rowHeight, lanes } = view.layout;
  const svg = $("rows");
  const height = (answer.to - answer.from + 1) * rowHeight;
  svg.setAttribute("width", width * view.scale);
  svg.setAttribute("height", height * view.scale);
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.style.top = `${(answer.from - view.first) * view.rowPx}px`;
  const laneLines = lanes.map((l) => `<g class="lane"><line x1="${l.x}" y1="0" x2="${l.x}" y2="${height}"></line></g>`).join("");
  svg.innerHTML = laneLines + answer.svg;
  for (const g of svg.querySelectorAll("g.arrow")) {
    if (view.fresh.has(Number(g.dataset.seq))) g.dataset.fresh = "";
  }
  view.fresh.clear(); // what arrived outside this window is not new any more when scrolled to
  view.drawn = { from: answer.from, to: answer.to };
}

// ---- start ---------------------------------------------------------------

async function start() {
  document.addEventListener("click", (ev) => {
    const a = ev.target.closest("[data-action]");
    if (a && actions[a.dataset.action]) actions[a.dataset.action](a);
  });
  $("alert").addEventListener("click", () => ($("alert").hidden = true));
  $("advance").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const by = ev.target.elements.by.value.trim();
    act(`Advance clock by ${by}`, "clock/advance", { by });
  });
  const form = $("fault");
  form.elements.action.addEventListener("change", () => showFaultFields(form));
  showFaultFields(form);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    act("Add rule", "faults", faultBody(form));
  });

  view.layout = await (await fetch(new URL("layout", ui))).json();
  fit();
  const st = await (await fetch(new URL("state", control))).json();
  view.first = (st.journalDropped || 0) + 1;
  view.last = st.requests;
  showState(st);
  resize();
  connect(st.requests);
  setInterval(refreshState, STATE_POLL_MS);

  // Only now that the layout is known: the handlers below use it.
  const s = $("scroller");
  let lastTop = s.scrollTop;
  s.addEventListener("scroll", () => {
    // Scrolling up stops following; reaching the bottom resumes it. Following
    // itself only scrolls down, and a taller window clamps the position upwards
    // while at the bottom: neither is the reader scrolling up.
    const atBottom = s.scrollTop + s.clientHeight >= s.scrollHeight - view.rowPx;
    if (atBottom) $("follow").checked = true;
    else if (s.scrollTop < lastTop - 2) $("follow").checked = false;
    lastTop = s.scrollTop;
    $("lanes").parentElement.scrollLeft = s.scrollLeft;
    scheduleDraw();
  });
  $("follow").addEventListener("change", () => $("follow").checked && resize());
  window.addEventListener("resize", () => {
    fit();
    view.dirty = true;
    resize();
  });
}

start().catch((err) => alertBox(`The console could not start: ${err.message}`));
