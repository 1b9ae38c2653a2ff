"""Interop, user sign-in: Authlib's OAuth2Session drives a real Latchkey server
through authorize → login form → consent form → callback → code exchange → userinfo →
refresh → revoke on the standard dialect.

Run by crates/latchkey/tests/it/interop.rs (interop_authlib_user_sign_in), which creates
the org, user, project and an `oauth_web` credential, starts the server and passes
LATCHKEY_URL, LATCHKEY_CLIENT_ID, LATCHKEY_CLIENT_SECRET, LATCHKEY_REDIRECT_URI,
LATCHKEY_USER_EMAIL and LATCHKEY_USER_PASSWORD. Without LATCHKEY_USER_EMAIL (as when the
other interop suites run this folder) every test here is skipped.

Client side: PKCE S256 through Authlib's `code_challenge_method`, state checked by
Authlib when it parses the callback, code exchange with client_secret_basic, the ID token's
signature verified by PyJWT against the discovered JWKS and its OIDC claims (iss, aud,
nonce, azp, at_hash) by Authlib's `CodeIDToken`, userinfo, `refresh_token()` with
rotation, `revoke_token()` (RFC 7009). The browser is played with `requests.Session`
(no redirect following) and `html.parser` for the hidden form fields.
"""

import os
import secrets
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import jwt
import pytest
import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc6749.errors import MismatchingStateException
from authlib.oidc.core import CodeIDToken

TIMEOUT = 30

pytestmark = pytest.mark.skipif(
    not os.environ.get("LATCHKEY_USER_EMAIL"),
    reason="user sign-in interop runs from interop.rs with LATCHKEY_USER_* set",
)


@pytest.fixture(scope="module")
def cfg():
    def env(name):
        value = os.environ.get(name)
        if not value:
            pytest.fail(f"environment variable {name} is not set (see {__file__})", pytrace=False)
        return value

    return {
        "url": env("LATCHKEY_URL").rstrip("/"),
        "client_id": env("LATCHKEY_CLIENT_ID"),
        "client_secret": env("LATCHKEY_CLIENT_SECRET"),
        "redirect_uri": env("LATCHKEY_REDIRECT_URI"),
        "email": env("LATCHKEY_USER_EMAIL"),
        "password": env("LATCHKEY_USER_PASSWORD"),
    }


@pytest.fixture(scope="module")
def discovery(cfg):
    resp = requests.get(f"{cfg['url']}/.well-known/openid-configuration", timeout=TIMEOUT)
    assert resp.status_code == 200, resp.text
    doc = resp.json()
    assert doc["issuer"] == cfg["url"], doc
    assert "S256" in doc["code_challenge_methods_supported"], doc
    assert "client_secret_basic" in doc["token_endpoint_auth_methods_supported"], doc
    for key in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "revocation_endpoint", "jwks_uri"):
        assert doc.get(key, "").startswith(cfg["url"] + "/"), f"discovery {key}: {doc.get(key)}"
    return doc


class _Inputs(HTMLParser):
    """Collects `<input name=... value=...>` (values come back HTML-unescaped)."""

    def __init__(self):
        super().__init__()
        self.values = {}
        self.buttons = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            self.values[a["name"]] = a.get("value", "")
        if tag == "button" and a.get("name"):
            self.buttons.append((a["name"], a.get("value")))


def _form(html):
    p = _Inputs()
    p.feed(html)
    return p


class Browser:
    """A user agent: a cookie jar, manual redirects, same-origin form posts."""

    def __init__(self, base):
        self.base = base
        self.http = requests.Session()
        self.http.trust_env = False  # loopback only, never a proxy

    def _check(self, url):
        target = urljoin(self.base + "/", url)
        assert target.startswith(self.base + "/"), f"the browser left the server: {target}"
        return target

    def get(self, url):
        return self.http.get(self._check(url), allow_redirects=False, timeout=TIMEOUT)

    def post(self, url, data):
        return self.http.post(
            self._check(url),
            data=data,
            headers={"Origin": self.base},
            allow_redirects=False,
            timeout=TIMEOUT,
        )


