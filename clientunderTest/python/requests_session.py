#!/usr/bin/env python3
"""requests_session.py: requests (Debian python3-requests 2.28.1) with the re-auth
pattern its documentation and community show, bugs kept.

The pattern: one requests.Session for the application, a response hook registered on
it (requests' docs, "Advanced Usage" -> "Event Hooks": session hooks run for every
response of the session, and "if the callback function returns a value, it is assumed
that it is to replace the data that was passed in"), and in that hook the recipe
copied across Stack Overflow answers and blog posts for "refresh the token on 401":

    def refresh_token(r, *args, **kwargs):
        if r.status_code == 401:
            token = get_token()
            session.headers.update({"Authorization": f"Bearer {token}"})
            r.request.headers["Authorization"] = session.headers["Authorization"]
            return session.send(r.request, **kwargs)

    session.hooks["response"].append(refresh_token)

Here the refresh token is the server's HttpOnly cookie, which lives in session.cookies,
so get_token() posts to /api/auth/refresh through the same session (a plain
requests.post would neither send the cookie nor keep the rotated one). Nothing is added
that the recipe does not have: no single flight, no guard on the auth endpoints or on
the replay, no GraphQL check, no Idempotency-Key, no cross-tab coordination. requests
has no API to cancel a call in flight and reads no clock, so the driver announces
neither `cancel` nor `clock`.

Run: /usr/bin/python3 clientunderTest/python/requests_session.py
"""
import requests

import tokenclock_driver as tc


class RequestsSession:
    def __init__(self, cfg):
        self.cfg = cfg
        # driver plumbing: the profile's shared cookie jar and the instance header
        self.session = cfg.requests_session()
        self.session.hooks["response"].append(self.refresh_token)

    def get_token(self):
        r = self.session.post(self.cfg.url("/api/auth/refresh"))
        r.raise_for_status()
        return r.json()["accessToken"]

    def refresh_token(self, r, *args, **kwargs):
        if r.status_code == 401:
            token = self.get_token()
            self.session.headers.update({"Authorization": f"Bearer {token}"})
            r.request.headers["Authorization"] = self.session.headers["Authorization"]
            return self.session.send(r.request, **kwargs)

    def login(self, email, password):
        r = self.session.post(self.cfg.url("/api/auth/login"), json={"email": email, "password": password})
        if r.ok:
            self.session.headers["Authorization"] = f"Bearer {r.json()['accessToken']}"
        return r

    def request(self, method, path, body, headers, cancel):
        return self.session.request(method, self.cfg.url(path), json=body, headers=headers)

    def logout(self):
        r = self.session.post(self.cfg.url("/api/auth/logout"))
        self.session.headers.pop("Authorization", None)
        return r

    def close(self):
        self.session.close()


if __name__ == "__main__":
    tc.main(RequestsSession, name="py-requests", version=f"requests {requests.__version__}",
            features=["instances", "restart"])
