//! Interop with real third-party client libraries, run as child processes against the real
//! binary: the npm `@adobe/aio-lib-ims`, `openid-client` and `playwright-core` driving
//! Debian's headless Chromium (tests/interop/node), and PyJWT + Authlib + requests
//! (tests/interop/python). Each test makes its org, project and credential (and, for the
//! sign-in suites, a user) through the CLI, starts `latchkey serve`, and hands the URL and
//! credential to the client suite in LATCHKEY_URL, LATCHKEY_CLIENT_ID,
//! LATCHKEY_CLIENT_SECRET and LATCHKEY_ORG_ID (plus suite-specific variables).
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
fn run_suite(mut cmd: Command, url: &str, c: &Cred) -> (bool, String) {
    cmd.current_dir(repo_root())
        .env("LATCHKEY_URL", url)
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
    let (ok, printed) = run_suite(cmd, &server.url, &cred);
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
    let (ok, printed) = run_suite(cmd, &server.url, &cred);
    assert!(
        ok,
        "PyJWT/Authlib interop suite failed against {}:\n{printed}",
        server.url
    );
}

/// A Service Account (JWT) credential made through the CLI, with an RSA key and a
/// self-signed certificate from `openssl req -x509` (the certificate upload path).
struct ServiceAccount {
    cred: Cred,
    technical_account_id: String,
    key_file: PathBuf,
    cert_file: PathBuf,
}

fn setup_service_account(env: &Env) -> ServiceAccount {
    let key_file = env.dir.path().join("sa.key");
    let cert_file = env.dir.path().join("sa.crt");
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=latchkey-interop", "-keyout"])
        .arg(&key_file)
        .arg("-out")
        .arg(&cert_file)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "openssl req -x509 failed: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let org = env.cli_json(&["org", "create", "--name", "JWT Interop Org", "--json"]);
    let org_id = org["id"].as_str().unwrap().to_owned();
    let project = env.cli_json(&[
        "project", "create", "--org", &org_id, "--name", "JWT", "--json",
    ]);
    let pid = project["id"].as_str().unwrap().to_owned();
    env.cli_json(&[
        "project",
        "add-api",
        "--project",
        &pid,
        "--api",
        "workfront",
        "--json",
    ]);
    let c = env.cli_json(&[
        "credential",
        "create",
        "--project",
        &pid,
        "--kind",
        "service_account_jwt",
        "--certificate",
        cert_file.to_str().unwrap(),
        "--json",
    ]);
    ServiceAccount {
        cred: Cred {
            client_id: c["client_id"].as_str().unwrap().to_owned(),
            client_secret: c["client_secret"].as_str().unwrap().to_owned(),
            org_id,
        },
        technical_account_id: c["technical_account_id"].as_str().unwrap().to_owned(),
        key_file,
        cert_file,
    }
}