def _see_other(resp):
    assert resp.status_code == 303, f"{resp.status_code}: {resp.text[:500]}"
    return resp.headers["Location"]


def _sign_in(cfg, authorize_url):
    """Login and consent as the user; returns the callback URL and whether consent showed."""
    b = Browser(cfg["url"])
    nxt = _see_other(b.get(authorize_url))
    assert nxt.startswith("/login?ar="), nxt

    page = b.get(nxt)
    assert page.status_code == 200
    form = _form(page.text)
    assert form.values["csrf"], "the login form carries a CSRF token"
    assert form.values["csrf"] != b.http.cookies.get("lk_csrf"), "bound to the cookie, not a copy"
    creds = {"username": cfg["email"], "csrf": form.values["csrf"], "ar": form.values["ar"]}

    # Without the CSRF token the post is refused and nothing happens.
    refused = b.post("/login", {**creds, "csrf": "x" * 43, "password": cfg["password"]})
    assert refused.status_code == 403, refused.status_code
    assert "lk_session" not in b.http.cookies

    nxt = _see_other(b.post("/login", {**creds, "password": cfg["password"]}))
    assert b.http.cookies.get("lk_session"), "login sets the session cookie"

    consented = False
    if nxt.startswith("/consent"):
        consented = True
        page = b.get(nxt)
        assert page.status_code == 200
        form = _form(page.text)
        assert ("decision", "allow") in form.buttons and ("decision", "deny") in form.buttons
        nxt = _see_other(
            b.post(
                "/consent",
                {"decision": "allow", "csrf": form.values["csrf"], "ar": form.values["ar"]},
            )
        )
    assert nxt.startswith(cfg["redirect_uri"] + "?"), nxt
    return nxt, consented


def _session(cfg, scope):
    s = OAuth2Session(
        client_id=cfg["client_id"],
        client_secret=cfg["client_secret"],
        token_endpoint_auth_method="client_secret_basic",
        revocation_endpoint_auth_method="client_secret_basic",
        scope=scope,
        redirect_uri=cfg["redirect_uri"],
        code_challenge_method="S256",
    )
    s.trust_env = False
    s.timeout = TIMEOUT
    return s


def _verify_id_token(cfg, discovery, id_token, nonce, access_token):
    header = jwt.get_unverified_header(id_token)
    assert header["alg"] == "RS256", header
    key = jwt.PyJWKClient(discovery["jwks_uri"], cache_keys=False, timeout=TIMEOUT).get_signing_key_from_jwt(id_token)
    # Signature, exp/iat, iss and aud (PyJWT) ...
    claims = jwt.decode(
        id_token,
        key.key,
        algorithms=["RS256"],
        audience=cfg["client_id"],
        issuer=cfg["url"],
        options={"require": ["iss", "sub", "aud", "exp", "iat"]},
    )
    # ... and the OIDC Core §3.1.3.7 checks (nonce, azp, at_hash, auth_time) by Authlib.
    CodeIDToken(
        claims,
        header,
        options={
            "iss": {"essential": True, "value": cfg["url"]},
            "aud": {"essential": True, "value": cfg["client_id"]},
        },
        params={"nonce": nonce, "client_id": cfg["client_id"], "access_token": access_token},
    ).validate(leeway=60)
    return claims


