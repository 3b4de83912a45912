"""Tests of tokenclock_driver's protocol handling (stdlib unittest).

Most tests run this very file as a driver (`python3 test_tokenclock_driver.py --serve`)
around FakeAdapter, which does no HTTP: its request paths say what to do (sleep, wait
for the cancel, block, raise, print to stdout...). They talk to it over pipes, as the
harness does. Run: /usr/bin/python3 -m unittest discover -s . -p 'test_*.py'
"""
import http.server
import json
import os
import queue
import subprocess
import sys
import threading
import time
import unittest

import tokenclock_driver as tc

HERE = os.path.dirname(os.path.abspath(__file__))


class FakeAdapter:
    """A client without a network: request(path) does what the path says."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.fired = []

    def login(self, email, password):
        return 200, {"email": email, "instance": self.cfg.instance}

    def logout(self):
        return 200, b""

    def request(self, method, path, body, headers, cancel):
        name, _, arg = path.partition("?")
        if name == "/echo":
            return 200, json.dumps({"method": method, "body": body, "headers": headers,
                                    "instance": self.cfg.instance, "instances": self.cfg.instances,
                                    "header": self.cfg.headers}).encode()
        if name == "/sleep":
            time.sleep(int(arg) / 1000)
            return 200, {"slept": int(arg)}
        if name == "/wait":  # waits for the cancel
            cancel.wait_for(threading.Event())
        if name == "/block":  # ignores the cancel, like a call stuck in the network
            time.sleep(30)
            return 200, None
        if name == "/reset":
            raise ConnectionResetError(104, "Connection reset by peer")
        if name == "/boom":
            raise ValueError("a bug in the adapter")
        if name == "/http-error":
            raise StatusError()
        if name == "/text":
            return 404, "not JSON"
        if name == "/empty":
            return 204, b""
        if name == "/print":
            print("print() must not reach the protocol")
            os.write(1, b"neither must fd 1\n")
            return 200, {"printed": True}
        if name == "/storage":
            self.cfg.storage.setdefault("writers", []).append(self.cfg.instance)
            return 200, {"writers": self.cfg.storage["writers"], "jar": id(self.cfg.jar), "lock": id(self.cfg.lock)}
        if name == "/now":
            return 200, {"now": self.cfg.clock.now(), "fired": self.fired}
        if name == "/timer":  # arg: seconds from now
            self.cfg.clock.call_later(float(arg), lambda: self.fired.append((arg, self.cfg.clock.now())))
            return 200, {"due": self.cfg.clock.now() + float(arg)}
        if name == "/bad-status":
            return "200", None
        return 404, {"message": "no such fake path"}


class StatusError(Exception):
    """Like httpx.HTTPStatusError: an exception carrying a response."""

    class response:
        status_code = 503
        content = b'{"message":"down"}'


class Driver:
    """This file run as a driver, spoken to over pipes."""

    def __init__(self, *features):
        args = [sys.executable, os.path.abspath(__file__), "--serve", *features]
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, cwd=HERE, env=env)
        self.lines = queue.Queue()
        self.stderr = bytearray()
        threading.Thread(target=self._read_out, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()

    def _read_out(self):
        for line in self.p.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _read_err(self):
        for line in self.p.stderr:
            self.stderr += line

    def send(self, cmd):
        data = cmd if isinstance(cmd, bytes) else json.dumps(cmd).encode() + b"\n"
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def reply(self, timeout=5):
        line = self.lines.get(timeout=timeout)
        if line is None:
            raise AssertionError("the driver closed stdout; stderr:\n" + self.stderr.decode(errors="replace"))
        return json.loads(line)  # every stdout line must be JSON

    def replies(self, n, timeout=5):
        return [self.reply(timeout) for _ in range(n)]

    def call(self, cmd, timeout=5):
        self.send(cmd)
        r = self.reply(timeout)
        assert r["id"] == cmd["id"], r
        return r

    def init(self, cid=1, **fields):
        return self.call({"id": cid, "cmd": "init", "baseURL": "http://127.0.0.1:1/", "scenario": "T", **fields})

    def no_more_replies(self, wait=0.2):
        try:
            line = self.lines.get(timeout=wait)
        except queue.Empty:
            return True
        raise AssertionError(f"unexpected line: {line!r}")

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()
        for f in (self.p.stdin, self.p.stdout, self.p.stderr):
            try:
                f.close()
            except OSError:
                pass


class ProtocolTest(unittest.TestCase):
    def driver(self, *features):
        d = Driver(*features)
        self.addCleanup(d.close)
        return d

    def test_hello(self):
        d = self.driver("cancel", "clock")
        r = d.call({"id": 0, "cmd": "hello", "protocol": 1})
        self.assertEqual(r, {"id": 0, "name": "fake", "version": "0", "features": ["cancel", "clock"]})
        self.assertEqual(d.call({"id": 1, "cmd": "hello", "protocol": 2}), {"id": 1, "error": "unsupported: protocol 2"})

    def test_two_requests_in_flight_answer_out_of_order(self):
        d = self.driver()
        d.init()
        d.send({"id": 2, "cmd": "request", "method": "GET", "path": "/sleep?1000"})
        d.send({"id": 3, "cmd": "request", "method": "GET", "path": "/sleep?10"})
        first, second = d.replies(2)
        self.assertEqual((first["id"], second["id"]), (3, 2))  # the second did not wait for the first
        self.assertEqual(second["body"], {"slept": 1000})

    def test_many_requests_run_at_once(self):
        d = self.driver()
        d.init()
        start = time.monotonic()
        for i in range(100):
            d.send({"id": 10 + i, "cmd": "request", "method": "GET", "path": "/sleep?300"})
        ids = sorted(r["id"] for r in d.replies(100))
        self.assertEqual(ids, list(range(10, 110)))
        self.assertLess(time.monotonic() - start, 15)  # one at a time it would take 30 s

    def test_cancel(self):
        d = self.driver("cancel")
        d.init()
        d.send({"id": 2, "cmd": "request", "method": "GET", "path": "/wait"})
        d.send({"id": 3, "cmd": "request", "method": "GET", "path": "/sleep?1"})
        self.assertEqual(d.reply()["id"], 3)
        d.send({"id": 4, "cmd": "cancel", "target": 2})
        got = {r["id"]: r for r in d.replies(2)}
        self.assertEqual(got[4], {"id": 4, "ok": True})
        self.assertEqual(got[2], {"id": 2, "error": "cancelled"})
        # a finished target: ok false, and no second reply for it
        self.assertEqual(d.call({"id": 5, "cmd": "cancel", "target": 3}), {"id": 5, "ok": False})
        self.assertEqual(d.call({"id": 6, "cmd": "cancel", "target": 99}), {"id": 6, "ok": False})
        d.no_more_replies()

    def test_cancel_without_the_feature_is_unsupported(self):
        d = self.driver()
        d.init()
        self.assertEqual(d.call({"id": 2, "cmd": "cancel", "target": 1}), {"id": 2, "error": "unsupported: cancel"})
        self.assertEqual(d.call({"id": 3, "cmd": "restart"}), {"id": 3, "error": "unsupported: restart"})
        self.assertEqual(d.call({"id": 4, "cmd": "clock", "mode": "tick", "byMs": 1}), {"id": 4, "error": "unsupported: clock"})

    def test_unknown_commands(self):
        d = self.driver()
        self.assertEqual(d.call({"id": 7, "cmd": "frobnicate"}), {"id": 7, "error": "unsupported: frobnicate"})
        self.assertEqual(d.call({"id": 8, "cmd": "subscribe", "path": "/api/events"}), {"id": 8, "error": "unsupported: subscribe"})
        self.assertEqual(d.call({"id": 9}), {"id": 9, "error": "unsupported: None"})

    def test_eof_exits_0_even_with_work_in_flight(self):
        d = self.driver()
        d.init()
        d.send({"id": 2, "cmd": "request", "method": "GET", "path": "/block"})
        time.sleep(0.1)
        d.p.stdin.close()
        self.assertEqual(d.p.wait(timeout=5), 0)

    def test_shutdown(self):
        d = self.driver()
        self.assertEqual(d.call({"id": 1, "cmd": "shutdown", "extra": "ignored"}), {"id": 1, "ok": True})
        self.assertEqual(d.p.wait(timeout=5), 0)

    def test_bad_lines_are_skipped(self):
        d = self.driver()
        d.send(b"this is not JSON\n")
        d.send(b"[1, 2, 3]\n")
        d.send(b'{"cmd": "hello", "protocol": 1}\n')  # no id
        d.send(b'{"id": "7", "cmd": "hello", "protocol": 1}\n')  # not an integer
        d.send(b'{"id": true, "cmd": "hello", "protocol": 1}\n')
        d.send(b'{"id": 1.5, "cmd": "hello", "protocol": 1}\n')
        d.send(b"\xff\xfe garbage\n")
        d.send(b"\n   \n")
        d.send(b'{"id": 2, "cmd": "hello", "protocol": 1, "x": "' + b"a" * (5 << 20) + b'"}\n')  # over 4 MiB
        d.send(b'{"id": 3, "cmd": "hello", "protocol": 1, "unknown": {"field": [1]}}\r\n')
        self.assertEqual(d.reply(timeout=10)["id"], 3)
        d.no_more_replies()
        err = d.stderr.decode(errors="replace")
        self.assertIn("not JSON", err)
        self.assertIn("without an integer id", err)
        self.assertIn("over 4194304 bytes", err)
        self.assertIsNone(d.p.poll())

    def test_a_line_just_under_the_bound_is_read(self):
        d = self.driver()
        head = b'{"id": 4, "cmd": "hello", "protocol": 1, "pad": "'
        tail = b'"}'
        d.send(head + b"b" * (tc.MAX_LINE - len(head) - len(tail)) + tail + b"\n")
        self.assertEqual(d.reply(timeout=10)["id"], 4)

    def test_restart_aborts_in_flight_work(self):
        d = self.driver("restart", "instances")
        d.init(instances=2)
        d.send({"id": 2, "cmd": "request", "method": "GET", "path": "/block"})
        d.send({"id": 3, "cmd": "request", "method": "GET", "path": "/block", "instance": 1})
        time.sleep(0.1)
        d.send({"id": 4, "cmd": "restart"})
        self.assertEqual(d.replies(2), [{"id": 2, "error": "aborted"}, {"id": 4, "ok": True}])
        r = d.call({"id": 5, "cmd": "request", "method": "GET", "path": "/echo"})
        self.assertEqual(r["status"], 200)
        # init aborts the rest (instance 1's call is still running)
        d.send({"id": 6, "cmd": "init", "baseURL": "http://127.0.0.1:2", "scenario": "U"})
        self.assertEqual(d.replies(2), [{"id": 3, "error": "aborted"}, {"id": 6, "ok": True}])
        d.no_more_replies()

    def test_init_aborts_a_cancellable_wait(self):
        d = self.driver("cancel")
        d.init()
        d.send({"id": 2, "cmd": "request", "method": "GET", "path": "/wait"})
        time.sleep(0.05)
        d.send({"id": 3, "cmd": "init", "baseURL": "http://127.0.0.1:2", "scenario": "U"})
        self.assertEqual(d.replies(2), [{"id": 2, "error": "aborted"}, {"id": 3, "ok": True}])
        d.no_more_replies()  # the adapter's own end (Cancelled) is not answered again

    def test_instances_share_the_profile(self):
        d = self.driver("instances", "restart")
        d.init(instances=3)
        got = [d.call({"id": 10 + i, "cmd": "request", "method": "GET", "path": "/storage", "instance": i})["body"] for i in range(3)]
        self.assertEqual(got[2]["writers"], [0, 1, 2])
        self.assertEqual(len({g["jar"] for g in got}), 1)
        self.assertEqual(len({g["lock"] for g in got}), 1)
        d.call({"id": 20, "cmd": "restart", "instance": 1})
        again = d.call({"id": 21, "cmd": "request", "method": "GET", "path": "/storage", "instance": 1})["body"]
        self.assertEqual(again["writers"], [0, 1, 2, 1])  # a reload keeps storage
        echo = d.call({"id": 22, "cmd": "request", "method": "POST", "path": "/echo", "instance": 2,
                       "body": {"a": [1, None]}, "headers": {"Idempotency-Key": "k"}})["body"]
        self.assertEqual(echo, {"method": "POST", "body": {"a": [1, None]}, "headers": {"Idempotency-Key": "k"},
                                "instance": 2, "instances": 3, "header": {"X-Tokenclock-Instance": "2"}})
        for cid, inst in ((23, 3), (24, -1), (25, "1")):
            r = d.call({"id": cid, "cmd": "request", "method": "GET", "path": "/echo", "instance": inst})
            self.assertTrue(r["error"].startswith("no instance"), r)
        self.assertIn("error", d.call({"id": 26, "cmd": "restart", "instance": 9}))
        d.init(cid=27)  # a new profile
        self.assertEqual(d.call({"id": 28, "cmd": "request", "method": "GET", "path": "/storage"})["body"]["writers"], [0])

    def test_replies(self):
        d = self.driver()
        self.assertEqual(d.call({"id": 1, "cmd": "request", "method": "GET", "path": "/echo"}),
                         {"id": 1, "error": "not initialised: send init first"})
        d.init(cid=2)
        call = lambda cid, path: d.call({"id": cid, "cmd": "request", "method": "GET", "path": path})
        self.assertEqual(call(3, "/text"), {"id": 3, "status": 404, "body": "not JSON"})
        self.assertEqual(call(4, "/empty"), {"id": 4, "status": 204, "body": None})
        self.assertEqual(call(5, "/reset"), {"id": 5, "error": "ECONNRESET [Errno 104] Connection reset by peer"})
        self.assertEqual(call(6, "/boom"), {"id": 6, "error": "ValueError a bug in the adapter"})
        self.assertEqual(call(7, "/http-error"), {"id": 7, "status": 503, "body": {"message": "down"}})
        self.assertTrue(call(8, "/bad-status")["error"].startswith("internal:"))
        self.assertEqual(d.call({"id": 9, "cmd": "login", "email": "a@b", "password": "p"}),
                         {"id": 9, "status": 200, "body": {"email": "a@b", "instance": 0}})
        self.assertEqual(d.call({"id": 10, "cmd": "logout"}), {"id": 10, "status": 200, "body": None})
        self.assertEqual(d.call({"id": 11, "cmd": "request", "method": 5, "path": "/echo"}),
                         {"id": 11, "error": "bad request: method and path must be strings"})
        self.assertEqual(d.call({"id": 12, "cmd": "request", "method": "POST", "path": "/echo", "bodyKind": "stream"}),
                         {"id": 12, "error": "unsupported: bodyKind stream"})
        self.assertEqual(d.call({"id": 13, "cmd": "init", "baseURL": ""}),
                         {"id": 13, "error": "bad init: baseURL must be a non-empty string"})
        self.assertIn("error", d.call({"id": 14, "cmd": "init", "baseURL": "http://x", "instances": 0}))

    def test_stdout_carries_protocol_lines_only(self):
        d = self.driver()
        d.init()
        r = d.call({"id": 2, "cmd": "request", "method": "GET", "path": "/print"})  # reply() parses every line
        self.assertEqual(r["body"], {"printed": True})
        d.no_more_replies()
        time.sleep(0.1)
        self.assertIn(b"neither must fd 1", d.stderr)

    def test_clock(self):
        d = self.driver("clock")
        d.init(now="2026-11-26T07:12:50Z")
        t0 = 1795677170.0  # 2026-11-26T07:12:50Z
        call = lambda cid, path: d.call({"id": cid, "cmd": "request", "method": "GET", "path": path})["body"]
        self.assertEqual(call(2, "/now")["now"], t0)
        call(3, "/timer?10")
        call(4, "/timer?5")
        # set moves the clock and the timers with it: nothing runs
        self.assertEqual(d.call({"id": 5, "cmd": "clock", "mode": "set", "now": "2026-11-26T08:00:00Z"}), {"id": 5, "ok": True})
        self.assertEqual(call(6, "/now"), {"now": t0 + 2830, "fired": []})
        # tick runs what falls due, in order, each at its own time, before answering
        d.call({"id": 7, "cmd": "clock", "mode": "tick", "by": "7s", "byMs": 7000})
        self.assertEqual(call(8, "/now"), {"now": t0 + 2837, "fired": [["5", t0 + 2835]]})
        d.call({"id": 9, "cmd": "clock", "mode": "tick", "by": "1m30s"})  # by alone is read too
        self.assertEqual(call(10, "/now")["fired"], [["5", t0 + 2835], ["10", t0 + 2840]])
        self.assertIn("error", d.call({"id": 11, "cmd": "clock", "mode": "tick", "by": "soon"}))
        self.assertIn("error", d.call({"id": 12, "cmd": "clock", "mode": "warp"}))
        d.init(cid=13, now="2026-11-26T07:00:00Z")  # init starts a new clock; old timers are gone
        self.assertEqual(call(14, "/now")["now"], t0 - 770)


class UnitTest(unittest.TestCase):
    def test_parse_body(self):
        self.assertEqual(tc.parse_body(b'{"a":1}'), {"a": 1})
        self.assertEqual(tc.parse_body(b"  "), None)
        self.assertEqual(tc.parse_body(""), None)
        self.assertEqual(tc.parse_body(b"<html>"), "<html>")
        self.assertEqual(tc.parse_body('"s"'), "s")

    def test_durations(self):
        for text, want in (("10s", 10), ("1m30s", 90), ("4m50s", 290), ("250ms", 0.25), ("1h", 3600), ("0s", 0), ("1.5s", 1.5)):
            self.assertAlmostEqual(tc._parse_duration(text), want)
        for bad in ("", "10", "s", "1x", "1m 2s"):
            self.assertIsNone(tc._parse_duration(bad))

    def test_error_text_names_the_cause(self):
        import urllib.error
        self.assertEqual(tc.error_text(ConnectionRefusedError(111, "Connection refused")), "ECONNREFUSED [Errno 111] Connection refused")
        wrapped = urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))
        self.assertTrue(tc.error_text(wrapped).startswith("ECONNREFUSED "))
        try:
            try:
                raise TimeoutError("timed out")
            except TimeoutError as e:
                raise RuntimeError("the call failed") from e
        except RuntimeError as e:
            self.assertEqual(tc.error_text(e), "ETIMEDOUT the call failed")


class Handler(http.server.BaseHTTPRequestHandler):
    """Answers with the request's instance header; /set sets a cookie, /cookie echoes it."""

    def do_GET(self):
        status = 404 if self.path == "/missing" else 200
        body = json.dumps({"instance": self.headers.get(tc.INSTANCE_HEADER), "cookie": self.headers.get("Cookie")}).encode()
        self.send_response(status)
        if self.path == "/set":
            self.send_header("Set-Cookie", "refreshToken=R0; Path=/; HttpOnly")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class FactoryTest(unittest.TestCase):
    """The HTTP factories against a local server: instance header, shared jar."""

    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.base = f"http://127.0.0.1:{cls.server.server_address[1]}"

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def configs(self):
        profile, clock = tc.Profile(), tc.RealClock()
        return [tc.Config(self.base, "T", i, 2, profile, clock) for i in range(2)]

    def test_opener(self):
        a, b = self.configs()
        with a.opener.open(a.url("/set"), timeout=5) as res:
            self.assertEqual(json.loads(res.read())["instance"], "0")
        with b.opener.open(b.url("/missing"), timeout=5) as res:  # a 404 is returned, not raised
            self.assertEqual(res.status, 404)
            self.assertEqual(json.loads(res.read()), {"instance": "1", "cookie": "refreshToken=R0"})

    def test_requests_session(self):
        try:
            import requests  # noqa: F401
        except ImportError:
            self.skipTest("requests is not installed")
        a, b = self.configs()
        a.requests_session().get(a.url("/set"), timeout=5)
        self.assertEqual(b.requests_session().get(b.url("/x"), timeout=5).json(), {"instance": "1", "cookie": "refreshToken=R0"})

    def test_httpx_client(self):
        try:
            import httpx
        except ImportError:
            self.skipTest("httpx is not installed")
        a, b = self.configs()
        with a.httpx_client() as c:
            c.get("/set")
        with b.httpx_client() as c:
            self.assertEqual(c.get("/x").json(), {"instance": "1", "cookie": "refreshToken=R0"})
            # a request built outside the client (as an Auth flow does) is tagged too
            self.assertEqual(c.send(httpx.Request("GET", self.base + "/x")).json()["instance"], "1")


if __name__ == "__main__" and sys.argv[1:2] == ["--serve"]:
    tc.main(FakeAdapter, name="fake", version="0", features=sys.argv[2:])