fn service_account_env(cmd: &mut Command, sa: &ServiceAccount) {
    cmd.env("LATCHKEY_JWT_CLIENT_ID", &sa.cred.client_id)
        .env("LATCHKEY_JWT_CLIENT_SECRET", &sa.cred.client_secret)
        .env("LATCHKEY_TECHNICAL_ACCOUNT_ID", &sa.technical_account_id)
        .env("LATCHKEY_JWT_PRIVATE_KEY_FILE", &sa.key_file)
        .env("LATCHKEY_JWT_CERT_FILE", &sa.cert_file)
        .env("LATCHKEY_META_SCOPES", r#"["ent_workfront_sdk"]"#);
}

fn openssl_missing() -> Option<String> {
    (!runs(Path::new("openssl"), &["version"])).then(|| "`openssl` is not on PATH".to_owned())
}

/// Proves the real `@adobe/aio-lib-ims-jwt` plugin, given the low-level `Ims` pointed at
/// Latchkey (docs/ims-contract.md §6.2), signs a JWT with the key whose certificate was uploaded and
/// exchanges it at `/ims/exchange/jwt` (multipart) for a technical-account token that
/// validates; and that a foreign key, a metascope outside the binding and a replayed
/// `jti` are refused with the contract's errors.
#[test]
fn interop_aio_lib_ims_jwt_exchange() {
    const NAME: &str = "interop_aio_lib_ims_jwt_exchange";
    let dir = interop_dir("node");
    let node = PathBuf::from("node");
    let missing = if !runs(&node, &["--version"]) {
        Some("`node` is not on PATH".to_owned())
    } else if !dir
        .join("node_modules/@adobe/aio-lib-ims-jwt/package.json")
        .is_file()
    {
        Some(format!(
            "{} has no node_modules/@adobe/aio-lib-ims-jwt (npm ci)",
            dir.display()
        ))
    } else {
        openssl_missing()
    };
    if skip_if_missing(NAME, missing) {
        return;
    }
    let env = Env::new();
    let sa = setup_service_account(&env);
    let server = env.serve(&[]);
    let mut cmd = Command::new(&node);
    cmd.arg("--test").arg(dir.join("ims-jwt.test.js"));
    service_account_env(&mut cmd, &sa);
    let (ok, printed) = run_suite(cmd, &server.url, &sa.cred);
    assert!(
        ok,
        "aio-lib-ims-jwt interop suite failed against {}:\n{printed}",
        server.url
    );
}

/// Proves PyJWT-signed RS256 assertions work at `/ims/exchange/jwt` and with the RFC 7523
/// grant at `/oauth2/token` (client_secret_post and private_key_jwt), and that HS256 with
/// the certificate as secret, `alg: none` and replays are refused.
#[test]
fn interop_pyjwt_service_account() {
    const NAME: &str = "interop_pyjwt_service_account";
    let dir = interop_dir("python");
    let python = dir.join(".venv/bin/python");
    let missing = if !python.is_file() {
        Some(format!("no virtualenv at {}", dir.join(".venv").display()))
    } else if !runs(
        &python,
        &["-c", "import jwt, requests, pytest, cryptography"],
    ) {
        Some(format!(
            "{} lacks PyJWT[crypto]/requests/pytest (pip install -r requirements.txt)",
            python.display()
        ))
    } else {
        openssl_missing()
    };
    if skip_if_missing(NAME, missing) {
        return;
    }
    let env = Env::new();
    let sa = setup_service_account(&env);
    let server = env.serve(&[]);
    let mut cmd = Command::new(&python);
    cmd.args(["-m", "pytest", "-q", "-rs"])
        .arg(dir.join("test_jwt_interop.py"));
    service_account_env(&mut cmd, &sa);
    let (ok, printed) = run_suite(cmd, &server.url, &sa.cred);
    assert!(
        ok && printed.contains("4 passed"),
        "PyJWT service-account interop suite failed against {}:\n{printed}",
        server.url
    );
}

/// A user, and an `oauth_web` credential (confidential) whose project has the `workfront`
/// API, made through the CLI for the sign-in suites.
struct UserApp {
    cred: Cred,
    client_name: String,
    redirect_uri: String,
    email: String,
    password: String,
}

/// A loopback port nothing listens on right now (the redirect URI's).
fn free_loopback_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn setup_user_app(env: &Env) -> UserApp {
    const PASSWORD: &str = "correct horse battery staple";
    const CLIENT_NAME: &str = "Interop Web";
    let email = "ada@interop.example".to_owned();
    let redirect_uri = format!("http://127.0.0.1:{}/cb", free_loopback_port());
    let org = env.cli_json(&["org", "create", "--name", "Interop Org", "--json"]);
    let org_id = org["id"].as_str().unwrap().to_owned();
    let user = env.cli_json(&[
        "user",
        "create",
        "--org",
        &org_id,
        "--email",
        &email,
        "--password",
        PASSWORD,
        "--given-name",
        "Ada",
        "--family-name",
        "Lovelace",
        "--country",
        "US",
        "--json",
    ]);
    assert_eq!(user["email"], email.as_str(), "{user}");
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
        "workfront",
        "--json",
    ]);
    let c = env.cli_json(&[
        "credential",
        "create",
        "--project",
        &pid,
        "--kind",
        "oauth_web",
        "--name",
        CLIENT_NAME,
        "--redirect-uri",
        &redirect_uri,
        "--json",
    ]);
    UserApp {
        cred: Cred {
            client_id: c["client_id"].as_str().unwrap().to_owned(),
            client_secret: c["client_secret"].as_str().unwrap().to_owned(),
            org_id,
        },
        client_name: CLIENT_NAME.to_owned(),
        redirect_uri,
        email,
        password: PASSWORD.to_owned(),
    }
}

