#!/usr/bin/env python3
"""authlib_session.py: Authlib (Debian python3-authlib 1.2.0) under the oauth2 profile,
used as its documentation shows, bugs kept.

The pattern, from Authlib's docs ("OAuth 2 Session" for requests):
  * "Fetch Token" with the password grant: fetch_token(token_endpoint, username=...,
    password=...) on an OAuth2Session built with the client id and secret;
  * "Auto Update Token": the session built with token_endpoint=... and
    update_token=..., so that a request with an expired token refreshes it first and
    hands the new token to update_token, which saves it. Here it is saved to the kit
    profile's storage, where each instance (and a restarted one) builds its session
    from.

Authlib refreshes when token.is_expired() says so, by the machine's clock (expires_at,
from expires_in); a 401 reaches the application as it is. A request without a token
raises MissingTokenError, which the kit reports as the caller's error. It has no cancel
and reads no clock: the driver announces neither.

Run: /usr/bin/python3 clientunderTest/python/authlib_session.py
"""
import json

import authlib
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

import tokenclock_driver as tc

TOKEN_KEY = "oauth2_token"


class AuthlibSession:
    def __init__(self, cfg):
        self.cfg = cfg
        o = cfg.oauth2
        saved = cfg.storage.get(TOKEN_KEY)
        self.session = OAuth2Session(o.client_id, o.client_secret, token_endpoint=o.token_url,
                                     token=json.loads(saved) if saved else None, update_token=self.update_token)
        self.session.headers.update(cfg.headers)  # driver plumbing: the instance header

    def update_token(self, token, refresh_token=None, access_token=None):
        self.cfg.storage[TOKEN_KEY] = json.dumps(dict(token))

    def login(self, email, password):
        try:
            token = self.session.fetch_token(self.cfg.oauth2.token_url, username=email, password=password)
        except OAuthError as e:  # the token endpoint's refusal, as the application catches it
            status = 401 if e.error == "invalid_client" else 400  # RFC 6749 §5.2
            return status, {"error": e.error, "error_description": e.description}
        self.update_token(token)
        return 200, {"loggedIn": True}

    def request(self, method, path, body, headers, cancel):
        return self.session.request(method, self.cfg.url(path), json=body, headers=headers)

    def logout(self):
        # revoke_token is Authlib's RFC 7009 call; then forget the token.
        token = self.session.token or {}
        self.cfg.storage.pop(TOKEN_KEY, None)
        r = self.session.revoke_token(self.cfg.oauth2.revoke_url, token=token.get("refresh_token", ""),
                                      token_type_hint="refresh_token")
        self.session.token = None
        return r

    def close(self):
        self.session.close()


if __name__ == "__main__":
    tc.main(AuthlibSession, name="py-authlib", version=f"Authlib {authlib.__version__}",
            features=["instances", "restart"], profiles=["oauth2"])
