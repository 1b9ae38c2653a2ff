//! `SessionStore`: sign-in sessions and the Playground's sealed sessions, written once as a
//! macro that `sqlite.rs` and `postgres.rs` each expand for their store type, beside
//! `impl_grants!` (whose `insert_session_in` the token-path write of a session uses).

macro_rules! impl_sessions {
    ($store:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use latchkey_core::clock::Timestamp;
            use latchkey_core::ids::TokenHash;
            use latchkey_core::model::Session;
            use latchkey_core::store::{SessionStore, StoreResult};
            use $crate::error::backend;
            use $crate::rows;

            const SESSION_COLUMNS: &str = rows::SessionRow::COLUMNS;

            #[async_trait]
            impl SessionStore for $store {
                async fn insert_session(&self, s: &Session) -> StoreResult<()> {
                    let session = s.clone();
                    self.in_write(move |c| {
                        Box::pin(async move { Self::insert_session_in(c, &session).await })
                    })
                    .await
                }

                async fn get_session(
                    &self,
                    hash: &TokenHash,
                    now: Timestamp,
                ) -> StoreResult<Option<Session>> {
                    let hash = hash.as_str();
                    let row = sqlx::query_as::<_, rows::SessionRow>(&format!(
                        "SELECT {SESSION_COLUMNS} FROM sessions WHERE hash = $1 AND expires_at > $2"
                    ))
                    .bind(hash)
                    .bind(now.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                    Ok(row.map(rows::session))
                }

                async fn delete_session(&self, hash: &TokenHash) -> StoreResult<()> {
                    let hash = hash.as_str();
                    sqlx::query("DELETE FROM sessions WHERE hash = $1")
                        .bind(hash)
                        .execute(&self.pool)
                        .await
                        .map_err(backend)?;
                    Ok(())
                }

                async fn put_playground(
                    &self,
                    hash: &TokenHash,
                    sealed: &[u8],
                    expires_at: Timestamp,
                ) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO playground_sessions (hash, sealed, expires_at) \
                         VALUES ($1, $2, $3) ON CONFLICT (hash) DO UPDATE \
                         SET sealed = excluded.sealed, expires_at = excluded.expires_at",
                    )
                    .bind(hash.as_str())
                    .bind(sealed)
                    .bind(expires_at.0)
                    .execute(&self.pool)
                    .await
                    .map_err(backend)?;
                    Ok(())
                }

                async fn get_playground(
                    &self,
                    hash: &TokenHash,
                    now: Timestamp,
                ) -> StoreResult<Option<Vec<u8>>> {
                    sqlx::query_scalar::<_, Vec<u8>>(
                        "SELECT sealed FROM playground_sessions \
                         WHERE hash = $1 AND expires_at > $2",
                    )
                    .bind(hash.as_str())
                    .bind(now.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)
                }

                async fn delete_playground(&self, hash: &TokenHash) -> StoreResult<()> {
                    sqlx::query("DELETE FROM playground_sessions WHERE hash = $1")
                        .bind(hash.as_str())
                        .execute(&self.pool)
                        .await
                        .map_err(backend)?;
                    Ok(())
                }
            }
        };
    };
}

pub(crate) use impl_sessions;