def test_authlib_code_flow_pkce_id_token_userinfo_refresh_revoke(cfg, discovery):
    scope = "openid profile email offline_access"
    session = _session(cfg, scope)
    nonce = secrets.token_urlsafe(16)
    code_verifier = secrets.token_urlsafe(48)
    url, state = session.create_authorization_url(
        discovery["authorization_endpoint"], code_verifier=code_verifier, nonce=nonce
    )
    q = parse_qs(urlsplit(url).query)
    assert q["code_challenge_method"] == ["S256"] and q["code_challenge"][0], url

    callback, consented = _sign_in(cfg, url)
    assert consented, "the first sign-in to this app asks for consent"
    cb = parse_qs(urlsplit(callback).query)
    assert cb["state"] == [state]
    assert cb["iss"] == [cfg["url"]], "RFC 9207 iss in the authorization response"

    # Authlib compares the callback's state with the one it generated.
    with pytest.raises(MismatchingStateException):
        session.fetch_token(
            discovery["token_endpoint"],
            authorization_response=callback,
            state="not-the-state",
            code_verifier=code_verifier,
        )

    token = session.fetch_token(
        discovery["token_endpoint"],
        authorization_response=callback,
        state=state,
        code_verifier=code_verifier,
    )
    assert token["token_type"].lower() == "bearer"
    assert isinstance(token["expires_in"], int) and 0 < token["expires_in"] <= 86400
    assert set(token["scope"].split()) == set(scope.split()), token["scope"]
    access_token, refresh_token = token["access_token"], token["refresh_token"]

    claims = _verify_id_token(cfg, discovery, token["id_token"], nonce, access_token)
    assert claims["nonce"] == nonce
    assert claims["email"] == cfg["email"]

    # A different nonce, or another access token (at_hash), would be caught.
    with pytest.raises(Exception, match="nonce"):
        _verify_id_token(cfg, discovery, token["id_token"], nonce + "x", access_token)
    if "at_hash" in claims:
        with pytest.raises(Exception, match="at_hash"):
            _verify_id_token(cfg, discovery, token["id_token"], nonce, access_token + "x")

    # Userinfo with the session's bearer token.
    resp = session.get(discovery["userinfo_endpoint"], timeout=TIMEOUT)
    assert resp.status_code == 200, resp.text
    info = resp.json()
    assert info["sub"] == claims["sub"]
    assert info["email"] == cfg["email"]
    assert info["given_name"] == "Ada" and info["family_name"] == "Lovelace"

    # Refresh rotates both tokens; the new access token works.
    new = session.refresh_token(discovery["token_endpoint"], refresh_token=refresh_token)
    assert new["access_token"] != access_token
    assert new.get("refresh_token") and new["refresh_token"] != refresh_token
    resp = session.get(discovery["userinfo_endpoint"], timeout=TIMEOUT)
    assert resp.status_code == 200 and resp.json()["sub"] == claims["sub"], resp.text

    # RFC 7009 revocation of the refresh token ends the grant: the access token stops
    # working at userinfo and the refresh token at the token endpoint.
    resp = session.revoke_token(
        discovery["revocation_endpoint"],
        token=new["refresh_token"],
        token_type_hint="refresh_token",
    )
    assert resp.status_code == 200, resp.text
    resp = requests.get(
        discovery["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {new['access_token']}"},
        timeout=TIMEOUT,
    )
    assert resp.status_code == 401, resp.text
    assert resp.headers.get("WWW-Authenticate", "").lower().startswith("bearer"), resp.headers
    with pytest.raises(OAuthError) as err:
        session.refresh_token(discovery["token_endpoint"], refresh_token=new["refresh_token"])
    assert err.value.error == "invalid_grant"

    # The code is single-use (checked last: a replayed code may revoke what it issued,
    # RFC 6749 §4.1.2).
    with pytest.raises(OAuthError) as err:
        _session(cfg, scope).fetch_token(
            discovery["token_endpoint"],
            authorization_response=callback,
            state=state,
            code_verifier=code_verifier,
        )
    assert err.value.error == "invalid_grant"


def test_authlib_wrong_pkce_verifier_is_refused(cfg, discovery):
    session = _session(cfg, "openid offline_access")
    code_verifier = secrets.token_urlsafe(48)
    url, state = session.create_authorization_url(
        discovery["authorization_endpoint"], code_verifier=code_verifier, nonce=secrets.token_urlsafe(8)
    )
    callback, _ = _sign_in(cfg, url)
    with pytest.raises(OAuthError) as err:
        session.fetch_token(
            discovery["token_endpoint"],
            authorization_response=callback,
            state=state,
            code_verifier=secrets.token_urlsafe(48),
        )
    assert err.value.error == "invalid_grant"
