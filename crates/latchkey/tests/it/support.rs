//! Driving the real `latchkey` binary: CLI commands with `--json`, and `serve` as a child
//! process on `127.0.0.1:0` that a test can SIGKILL and restart on the same database.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_latchkey")
}

/// A database directory shared by CLI calls and server runs.
pub struct Env {
    pub dir: tempfile::TempDir,
    database: Option<String>,
    master_key: Option<String>,
    vars: Vec<(String, String)>,
}

impl Env {
    pub fn new() -> Self {
        Env {
            dir: tempfile::tempdir().unwrap(),
            database: None,
            master_key: None,
            vars: Vec::new(),
        }
    }

    /// Use `url` (e.g. PostgreSQL) instead of a SQLite file in the temp dir.
    pub fn with_database(mut self, url: &str) -> Self {
        self.database = Some(url.to_owned());
        self
    }

    /// Set an environment variable for every command (and server).
    pub fn with_var(mut self, name: &str, value: &str) -> Self {
        self.vars.retain(|(n, _)| n != name);
        self.vars.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Set `LATCHKEY_MASTER_KEY` for every command.
    pub fn with_master_key(mut self, key: &str) -> Self {
        self.master_key = Some(key.to_owned());
        self
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("latchkey.db")
    }

    pub fn database_url(&self) -> String {
        self.database
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.db_path().display()))
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(bin());
        c.env("LATCHKEY_DATABASE_URL", self.database_url())
            .env_remove("LATCHKEY_MASTER_KEY")
            .env("LATCHKEY_LOG", "warn")
            .current_dir(self.dir.path());
        if let Some(k) = &self.master_key {
            c.env("LATCHKEY_MASTER_KEY", k);
        }
        for (n, v) in &self.vars {
            c.env(n, v);
        }
        c
    }

    /// Run a CLI command that prints one JSON object; panics with stderr on failure.
    pub fn cli_json(&self, args: &[&str]) -> Value {
        let out = self.command().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "latchkey {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "latchkey {args:?} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Run a CLI command expected to fail; returns its stderr.
    pub fn cli_fails(&self, args: &[&str]) -> String {
        let out = self.command().args(args).output().unwrap();
        assert!(
            !out.status.success(),
            "latchkey {args:?} should have failed"
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// Start `latchkey serve` on a free loopback port; waits until it listens.
    pub fn serve(&self, extra: &[&str]) -> Server {
        let mut child = self
            .command()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = Vec::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("Latchkey listening on ") {
                    let url = rest.split_whitespace().next().unwrap_or("").to_owned();
                    let _ = tx.send((url, lines.clone()));
                }
                lines.push(line);
            }
        });
        let (url, printed) = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("latchkey serve did not start"));
        Server {
            child,
            url,
            printed,
        }
    }
}

pub struct Server {
    pub child: Child,
    pub url: String,
    /// What the server printed on stdout before it listened (e.g. the demo data).
    pub printed: Vec<String>,
}

