//! Test fixtures: domain values to store, and the per-test databases — a temp SQLite
//! file, or a fresh PostgreSQL database created on the test server and dropped after.

use latchkey_core::clock::Timestamp;
use latchkey_core::ids::{ApiId, ClientId, GrantId, Jti, OrgId, ProjectId, TokenHash, UserId};
use latchkey_core::keys::{KeyAlg, StoredKey};
use latchkey_core::model::{
    Api, ApiScope, AuthCode, AuthKind, Credential, CredentialKind, Grant, Org, Project,
    RefreshToken, SecretRecord, Session, User, UserKind,
};
use latchkey_core::secret::SecretHash;
use sqlx::Connection;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub const T0: Timestamp = Timestamp(1_700_000_000_000);

pub fn org(id: &str) -> Org {
    Org {
        id: OrgId(id.into()),
        name: format!("Org {id}"),
        created_at: T0,
    }
}

pub fn person(id: &str, email: &str) -> User {
    User {
        id: UserId(id.into()),
        email: email.into(),
        kind: UserKind::Person,
        given_name: Some("Ada".into()),
        family_name: Some("Lovelace".into()),
        country: Some("GB".into()),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        disabled: false,
        created_at: T0,
    }
}

pub fn technical(id: &str) -> User {
    User {
        id: UserId(id.into()),
        email: id.to_ascii_lowercase(),
        kind: UserKind::Technical,
        given_name: None,
        family_name: None,
        country: None,
        password_hash: None,
        disabled: false,
        created_at: T0,
    }
}

pub fn project(id: &str, org: &str) -> Project {
    Project {
        id: ProjectId(id.into()),
        org_id: OrgId(org.into()),
        name: format!("Project {id}"),
        created_at: T0,
    }
}

pub fn api(id: &str, scopes: &[&str], metascopes: &[&str]) -> Api {
    Api {
        id: ApiId(id.into()),
        name: format!("API {id}"),
        product: Some("Product".into()),
        description: format!("The {id} API"),
        auth: vec![AuthKind::OAuthUser, AuthKind::ServerToServer],
        scopes: scopes
            .iter()
            .map(|s| ApiScope {
                name: (*s).into(),
                description: format!("Use {s}"),
            })
            .collect(),
        metascopes: metascopes.iter().map(|m| (*m).to_owned()).collect(),
    }
}

pub fn credential(client_id: &str, org: &str, project: &str, kind: CredentialKind) -> Credential {
    Credential {
        client_id: ClientId(client_id.into()),
        org_id: OrgId(org.into()),
        project_id: ProjectId(project.into()),
        kind,
        name: format!("Credential {client_id}"),
        redirect_uris: Vec::new(),
        technical_account: None,
        disabled: false,
        created_at: T0,
    }
}

pub fn secret(id: &str, client_id: &str, created_at: Timestamp) -> SecretRecord {
    SecretRecord {
        id: id.into(),
        client_id: ClientId(client_id.into()),
        hash: SecretHash::of(&format!("lks_secret_{id}")),
        created_at,
        last_used_at: None,
    }
}

