//! `RevocationStore`: revoked access tokens, token cutoffs and the housekeeping that
//! deletes expired rows, written once as a macro that `sqlite.rs` and `postgres.rs` each
//! expand for their store type. `revoke_token` is a token-path write (`in_write`: on
//! SQLite it shares the group commit).

/// Rows deleted per housekeeping statement (`purge_expired`).
pub(crate) const PURGE_BATCH: u64 = 1000;

macro_rules! impl_revocations {
    ($store:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use latchkey_core::clock::Timestamp;
            use latchkey_core::ids::{ClientId, Jti, UserId};
            use latchkey_core::store::{RevocationStore, StoreResult};
            use $crate::error::backend;

            #[async_trait]
            impl RevocationStore for $store {
                async fn revoke_token(
                    &self,
                    jti: &Jti,
                    client_id: &ClientId,
                    expires_at: Timestamp,
                    now: Timestamp,
                ) -> StoreResult<()> {
                    let (jti, client_id) = (jti.as_str().to_owned(), client_id.as_str().to_owned());
                    self.in_write(move |c| {
                        Box::pin(async move {
                            sqlx::query(
                                "INSERT INTO revoked_tokens (jti, client_id, revoked_at, expires_at) \
                                 VALUES ($1, $2, $3, $4) ON CONFLICT (jti) DO NOTHING",
                            )
                            .bind(jti)
                            .bind(client_id)
                            .bind(now.0)
                            .bind(expires_at.0)
                            .execute(&mut *c)
                            .await
                            .map_err(backend)?;
                            Ok(())
                        })
                    })
                    .await
                }

                async fn is_token_revoked(&self, jti: &Jti) -> StoreResult<bool> {
                    let jti = jti.as_str();
                    let hit: Option<String> =
                        sqlx::query_scalar("SELECT jti FROM revoked_tokens WHERE jti = $1")
                            .bind(jti)
                            .fetch_optional(&self.pool)
                            .await
                            .map_err(backend)?;
                    Ok(hit.is_some())
                }

                async fn tokens_revoked_before(
                    &self,
                    client_id: &ClientId,
                    subject: &UserId,
                ) -> StoreResult<Option<Timestamp>> {
                    let at: Option<i64> = sqlx::query_scalar(
                        "SELECT MAX(revoked_before) FROM token_cutoffs \
                         WHERE principal IN ($1, $2)",
                    )
                    .bind(format!("client:{client_id}"))
                    .bind(format!("user:{subject}"))
                    .fetch_one(&self.pool)
                    .await
                    .map_err(backend)?;
                    Ok(at.map(Timestamp))
                }

                /// Rows with `expires_at < now`, from every table that expires, summed.
                /// In batches of `PURGE_BATCH` rows, each its own short transaction, so
                /// housekeeping never holds the write lock for long; on PostgreSQL each
                /// batch skips rows another node's batch has locked (`SKIP LOCKED`), so
                /// nodes purging at once share the work instead of waiting on each other.
                async fn purge_expired(&self, now: Timestamp) -> StoreResult<u64> {
                    let mut removed = 0;
                    for (table, key) in [
                        ("revoked_tokens", "jti"),
                        ("auth_codes", "hash"),
                        ("refresh_tokens", "hash"),
                        ("sessions", "hash"),
                        ("playground_sessions", "hash"),
                    ] {
                        let sql = format!(
                            "DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM {table} \
                             WHERE expires_at < $1 LIMIT {} {})",
                            $crate::revocations::PURGE_BATCH,
                            Self::SKIP_LOCKED
                        );
                        loop {
                            let done = sqlx::query(&sql)
                                .bind(now.0)
                                .execute(&self.pool)
                                .await
                                .map_err(backend)?;
                            removed += done.rows_affected();
                            if done.rows_affected() < $crate::revocations::PURGE_BATCH {
                                break;
                            }
                        }
                    }
                    // Invalidation events live a minute (every node reads them within a
                    // second: crate::cache), by the database's clock, which stamped them.
                    let sql = format!(
                        "DELETE FROM cache_events WHERE seq IN (SELECT seq FROM cache_events \
                         WHERE at < {} - 60 LIMIT {} {})",
                        Self::DB_NOW_SECS,
                        $crate::revocations::PURGE_BATCH,
                        Self::SKIP_LOCKED
                    );
                    loop {
                        let done = sqlx::query(&sql)
                            .execute(&self.pool)
                            .await
                            .map_err(backend)?;
                        if done.rows_affected() < $crate::revocations::PURGE_BATCH {
                            break;
                        }
                    }
                    Ok(removed)
                }
            }
        };
    };
}

pub(crate) use impl_revocations;
