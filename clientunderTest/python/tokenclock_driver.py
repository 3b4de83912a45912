"""tokenclock_driver: driver protocol v1 (docs/driver-protocol.md) for Python clients.

Standard library only, Python 3.11. You write an adapter class around your client and
hand it to main(); the kit speaks the whole protocol on stdin/stdout:

    import tokenclock_driver as tc

    class MyAdapter:
        def __init__(self, cfg):            # cfg: tc.Config, one per instance (tab)
            ...
        def login(self, email, password):   # -> (status, body)
            ...
        def request(self, method, path, body, headers, cancel):   # -> (status, body)
            ...
        def logout(self):                   # -> (status, body)
            ...
        def close(self):                    # optional: the instance is being replaced
            ...

    tc.main(MyAdapter, name="my-client", version="1.0")

What the adapter returns: (status, body) for ANY HTTP response, 4xx and 5xx included;
body may be the raw bytes/str of the response (the kit parses JSON, keeps other text,
turns an empty body into null) or an already parsed JSON value. A requests or httpx
Response object works too (status_code, content). An exception means "no HTTP
response": the reply is {"error": "ECONNRESET ..."}, the cause's code first. An
exception that carries an HTTP response (requests' HTTPError, httpx's HTTPStatusError,
urllib's HTTPError) is answered with that response's status and body, as the protocol
asks of libraries that throw on non-2xx.

What the kit supplies (see Config):
  * every command starts at once on a thread of its own and is answered when done, in
    any order; replies are written one line at a time under a lock, and nothing else
    ever reaches the protocol's stdout (print() and fd 1 go to stderr);
  * feature "instances": init.instances adapters of one profile; they share
    cfg.profile (a cookie jar, a storage dict, a profile-wide lock), as the tabs of one
    browser profile share cookies, localStorage and navigator.locks;
  * feature "restart": the instance is closed and built again on the same profile; its
    work in flight is answered "aborted" at once;
  * feature "cancel": request() gets a CancelToken; cancel sets it, and the request is
    answered "cancelled" once the adapter's call has returned (raised) after it;
  * feature "clock": cfg.clock is a clock the harness sets and ticks (now(),
    call_later()); without the feature it is the real clock;
  * the X-Tokenclock-Instance header on every HTTP request, through the ready-made
    cfg.opener (urllib), cfg.requests_session() and cfg.httpx_client();
  * init aborts everything of the previous scenario ("aborted" at once); hostile input
    (not JSON, no integer id, a line over 4 MiB) is logged on stderr and skipped; stdin
    EOF and shutdown exit 0.
"""

from __future__ import annotations

import datetime
import errno
import http.cookiejar
import json
import os
import re
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request

__all__ = [
    "main", "Config", "Profile", "CancelToken", "Cancelled", "Clock", "RealClock",
    "parse_body", "error_text", "INSTANCE_HEADER",
]

PROTOCOL = 1
MAX_LINE = 4 << 20  # the protocol's line bound, both directions
INSTANCE_HEADER = "X-Tokenclock-Instance"
MAX_INSTANCES = 64  # tabs of one profile, not a load test
MAX_IN_FLIGHT = 1024  # commands running at once; more are answered EBUSY, never queued
KIT_FEATURES = ("cancel", "restart", "clock", "instances")
POLL = 0.005  # how often CancelToken.wait_for looks at the cancel while it waits


def log(*args):
    """log writes one line to stderr, the driver's free-form log, in one write."""
    line = " ".join(["[driver]", *map(str, args)]) + "\n"
    try:
        os.write(2, line.encode("utf-8", errors="replace"))
    except OSError:
        pass


# ---------------------------------------------------------------------------- cancel


class Cancelled(Exception):
    """Raised by CancelToken.check and wait_for once the call was cancelled (or its
    instance ended: reason "aborted")."""


