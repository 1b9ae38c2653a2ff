//! Mapping sqlx errors onto the core's `StoreError`: unique violations become `Conflict`,
//! foreign-key violations `NotFound`, everything else `Backend`. Messages name only what
//! the caller chose to name (ids, emails), never bound values such as hashes or secrets.

use latchkey_core::store::StoreError;
use sqlx::error::ErrorKind;

/// Any error as `Backend`, for reads and statements that cannot violate a constraint.
pub(crate) fn backend(e: sqlx::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// A failed write: `conflict` turns the database's unique-violation message (which names
/// the constraint, e.g. `users.email_lower` / `users_email_lower_key`) into a human one;
/// `missing` names what a violated foreign key found absent.
pub(crate) fn write(
    e: sqlx::Error,
    conflict: impl FnOnce(&str) -> String,
    missing: impl FnOnce() -> String,
) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        match db.kind() {
            ErrorKind::UniqueViolation => return StoreError::Conflict(conflict(db.message())),
            ErrorKind::ForeignKeyViolation => return StoreError::NotFound(missing()),
            _ => {}
        }
    }
    backend(e)
}

/// A migration failure, as `Backend`.
pub(crate) fn migrate(e: sqlx::migrate::MigrateError) -> StoreError {
    StoreError::Backend(format!("database schema migration failed: {e}"))
}

/// A position in an ordered list (scopes, redirect URIs) as the `INTEGER` column stores it.
pub(crate) fn position(i: usize) -> Result<i32, StoreError> {
    i32::try_from(i).map_err(|_| StoreError::Backend("list too long to store".into()))
}
