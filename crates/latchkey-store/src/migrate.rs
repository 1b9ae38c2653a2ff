//! The schema migrations, embedded in the binary per dialect (`migrations/sqlite/`,
//! `migrations/postgres/`) and applied with sqlx's migrator at open. They are listed here
//! rather than through `sqlx::migrate!`, which needs sqlx's `macros` feature (a second,
//! host-side build of sqlx); the checksums and the `_sqlx_migrations` bookkeeping are the
//! same, so `sqlx migrate info` works on either database.

use latchkey_core::store::StoreResult;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migrate, Migration, MigrationSource, MigrationType, Migrator};
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

/// `(version, description, sql)`; the file is `<version as %04d>_<description>.sql`.
type Script = (i64, &'static str, &'static str);

pub(crate) const SQLITE: &[Script] = &[
    (
        1,
        "init",
        include_str!("../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "user_grants",
        include_str!("../migrations/sqlite/0002_user_grants.sql"),
    ),
    (
        3,
        "service_accounts",
        include_str!("../migrations/sqlite/0003_service_accounts.sql"),
    ),
    (
        4,
        "token_cutoffs",
        include_str!("../migrations/sqlite/0004_token_cutoffs.sql"),
    ),
    (
        5,
        "console_ids",
        include_str!("../migrations/sqlite/0005_console_ids.sql"),
    ),
    (
        6,
        "playground",
        include_str!("../migrations/sqlite/0006_playground.sql"),
    ),
    (
        7,
        "secret_last_used",
        include_str!("../migrations/sqlite/0007_secret_last_used.sql"),
    ),
    (
        8,
        "cache_events",
        include_str!("../migrations/sqlite/0008_cache_events.sql"),
    ),
    (
        9,
        "invitations",
        include_str!("../migrations/sqlite/0009_invitations.sql"),
    ),
    (
        10,
        "audit_events",
        include_str!("../migrations/sqlite/0010_audit_events.sql"),
    ),
    (
        11,
        "io_events",
        include_str!("../migrations/sqlite/0011_io_events.sql"),
    ),
];

pub(crate) const POSTGRES: &[Script] = &[
    (
        1,
        "init",
        include_str!("../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "user_grants",
        include_str!("../migrations/postgres/0002_user_grants.sql"),
    ),
    (
        3,
        "service_accounts",
        include_str!("../migrations/postgres/0003_service_accounts.sql"),
    ),
    (
        4,
        "token_cutoffs",
        include_str!("../migrations/postgres/0004_token_cutoffs.sql"),
    ),
    (
        5,
        "console_ids",
        include_str!("../migrations/postgres/0005_console_ids.sql"),
    ),
    (
        6,
        "playground",
        include_str!("../migrations/postgres/0006_playground.sql"),
    ),
    (
        7,
        "secret_last_used",
        include_str!("../migrations/postgres/0007_secret_last_used.sql"),
    ),
    (
        8,
        "cache_events",
        include_str!("../migrations/postgres/0008_cache_events.sql"),
    ),
    (
        9,
        "invitations",
        include_str!("../migrations/postgres/0009_invitations.sql"),
    ),
    (
        10,
        "audit_events",
        include_str!("../migrations/postgres/0010_audit_events.sql"),
    ),
    (
        11,
        "io_events",
        include_str!("../migrations/postgres/0011_io_events.sql"),
    ),
];

#[derive(Debug)]
struct Embedded(&'static [Script]);

impl MigrationSource<'static> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 'static>> {
        let migrations = self
            .0
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    Cow::Borrowed(sql),
                    false,
                )
            })
            .collect();
        Box::pin(async move { Ok(migrations) })
    }
}

/// Apply every pending migration of `scripts` (each in its own transaction; on
/// PostgreSQL under sqlx's advisory lock, so nodes starting together take turns).
pub(crate) async fn run<'a, A>(scripts: &'static [Script], target: A) -> StoreResult<()>
where
    A: sqlx::Acquire<'a>,
    <A::Connection as std::ops::Deref>::Target: Migrate,
{
    let migrator = Migrator::new(Embedded(scripts))
        .await
        .map_err(crate::error::migrate)?;
    migrator.run(target).await.map_err(crate::error::migrate)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `.sql` file of a dialect folder is embedded, under its own version and name.
    fn embedded_matches_folder(dialect: &str, scripts: &[Script]) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(dialect);
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<String> = scripts
            .iter()
            .map(|(v, d, _)| format!("{v:04}_{d}.sql"))
            .collect();
        assert_eq!(
            files, listed,
            "migrations/{dialect} and migrate.rs disagree"
        );
        for ((_, _, sql), file) in scripts.iter().zip(&files) {
            assert_eq!(*sql, std::fs::read_to_string(dir.join(file)).unwrap());
        }
    }

    #[test]
    fn every_migration_file_is_embedded() {
        embedded_matches_folder("sqlite", SQLITE);
        embedded_matches_folder("postgres", POSTGRES);
        assert_eq!(SQLITE.len(), POSTGRES.len(), "dialects must stay in step");
    }
}
