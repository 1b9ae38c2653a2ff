"""Interop: a Service Account (JWT) credential driven by PyJWT and requests.

Run by crates/latchkey/tests/it/interop.rs, which makes an RSA key and a self-signed
certificate with openssl, uploads the certificate (`latchkey credential create --kind
service_account_jwt --certificate`), starts the server and passes LATCHKEY_URL,
LATCHKEY_JWT_CLIENT_ID, LATCHKEY_JWT_CLIENT_SECRET, LATCHKEY_ORG_ID,
LATCHKEY_TECHNICAL_ACCOUNT_ID and LATCHKEY_JWT_PRIVATE_KEY_FILE. Without them (as when the
server-to-server suite runs this folder) every test here is skipped.

Covers: the IMS exchange at /ims/exchange/jwt (docs/ims-contract.md §2.3, expires_in in ms),
the RFC 7523 JWT-bearer grant at /oauth2/token (SEC-31) with client_secret_post and with
private_key_jwt client authentication (SEC-32), and jti replay (NEG-13).
"""

import base64
import hashlib
import hmac
import json
import os
import time
import uuid

import jwt
import pytest
import requests

TIMEOUT = 30
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CLIENT_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

pytestmark = pytest.mark.skipif(
    not os.environ.get("LATCHKEY_JWT_CLIENT_ID"),
    reason="service-account interop runs from interop.rs with LATCHKEY_JWT_* set",
)


@pytest.fixture(scope="module")
def sa():
    with open(os.environ["LATCHKEY_JWT_PRIVATE_KEY_FILE"], encoding="utf-8") as f:
        key = f.read()
    return {
        "url": os.environ["LATCHKEY_URL"].rstrip("/"),
        "client_id": os.environ["LATCHKEY_JWT_CLIENT_ID"],
        "client_secret": os.environ["LATCHKEY_JWT_CLIENT_SECRET"],
        "org_id": os.environ["LATCHKEY_ORG_ID"],
        "tech": os.environ["LATCHKEY_TECHNICAL_ACCOUNT_ID"],
        "key": key,
    }


def _b64(text):
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def _ims_assertion(sa, **extra):
    now = int(time.time())
    claims = {
        "iss": sa["org_id"],
        "sub": sa["tech"],
        "aud": f"{sa['url']}/c/{sa['client_id']}",
        "exp": now + 300,
        "iat": now,
        f"{sa['url']}/s/ent_workfront_sdk": True,
    }
    claims.update(extra)
    return jwt.encode(claims, sa["key"], algorithm="RS256")


def _exchange(sa, token):
    return requests.post(
        f"{sa['url']}/ims/exchange/jwt",
        data={"client_id": sa["client_id"], "client_secret": sa["client_secret"], "jwt_token": token},
        timeout=TIMEOUT,
    )


def _grant_assertion(sa):
    now = int(time.time())
    return jwt.encode(
        {
            "iss": sa["org_id"],
            "sub": sa["tech"],
            "aud": f"{sa['url']}/oauth2/token",
            "exp": now + 120,
            "iat": now,
            "jti": str(uuid.uuid4()),
        },
        sa["key"],
        algorithm="RS256",
    )


def _validate(sa, token):
    resp = requests.post(
        f"{sa['url']}/ims/validate_token/v1",
        data={"type": "access_token"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_ims_exchange_with_a_pyjwt_rs256_assertion(sa):
    resp = _exchange(sa, _ims_assertion(sa))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 86400000, body
    assert resp.headers.get("Cache-Control") == "no-store"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["user_id"] == sa["tech"]
    assert claims["org"] == sa["org_id"]
    assert "workfront.read" in claims["scope"].split(",")
    validation = _validate(sa, body["access_token"])
    assert validation["valid"] is True, validation
    roles = {r["product"]: r["role"] for r in validation["product_roles"]}
    assert roles.get("Workfront") == "contributor", validation


def test_ims_exchange_errors(sa):
    # HS256 keyed with the public certificate's text, alg none, a replayed jti.
    with open(os.environ["LATCHKEY_JWT_CERT_FILE"], encoding="utf-8") as f:
        cert = f.read()
    now = int(time.time())
    claims = {"iss": sa["org_id"], "sub": sa["tech"], "aud": f"{sa['url']}/c/{sa['client_id']}",
              "exp": now + 300, f"{sa['url']}/s/ent_workfront_sdk": True}
    # PyJWT itself refuses a PEM as an HMAC secret, so sign by hand (FUZZ-02).
    signing_input = _b64(json.dumps({"alg": "HS256", "typ": "JWT"})) + "." + _b64(json.dumps(claims))
    mac = hmac.new(cert.encode(), signing_input.encode(), hashlib.sha256).digest()
    hs = signing_input + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    resp = _exchange(sa, hs)
    assert (resp.status_code, resp.json()["error"]) == (400, "invalid_signature"), resp.text
    none = jwt.encode(claims, None, algorithm="none")
    resp = _exchange(sa, none)
    assert resp.status_code == 400 and resp.json()["error"] in ("invalid_token", "invalid_signature"), resp.text
    replayed = _ims_assertion(sa, jti=now)
    assert _exchange(sa, replayed).status_code == 200
    resp = _exchange(sa, replayed)
    assert (resp.status_code, resp.json()["error"]) == (400, "invalid_token"), resp.text


def test_rfc7523_grant_with_client_secret_post(sa):
    assertion = _grant_assertion(sa)
    form = {
        "grant_type": JWT_BEARER,
        "assertion": assertion,
        "scope": "openid workfront.read",
        "client_id": sa["client_id"],
        "client_secret": sa["client_secret"],
    }
    resp = requests.post(f"{sa['url']}/oauth2/token", data=form, timeout=TIMEOUT)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["scope"] == "openid workfront.read"
    assert "refresh_token" not in body
    # NEG-13: the same assertion again.
    again = requests.post(f"{sa['url']}/oauth2/token", data=form, timeout=TIMEOUT)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant"), again.text


def test_rfc7523_grant_with_private_key_jwt_client_authentication(sa):
    now = int(time.time())
    client_assertion = jwt.encode(
        {"iss": sa["client_id"], "sub": sa["client_id"], "aud": f"{sa['url']}/oauth2/token",
         "exp": now + 60, "iat": now, "jti": str(uuid.uuid4())},
        sa["key"],
        algorithm="RS256",
    )
    form = {
        "grant_type": JWT_BEARER,
        "assertion": _grant_assertion(sa),
        "client_assertion_type": CLIENT_ASSERTION,
        "client_assertion": client_assertion,
    }
    resp = requests.post(f"{sa['url']}/oauth2/token", data=form, timeout=TIMEOUT)
    assert resp.status_code == 200, resp.text
    # The client assertion is single-use too.
    form["assertion"] = _grant_assertion(sa)
    again = requests.post(f"{sa['url']}/oauth2/token", data=form, timeout=TIMEOUT)
    assert (again.status_code, again.json()["error"]) == (401, "invalid_client"), again.text
