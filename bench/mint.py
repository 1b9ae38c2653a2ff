#!/usr/bin/env python3
"""Pre-mint what the stateful workloads of bench/compare consume, over plain HTTP
(standard library only): sign the demo user in to the demo web app once (login form,
consent), then collect N authorization codes with that session.

    mint.py BASE_URL DEMO_JSON N OUT_DIR [SCOPE [CODES_FILE]]

Writes OUT_DIR/CODES_FILE (default codes.txt; one code per line), OUT_DIR/web.env
(CLIENT_ID, SECRET, REDIRECT) and OUT_DIR/login.txt (a replayable login form POST body
and its cookie). SCOPE defaults to "openid email offline_access": an OIDC sign-in, whose
code exchange also signs an ID token; "email offline_access" gives plain OAuth codes.
"""
import html
import http.cookiejar
import json
import re
import sys
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def opener(jar):
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)


def get(op, url):
    try:
        r = op.open(url)
        return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def post(op, url, form):
    data = urllib.parse.urlencode(form).encode()
    try:
        r = op.open(urllib.request.Request(url, data=data))
        return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def hidden(page, name):
    m = re.search(r'name="%s"\s+value="([^"]*)"' % name, page) or re.search(
        r'value="([^"]*)"\s+name="%s"' % name, page)
    if not m:
        sys.exit("no hidden field %s in page" % name)
    return html.unescape(m.group(1))


def main():
    base, demo_file, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    scope = sys.argv[5] if len(sys.argv) > 5 else "openid email offline_access"
    codes_file = sys.argv[6] if len(sys.argv) > 6 else "codes.txt"
    with open(demo_file) as f:
        demo = json.loads(f.readline())["demo"]
    web = next(c for c in demo["credentials"] if c["kind"] == "oauth_web")
    user = demo["user"]
    redirect = web["redirect_uris"][0]
    authorize = base + "/oauth2/authorize?" + urllib.parse.urlencode({
        "response_type": "code", "client_id": web["client_id"], "redirect_uri": redirect,
        "scope": scope, "state": "bench"})
    jar = http.cookiejar.CookieJar()
    op = opener(jar)
    status, headers, _ = get(op, authorize)
    assert status in (302, 303), status
    status, _, page = get(op, urllib.parse.urljoin(base, headers["Location"]))
    form = {"username": user["email"], "password": user["password"],
            "csrf": hidden(page, "csrf"), "ar": hidden(page, "ar")}
    cookie = "; ".join("%s=%s" % (c.name, c.value) for c in jar)
    with open(out + "/login.txt", "w") as f:
        f.write(urllib.parse.urlencode(form) + "\n" + cookie + "\n")
    status, headers, _ = post(op, base + "/login", form)
    assert status == 303, ("login", status)
    nxt = headers["Location"]
    if nxt.startswith("/consent"):
        _, _, page = get(op, base + nxt)
        status, headers, _ = post(op, base + "/consent", {
            "decision": "allow", "csrf": hidden(page, "csrf"), "ar": hidden(page, "ar")})
        assert status == 303, ("consent", status)
        nxt = headers["Location"]
    assert "code=" in nxt, nxt

    def one(_):
        status, headers, _ = get(op, authorize)
        loc = headers["Location"]
        return urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)["code"][0]

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(one, range(n)))
    with open(out + "/" + codes_file, "w") as f:
        f.write("\n".join(codes) + "\n")
    with open(out + "/web.env", "w") as f:
        f.write("CLIENT_ID=%s\nSECRET=%s\nREDIRECT=%s\n" % (
            web["client_id"], web["client_secret"], redirect))


if __name__ == "__main__":
    main()
