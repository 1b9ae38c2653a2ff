//! `latchkey-bench raw SECS DIR`: the limits the server cannot beat, measured on the core
//! this process is pinned to, with the same code the server runs: ES256 and RSA-2048
//! signatures and ES256 verifications (aws-lc-rs through `latchkey_core::keys`), Argon2id
//! hashes with Latchkey's parameters (`latchkey_core::password`), `fdatasync`s of a file
//! in DIR, and one-row commits to a SQLite database in DIR with the server's settings (WAL,
//! `synchronous=FULL`): the fsync-bound limit of a write-per-request store.

use latchkey_core::clock::Timestamp;
use latchkey_core::keys::{KeyAlg, MasterKey, SigningKey};
use latchkey_core::rand::SystemRng;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// Operations per second of `op`, run for about `secs`.
fn rate(secs: f64, mut op: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed().as_secs_f64() < secs {
        for _ in 0..8 {
            op();
        }
        n += 8;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

pub(crate) fn key(alg: KeyAlg) -> SigningKey {
    let master = MasterKey::generate(&SystemRng);
    let stored =
        SigningKey::generate(&SystemRng, &master, alg, Timestamp(0), Timestamp(0)).unwrap();
    SigningKey::load(&stored, &master).unwrap()
}

pub async fn run(secs: f64, dir: &Path) {
    // A token's signing input is about 700 bytes; sign something of that size.
    let msg = vec![b'x'; 700];
    let es = key(KeyAlg::Es256);
    let rs = key(KeyAlg::Rs256);
    let sig = es.sign(&msg).unwrap();
    print("es256_sign", rate(secs, || drop(es.sign(&msg).unwrap())));
    print(
        "es256_verify",
        rate(secs, || assert!(es.verify(&msg, &sig))),
    );
    print("rs256_sign", rate(secs, || drop(rs.sign(&msg).unwrap())));
    print(
        "argon2id_hash",
        rate(secs.min(3.0), || {
            drop(
                latchkey_core::password::hash_password(&SystemRng, "correct horse battery")
                    .unwrap(),
            )
        }),
    );
    let path = dir.join("fsync.bin");
    let mut f = std::fs::File::create(&path).unwrap();
    print(
        "fsync",
        rate(secs, || {
            f.write_all(&[0u8; 512]).unwrap();
            f.sync_data().unwrap();
        }),
    );
    drop(f);
    let _ = std::fs::remove_file(&path);
    print("sqlite_commit", sqlite_commits(secs, dir).await);
}

fn print(name: &str, per_sec: f64) {
    println!("{{\"raw\":\"{name}\",\"per_sec\":{per_sec:.1}}}");
}

/// One-row `INSERT` transactions per second on a fresh SQLite file, one at a time.
async fn sqlite_commits(secs: f64, dir: &Path) -> f64 {
    use sqlx::ConnectOptions;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    let file = dir.join("commits.db");
    let mut conn = SqliteConnectOptions::new()
        .filename(&file)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .connect()
        .await
        .unwrap();
    sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        .execute(&mut conn)
        .await
        .unwrap();
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs_f64(secs) {
        sqlx::query("INSERT INTO t (v) VALUES ('a refresh token row of about this size')")
            .execute(&mut conn)
            .await
            .unwrap();
        n += 1;
    }
    let per_sec = n as f64 / start.elapsed().as_secs_f64();
    drop(conn);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    per_sec
}