impl Server {
    /// SIGKILL: no chance to flush anything the store had not already made durable.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM and wait for a clean exit.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        self.child.wait().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn http() -> reqwest::Client {
    // reqwest's TLS (rustls) uses the process's aws-lc-rs provider; a second install is
    // refused harmlessly.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The repository root (for tests/interop).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn postgres_admin_url() -> Option<String> {
    let url = std::env::var("LATCHKEY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let ok = Command::new("psql")
        .args([&url, "-qAtc", "select 1"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if ok {
        return Some(url);
    }
    assert!(
        std::env::var("LATCHKEY_REQUIRE_POSTGRES").as_deref() != Ok("1"),
        "PostgreSQL required but unreachable at {url}"
    );
    eprintln!("skipped, no PostgreSQL reachable (set LATCHKEY_TEST_POSTGRES_URL)");
    None
}

/// A fresh PostgreSQL database for one test, dropped (with its connections) afterwards.
pub struct PgTempDb {
    /// The server's admin URL (`LATCHKEY_TEST_POSTGRES_URL`).
    pub admin: String,
    pub name: String,
    pub url: String,
}

impl PgTempDb {
    /// `None` (the test skips) when no PostgreSQL answers, unless
    /// `LATCHKEY_REQUIRE_POSTGRES=1` makes that a failure.
    pub fn create() -> Option<Self> {
        let admin = &postgres_admin_url()?;
        let nonce = latchkey_core::rand::lower_hex(&latchkey_core::rand::SystemRng, 6);
        let name = format!("lk_it_{nonce}");
        psql(admin, &format!("CREATE DATABASE {name}"));
        let (base, _) = admin.rsplit_once('/').unwrap();
        Some(PgTempDb {
            admin: admin.to_owned(),
            url: format!("{base}/{name}"),
            name,
        })
    }
}

impl PgTempDb {
    /// Run `sql` as the server's admin; its output, one row per line.
    pub fn admin_sql(&self, sql: &str) -> String {
        psql(&self.admin, sql)
    }
}

/// `psql -qAtc sql` on `url`, failing the test when it fails; its standard output.
fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args([url, "-qAtc", sql])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Drop for PgTempDb {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                &self.admin,
                "-qAtc",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .output();
    }
}

/// Poll until `check` holds, failing past one second (the bound a change made on one
/// node, or by the CLI, takes to reach every node's caches); then check that it stays so.
#[allow(clippy::disallowed_methods)]
pub async fn within_a_second<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = std::time::Instant::now();
    while !check().await {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(1),
            "{what}: still not seen after a second"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    eprintln!("{what}: seen after {:?}", start.elapsed());
    for _ in 0..5 {
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        assert!(check().await, "{what}: went back");
    }
}

// ---- A webhook receiver on loopback (I/O Events tests) -------------------------------

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// How a `Receiver` answers deliveries.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// 200 to everything.
    Up,
    /// 503 to deliveries (challenges still answered).
    Down,
    /// Take deliveries and never answer.
    Hold,
}

/// One POST a `Receiver` got.
#[derive(Clone, Debug)]
pub struct Got {
    pub headers: HashMap<String, String>,
    pub body: String,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    mode: Arc<Mutex<Mode>>,
    got: Arc<Mutex<Vec<Got>>>,
}

impl Receiver {
    pub fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let r = Receiver {
            url,
            mode: Arc::new(Mutex::new(Mode::Up)),
            got: Arc::new(Mutex::new(Vec::new())),
        };
        let me = r.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let me = me.clone();
                std::thread::spawn(move || me.serve(stream));
            }
        });
        r
    }

    pub fn set(&self, m: Mode) {
        *self.mode.lock().unwrap() = m;
    }

    pub fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    fn serve(&self, stream: TcpStream) {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut headers = HashMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                break;
            }
            if let Some((k, v)) = h.trim_end().split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
            }
        }
        let len: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        reader.read_exact(&mut body).unwrap();
        let mut out = stream;
        let reply = |out: &mut TcpStream, status: &str, body: &str| {
            let _ = write!(
                out,
                "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        };
        let target = line.split_whitespace().nth(1).unwrap_or("").to_owned();
        if line.starts_with("GET ") {
            let challenge = target
                .split_once("challenge=")
                .map(|(_, c)| c.split('&').next().unwrap_or("").to_owned())
                .unwrap_or_default();
            reply(&mut out, "200 OK", &challenge);
            return;
        }
        let mode = *self.mode.lock().unwrap();
        self.got.lock().unwrap().push(Got {
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        match mode {
            Mode::Up => reply(&mut out, "200 OK", "ok"),
            Mode::Down => reply(&mut out, "503 Service Unavailable", "down"),
            Mode::Hold => std::thread::sleep(Duration::from_secs(120)),
        }
    }
}

/// One receiver for the whole test binary, answering 200 (for tests that only need a
/// webhook that passes the challenge).
pub fn shared_receiver() -> &'static Receiver {
    static R: std::sync::OnceLock<Receiver> = std::sync::OnceLock::new();
    R.get_or_init(Receiver::start)
}