class CancelToken:
    """The caller's cancel of one request (feature cancel). The kit sets it on `cancel`
    (reason "cancelled") and when the request's instance ends: restart or init
    (reason "aborted"). An adapter checks it wherever the call waits."""

    def __init__(self):
        self._event = threading.Event()
        self.reason = None

    def _fire(self, reason):
        if not self._event.is_set():
            self.reason = reason
            self._event.set()

    def is_set(self):
        return self._event.is_set()

    def wait(self, timeout=None):
        """Blocks until cancelled or timeout; True when cancelled."""
        return self._event.wait(timeout)

    def check(self):
        """Raises Cancelled if the call was cancelled."""
        if self._event.is_set():
            raise Cancelled(self.reason)

    def wait_for(self, event, timeout=None):
        """Waits until `event` (a threading.Event, or anything with wait(timeout) ->
        bool) is set: True; False when timeout passed first; raises Cancelled when the
        call is cancelled first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self.check()
            step = POLL
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return bool(event.wait(0))
                step = min(step, left)
            if event.wait(step):
                return True


# ---------------------------------------------------------------------------- clocks


class Timer:
    """A pending clock callback; cancel() stops it if it has not run."""

    def __init__(self, clock, due, seq, fn):
        self._clock, self.due, self._seq, self._fn = clock, due, seq, fn

    def cancel(self):
        self._clock._cancel(self)


class Clock:
    """The client's clock under the harness's control (feature clock), as fake timers
    are in JavaScript: now() is the wall clock in seconds since the epoch (a float,
    like time.time()); call_later(delay, fn) runs fn once the clock has been ticked
    delay seconds on. The clock stands still between commands. `set` moves the wall
    clock and every pending timer with it, running none (a skewed device clock, a
    laptop waking up); `tick` advances it, running each timer that falls due, in order,
    with now() at its due time, before the tick is answered. Timers run on the kit's
    command reader: a callback must not block (start a thread for network work). One
    clock serves every instance, as one machine's tabs share one clock."""

    def __init__(self, now):
        self._lock = threading.Lock()
        self._now = float(now)
        self._timers = []
        self._seq = 0

    def now(self):
        with self._lock:
            return self._now

    def call_later(self, delay, fn):
        with self._lock:
            self._seq += 1
            t = Timer(self, self._now + max(0.0, float(delay)), self._seq, fn)
            self._timers.append(t)
            return t

    def _cancel(self, timer):
        with self._lock:
            if timer in self._timers:
                self._timers.remove(timer)

    def _set(self, now):
        with self._lock:
            shift = float(now) - self._now
            self._now = float(now)
            for t in self._timers:
                t.due += shift

    def _tick(self, seconds):
        with self._lock:
            end = self._now + seconds
        while True:
            with self._lock:
                due = [t for t in self._timers if t.due <= end]
                if not due:
                    self._now = end
                    return
                t = min(due, key=lambda x: (x.due, x._seq))
                self._timers.remove(t)
                self._now = max(self._now, t.due)
            try:
                t._fn()
            except Exception:  # a timer's bug must not take the driver down
                log("clock timer failed:\n" + traceback.format_exc())

    def _close(self):
        with self._lock:
            self._timers.clear()


class RealClock:
    """The real clock, for drivers that do not announce `clock`: the same API as Clock
    (now() is time.time(); call_later runs fn on a threading.Timer)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._timers = set()

    def now(self):
        return time.time()

    def call_later(self, delay, fn):
        def run():
            with self._lock:
                self._timers.discard(t)
            fn()

        t = threading.Timer(max(0.0, float(delay)), run)
        t.daemon = True
        with self._lock:
            self._timers.add(t)
        t.start()
        return t  # threading.Timer has cancel()

    def _close(self):
        with self._lock:
            timers, self._timers = self._timers, set()
        for t in timers:
            t.cancel()


# ---------------------------------------------------------------------------- profile and config


class Profile:
    """What the instances (tabs) of one browser profile share, and what survives a
    restart (a page reload): the cookie jar (the refresh cookie lives there), storage
    (localStorage: a dict of str to str) and lock, the profile-wide lock
    (navigator.locks, a lock file), an RLock. init starts a new profile."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.storage = {}
        self.lock = threading.RLock()


class _KeepHTTPErrors(urllib.request.HTTPErrorProcessor):
    """Every HTTP response is returned as it is (no HTTPError for 4xx/5xx, no redirect
    followed): the adapter decides what a status means."""

    def http_response(self, request, response):
        return response

    https_response = http_response