fn user_app_env(cmd: &mut Command, app: &UserApp) {
    cmd.env("LATCHKEY_REDIRECT_URI", &app.redirect_uri)
        .env("LATCHKEY_USER_EMAIL", &app.email)
        .env("LATCHKEY_USER_PASSWORD", &app.password)
        .env("LATCHKEY_CLIENT_NAME", &app.client_name);
}

/// Why the Node suites cannot run: no `node`, or one of `packages` is not installed.
fn node_missing(dir: &Path, packages: &[&str]) -> Option<String> {
    if !runs(Path::new("node"), &["--version"]) {
        return Some("`node` is not on PATH".to_owned());
    }
    packages.iter().find_map(|p| {
        (!dir
            .join("node_modules")
            .join(p)
            .join("package.json")
            .is_file())
        .then(|| format!("{} has no node_modules/{p} (npm ci)", dir.display()))
    })
}

/// Interop, Node side: `openid-client` (discovery, PKCE S256, state,
/// nonce, the RFC 9207 `iss` check, ID-token validation, userinfo, refresh, introspection,
/// RFC 7009 revocation) and the low-level `Ims` of `@adobe/aio-lib-ims` (getSusiUrl →
/// `/ims/authorize/v1`, `getAccessToken` with the code, then with the refresh token, on
/// multipart `/ims/token/v1`), each playing the browser through the real login and
/// consent forms.
#[test]
fn interop_openid_client_and_aio_lib_ims_user_sign_in() {
    const NAME: &str = "interop_openid_client_and_aio_lib_ims_user_sign_in";
    let dir = interop_dir("node");
    if skip_if_missing(
        NAME,
        node_missing(&dir, &["openid-client", "@adobe/aio-lib-ims"]),
    ) {
        return;
    }
    let env = Env::new();
    let app = setup_user_app(&env);
    let server = env.serve(&[]);
    let mut cmd = Command::new("node");
    cmd.arg("--test").arg(dir.join("user_flow.test.mjs"));
    user_app_env(&mut cmd, &app);
    let (ok, printed) = run_suite(cmd, &server.url, &app.cred);
    assert!(
        ok && printed.contains("# pass 11") && printed.contains("# fail 0"),
        "openid-client / aio-lib-ims user sign-in suite failed against {}:\n{printed}",
        server.url
    );
}

