//! The benchmark's Rust side. `bench/compare` (docs/performance.md) is the benchmark; it
//! calls this binary for the parts that need Latchkey's own code:
//! - `latchkey-bench raw SECS DIR`: raw crypto, Argon2id, fsync and SQLite commit rates
//!   (`raw.rs`);
//! - `latchkey-bench seed-grants FILE N`: N grants in a database (`seed.rs`);
//! - `latchkey-bench floor ADDR [bare|sign]`: a bare HTTP server, the floor under every
//!   workload (`floor.rs`).
//!
//! `cargo run --release -p latchkey-bench -- [REQUESTS] [CONCURRENCY]` is the quick
//! in-process check: a server on 127.0.0.1 (fresh SQLite file) driven from the same
//! process with keep-alive connections, printing throughput and latency percentiles.
//! Bounded in count; loopback only.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)]

mod floor;
mod raw;
mod seed;

use latchkey_testkit::TestServer;
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn run<F, Fut>(name: &str, total: usize, conc: usize, make: F)
where
    F: Fn(reqwest::Client) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = u16> + Send,
{
    let make = Arc::new(make);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..conc {
        let make = make.clone();
        let n = total / conc + usize::from(w < total % conc);
        tasks.push(tokio::spawn(async move {
            // reqwest's TLS (rustls) uses the process's aws-lc-rs provider.
            let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .unwrap();
            let mut lat = Vec::with_capacity(n);
            let mut errors = 0usize;
            for _ in 0..n {
                let t = Instant::now();
                if make(client.clone()).await != 200 {
                    errors += 1;
                }
                lat.push(t.elapsed());
            }
            (lat, errors)
        }));
    }
    let mut all: Vec<Duration> = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        all.extend(l);
        errors += e;
    }
    let secs = started.elapsed().as_secs_f64();
    all.sort();
    let pct =
        |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "{name:<22} {:>8.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms   errors {errors}",
        all.len() as f64 / secs,
        pct(0.50),
        pct(0.99)
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("raw") => {
            let secs = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(3.0);
            let dir = std::path::PathBuf::from(args.get(3).map_or(".", String::as_str));
            return raw::run(secs, &dir).await;
        }
        Some("seed-grants") => {
            let n = args
                .get(3)
                .and_then(|a| a.parse().ok())
                .unwrap_or(1_000_000);
            return seed::run(args.get(2).expect("seed-grants FILE N"), n).await;
        }
        Some("floor") => {
            let addr = args.get(2).expect("floor ADDR [bare|sign]");
            return floor::run(addr, args.get(3).is_some_and(|a| a == "sign")).await;
        }
        _ => {}
    }
    let total: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let conc: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(32);
    let s = TestServer::start().await;
    let c = s.s2s().await;
    let token = s.token(&c, "openid,AdobeID").await;
    println!(
        "latchkey bench: {total} requests per operation, {conc} connections, {} cores, server and load generator share the machine",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let url = s.url.clone();
    let (id, secret) = (c.client_id.clone(), c.client_secret.clone());
    {
        let (url, id, secret) = (url.clone(), id.clone(), secret.clone());
        run("client_credentials", total, conc, move |cl| {
            let req = cl.post(format!("{url}/ims/token/v3")).form(&[
                ("grant_type", "client_credentials"),
                ("client_id", id.as_str()),
                ("client_secret", secret.as_str()),
                ("scope", "openid,AdobeID"),
            ]);
            async move { req.send().await.map_or(0, |r| r.status().as_u16()) }
        })
        .await;
    }
    {
        let (url, id, secret, token) = (url.clone(), id.clone(), secret.clone(), token.clone());
        run("introspect", total, conc, move |cl| {
            let req = cl
                .post(format!("{url}/oauth2/introspect"))
                .basic_auth(&id, Some(&secret))
                .form(&[("token", token.as_str())]);
            async move { req.send().await.map_or(0, |r| r.status().as_u16()) }
        })
        .await;
    }
    {
        let (url, token) = (url.clone(), token.clone());
        run("validate_token", total, conc, move |cl| {
            let req = cl
                .post(format!("{url}/ims/validate_token/v1"))
                .bearer_auth(&token);
            async move { req.send().await.map_or(0, |r| r.status().as_u16()) }
        })
        .await;
    }
    {
        let url = url.clone();
        run("jwks", total, conc, move |cl| {
            let req = cl.get(format!("{url}/ims/keys"));
            async move { req.send().await.map_or(0, |r| r.status().as_u16()) }
        })
        .await;
    }
}
