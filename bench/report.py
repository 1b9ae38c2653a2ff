#!/usr/bin/env python3
"""Turn bench/compare's results file ("key value" lines) into the Markdown report:
both servers side by side with their ratios, the raw limits of the server core, and
every target of the speed issue with its measured figure."""
import statistics
import sys


def load(path):
    res = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.strip().partition(" ")
            res[key] = value
    return res


def num(res, key):
    try:
        return float(res[key])
    except (KeyError, ValueError):
        return None


def fmt(x, digits=0):
    return "—" if x is None else f"{x:,.{digits}f}"


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def main():
    res = load(sys.argv[1])
    quick = sys.argv[2] == "1"
    cpu = res.get("machine.cpu", "?").replace("_", " ")
    out = []
    w = out.append
    w(f"# bench/compare{' --quick' if quick else ''}")
    w("")
    w(f"Machine: {cpu}, {res.get('machine.cpus')} CPUs, Linux {res.get('machine.kernel')}. "
      "Each server with every thread pinned to CPU 0 (`taskset -a -c 0`), one after the "
      "other; wrk (1 thread, 32 keep-alive connections) pinned to CPU 1. Raw limits "
      "measured on CPU 0 in the same run.")
    w("")
    w("| workload | Latchkey req/s | p50 / p99 | node-oidc-provider req/s | Latchkey ÷ node | bad answers |")
    w("|---|---:|---|---:|---:|---:|")
    rows = [
        ("client_credentials, ES256 JWT", "lk.cc_es256", "node.cc_es256"),
        ("client_credentials, RS256 JWT", "lk.cc_rs256", "node.cc_rs256"),
        ("validate_token (node: introspection of opaque)", "lk.validate", "node.introspect"),
        ("introspection (node: of opaque tokens)", "lk.introspect", "node.introspect"),
        ("code exchange, OAuth (access + refresh token)", "lk.code", None),
        ("code exchange, OIDC (+ RS256 ID token)", "lk.code_oidc", None),
        ("refresh, OAuth (rotation: access + refresh token)", "lk.refresh", None),
        ("refresh, OIDC (+ RS256 ID token)", "lk.refresh_oidc", None),
        ("password login (form POST, Argon2id)", "lk.login", None),
        ("userinfo", "lk.userinfo", None),
        ("JWKS", "lk.jwks", "node.jwks"),
    ]
    for label, lk, node in rows:
        a = num(res, lk + ".rps")
        b = num(res, node + ".rps") if node else None
        lat = f"{res.get(lk + '.p50', '—')} / {res.get(lk + '.p99', '—')}"
        bad = res.get(lk + ".bad", "—")
        if node and res.get(node + ".bad", "0") not in ("0", ""):
            bad += f" (node {res[node + '.bad']})"
        r = ratio(a, b)
        w(f"| {label} | {fmt(a)} | {lat} | {fmt(b)} | {'—' if r is None else f'{r:.2f}×'} | {bad} |")
    w("")
    kb = lambda k: None if num(res, k) is None else num(res, k) / 1024
    w("| memory (VmRSS) | Latchkey | node-oidc-provider |")
    w("|---|---:|---:|")
    w(f"| idle, after start | {fmt(kb('lk.rss_idle_kb'), 1)} MB | {fmt(kb('node.rss_idle_kb'), 1)} MB |")
    w(f"| after the load | {fmt(kb('lk.rss_loaded_kb'), 1)} MB | {fmt(kb('node.rss_loaded_kb'), 1)} MB |")
    starts = [num(res, k) for k in res if k.startswith("lk.cold_start_ms.")]
    cold = statistics.median(starts) if starts else None
    w("")
    w(f"Cold start with {fmt(num(res, 'lk.cold_grants'))} grants stored: median "
      f"{fmt(cold)} ms over {len(starts)} starts ({', '.join(fmt(s) for s in starts)} ms), "
      "process start to the first 200 from /readyz.")
    commits = num(res, "lk.group_commits")
    if commits:
        w("")
        w(f"Group commit during the four code and refresh workloads: {fmt(commits)} SQLite "
          "commits (`latchkey_group_commits_total`).")
    w("")
    w("| raw limit (CPU 0, same code as the server) | per second |")
    w("|---|---:|")
    for key, label in [
        ("raw.es256_sign", "ES256 signatures (aws-lc-rs)"),
        ("raw.es256_verify", "ES256 verifications"),
        ("raw.rs256_sign", "RSA-2048 signatures"),
        ("raw.argon2id_hash", "Argon2id hashes, Latchkey's parameters"),
        ("raw.fsync", "write + fdatasync"),
        ("raw.sqlite_commit", "one-row SQLite commits, WAL + synchronous=FULL"),
    ]:
        w(f"| {label} | {fmt(num(res, key))} |")
    w("")
    w("| HTTP floor (CPU 0, bare hyper as Latchkey builds it, same wrk load) | req/s | µs per request |")
    w("|---|---:|---:|")
    for key, label in [
        ("floor.bare", "answer a form POST with a fixed JSON: no routing, middleware or lookup"),
        ("floor.sign", "the same, plus one ES256 JWS of a client-credentials token's claims"),
    ]:
        v = num(res, key + ".rps")
        w(f"| {label} | {fmt(v)} | {fmt(1e6 / v if v else None, 1)} |")
    w("")
    w("| target | measured | met |")
    w("|---|---|---|")

    def target(label, value, goal, text):
        met = "—" if value is None else ("yes" if value >= goal else "no")
        w(f"| {label} | {text} | {met} |")

    cc, ncc = num(res, "lk.cc_es256.rps"), num(res, "node.cc_es256.rps")
    r = ratio(cc, ncc)
    target("client_credentials ES256 ≥ 4× node", r, 4, f"{fmt(r, 2)}×")
    r = ratio(cc, num(res, "raw.es256_sign"))
    target("client_credentials ES256 ≥ 50% of raw ES256 signing", r, 0.5, f"{fmt(100 * r if r else None, 1)}%")
    r = ratio(num(res, "floor.sign.rps"), num(res, "raw.es256_sign"))
    w(f"| (the bare HTTP + ES256 floor above, as a share of raw ES256 signing; no target) | {fmt(100 * r if r else None, 1)}% | — |")
    r = ratio(cc, num(res, "floor.sign.rps"))
    w(f"| (client_credentials ES256 as a share of that floor; no target) | {fmt(100 * r if r else None, 1)}% | — |")
    r = ratio(num(res, "lk.cc_rs256.rps"), num(res, "raw.rs256_sign"))
    target("client_credentials RS256 ≥ 85% of raw RSA-2048 signing", r, 0.85, f"{fmt(100 * r if r else None, 1)}%")
    for name in ("validate", "introspect"):
        r = ratio(num(res, f"lk.{name}.rps"), num(res, "node.introspect.rps"))
        target(f"{'validate_token' if name == 'validate' else 'introspection'} ≥ 5× node's introspection", r, 5, f"{fmt(r, 2)}×")
    for name, label in (("code", "code exchange, OAuth"), ("refresh", "refresh, OAuth"),
                        ("code_oidc", "code exchange, OIDC"), ("refresh_oidc", "refresh, OIDC")):
        r = ratio(num(res, f"lk.{name}.rps"), num(res, "raw.sqlite_commit"))
        target(f"{label} ≥ 50% of the SQLite commit rate", r, 0.5, f"{fmt(100 * r if r else None, 1)}%")
    # Each OIDC code exchange or refresh signs one RSA-2048 ID token: that rate is their
    # ceiling whatever the disk does (no target; shown so the two bounds can be compared).
    for name, label in (("code_oidc", "code exchange, OIDC"), ("refresh_oidc", "refresh, OIDC")):
        r = ratio(num(res, f"lk.{name}.rps"), num(res, "raw.rs256_sign"))
        w(f"| {label}, as a share of raw RSA-2048 signing (its ceiling; no target) | {fmt(100 * r if r else None, 1)}% | — |")
    r = ratio(num(res, "lk.login.rps"), num(res, "raw.argon2id_hash"))
    target("password login ≥ 90% of the Argon2id rate", r, 0.9, f"{fmt(100 * r if r else None, 1)}%")
    idle = kb("lk.rss_idle_kb")
    target("idle RSS ≤ 20 MB", None if idle is None else 20 - idle, 0, f"{fmt(idle, 1)} MB")
    target(f"cold start with {fmt(num(res, 'lk.cold_grants'))} grants < 300 ms",
           None if cold is None else 300 - cold, 0.001, f"{fmt(cold)} ms")
    us = lambda k: None if not num(res, k) else 1e6 / num(res, k)
    cc_us, sign_us, jwks_us = us("lk.cc_es256.rps"), us("raw.es256_sign"), us("lk.jwks.rps")
    bare_us, floor_us = us("floor.bare.rps"), us("floor.sign.rps")
    if cc_us and sign_us and jwks_us and bare_us and floor_us:
        w("")
        w(f"Client credentials, per request on the server core: {fmt(cc_us, 1)} µs. 50% of the "
          f"raw signing rate means {fmt(2 * sign_us, 1)} µs. Of that, the ES256 signature is "
          f"{fmt(sign_us, 1)} µs (raw) and bare HTTP {fmt(bare_us, 1)} µs; bare HTTP with the "
          f"signature and its JWS assembly takes {fmt(floor_us, 1)} µs, "
          + (f"leaving {fmt(2 * sign_us - floor_us, 1)} µs"
             if 2 * sign_us >= floor_us else
             f"{fmt(floor_us - 2 * sign_us, 1)} µs more than the whole budget, so no "
             f"server on this core meets the target in this run, leaving nothing")
          + f" for everything Latchkey adds (routing, middleware, form parsing, client "
          f"authentication, scopes, claims), which now takes {fmt(cc_us - floor_us, 1)} µs. "
          f"A JWKS answer (route, middleware, serialize the key set) takes "
          f"{fmt(jwks_us, 1)} µs.")
    print("\n".join(out))


if __name__ == "__main__":
    main()