/// Interop, Python side: Authlib's `OAuth2Session` (PKCE S256,
/// client_secret_basic, `refresh_token()`, `revoke_token()`), the ID token verified with
/// PyJWT against the JWKS and Authlib's `CodeIDToken` (nonce, at_hash), the browser played
/// with `requests` and `html.parser`.
#[test]
fn interop_authlib_user_sign_in() {
    const NAME: &str = "interop_authlib_user_sign_in";
    let dir = interop_dir("python");
    let python = dir.join(".venv/bin/python");
    let missing = if !python.is_file() {
        Some(format!("no virtualenv at {}", dir.join(".venv").display()))
    } else if !runs(&python, &["-c", "import jwt, authlib, requests, pytest"]) {
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
    let app = setup_user_app(&env);
    let server = env.serve(&[]);
    let mut cmd = Command::new(&python);
    cmd.args(["-m", "pytest", "-q", "-rs"])
        .arg(dir.join("test_user_flow.py"));
    user_app_env(&mut cmd, &app);
    let (ok, printed) = run_suite(cmd, &server.url, &app.cred);
    assert!(
        ok && printed.contains("2 passed") && !printed.contains("skipped"),
        "Authlib user sign-in suite failed against {}:\n{printed}",
        server.url
    );
}

/// The sign-in pages in a real headless Chromium (Debian's `chromium`, driven by
/// `playwright-core` over CDP): the login form, the consent page (screenshot), the
/// redirect with code, state and iss to a listening client, then Connected Applications
/// listing the app and "Remove access" revoking it. Needs /usr/bin/chromium (or
/// LATCHKEY_CHROMIUM); skipped without it unless LATCHKEY_REQUIRE_INTEROP=1.
#[test]
fn interop_chromium_sign_in_consent_and_connected_apps() {
    const NAME: &str = "interop_chromium_sign_in_consent_and_connected_apps";
    let dir = interop_dir("node");
    let chromium = std::env::var_os("LATCHKEY_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let missing = node_missing(&dir, &["playwright-core"]).or_else(|| {
        (!chromium.is_file()).then(|| {
            format!(
                "no Chromium at {} (apt-get install chromium)",
                chromium.display()
            )
        })
    });
    if skip_if_missing(NAME, missing) {
        return;
    }
    let env = Env::new();
    let app = setup_user_app(&env);
    let server = env.serve(&[]);
    let mut cmd = Command::new("node");
    cmd.arg("--test")
        .arg(dir.join("browser.test.mjs"))
        .env("LATCHKEY_CHROMIUM", &chromium);
    user_app_env(&mut cmd, &app);
    let (ok, printed) = run_suite(cmd, &server.url, &app.cred);
    assert!(
        ok && printed.contains("# pass 1") && printed.contains("# fail 0"),
        "Chromium sign-in suite failed against {}:\n{printed}",
        server.url
    );
}

/// The Developer Console (`/console`) in a real headless Chromium, as the sign-in test
/// drives it (tests/interop/node/console_ui.test.mjs): a system admin signs in, creates a
/// project, adds an API, creates server-to-server, OAuth Web and service-account
/// credentials, copies a secret shown once, rotates it, edits redirect URIs, uploads a
/// certificate, generates a key, converts, downloads the workspace JSON and deletes; a
/// developer and a read-only user see what their roles allow; a member of another org
/// gets 404s (SEC-40, SEC-34, SEC-41). Every page is screenshotted into a temp dir; set
/// LATCHKEY_SCREENSHOT_DIR=docs/images to refresh the README's images.
#[test]
fn interop_chromium_developer_console() {
    const NAME: &str = "interop_chromium_developer_console";
    const PASSWORD: &str = "correct horse battery staple";
    const ORG: &str = "Acme Robotics";
    const PROFILE: &str = "Workfront Planners";
    let dir = interop_dir("node");
    let chromium = std::env::var_os("LATCHKEY_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let missing = node_missing(&dir, &["playwright-core"]).or_else(|| {
        (!chromium.is_file()).then(|| {
            format!(
                "no Chromium at {} (apt-get install chromium)",
                chromium.display()
            )
        })
    });
    if skip_if_missing(NAME, missing) {
        return;
    }
    let env = Env::new();
    let org = env.cli_json(&["org", "create", "--name", ORG, "--json"]);
    let org_id = org["id"].as_str().unwrap().to_owned();
    let other = env.cli_json(&["org", "create", "--name", "Globex", "--json"]);
    let other_id = other["id"].as_str().unwrap().to_owned();
    let people = [
        (&org_id, "grace@acme.example", "system_admin"),
        (&org_id, "linus@acme.example", "developer"),
        (&org_id, "ada@acme.example", "user"),
        (&other_id, "hank@globex.example", "system_admin"),
    ];
    for (o, email, role) in people {
        let u = env.cli_json(&[
            "user",
            "create",
            "--org",
            o,
            "--email",
            email,
            "--password",
            PASSWORD,
            "--role",
            role,
            "--json",
        ]);
        assert_eq!(u["email"], email, "{u}");
    }
    // The Workfront walkthrough: an instance of the product with a profile to pick.
    let instance = env.cli_json(&[
        "product",
        "create-instance",
        "--org",
        &org_id,
        "--product",
        "Workfront",
        "--name",
        "Workfront Production",
        "--json",
    ]);
    env.cli_json(&[
        "product",
        "create-profile",
        "--instance",
        instance["id"].as_str().unwrap(),
        "--name",
        PROFILE,
        "--json",
    ]);
    let server = env.serve(&[]);
    let mut cmd = Command::new("node");
    cmd.arg("--test")
        .arg(dir.join("console_ui.test.mjs"))
        .env("LATCHKEY_CHROMIUM", &chromium)
        .env("LATCHKEY_ORG_NAME", ORG)
        .env("LATCHKEY_ADMIN_EMAIL", people[0].1)
        .env("LATCHKEY_DEV_EMAIL", people[1].1)
        .env("LATCHKEY_VIEWER_EMAIL", people[2].1)
        .env("LATCHKEY_OUTSIDER_EMAIL", people[3].1)
        .env("LATCHKEY_USER_PASSWORD", PASSWORD)
        .env("LATCHKEY_PROFILE_NAME", PROFILE);
    let none = Cred {
        client_id: String::new(),
        client_secret: String::new(),
        org_id,
    };
    let (ok, printed) = run_suite(cmd, &server.url, &none);
    assert!(
        ok && printed.contains("# pass 1") && printed.contains("# fail 0"),
        "Chromium Developer Console suite failed against {}:\n{printed}",
        server.url
    );
}

