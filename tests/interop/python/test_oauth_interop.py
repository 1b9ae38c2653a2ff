"""Interop: PyJWT, Authlib and requests against a running Latchkey server.

Run by crates/latchkey/tests/it/interop.rs (which creates the credential and starts the
server), or by hand:

    LATCHKEY_URL=http://127.0.0.1:PORT LATCHKEY_CLIENT_ID=... LATCHKEY_CLIENT_SECRET=... \
    LATCHKEY_ORG_ID=... tests/interop/python/.venv/bin/python -m pytest -q tests/interop/python

Standard OAuth 2.0 / OIDC side: discovery, client_credentials with client_secret_basic on
/oauth2/token, RFC 9068 access-token checks with PyJWT's JWKS client, RFC 7662 introspection
and RFC 7009 revocation; IMS side: /ims/token/v3 with client_secret_post and comma scopes,
verified against /ims/keys.
"""

import base64
import json
import os

import jwt
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.integrations.base_client.errors import OAuthError

TIMEOUT = 30


def _env(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"environment variable {name} is not set (see {__file__})", pytrace=False)
    return value


@pytest.fixture(scope="module")
def cfg():
    return {
        "url": _env("LATCHKEY_URL").rstrip("/"),
        "client_id": _env("LATCHKEY_CLIENT_ID"),
        "client_secret": _env("LATCHKEY_CLIENT_SECRET"),
        "org_id": _env("LATCHKEY_ORG_ID"),
    }


@pytest.fixture(scope="module")
def discovery(cfg):
    resp = requests.get(f"{cfg['url']}/.well-known/openid-configuration", timeout=TIMEOUT)
    assert resp.status_code == 200, resp.text
    doc = resp.json()
    assert doc["issuer"] == cfg["url"], doc
    for key in ("jwks_uri", "token_endpoint"):
        assert doc.get(key), f"discovery lacks {key}: {doc}"
    return doc


def _session(cfg, auth_method, scope):
    session = OAuth2Session(
        client_id=cfg["client_id"],
        client_secret=cfg["client_secret"],
        token_endpoint_auth_method=auth_method,
        scope=scope,
    )
    session.timeout = TIMEOUT
    return session


def _header(token):
    return jwt.get_unverified_header(token)


def _b64url_json(segment):
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _verify(token, jwks_uri, cfg):
    """Verify signature and standard claims the way a resource server would (RFC 9068)."""
    header = _header(token)
    assert header.get("alg") == "ES256", header
    assert header.get("kid"), header
    signing_key = jwt.PyJWKClient(jwks_uri, cache_keys=False, timeout=TIMEOUT).get_signing_key_from_jwt(token)
    claims = jwt.decode(
        token,
        signing_key.key,
        algorithms=["ES256"],
        audience=cfg["client_id"],
        issuer=cfg["url"],
        options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
    )
    assert claims["client_id"] == cfg["client_id"]
    assert claims["type"] == "access_token"
    assert claims["exp"] > claims["iat"]
    return header, claims


def _introspect(cfg, token):
    resp = requests.post(
        f"{cfg['url']}/oauth2/introspect",
        data={"token": token},
        auth=(cfg["client_id"], cfg["client_secret"]),
        timeout=TIMEOUT,
    )
    assert resp.status_code == 200, (resp.status_code, resp.text)
    return resp.json()


def test_discovery_points_at_this_server(cfg, discovery):
    assert discovery["jwks_uri"].startswith(cfg["url"] + "/")
    assert discovery["token_endpoint"].startswith(cfg["url"] + "/")
    ims = requests.get(f"{cfg['url']}/ims/.well-known/openid-configuration", timeout=TIMEOUT)
    assert ims.status_code == 200, ims.text


def test_authlib_client_secret_basic_pyjwt_verify_introspect_revoke(cfg, discovery):
    session = _session(cfg, "client_secret_basic", "openid AdobeID firefly_api")
    token = session.fetch_token(f"{cfg['url']}/oauth2/token", grant_type="client_credentials")
    access_token = token["access_token"]
    assert token["token_type"].lower() == "bearer"
    assert isinstance(token["expires_in"], int) and token["expires_in"] > 600, token
    assert "refresh_token" not in token

    header, claims = _verify(access_token, discovery["jwks_uri"], cfg)
    assert header.get("typ", "").lower() in ("at+jwt", "application/at+jwt"), header
    assert "firefly_api" in claims["scope"].split(), claims

    active = _introspect(cfg, access_token)
    assert active.get("active") is True, active
    assert "firefly_api" in active.get("scope", "").split(), active
    assert active.get("client_id") == cfg["client_id"], active

    resp = session.revoke_token(
        discovery.get("revocation_endpoint") or f"{cfg['url']}/oauth2/revoke",
        token=access_token,
        token_type_hint="access_token",
    )
    assert resp.status_code == 200, (resp.status_code, resp.text)

    assert _introspect(cfg, access_token) == {"active": False}


def test_authlib_wrong_secret_is_invalid_client(cfg):
    session = OAuth2Session(
        client_id=cfg["client_id"],
        client_secret=cfg["client_secret"] + "-wrong",
        token_endpoint_auth_method="client_secret_basic",
        scope="openid AdobeID firefly_api",
    )
    with pytest.raises(OAuthError) as err:
        session.fetch_token(f"{cfg['url']}/oauth2/token", grant_type="client_credentials")
    assert err.value.error == "invalid_client"


def test_ims_token_v3_client_secret_post_comma_scopes_verifies_against_ims_keys(cfg):
    session = _session(cfg, "client_secret_post", "openid,AdobeID,firefly_api")
    token = session.fetch_token(f"{cfg['url']}/ims/token/v3", grant_type="client_credentials")
    access_token = token["access_token"]
    assert token["token_type"].lower() == "bearer"
    # /ims/token/v3 answers expires_in in seconds (docs/ims-contract.md §2.2).
    assert isinstance(token["expires_in"], int) and 600 < token["expires_in"] <= 86400, token

    _, claims = _verify(access_token, f"{cfg['url']}/ims/keys", cfg)
    # IMS claims: comma-separated scope, ms strings (docs/ims-contract.md §3.1).
    assert "firefly_api" in claims["scope"].split(","), claims
    assert claims["created_at"].isdigit() and claims["expires_in"].isdigit(), claims
    assert int(claims["expires_in"]) > 600000, claims
    assert claims == _b64url_json(access_token.split(".")[1])