class _InstanceHeader(urllib.request.BaseHandler):
    """Puts X-Tokenclock-Instance on every request an opener sends."""

    def __init__(self, value):
        self.value = value

    def http_request(self, req):
        if not req.has_header(INSTANCE_HEADER.capitalize()):
            req.add_unredirected_header(INSTANCE_HEADER, self.value)
        return req

    https_request = http_request


class OAuth2:
    """The server profile of an init (hello's profiles say which a driver can do).

    profile        "cookie" (POST /api/auth/login, /refresh with the refresh cookie)
                   or "oauth2" (the OAuth 2 token endpoint below)
    token_url      the token endpoint (RFC 6749 §3.2); the revocation endpoint
                   (RFC 7009) is revoke_url, its sibling /oauth/revoke
    client_id, client_secret   the client's credentials at the token endpoint
    """

    def __init__(self, profile="cookie", token_url="", client_id="", client_secret=""):
        self.profile = profile
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret

    @property
    def revoke_url(self):
        return self.token_url.rsplit("/", 1)[0] + "/revoke" if self.token_url else ""


class Config:
    """What an adapter gets: one per instance, built by init and by restart.

    base_url     the fake server, no trailing slash; url(path) is base_url + path
    scenario     the scenario's ID (for logs)
    instance     this instance's number (0-based); instances: how many init made
    profile      the Profile the instances share; jar, storage and lock are its fields
    clock        Clock (feature clock) or RealClock: now(), call_later(delay, fn)
    oauth2       the server profile: an OAuth2 with profile ("cookie" or "oauth2") and,
                 under oauth2, token_url, client_id, client_secret
    headers      {"X-Tokenclock-Instance": "<instance>"}: every request must carry it;
                 the three HTTP factories below add it for you
    closed       a threading.Event set when this instance is replaced (restart, init):
                 its work in flight was already answered "aborted"
    opener       a urllib.request opener: the shared jar, the instance header, no proxy,
                 and every response returned as it is (4xx/5xx raise no HTTPError)
    requests_session()   a requests.Session on the shared jar with the header
    httpx_client(**kw)   an httpx.Client on the shared jar; the header goes on every
                 request it sends, those an httpx.Auth flow yields included
    log(...)     a line on stderr
    """

    def __init__(self, base_url, scenario, instance, instances, profile, clock, oauth2=None):
        self.oauth2 = oauth2 or OAuth2()
        self.base_url = base_url
        self.scenario = scenario
        self.instance = instance
        self.instances = instances
        self.profile = profile
        self.jar = profile.jar
        self.storage = profile.storage
        self.lock = profile.lock
        self.clock = clock
        self.headers = {INSTANCE_HEADER: str(instance)}
        self.closed = threading.Event()
        self._opener = None

    def url(self, path):
        return self.base_url + path

    def log(self, *args):
        log(f"[{self.scenario} #{self.instance}]", *args)

    @property
    def opener(self):
        if self._opener is None:
            self._opener = urllib.request.build_opener(
                urllib.request.ProxyHandler({}),  # the fake server is on loopback
                urllib.request.HTTPCookieProcessor(self.jar),
                _InstanceHeader(str(self.instance)),
                _KeepHTTPErrors(),
            )
        return self._opener

    def requests_session(self):
        import requests  # only drivers that use it need it

        s = requests.Session()
        s.trust_env = False  # no proxy, .netrc or CA bundle from the environment
        s.cookies = self.jar  # the profile's jar, shared by the instances
        s.headers.update(self.headers)
        return s

    def httpx_client(self, **kwargs):
        import httpx  # only drivers that use it need it

        value = str(self.instance)

        def tag(request):  # requests an Auth flow builds bypass the client's headers
            request.headers[INSTANCE_HEADER] = value

        hooks = dict(kwargs.pop("event_hooks", None) or {})
        hooks["request"] = [tag, *hooks.get("request", [])]
        kwargs.setdefault("base_url", self.base_url)
        kwargs.setdefault("trust_env", False)
        headers = {**self.headers, **dict(kwargs.pop("headers", None) or {})}
        return httpx.Client(cookies=self.jar, headers=headers, event_hooks=hooks, **kwargs)