/// The OAuth 2.0 Playground and token debugger in real headless Chromium
/// (tests/interop/node/playground.test.mjs): a wrong secret and an unregistered redirect
/// URI explained, the code flow through login and consent back to the Tokens tab (decoded
/// tokens, live countdown, refresh, userinfo, revoke, validate), "Generate access token"
/// for server-to-server, and the debugger on a valid, a revoked, a foreign and a garbage
/// token, with screenshots. A developer adds the Playground's redirect URI to the web
/// credential on its Developer Console page first, and generates a server-to-server token
/// from the console.
#[test]
fn interop_chromium_playground() {
    const NAME: &str = "interop_chromium_playground";
    let dir = interop_dir("node");
    let chromium = std::env::var_os("LATCHKEY_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let missing = node_missing(&dir, &["playwright-core"]).or_else(|| {
        (!chromium.is_file()).then(|| format!("no Chromium at {}", chromium.display()))
    });
    if skip_if_missing(NAME, missing) {
        return;
    }
    let env = Env::new();
    let app = setup_user_app(&env);
    let server = env.serve(&[]);
    let project = env.cli_json(&[
        "credential",
        "show",
        "--client-id",
        &app.cred.client_id,
        "--json",
    ]);
    let pid = project["project_id"].as_str().unwrap().to_owned();
    let other = env.cli_json(&[
        "credential",
        "create",
        "--project",
        &pid,
        "--kind",
        "oauth_web",
        "--name",
        "Unregistered",
        "--redirect-uri",
        &app.redirect_uri,
        "--json",
    ]);
    env.cli_json(&[
        "project",
        "add-api",
        "--project",
        &pid,
        "--api",
        "firefly",
        "--json",
    ]);
    let s2s = env.cli_json(&[
        "credential",
        "create",
        "--project",
        &pid,
        "--kind",
        "server_to_server",
        "--json",
    ]);
    let developer = "linus@interop.example";
    env.cli_json(&[
        "user",
        "create",
        "--org",
        &app.cred.org_id,
        "--email",
        developer,
        "--password",
        &app.password,
        "--role",
        "developer",
        "--json",
    ]);
    let mut cmd = Command::new("node");
    cmd.arg("--test")
        .arg(dir.join("playground.test.mjs"))
        .env("LATCHKEY_DEV_EMAIL", developer)
        .env("LATCHKEY_CHROMIUM", &chromium)
        .env("LATCHKEY_WEB_CLIENT_ID", &app.cred.client_id)
        .env("LATCHKEY_WEB_CLIENT_SECRET", &app.cred.client_secret)
        .env(
            "LATCHKEY_UNREGISTERED_CLIENT_ID",
            other["client_id"].as_str().unwrap(),
        )
        .env("LATCHKEY_S2S_CLIENT_ID", s2s["client_id"].as_str().unwrap())
        .env(
            "LATCHKEY_S2S_CLIENT_SECRET",
            s2s["client_secret"].as_str().unwrap(),
        )
        .env("LATCHKEY_USER_EMAIL", &app.email)
        .env("LATCHKEY_USER_PASSWORD", &app.password);
    let (ok, printed) = run_suite(cmd, &server.url, &app.cred);
    assert!(
        ok && printed.contains("# pass 1") && printed.contains("# fail 0"),
        "Chromium Playground suite failed against {}:\n{printed}",
        server.url
    );
}