pub fn key(kid: &str, alg: KeyAlg) -> StoredKey {
    StoredKey {
        kid: kid.into(),
        alg,
        private_sealed: vec![1, 2, 3, 0, 255, kid.len() as u8],
        public_jwk: format!(r#"{{"kid":"{kid}","alg":"{}"}}"#, alg.as_str()),
        created_at: T0,
        activate_at: T0.plus_secs(60),
        retire_at: None,
        expire_at: None,
    }
}

pub fn scopes(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// A code of `grant` with every optional field set, created at `T0`.
pub fn code(hash: &str, grant: &Grant, expires_at: Timestamp) -> AuthCode {
    AuthCode {
        hash: hash.into(),
        grant_id: grant.id.clone(),
        client_id: grant.client_id.clone(),
        user_id: grant.user_id.clone(),
        redirect_uri: Some("https://app.example/cb".into()),
        scopes: grant.scopes.clone(),
        nonce: Some(format!("nonce-{hash}")),
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
        auth_time: Timestamp(T0.0 - 1_000),
        created_at: T0,
        expires_at,
    }
}

/// A refresh token of `grant`, created at `T0`.
pub fn refresh(hash: &str, grant: &Grant, expires_at: Timestamp) -> RefreshToken {
    RefreshToken {
        hash: hash.into(),
        grant_id: grant.id.clone(),
        client_id: grant.client_id.clone(),
        user_id: grant.user_id.clone(),
        scopes: grant.scopes.clone(),
        auth_time: Timestamp(T0.0 - 1_000),
        created_at: T0,
        expires_at,
    }
}

pub fn session(hash: &str, user: &str, expires_at: Timestamp) -> Session {
    Session {
        hash: hash.into(),
        user_id: UserId(user.into()),
        auth_time: T0,
        created_at: T0,
        expires_at,
    }
}

/// A name no other test run uses: random per process (`RandomState` keys come from the
/// OS) plus a counter.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    format!("{prefix}{:016x}", h.finish())
}

/// A SQLite database file in a temp directory removed on drop.
pub struct SqliteDb {
    _dir: tempfile::TempDir,
    pub url: String,
}

impl SqliteDb {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("latchkey.db").display());
        SqliteDb { _dir: dir, url }
    }
}

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A fresh PostgreSQL database for one test. Call [`PgDb::drop_db`] when done.
pub struct PgDb {
    admin_url: String,
    name: String,
    pub url: String,
}

/// `url` with its database path replaced by `db`, query parameters kept.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[after_scheme..]
        .find('/')
        .map_or(base.len(), |i| after_scheme + i);
    let mut out = format!("{}/{db}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl PgDb {
    /// `None` (after a notice) when no server answers, unless `LATCHKEY_REQUIRE_POSTGRES=1`,
    /// which turns that into a failure.
    pub async fn create() -> Option<PgDb> {
        let admin_url = std::env::var("LATCHKEY_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
        let required = std::env::var("LATCHKEY_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
        let connected = tokio::time::timeout(
            Duration::from_secs(5),
            sqlx::PgConnection::connect(&admin_url),
        )
        .await;
        let mut conn = match connected {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) if required => {
                panic!("LATCHKEY_REQUIRE_POSTGRES=1 but PostgreSQL is unreachable: {e}")
            }
            Err(_) if required => {
                panic!("LATCHKEY_REQUIRE_POSTGRES=1 but PostgreSQL did not answer in 5s")
            }
            Ok(Err(e)) => {
                eprintln!("notice: PostgreSQL unreachable ({e}); skipping the PostgreSQL variant");
                return None;
            }
            Err(_) => {
                eprintln!(
                    "notice: PostgreSQL did not answer in 5s; skipping the PostgreSQL variant"
                );
                return None;
            }
        };
        let name = unique_name("lk_test_");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is reachable but CREATE DATABASE failed: {e}"));
        let _ = conn.close().await;
        let url = with_database(&admin_url, &name);
        Some(PgDb {
            admin_url,
            name,
            url,
        })
    }

    /// Best effort: a leftover `lk_test_*` database is harmless.
    pub async fn drop_db(self) {
        if let Ok(mut conn) = sqlx::PgConnection::connect(&self.admin_url).await {
            let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
            if let Err(e) = sqlx::query(&sql).execute(&mut conn).await {
                eprintln!("notice: could not drop test database {}: {e}", self.name);
            }
            let _ = conn.close().await;
        }
    }
}

#[test]
fn database_is_swapped_in_urls() {
    assert_eq!(
        with_database("postgres://u:p@h:5432/postgres", "x"),
        "postgres://u:p@h:5432/x"
    );
    assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    assert_eq!(
        with_database("postgresql://h/db?sslmode=disable", "x"),
        "postgresql://h/x?sslmode=disable"
    );
}

pub fn gid(id: &str) -> GrantId {
    GrantId(id.to_owned())
}

pub fn th(hash: &str) -> TokenHash {
    TokenHash(hash.to_owned())
}

pub fn jti(id: &str) -> Jti {
    Jti(id.to_owned())
}