# ---------------------------------------------------------------------------- replies


def parse_body(raw):
    """The protocol's body: parsed JSON, else the text, and None when empty."""
    if isinstance(raw, (bytes, bytearray)):
        raw = bytes(raw).decode("utf-8", errors="replace")
    if raw is None or raw.strip() == "":
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


_CODES = (
    (ConnectionResetError, "ECONNRESET"),  # http.client.RemoteDisconnected too
    (ConnectionRefusedError, "ECONNREFUSED"),
    (ConnectionAbortedError, "ECONNABORTED"),
    (BrokenPipeError, "EPIPE"),
    (TimeoutError, "ETIMEDOUT"),  # socket.timeout
)


def _transport_code(exc):
    """The errno name of the first OS-level cause in exc's graph (cause, context, args,
    urllib's reason), or None."""
    seen, todo = set(), [exc]
    while todo and len(seen) < 32:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        for cls, code in _CODES:
            if isinstance(e, cls):
                return code
        if isinstance(e, OSError) and isinstance(e.errno, int) and e.errno in errno.errorcode:
            return errno.errorcode[e.errno]
        nxt = [e.__cause__, e.__context__, getattr(e, "reason", None), *getattr(e, "args", ())]
        todo.extend(x for x in nxt if isinstance(x, BaseException))
    return None


def error_text(exc):
    """A transport error as the protocol wants it: the cause's code first, then the
    message ("ECONNRESET Remote end closed connection without response")."""
    code = _transport_code(exc) or type(exc).__name__
    msg = str(exc) or type(exc).__name__
    return msg if msg.startswith(code) else f"{code} {msg}"


def _shape(result):
    """Reply fields for what the adapter returned."""
    if isinstance(result, (tuple, list)) and len(result) == 2:
        status, body = result
    elif isinstance(getattr(result, "status_code", None), int):
        status = result.status_code
        try:
            body = result.content
        except Exception as e:  # an httpx stream never read, a body cut short
            return {"error": "internal: the response body could not be read: " + error_text(e)}
    else:
        return {"error": f"internal: the adapter returned {type(result).__name__}, not (status, body)"}
    if not isinstance(status, int) or isinstance(status, bool):
        return {"error": f"internal: the adapter's status {status!r} is not an integer"}
    if isinstance(body, (bytes, bytearray, str)):
        body = parse_body(body)
    return {"status": status, "body": body}


def _shape_error(exc):
    """Reply fields for an exception: its HTTP response if it carries one, else the
    transport error."""
    if isinstance(exc, urllib.error.HTTPError):
        try:
            return {"status": exc.code, "body": parse_body(exc.read())}
        except Exception:
            return {"status": exc.code, "body": None}
    response = getattr(exc, "response", None)
    if response is not None and isinstance(getattr(response, "status_code", None), int):
        return _shape(response)
    if _transport_code(exc):
        log("no HTTP response:", error_text(exc))
    else:  # not the network: most likely a bug in the adapter; show where
        # the innermost frames: a RecursionError's thousand frames would drown the log
        log("the adapter raised:\n" + "".join(traceback.format_exception(exc, limit=-8)).rstrip())
    return {"error": error_text(exc)}


# ---------------------------------------------------------------------------- the driver


def _parse_time(value):
    """RFC 3339 (init.now, clock set) to seconds since the epoch; None if unreadable."""
    if not isinstance(value, str):
        return None
    try:
        t = datetime.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.timezone.utc)
    return t.timestamp()


_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def _parse_duration(text):
    """A Go duration ("1m30s", "250ms", "0s") in seconds; None if unreadable."""
    if not isinstance(text, str) or text == "":
        return None
    if text == "0":
        return 0.0
    pos, total = 0, 0.0
    for m in _DURATION.finditer(text):
        if m.start() != pos:
            return None
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    return total if pos == len(text) else None


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


class _Slot:
    """One live instance: its adapter and config."""

    def __init__(self, index, adapter, cfg):
        self.index, self.adapter, self.cfg = index, adapter, cfg


class _Work:
    """A command running on a thread, until it is answered."""

    def __init__(self, cid, slot, token):
        self.id, self.slot, self.token = cid, slot, token