/// Adobe's own `@adobe/aio-lib-console` reads Latchkey's console API (organizations, an
/// org's projects, a project, its workspaces and its workspace, with numeric ids, and the
/// console's errors), then drives the journey of docs/console-contract.md §6 tiers 1–2:
/// a project, an OAuth Server-to-Server credential subscribed to Workfront with a product
/// profile, a rotated secret, the workspace download checked against the App Builder
/// schema's rules, and a token for the downloaded credential. The server runs in this
/// process, so the person's access token is minted directly.
#[test]
fn interop_aio_lib_console_journey() {
    const NAME: &str = "interop_aio_lib_console_journey";
    let dir = interop_dir("node");
    if skip_if_missing(NAME, node_missing(&dir, &["@adobe/aio-lib-console"])) {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let s = rt.block_on(latchkey_testkit::TestServer::start());
    let (app, token, profile) = rt.block_on(async {
        use latchkey_core::admin::{Actor, products};
        let app = s
            .credential(latchkey_core::model::CredentialKind::OAuthWeb)
            .await;
        let org = latchkey_core::ids::OrgId(app.org_id.clone());
        let user = latchkey_core::admin::create_user(
            &s.ctx(),
            latchkey_core::admin::NewUser {
                org: &org,
                email: "console@interop.example",
                password: "password-123",
                role: latchkey_core::model::OrgRole::SystemAdmin,
                given_name: None,
                family_name: None,
                country: None,
            },
        )
        .await
        .unwrap();
        let instance =
            products::create_instance(&s.ctx(), &Actor::Operator, &org, "Workfront", None)
                .await
                .unwrap();
        let profile = products::create_profile(&s.ctx(), &Actor::Operator, &instance.id, "Interop")
            .await
            .unwrap();
        let token = s.person_token(
            &app.client_id,
            &user.id,
            "openid,AdobeID,adobeio_api,read_client_secret,manage_client_secrets",
        );
        (app, token, profile)
    });
    let mut cmd = Command::new("node");
    cmd.args(["--test", "tests/interop/node/console.test.mjs"])
        .env("LATCHKEY_ACCESS_TOKEN", &token)
        .env("LATCHKEY_PROFILE_ID", &profile.id);
    let cred = Cred {
        client_id: app.client_id.clone(),
        client_secret: app.client_secret.clone(),
        org_id: app.org_id.clone(),
    };
    let (ok, printed) = run_suite(cmd, &s.url, &cred);
    assert!(
        ok && printed.contains("# pass 2") && printed.contains("# fail 0"),
        "{printed}"
    );
    drop(s);
}

/// The Admin Console (`/admin`) in a real headless Chromium
/// (tests/interop/node/admin_ui.test.mjs), along the seeds' Workfront walkthrough: a
/// developer gets 403; the system admin searches "techacct", finds the technical account
/// of a server-to-server credential, adds it as admin of a Workfront product profile and
/// `validate_token` then reports it as admin of Workfront; two-click admin from the
/// instance's "API credentials"; profile rename and delete; the last system admin cannot
/// be demoted; an invitation link sets a password once.
#[test]
fn interop_chromium_admin_console() {
    const NAME: &str = "interop_chromium_admin_console";
    const PASSWORD: &str = "correct horse battery staple";
    const ORG: &str = "Acme Robotics";
    const INSTANCE: &str = "Workfront Production";
    const PROFILE: &str = "Workfront Admins";
    let dir = interop_dir("node");
    let chromium = std::env::var_os("LATCHKEY_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let missing = node_missing(&dir, &["playwright-core"]).or_else(|| {
        (!chromium.is_file()).then(|| format!("no Chromium at {}", chromium.display()))
    });
    if skip_if_missing(NAME, missing) {
        return;
    }
    // The test's webhook receiver listens on loopback.
    let env = Env::new().with_var("LATCHKEY_EVENTS_ALLOW_PRIVATE_TARGETS", "true");
    let org = env.cli_json(&["org", "create", "--name", ORG, "--json"]);
    let org_id = org["id"].as_str().unwrap().to_owned();
    let people = [
        ("grace@acme.example", "system_admin"),
        ("linus@acme.example", "developer"),
    ];
    for (email, role) in people {
        env.cli_json(&[
            "user",
            "create",
            "--org",
            &org_id,
            "--email",
            email,
            "--password",
            PASSWORD,
            "--role",
            role,
            "--json",
        ]);
    }
    let instance = env.cli_json(&[
        "product",
        "create-instance",
        "--org",
        &org_id,
        "--product",
        "Workfront",
        "--name",
        INSTANCE,
        "--json",
    ]);
    env.cli_json(&[
        "product",
        "create-profile",
        "--instance",
        instance["id"].as_str().unwrap(),
        "--name",
        PROFILE,
        "--json",
    ]);
    let project = env.cli_json(&[
        "project", "create", "--org", &org_id, "--name", "Sync", "--json",
    ]);
    let pid = project["id"].as_str().unwrap().to_owned();
    env.cli_json(&[
        "project",
        "add-api",
        "--project",
        &pid,
        "--api",
        "workfront",
        "--json",
    ]);
    let cred = env.cli_json(&[
        "credential",
        "create",
        "--project",
        &pid,
        "--kind",
        "server_to_server",
        "--name",
        "Workfront sync",
        "--json",
    ]);
    let tech = cred["technical_account_email"].as_str().unwrap().to_owned();
    assert!(tech.contains("@techacct."), "{cred}");
    let server = env.serve(&[]);
    let mut cmd = Command::new("node");
    cmd.arg("--test")
        .arg(dir.join("admin_ui.test.mjs"))
        .env("LATCHKEY_CHROMIUM", &chromium)
        .env("LATCHKEY_ORG_NAME", ORG)
        .env("LATCHKEY_ADMIN_EMAIL", people[0].0)
        .env("LATCHKEY_DEV_EMAIL", people[1].0)
        .env("LATCHKEY_USER_PASSWORD", PASSWORD)
        .env("LATCHKEY_INSTANCE_NAME", INSTANCE)
        .env("LATCHKEY_PROFILE_NAME", PROFILE)
        .env("LATCHKEY_TECH_EMAIL", &tech);
    let c = Cred {
        client_id: cred["client_id"].as_str().unwrap().to_owned(),
        client_secret: cred["client_secret"].as_str().unwrap().to_owned(),
        org_id,
    };
    let (ok, printed) = run_suite(cmd, &server.url, &c);
    assert!(
        ok && printed.contains("# pass 1") && printed.contains("# fail 0"),
        "Chromium Admin Console suite failed against {}:\n{printed}",
        server.url
    );
}
