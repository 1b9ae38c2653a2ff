//! Interop with real third-party client libraries, run as child processes against the real
//! binary: the npm `@adobe/aio-lib-ims` (tests/interop/node) and PyJWT + Authlib + requests
//! (tests/interop/python). Each test makes an org, a project with the `firefly` API and a
//! server-to-server credential through the CLI, starts `latchkey serve`, and hands the
//! URL and credential to the client suite in LATCHKEY_URL, LATCHKEY_CLIENT_ID,
//! LATCHKEY_CLIENT_SECRET and LATCHKEY_ORG_ID.
//!
//! The client libraries are installed by `bash .ci/run` (npm ci, and a venv from
//! requirements.txt). Without them these tests print a notice and pass, unless
//! LATCHKEY_REQUIRE_INTEROP=1, when missing dependencies fail the test (CI sets it).

use crate::support::*;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A client suite that runs longer than this is killed and fails the test.
const CHILD_TIMEOUT: Duration = Duration::from_secs(300);

struct Cred {
    client_id: String,
    client_secret: String,
    org_id: String,
}

fn setup(env: &Env) -> Cred {
    let org = env.cli_json(&["org", "create", "--name", "Interop Org", "--json"]);
    let org_id = org["id"].as_str().unwrap().to_owned();
    let project = env.cli_json(&[
        "project", "create", "--org", &org_id, "--name", "Interop", "--json",
    ]);
    let pid = project["id"].as_str().unwrap().to_owned();
    env.cli_json(&[
        "project",
        "add-api",
        "--project",
        &pid,
        "--api",
        "firefly",
        "--json",
    ]);
    let c = env.cli_json(&[
        "credential",
        "create",
        "--project",
        &pid,
        "--kind",
        "server_to_server",
        "--name",
        "Interop client",
        "--json",
    ]);
    let scopes: Vec<&str> = c["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    assert!(
        scopes.contains(&"firefly_api"),
        "credential scopes {scopes:?} lack firefly_api"
    );
    Cred {
        client_id: c["client_id"].as_str().unwrap().to_owned(),
        client_secret: c["client_secret"].as_str().unwrap().to_owned(),
        org_id: c["org_id"].as_str().unwrap_or(&org_id).to_owned(),
    }
}

fn interop_required() -> bool {
    std::env::var("LATCHKEY_REQUIRE_INTEROP").is_ok_and(|v| v.trim() == "1")
}

/// `missing` is `Some(reason)` when a runtime dependency is absent: then fail when
/// LATCHKEY_REQUIRE_INTEROP=1, otherwise print the skip notice and return true (skip).
fn skip_if_missing(test: &str, missing: Option<String>) -> bool {
    let Some(reason) = missing else { return false };
    if interop_required() {
        panic!(
            "{test}: {reason} (LATCHKEY_REQUIRE_INTEROP=1; run bash .ci/run to install interop deps)"
        );
    }
    // Straight to the stderr stream, past libtest's capture of print!/eprint!, so that
    // the notice shows in a plain `cargo test`.
    let notice = format!("\n{test} skipped: run bash .ci/run to install interop deps ({reason})\n");
    let _ = std::io::stderr().write_all(notice.as_bytes());
    true
}

fn runs(program: &Path, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn interop_dir(which: &str) -> PathBuf {
    repo_root().join("tests").join("interop").join(which)
}

/// Run a client suite with the server URL and credential in its environment; returns
/// (success, everything it printed).
fn run_suite(mut cmd: Command, server: &Server, c: &Cred) -> (bool, String) {
    cmd.current_dir(repo_root())
        .env("LATCHKEY_URL", &server.url)
        .env("LATCHKEY_CLIENT_ID", &c.client_id)
        .env("LATCHKEY_CLIENT_SECRET", &c.client_secret)
        .env("LATCHKEY_ORG_ID", &c.org_id)
        // Loopback traffic must never go through a proxy (aio-lib-core-networking and
        // requests both honour these variables).
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("ALL_PROXY")
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .env_remove("all_proxy")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("NODE_OPTIONS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let described = format!("{cmd:?}");
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {described}: {e}"));
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    // Poll with a bounded number of sleeps (the wall clock is not read in this workspace).
    let step = Duration::from_millis(100);
    let mut waited = Duration::ZERO;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if waited >= CHILD_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(step);
        waited += step;
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    let verdict = match status {
        Some(s) => s.to_string(),
        None => format!("killed after {CHILD_TIMEOUT:?}"),
    };
    let printed =
        format!("$ {described}\n{verdict}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}");
    // Captured by the test harness: shown on failure or with --nocapture.
    println!("{printed}");
    (status.is_some_and(|s| s.success()), printed)
}

/// Proves the real `@adobe/aio-lib-ims` `Ims` class, pointed at Latchkey through its
/// public `endpoint` field, gets a server-to-server token over multipart `/ims/token/v2`,
/// decodes the IMS claims it relies on, validates, invalidates, and sees a 401 for a
/// wrong secret.
#[test]
fn interop_aio_lib_ims_server_to_server() {
    const NAME: &str = "interop_aio_lib_ims_server_to_server";
    let dir = interop_dir("node");
    let node = PathBuf::from("node");
    let missing = if !runs(&node, &["--version"]) {
        Some("`node` is not on PATH".to_owned())
    } else if !dir
        .join("node_modules/@adobe/aio-lib-ims/package.json")
        .is_file()
    {
        Some(format!(
            "{} has no node_modules/@adobe/aio-lib-ims (npm ci)",
            dir.display()
        ))
    } else {
        None
    };
    if skip_if_missing(NAME, missing) {
        return;
    }

    let env = Env::new();
    let cred = setup(&env);
    let server = env.serve(&[]);
    let mut cmd = Command::new(&node);
    cmd.arg("--test").arg(dir.join("ims.test.js"));
    let (ok, printed) = run_suite(cmd, &server, &cred);
    assert!(
        ok,
        "aio-lib-ims interop suite failed against {}:\n{printed}",
        server.url
    );
}

/// Proves standard OAuth clients interoperate: Authlib's client_credentials grant with
/// client_secret_basic on `/oauth2/token`, PyJWT's JWKS client verifying the ES256
/// `at+jwt` access token via discovery, RFC 7662 introspection and RFC 7009 revocation;
/// and `/ims/token/v3` with client_secret_post and comma scopes, verified against
/// `/ims/keys`.
#[test]
fn interop_pyjwt_authlib_client_credentials() {
    const NAME: &str = "interop_pyjwt_authlib_client_credentials";
    let dir = interop_dir("python");
    let python = dir.join(".venv/bin/python");
    let missing = if !python.is_file() {
        Some(format!("no virtualenv at {}", dir.join(".venv").display()))
    } else if !runs(
        &python,
        &["-c", "import jwt, authlib, requests, pytest, cryptography"],
    ) {
        Some(format!(
            "{} lacks PyJWT[crypto]/authlib/requests/pytest (pip install -r requirements.txt)",
            python.display()
        ))
    } else {
        None
    };
    if skip_if_missing(NAME, missing) {
        return;
    }

    let env = Env::new();
    let cred = setup(&env);
    let server = env.serve(&[]);
    let mut cmd = Command::new(&python);
    cmd.args(["-m", "pytest", "-q"]).arg(&dir);
    let (ok, printed) = run_suite(cmd, &server, &cred);
    assert!(
        ok,
        "PyJWT/Authlib interop suite failed against {}:\n{printed}",
        server.url
    );
}
