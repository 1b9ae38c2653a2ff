//! `latchkey-bench seed-grants FILE N`: add N people, each with a grant to one OAuth
//! credential already in the SQLite database FILE (migrated by a first `latchkey serve`),
//! in one transaction: the data of the "cold start with 1,000,000 grants" measurement.

use sqlx::{ConnectOptions, Connection};

pub async fn run(file: &str, n: i64) {
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(file)
        .connect()
        .await
        .unwrap();
    let client: String = sqlx::query_scalar(
        "SELECT client_id FROM credentials WHERE kind = 'oauth_web' ORDER BY client_id LIMIT 1",
    )
    .fetch_one(&mut conn)
    .await
    .expect("no OAuth web credential: start the server with --demo first");
    let mut tx = conn.begin().await.unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO users (id, email, email_lower, kind, created_at) \
         SELECT printf('BENCH%019d@LatchkeyID', i), printf('bench%d@example.com', i), \
                printf('bench%d@example.com', i), 'person', 1700000000 FROM n",
    )
    .bind(n)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO grants (id, user_id, client_id, scopes, created_at, last_used_at) \
         SELECT printf('g%023d', i), printf('BENCH%019d@LatchkeyID', i), $2, \
                '[\"openid\",\"email\",\"offline_access\"]', 1700000000, 1700000000 FROM n",
    )
    .bind(n)
    .bind(&client)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM grants")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    // Fold the write-ahead log into the database, as a finished import leaves it: a server
    // started over a WAL of a million rows first rebuilds its index (a quarter of a second
    // and more, measured), which is the import's cost, not the cold start's.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    println!("{{\"grants\":{count}}}");
}
