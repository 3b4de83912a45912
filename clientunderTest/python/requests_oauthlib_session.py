#!/usr/bin/env python3
"""requests_oauthlib_session.py: requests-oauthlib (Debian python3-requests-oauthlib
1.3.0) under the oauth2 profile, used as its documentation shows, bugs kept.

The pattern, from its docs:
  * "Legacy Application Flow" (Resource Owner Password Credentials): an OAuth2Session
    with a LegacyApplicationClient, and fetch_token(token_url, username, password,
    client_id, client_secret) for the login;
  * "Refreshing tokens", its third and recommended way, "Define automatic token
    refresh and update": an OAuth2Session built with token, auto_refresh_url,
    auto_refresh_kwargs (the client credentials) and token_updater, which saves the
    refreshed token. Here the token is saved to the kit profile's storage, where each
    instance (and a restarted one) builds its session from.

requests-oauthlib refreshes when oauthlib raises TokenExpiredError, that is when the
token's expires_at has passed by the machine's clock; it does not look at a 401, which
reaches the application as it is. Nothing is added that the docs do not show. It has
no cancel and reads no clock: the driver announces neither.

Run: /usr/bin/python3 clientunderTest/python/requests_oauthlib_session.py
"""
import json
import os

# The fake server speaks plain HTTP on loopback; oauthlib refuses http:// unless told
# this is local testing, the way its docs say ("Insecure transport").
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"

import requests_oauthlib  # noqa: E402 (after the environment it reads)
from oauthlib.oauth2 import LegacyApplicationClient, OAuth2Error  # noqa: E402

import tokenclock_driver as tc

TOKEN_KEY = "oauth2_token"


class OAuthlibSession:
    def __init__(self, cfg):
        self.cfg = cfg
        o = cfg.oauth2
        saved = cfg.storage.get(TOKEN_KEY)
        self.session = requests_oauthlib.OAuth2Session(
            client=LegacyApplicationClient(client_id=o.client_id),
            token=json.loads(saved) if saved else None,
            auto_refresh_url=o.token_url,
            auto_refresh_kwargs={"client_id": o.client_id, "client_secret": o.client_secret},
            token_updater=self.save)
        self.session.headers.update(cfg.headers)  # driver plumbing: the instance header

    def save(self, token):
        self.cfg.storage[TOKEN_KEY] = json.dumps(token)

    def login(self, email, password):
        o = self.cfg.oauth2
        try:
            token = self.session.fetch_token(token_url=o.token_url, username=email, password=password,
                                             client_id=o.client_id, client_secret=o.client_secret)
        except OAuth2Error as e:  # the token endpoint's refusal, as the application catches it
            return e.status_code, {"error": e.error, "error_description": e.description}
        self.save(token)
        return 200, {"loggedIn": True}

    def request(self, method, path, body, headers, cancel):
        return self.session.request(method, self.cfg.url(path), json=body, headers=headers)

    def logout(self):
        # requests-oauthlib has no revocation: post the refresh token to RFC 7009's
        # endpoint, and forget the token.
        o = self.cfg.oauth2
        token = self.session.token or {}
        self.cfg.storage.pop(TOKEN_KEY, None)
        # withhold_token: no Bearer header, and no auto-refresh before the revocation.
        r = self.session.post(o.revoke_url, withhold_token=True,
                              data={"token": token.get("refresh_token", ""),
                                    "client_id": o.client_id, "client_secret": o.client_secret})
        self.session.token = {}
        return r

    def close(self):
        self.session.close()


if __name__ == "__main__":
    tc.main(OAuthlibSession, name="py-requests-oauthlib", version=f"requests-oauthlib {requests_oauthlib.__version__}",
            features=["instances", "restart"], profiles=["oauth2"])