class _Driver:
    def __init__(self, factory, name, version, features, max_concurrency, out, profiles=None):
        self.factory = factory
        self.name, self.version = name, version
        self.features = list(features)
        self.profiles = list(profiles) if profiles else None
        self.oauth2 = OAuth2()
        self.max_concurrency = max_concurrency
        self.out = out
        self.write_lock = threading.Lock()
        self.lock = threading.Lock()  # guards everything below
        self.pending = {}  # id -> _Work: commands on threads, not answered yet
        self.slots = None  # [_Slot], None before the first init
        self.profile = None
        self.clock = None
        self.base_url = ""
        self.scenario = ""
        self.exiting = False

    # -- output

    def send(self, msg):
        try:
            line = json.dumps(msg, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        except (TypeError, ValueError) as e:
            line = json.dumps({"id": msg.get("id"), "error": f"internal: the reply is not JSON: {e}"})
        data = line.encode("utf-8", errors="replace") + b"\n"
        if len(data) > MAX_LINE:
            data = json.dumps({"id": msg.get("id"), "error": "internal: the reply is over 4 MiB"}).encode() + b"\n"
        with self.write_lock:
            if self.exiting:
                return
            try:
                self.out.write(data)
                self.out.flush()
            except (OSError, ValueError):  # the harness went away: leave quietly
                self.exiting = True
                os._exit(0)

    def answer(self, work, fields):
        """Sends work's reply unless it was answered already (aborted)."""
        with self.lock:
            if self.pending.get(work.id) is not work:
                return
            del self.pending[work.id]
        self.send({"id": work.id, **fields})

    def exit(self, code):
        with self.write_lock:
            self.exiting = True
            try:
                self.out.flush()
            except (OSError, ValueError):
                pass
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os._exit(code)

    # -- input

    def handle(self, line):
        try:
            msg = json.loads(line)
        except ValueError as e:
            log(f"ignoring a line that is not JSON ({e}): {line[:200]!r}")
            return
        if not isinstance(msg, dict) or not _is_int(msg.get("id")):
            log(f"ignoring a command without an integer id: {line[:200]!r}")
            return
        cid, cmd = msg["id"], msg.get("cmd")
        try:
            reply = self.dispatch(cid, cmd, msg)
        except Exception as e:
            log("internal error:\n" + traceback.format_exc())
            reply = {"error": f"internal: {error_text(e)}"}
        if reply is not None:
            self.send({"id": cid, **reply})
        if cmd == "shutdown":
            self.exit(0)

    def dispatch(self, cid, cmd, msg):
        """Runs a command; returns its reply fields, or None when a thread answers."""
        if cmd == "hello":
            if msg.get("protocol") != PROTOCOL:
                return {"error": f"unsupported: protocol {json.dumps(msg.get('protocol'))}"}
            reply = {"name": self.name, "version": self.version, "features": self.features}
            if self.max_concurrency is not None:
                reply["maxConcurrency"] = self.max_concurrency
            if self.profiles:
                reply["profiles"] = self.profiles
            return reply
        if cmd == "init":
            return self.init(msg)
        if cmd in ("login", "logout", "request"):
            return self.start(cid, cmd, msg)
        if cmd == "cancel" and "cancel" in self.features:
            with self.lock:
                work = self.pending.get(msg.get("target")) if _is_int(msg.get("target")) else None
            if work is None or work.token is None:
                return {"ok": False}  # finished already (or no request): no second reply
            work.token._fire("cancelled")
            return {"ok": True}
        if cmd == "restart" and "restart" in self.features:
            return self.restart(msg)
        if cmd == "clock" and "clock" in self.features:
            return self.tick(msg)
        if cmd == "shutdown":
            return {"ok": True}
        return {"error": f"unsupported: {cmd}"}

    # -- lifecycle

    def build(self, index, count):
        cfg = Config(self.base_url, self.scenario, index, count, self.profile, self.clock, self.oauth2)
        return _Slot(index, self.factory(cfg), cfg)

    def retire(self, slots):
        """Ends slots: their pending work is answered "aborted" now, their requests'
        tokens fire, and the adapters are closed on a thread of their own."""
        with self.lock:
            gone = [w for w in self.pending.values() if w.slot in slots]
            for w in gone:
                del self.pending[w.id]
        for s in slots:
            s.cfg.closed.set()
        for w in sorted(gone, key=lambda w: w.id):
            if w.token is not None:
                w.token._fire("aborted")
            self.send({"id": w.id, "error": "aborted"})
        closers = [s.adapter.close for s in slots if callable(getattr(s.adapter, "close", None))]
        if closers:
            threading.Thread(target=_close_all, args=(closers,), daemon=True).start()

    def init(self, msg):
        base = msg.get("baseURL")
        if not isinstance(base, str) or base == "":
            return {"error": "bad init: baseURL must be a non-empty string"}
        count = msg.get("instances", 1)
        count = 1 if count is None else count
        if not _is_int(count) or not 1 <= count <= MAX_INSTANCES:
            return {"error": f"bad init: instances must be an integer from 1 to {MAX_INSTANCES}"}
        with self.lock:
            old, self.slots = self.slots or [], None
        self.retire(old)
        if self.clock is not None:
            self.clock._close()
        now = _parse_time(msg.get("now"))
        self.clock = Clock(time.time() if now is None else now) if "clock" in self.features else RealClock()
        self.base_url = base.rstrip("/")
        self.scenario = str(msg.get("scenario", ""))
        self.oauth2 = OAuth2(str(msg.get("profile") or "cookie"), str(msg.get("tokenURL") or ""),
                             str(msg.get("clientId") or ""), str(msg.get("clientSecret") or ""))
        self.profile = Profile()
        slots = [self.build(i, count) for i in range(count)]
        with self.lock:
            self.slots = slots
        return {"ok": True}

    def slot_of(self, msg):
        """(slot, None) for the instance msg names, or (None, error reply). Holds no lock;
        the caller does."""
        if self.slots is None:
            return None, {"error": "not initialised: send init first"}
        i = msg.get("instance", 0)
        i = 0 if i is None else i
        if not _is_int(i) or not 0 <= i < len(self.slots):
            return None, {"error": f"no instance {json.dumps(i)} (init made {len(self.slots)})"}
        return self.slots[i], None

    def restart(self, msg):
        with self.lock:
            slot, err = self.slot_of(msg)
        if err:
            return err
        self.retire([slot])
        fresh = self.build(slot.index, len(self.slots))
        with self.lock:
            if self.slots is not None and slot.index < len(self.slots) and self.slots[slot.index] is slot:
                self.slots[slot.index] = fresh
        return {"ok": True}

    def tick(self, msg):
        if self.clock is None:
            return {"error": "not initialised: send init first"}
        mode = msg.get("mode")
        if mode == "set":
            now = _parse_time(msg.get("now"))
            if now is None:
                return {"error": "bad clock: now must be an RFC 3339 time"}
            self.clock._set(now)
            return {"ok": True}
        if mode == "tick":
            by = msg.get("byMs")
            seconds = by / 1000 if _is_int(by) else _parse_duration(msg.get("by"))
            if seconds is None or seconds < 0:
                return {"error": "bad clock: tick needs byMs or by (a Go duration)"}
            self.clock._tick(seconds)
            return {"ok": True}
        return {"error": f"bad clock: mode {json.dumps(mode)}"}

    # -- work on threads

    def start(self, cid, cmd, msg):
        if cmd == "request":
            if not isinstance(msg.get("method"), str) or not isinstance(msg.get("path"), str):
                return {"error": "bad request: method and path must be strings"}
            kind = msg.get("bodyKind")
            if kind not in (None, "json"):
                return {"error": f"unsupported: bodyKind {kind}"}
        with self.lock:
            slot, err = self.slot_of(msg)
            if err:
                return err
            if cid in self.pending:
                log(f"ignoring command {cid}: that id is still in flight")
                return None
            if len(self.pending) >= MAX_IN_FLIGHT:
                return {"error": f"EBUSY {MAX_IN_FLIGHT} commands in flight already"}
            work = _Work(cid, slot, CancelToken() if cmd == "request" else None)
            self.pending[cid] = work
        threading.Thread(target=self.run, args=(work, cmd, msg), name=f"cmd-{cid}", daemon=True).start()
        return None

    def run(self, work, cmd, msg):
        adapter = work.slot.adapter
        try:
            if cmd == "login":
                result = adapter.login(str(msg.get("email", "")), str(msg.get("password", "")))
            elif cmd == "logout":
                result = adapter.logout()
            else:
                headers = msg.get("headers")
                headers = {str(k): str(v) for k, v in headers.items()} if isinstance(headers, dict) else {}
                result = adapter.request(msg["method"], msg["path"], msg.get("body"), headers, work.token)
            fields = _shape(result)
        except Exception as e:
            fields = None
            if not (work.token is not None and work.token.is_set()):
                fields = _shape_error(e)
            elif getattr(e, "response", None) is not None or isinstance(e, urllib.error.HTTPError):
                fields = _shape_error(e)  # an HTTP answer after all
        if fields is None or ("error" in fields and work.token is not None and work.token.reason == "cancelled"):
            fields = {"error": "cancelled"}
        self.answer(work, fields)


def _close_all(closers):
    for close in closers:
        try:
            close()
        except Exception:
            log("close failed:\n" + traceback.format_exc())


def _read_lines(fd, on_line):
    """Calls on_line with each line of fd (bytes, without \\n and a trailing \\r),
    skipping (and logging) any line over MAX_LINE instead of buffering it."""
    buf, skipping = bytearray(), False
    while True:
        try:
            chunk = os.read(fd, 1 << 16)
        except InterruptedError:
            continue
        except OSError as e:
            log("reading stdin failed:", e)
            chunk = b""
        if not chunk:
            break
        start = 0
        while True:
            nl = chunk.find(b"\n", start)
            piece = chunk[start: len(chunk) if nl < 0 else nl]
            if not skipping:
                if len(buf) + len(piece) > MAX_LINE:
                    log(f"skipping a line over {MAX_LINE} bytes")
                    skipping = True
                    buf.clear()
                else:
                    buf += piece
            if nl < 0:
                break
            if not skipping:
                _deliver(bytes(buf), on_line)
            buf.clear()
            skipping = False
            start = nl + 1
    if not skipping and buf:
        _deliver(bytes(buf), on_line)  # a last line without its \n


def _deliver(line, on_line):
    if line.endswith(b"\r"):
        line = line[:-1]
    if not line.strip():
        return
    try:
        on_line(line)
    except Exception:  # never let one command take the reader down
        log("internal error:\n" + traceback.format_exc())


def main(adapter, *, name, version, features=("instances", "restart"), max_concurrency=None, profiles=None):
    """Serves protocol v1 on stdin/stdout until shutdown or stdin EOF; never returns.

    adapter          a class (or any callable) taking a Config and returning an object
                     with login, request, logout (and optionally close)
    name, version    what hello announces
    features         a subset of "instances", "restart", "cancel", "clock". The kit does
                     the work of instances and restart; announce "cancel" only if
                     request() honours its CancelToken, "clock" only if the client
                     reads cfg.clock (a skipped row is better than one never played)
    max_concurrency  hello's maxConcurrency: the most requests the client ever has in
                     flight (a connection pool's limit), or None
    profiles         hello's profiles: the server profiles the client can log in and
                     refresh under ("cookie", "oauth2"); None is cookie alone. Under
                     oauth2, cfg.oauth2 holds the token endpoint and client credentials
    """
    unknown = [f for f in features if f not in KIT_FEATURES]
    if unknown:
        raise ValueError(f"tokenclock_driver supports the features {KIT_FEATURES}, not {unknown}")
    if max_concurrency is not None and not (_is_int(max_concurrency) and max_concurrency > 0):
        raise ValueError("max_concurrency must be a positive integer or None")
    # stdout carries protocol lines only: the protocol keeps a private copy of fd 1,
    # and fd 1 itself (print(), sys.stdout, child processes, C libraries) goes to stderr.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    driver = _Driver(adapter, name, version, features, max_concurrency, out, profiles)
    _read_lines(0, driver.handle)
    driver.exit(0)  # stdin EOF: the harness is done with us
