#!/usr/bin/env python3
"""example_adapter.py: the kit's example, a correct token-refreshing client on
urllib.request (standard library only) that meets the whole retry contract
(docs/conformance.md). Run: /usr/bin/python3 clientunderTest/python/example_adapter.py

- Only a protected resource's auth failure means "expired": a 401, or a GraphQL 200
  whose errors carry UNAUTHENTICATED (RC1). The auth endpoints are never intercepted:
  a 401 from refresh is final (RC6), one from login a credential error (RC14).
- One refresh per tab at a time, shared by every caller that needs it (RC2); a call
  that starts meanwhile waits for it (RC12); a 401 for an older token than the one
  held is replayed without a refresh (RC9). The replay is sent once, with the same
  method, path, body bytes and Idempotency-Key and one Authorization header (RC3-5, RC15);
  POSTs get a key of their own (RC20).
- A refused refresh ends the session for every tab: waiters get their 401, the dead
  token is never sent again, no refresh until the next login (RC7, RC10). A 5xx or a
  refresh with no response goes to its waiters and keeps the session (RC11).
- Tabs (feature instances) share the cookie jar and storage; every refresh and login
  runs under the profile lock, so a tab that waited presents the cookie the previous
  refresh rotated in (RC8, RC19). storage["session"] names the live session: a logout
  or a refused refresh in any tab ends it, and whatever a refresh of an ended session
  brings back is discarded (RC13, RC17).
- The caller's cancel ends only its own wait; the refresh runs on its own thread (RC16).
- The token is renewed early, after 3/4 of its expiresIn on the client's clock, never
  from the JWT's exp against the device clock (RC18).
"""
import json
import threading
import urllib.request
import uuid

import tokenclock_driver as tc

AUTH_PATHS = {"/api/auth/login", "/api/auth/register", "/api/auth/refresh", "/api/auth/logout"}
SESSION = "session"  # storage key: the live session's id, shared by the tabs


def auth_failed(status, body):
    errors = body.get("errors") if isinstance(body, dict) else None
    return status == 401 or isinstance(errors, list) and any(
        isinstance(e, dict) and (e.get("extensions") or {}).get("code") == "UNAUTHENTICATED" for e in errors)


class Flight:
    """One refresh, shared by every caller waiting on it."""

    def __init__(self):
        self.done = threading.Event()
        self.token = None  # the new access token; None when refused or discarded
        self.answer = None  # a 5xx answer (transient: the session stays)
        self.error = None  # no answer at all (transient)


