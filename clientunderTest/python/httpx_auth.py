#!/usr/bin/env python3
"""httpx_auth.py: httpx (Debian python3-httpx 0.23.3) with the refresh scheme its
documentation shows, bugs kept.

The pattern: httpx's docs, "Advanced Usage" -> "Customizing authentication"
(docs/advanced.md of 0.23.3; "Custom authentication schemes" on python-httpx.org), the
example with `requires_response_body = True`: a subclass of httpx.Auth whose
auth_flow sends the request with the access token, and on a 401 yields
build_refresh_request(), feeds its response to update_tokens() and yields the request
again. The class is set as the client's auth ("configured on the client instance,
ensuring that all outgoing requests will include authentication credentials"), and one
sync httpx.Client serves the application's threads.

What the docs leave to the reader, filled in the plain way: the refresh token is the
server's HttpOnly cookie, so build_refresh_request() sends the client's cookies (the
client stores the rotated one from every response, the refresh's too); update_tokens()
calls raise_for_status() before reading the JSON (the quickstart's way to treat an
error status), so a refused refresh reaches the caller as its HTTPStatusError, which
the kit answers with the refresh's status. Thread safety: the docs' only note says to
override sync_auth_flow and use a threading.RLock when the scheme "needs concurrency
primitives, such as locks" or does I/O other than HTTP; this scheme does neither, so
auth_flow is used as shown. TOKENCLOCK_HTTPX_LOCK=1 runs the variant a reader who takes
the note as advice for threads would write: sync_auth_flow holding the docs' RLock
around the refresh exchange (refreshes then run one after another; each still happens).

Driver plumbing (cfg.httpx_client): the profile's shared cookie jar, and the instance
header on every request, the refresh an Auth builds included (a request event hook).
The client keeps httpx's defaults, among them its pool limit of 100 connections, which
hello announces as maxConcurrency. httpx's sync Client has no API to cancel a call and
reads no clock: the driver announces neither `cancel` nor `clock`.

Run: /usr/bin/python3 clientunderTest/python/httpx_auth.py
"""
import os
import threading

import httpx

import tokenclock_driver as tc


class RefreshAuth(httpx.Auth):
    requires_response_body = True

    def __init__(self, refresh_url, cookies):
        self.access_token = None
        self.refresh_url = refresh_url
        self.cookies = cookies  # the client's cookies: the refresh token is a cookie
        self._sync_lock = threading.RLock()

    def auth_flow(self, request):
        if self.access_token:
            request.headers["Authorization"] = f"Bearer {self.access_token}"
        response = yield request

        if response.status_code == 401:
            # If the server issues a 401 response, then issue a request to
            # refresh tokens, and resend the request.
            refresh_response = yield self.build_refresh_request()
            self.update_tokens(refresh_response)

            request.headers["Authorization"] = f"Bearer {self.access_token}"
            yield request

    def build_refresh_request(self):
        return httpx.Request("POST", self.refresh_url, cookies=self.cookies)

    def update_tokens(self, response):
        response.raise_for_status()
        data = response.json()
        self.access_token = data["accessToken"]


class LockedRefreshAuth(RefreshAuth):
    """TOKENCLOCK_HTTPX_LOCK=1: the docs' RLock recipe applied to the refresh."""

    def sync_auth_flow(self, request):
        if self.access_token:
            request.headers["Authorization"] = f"Bearer {self.access_token}"
        response = yield request
        if response.status_code == 401:
            response.read()
            with self._sync_lock:
                refresh_response = yield self.build_refresh_request()
                refresh_response.read()
                self.update_tokens(refresh_response)
            request.headers["Authorization"] = f"Bearer {self.access_token}"
            yield request


class HttpxAuth:
    def __init__(self, cfg):
        self.client = cfg.httpx_client()
        kind = LockedRefreshAuth if os.environ.get("TOKENCLOCK_HTTPX_LOCK") == "1" else RefreshAuth
        self.auth = kind(cfg.url("/api/auth/refresh"), self.client.cookies)
        self.client.auth = self.auth

    def login(self, email, password):
        r = self.client.post("/api/auth/login", json={"email": email, "password": password})
        if r.status_code == 200:
            self.auth.access_token = r.json()["accessToken"]
        return r

    def request(self, method, path, body, headers, cancel):
        return self.client.request(method, path, json=body, headers=headers)

    def logout(self):
        r = self.client.post("/api/auth/logout")
        self.auth.access_token = None
        return r

    def close(self):
        self.client.close()


if __name__ == "__main__":
    tc.main(HttpxAuth, name="py-httpx", version=f"httpx {httpx.__version__}",
            features=["instances", "restart"], max_concurrency=100)