class Client:
    def __init__(self, cfg):
        self.cfg = cfg
        self.mu = threading.Lock()  # guards the fields below; never held across a network call
        self.session = cfg.storage.get(SESSION)  # the session this tab belongs to
        self.token, self.gen, self.flight, self.renew_at, self.timer = None, 0, None, None, None

    def send(self, method, path, data=None, headers=(), token=None):
        req = urllib.request.Request(self.cfg.url(path), data=data, method=method, headers=dict(headers))
        if data is not None and not req.has_header("Content-type"):
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)  # replaces: exactly one
        with self.cfg.opener.open(req, timeout=30) as res:
            return res.status, tc.parse_body(res.read())

    # --- session state (the caller holds self.mu)

    def _sync(self):  # another tab logged out, or in: forget this tab's token
        if self.cfg.storage.get(SESSION) != self.session:
            self._forget(self.cfg.storage.get(SESSION))

    def _forget(self, session):
        if self.timer:
            self.timer.cancel()
        self.session, self.token, self.gen, self.flight, self.renew_at, self.timer = session, None, self.gen + 1, None, None, None

    def _set_token(self, body):
        self._forget(self.session)
        self.token, life = body["accessToken"], body.get("expiresIn")
        if isinstance(life, (int, float)) and life > 0:
            self.renew_at = self.cfg.clock.now() + life * 3 / 4
            gen = self.gen
            self.timer = self.cfg.clock.call_later(life * 3 / 4, lambda: self._renew_on_timer(gen))

    def _start(self):
        f = self.flight = Flight()
        threading.Thread(target=self._refresh, args=(f, self.session), daemon=True).start()
        return f

    def _renew_on_timer(self, gen):
        with self.mu:
            self._sync()
            if gen == self.gen and self.token and self.session and not self.flight:
                self._start()

    def _refresh(self, f, session):
        try:
            with self.cfg.lock:  # one refresh at a time across the tabs (RC19)
                if self.cfg.storage.get(SESSION) != session:
                    return  # the session ended while we waited
                try:
                    status, body = self.send("POST", "/api/auth/refresh")
                except Exception as e:
                    f.error = e
                    return
                with self.mu:
                    if self.flight is not f or self.cfg.storage.get(SESSION) != session:
                        if SESSION not in self.cfg.storage:  # logged out: drop the cookie it brought (RC13)
                            for c in [c for c in self.cfg.jar if c.name == "refreshToken"]:
                                self.cfg.jar.clear(c.domain, c.path, c.name)
                    elif status == 200 and isinstance(body, dict) and body.get("accessToken"):
                        self._set_token(body)
                        f.token = self.token
                    elif status >= 500 or status == 429:
                        f.answer, self.renew_at = (status, body), None
                    else:  # refused: the session is over, in every tab (RC7, RC10)
                        self.cfg.storage.pop(SESSION, None)
                        self._forget(None)
        finally:
            with self.mu:
                if self.flight is f:
                    self.flight = None
            f.done.set()

    # --- the application's calls

    def login(self, email, password):
        with self.cfg.lock:  # after any refresh in flight: its late cookie cannot overwrite ours
            status, body = self.send("POST", "/api/auth/login", json.dumps({"email": email, "password": password}).encode())
            if status == 200 and isinstance(body, dict) and body.get("accessToken"):
                with self.mu:
                    self.cfg.storage[SESSION] = self.session = uuid.uuid4().hex
                    self._set_token(body)
        return status, body

    def logout(self):
        with self.mu:  # forget first: nothing sent from now on carries the old tokens (RC13)
            self.cfg.storage.pop(SESSION, None)
            self._forget(None)
        return self.send("POST", "/api/auth/logout")

    def request(self, method, path, body, headers, cancel):
        data = None if body is None else json.dumps(body).encode()
        if path.split("?")[0] in AUTH_PATHS:
            return self.send(method, path, data, headers)
        if method.upper() == "POST" and not any(k.lower() == "idempotency-key" for k in headers):
            headers = {**headers, "Idempotency-Key": uuid.uuid4().hex}
        with self.mu:  # wait for a refresh in flight, or start the renewal that is due
            self._sync()
            f = self.flight
            if not f and self.token and self.renew_at is not None and self.cfg.clock.now() >= self.renew_at:
                f = self._start()
        if f:
            cancel.wait_for(f.done)
        with self.mu:
            token, gen = self.token, self.gen
        status, answer = self.send(method, path, data, headers, token)
        if not auth_failed(status, answer):
            return status, answer
        with self.mu:
            self._sync()
            if not self.session:
                return status, answer  # logged out, or the session ended: no refresh
            f, newer = self.flight, None
            if not f and gen != self.gen and self.token:
                newer = self.token  # someone refreshed since we sent (RC9)
            elif not f:
                f = self._start()
        if f:
            cancel.wait_for(f.done)
            if f.error:
                raise f.error
            if f.answer:
                return f.answer
            newer = f.token
        return self.send(method, path, data, headers, newer) if newer else (status, answer)

    def close(self):  # a reload: this tab's timer goes; a refresh it has in flight still lands
        with self.mu:
            if self.timer:
                self.timer.cancel()


if __name__ == "__main__":
    tc.main(Client, name="py-example", version="urllib (Python stdlib)",
            features=["instances", "restart", "cancel", "clock"])
