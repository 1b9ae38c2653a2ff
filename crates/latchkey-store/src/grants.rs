//! `GrantStore`, written once as a macro that `sqlite.rs` and `postgres.rs` each expand
//! for their store type (see `directory.rs` for what a backend provides). Single use of codes and refresh tokens rests on one conditional `UPDATE`
//! each, which exactly one of any number of concurrent callers can win.
//!
//! Lock order, so that nothing here deadlocks on PostgreSQL: a grant row first, then the
//! codes or refresh tokens hanging off it. Rotation and redemption hold their grant
//! `FOR UPDATE`, which a revocation (an `UPDATE` of the grant) waits for, so a revocation
//! also revokes the refresh token that a concurrent rotation inserted.
//!
//! The token-path writes (`upsert_grant`, `insert_code`, `redeem_code`,
//! `rotate_refresh_token`, `revoke_grant`, `insert_session` in `sessions.rs` and
//! `revoke_token` in `revocations.rs`) are written as `*_in` functions over one connection
//! and run through the backend's `in_write`: on SQLite several of them share one
//! transaction and one fsync (`group_commit.rs`); on PostgreSQL each gets its own.

/// How often `upsert_grant` retries when a concurrent transaction created or revoked the
/// active grant between its read and its write (PostgreSQL only: SQLite's `BEGIN
/// IMMEDIATE` lets no one in between).
pub(crate) const UPSERT_ATTEMPTS: usize = 3;

/// `scopes` followed by those of `extra` not already present, each name once, in the
/// order first seen.
pub(crate) fn union_scopes(scopes: &[String], extra: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(scopes.len() + extra.len());
    for s in scopes.iter().chain(extra) {
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    out
}

macro_rules! impl_grants {
    ($store:ty, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use latchkey_core::clock::Timestamp;
            use latchkey_core::ids::{ClientId, GrantId, TokenHash, UserId};
            use latchkey_core::model::{
                AuthCode, CodeRedemption, Grant, RefreshToken, Rotation, Session,
            };
            use latchkey_core::store::{GrantStore, StoreError, StoreResult};
            use $crate::error::{self, backend};
            use $crate::grants::{UPSERT_ATTEMPTS, union_scopes};
            use $crate::rows;

            // The column lists are the row structs' fields (`rows.rs`), so a SELECT and
            // the row it decodes into cannot drift apart. INSERTs list the same columns.
            const GRANT_COLUMNS: &str = rows::GrantRow::COLUMNS;
            const CODE_COLUMNS: &str = rows::CodeRow::COLUMNS;
            const REFRESH_COLUMNS: &str = rows::RefreshRow::COLUMNS;
            const SESSION_COLUMNS: &str = rows::SessionRow::COLUMNS;

            impl $store {
                async fn insert_refresh_with<'e, E>(ex: E, rt: &RefreshToken) -> StoreResult<()>
                where
                    E: sqlx::Executor<'e, Database = $db>,
                {
                    sqlx::query(&format!(
                        "INSERT INTO refresh_tokens ({REFRESH_COLUMNS}) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                    ))
                    .bind(rt.hash.as_str())
                    .bind(rt.grant_id.as_str())
                    .bind(rt.client_id.as_str())
                    .bind(rt.user_id.as_str())
                    .bind(rows::scopes_json(&rt.scopes)?)
                    .bind(rt.auth_time.0)
                    .bind(rt.created_at.0)
                    .bind(rt.expires_at.0)
                    .execute(ex)
                    .await
                    .map_err(|e| {
                        error::write(
                            e,
                            |_| format!("a refresh token of grant {} collides", rt.grant_id),
                            || format!("grant {}", rt.grant_id),
                        )
                    })?;
                    Ok(())
                }

                /// Never moves `last_used_at` backwards (nodes' clocks differ a little).
                async fn mark_grant_used(
                    conn: &mut <$db as sqlx::Database>::Connection,
                    id: &str,
                    now: Timestamp,
                ) -> StoreResult<u64> {
                    let done = sqlx::query(
                        "UPDATE grants SET last_used_at = $1 \
                         WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)",
                    )
                    .bind(now.0)
                    .bind(id)
                    .execute(&mut *conn)
                    .await
                    .map_err(backend)?;
                    Ok(done.rows_affected())
                }

                async fn grant_where(
                    &self,
                    clause: &str,
                    keys: &[&str],
                ) -> StoreResult<Vec<Grant>> {
                    let sql = format!("SELECT {GRANT_COLUMNS} FROM grants WHERE {clause}");
                    let mut q = sqlx::query_as::<_, rows::GrantRow>(&sql);
                    for k in keys {
                        q = q.bind(*k);
                    }
                    let rows = q.fetch_all(&self.pool).await.map_err(backend)?;
                    rows.into_iter().map(rows::grant).collect()
                }

                async fn upsert_grant_in(
                    conn: &mut <$db as sqlx::Database>::Connection,
                    new_id: &GrantId,
                    user: &UserId,
                    client: &ClientId,
                    scopes: &[String],
                    now: Timestamp,
                ) -> StoreResult<Grant> {
                    let new_id = new_id.as_str();
                    let select = format!(
                        "SELECT {GRANT_COLUMNS} FROM grants \
                         WHERE user_id = $1 AND client_id = $2 AND revoked_at IS NULL{}",
                        Self::FOR_UPDATE
                    );
                    for _ in 0..UPSERT_ATTEMPTS {
                        // Locked (PostgreSQL) until commit: concurrent unions take turns.
                        let active = sqlx::query_as::<_, rows::GrantRow>(&select)
                            .bind(user.as_str())
                            .bind(client.as_str())
                            .fetch_optional(&mut *conn)
                            .await
                            .map_err(backend)?;
                        if let Some(row) = active {
                            let mut grant = rows::grant(row)?;
                            let union = union_scopes(&grant.scopes, scopes);
                            if union != grant.scopes {
                                sqlx::query("UPDATE grants SET scopes = $1 WHERE id = $2")
                                    .bind(rows::scopes_json(&union)?)
                                    .bind(grant.id.as_str())
                                    .execute(&mut *conn)
                                    .await
                                    .map_err(backend)?;
                                grant.scopes = union;
                            }
                            return Ok(grant);
                        }
                        let grant = Grant {
                            id: GrantId(new_id.to_owned()),
                            user_id: user.clone(),
                            client_id: client.clone(),
                            scopes: union_scopes(&[], scopes),
                            created_at: now,
                            last_used_at: None,
                            revoked_at: None,
                        };
                        // A concurrent insert that committed first makes this do nothing;
                        // the next round then finds (and locks) that grant.
                        let done = sqlx::query(
                            "INSERT INTO grants (id, user_id, client_id, scopes, created_at) \
                             VALUES ($1, $2, $3, $4, $5) \
                             ON CONFLICT (user_id, client_id) WHERE revoked_at IS NULL \
                             DO NOTHING",
                        )
                        .bind(grant.id.as_str())
                        .bind(user.as_str())
                        .bind(client.as_str())
                        .bind(rows::scopes_json(&grant.scopes)?)
                        .bind(now.0)
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| {
                            error::write(
                                e,
                                |_| format!("grant {new_id} already exists"),
                                || format!("user {user} or client {client}"),
                            )
                        })?;
                        if done.rows_affected() == 1 {
                            return Ok(grant);
                        }
                    }
                    Err(StoreError::Conflict(format!(
                        "the grant of user {user} to client {client} kept changing; try again"
                    )))
                }

                async fn revoke_grant_in(
                    conn: &mut <$db as sqlx::Database>::Connection,
                    id: &GrantId,
                    now: Timestamp,
                ) -> StoreResult<bool> {
                    let id = id.as_str();
                    let done = sqlx::query(
                        "UPDATE grants SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                    )
                    .bind(now.0)
                    .bind(id)
                    .execute(&mut *conn)
                    .await
                    .map_err(backend)?;
                    // Also when it was revoked before: whatever still lives of it dies.
                    for sql in [
                        "UPDATE auth_codes SET consumed_at = $1 \
                         WHERE grant_id = $2 AND consumed_at IS NULL",
                        "UPDATE refresh_tokens SET revoked_at = $1 \
                         WHERE grant_id = $2 AND revoked_at IS NULL",
                    ] {
                        sqlx::query(sql)
                            .bind(now.0)
                            .bind(id)
                            .execute(&mut *conn)
                            .await
                            .map_err(backend)?;
                    }
                    Ok(done.rows_affected() > 0)
                }

                async fn insert_code_in(
                    conn: &mut <$db as sqlx::Database>::Connection,
                    code: &AuthCode,
                ) -> StoreResult<()> {
                    sqlx::query(&format!(
                        "INSERT INTO auth_codes ({CODE_COLUMNS}) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                    ))
                    .bind(code.hash.as_str())
                    .bind(code.grant_id.as_str())
                    .bind(code.client_id.as_str())
                    .bind(code.user_id.as_str())
                    .bind(&code.redirect_uri)
                    .bind(rows::scopes_json(&code.scopes)?)
                    .bind(&code.nonce)
                    .bind(&code.code_challenge)
                    .bind(code.auth_time.0)
                    .bind(code.created_at.0)
                    .bind(code.expires_at.0)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| {
                        error::write(
                            e,
                            |_| format!("a code of grant {} collides", code.grant_id),
                            || format!("grant {}", code.grant_id),
                        )
                    })?;
                    Ok(())
                }

                /// Lock the grant of the code or refresh token `hash` in `table`, on
                /// PostgreSQL: the grant first (the module doc's lock order). SQLite needs
                /// no lock of its own: the group commit's `BEGIN IMMEDIATE` already holds
                /// the database's one write lock, and each statement saved is one trip to
                /// SQLite's thread on the hot path.
                async fn lock_grant_of(
                    conn: &mut <$db as sqlx::Database>::Connection,
                    table: &'static str,
                    hash: &str,
                ) -> StoreResult<()> {
                    if Self::FOR_UPDATE.is_empty() {
                        return Ok(());
                    }
                    sqlx::query(&format!(
                        "SELECT id FROM grants WHERE id = \
                         (SELECT grant_id FROM {table} WHERE hash = $1){}",
                        Self::FOR_UPDATE
                    ))
                    .bind(hash)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(backend)?;
                    Ok(())
                }

                async fn redeem_code_in(
                    conn: &mut <$db as sqlx::Database>::Connection,
                    hash: &TokenHash,
                    now: Timestamp,
                    refresh: Option<&RefreshToken>,
                ) -> StoreResult<CodeRedemption> {
                    let hash = hash.as_str();
                    // Held until commit (PostgreSQL): a revocation of the grant either waits
                    // for this redemption and then kills the refresh token inserted here, or
                    // runs first and has consumed the code, which then reads as
                    // `AlreadyUsed` below.
                    Self::lock_grant_of(&mut *conn, "auth_codes", hash).await?;
                    // One statement: the row lock (PostgreSQL) or the write lock (SQLite)
                    // lets exactly one caller see `consumed_at IS NULL`. `fetch_all` runs
                    // the statement to completion; the hash is the key, so one row at most.
                    let mut won = sqlx::query_as::<_, rows::CodeRow>(&format!(
                        "UPDATE auth_codes SET consumed_at = $1 \
                         WHERE hash = $2 AND consumed_at IS NULL RETURNING {CODE_COLUMNS}"
                    ))
                    .bind(now.0)
                    .bind(hash)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(backend)?;
                    let Some(row) = won.pop() else {
                        let seen = sqlx::query_as::<_, rows::CodeRow>(&format!(
                            "SELECT {CODE_COLUMNS} FROM auth_codes WHERE hash = $1"
                        ))
                        .bind(hash)
                        .fetch_optional(&mut *conn)
                        .await
                        .map_err(backend)?;
                        return Ok(match seen {
                            Some(seen) => CodeRedemption::AlreadyUsed(rows::code(seen)?),
                            None => CodeRedemption::Unknown,
                        });
                    };
                    let code = rows::code(row)?;
                    if let Some(rt) = refresh {
                        if rt.grant_id != code.grant_id {
                            return Err(StoreError::Conflict(format!(
                                "a code of grant {} cannot start a refresh token of grant {}",
                                code.grant_id, rt.grant_id
                            )));
                        }
                        Self::insert_refresh_with(&mut *conn, rt).await?;
                    }
                    Self::mark_grant_used(&mut *conn, code.grant_id.as_str(), now).await?;
                    Ok(CodeRedemption::Redeemed(code))
                }

                /// `new` must belong to the old token's grant (`Conflict` otherwise), so
                /// rotation cannot move a token out of reach of its grant's revocation.
                async fn rotate_refresh_token_in(
                    conn: &mut <$db as sqlx::Database>::Connection,
                    old_hash: &TokenHash,
                    new: &RefreshToken,
                    now: Timestamp,
                ) -> StoreResult<Rotation> {
                    let old_hash = old_hash.as_str();
                    // Held until commit (PostgreSQL): a revocation waits for this rotation
                    // and then revokes the new token too; or this waits and sees it revoked.
                    // Exclusive, because the winner also writes the grant's last use: two
                    // rotations sharing the lock would each wait for the other to let go.
                    Self::lock_grant_of(&mut *conn, "refresh_tokens", old_hash).await?;
                    // Only an unused, unrevoked, unexpired token of an unrevoked grant
                    // rotates; the row lock (PostgreSQL) or the write lock (SQLite) lets one
                    // caller at most see `used_at IS NULL`.
                    let mut rotated: Vec<String> = sqlx::query_scalar(
                        "UPDATE refresh_tokens SET used_at = $1 \
                         WHERE hash = $2 AND used_at IS NULL AND revoked_at IS NULL \
                         AND expires_at > $1 AND EXISTS (SELECT 1 FROM grants g \
                         WHERE g.id = refresh_tokens.grant_id AND g.revoked_at IS NULL) \
                         RETURNING grant_id",
                    )
                    .bind(now.0)
                    .bind(old_hash)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(backend)?;
                    if let Some(grant_id) = rotated.pop() {
                        if new.grant_id.as_str() != grant_id {
                            return Err(StoreError::Conflict(format!(
                                "a refresh token of grant {grant_id} cannot rotate into grant {}",
                                new.grant_id
                            )));
                        }
                        Self::insert_refresh_with(&mut *conn, new).await?;
                        Self::mark_grant_used(&mut *conn, &grant_id, now).await?;
                        return Ok(Rotation::Rotated);
                    }
                    // After a concurrent winner committed, this read sees its `used_at`.
                    let seen: Option<(String, Option<i64>)> = sqlx::query_as(
                        "SELECT grant_id, used_at FROM refresh_tokens WHERE hash = $1",
                    )
                    .bind(old_hash)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(backend)?;
                    Ok(match seen {
                        Some((grant_id, Some(_))) => Rotation::Reused {
                            grant_id: GrantId(grant_id),
                        },
                        _ => Rotation::Invalid,
                    })
                }

                async fn insert_session_in(
                    conn: &mut <$db as sqlx::Database>::Connection,
                    s: &Session,
                ) -> StoreResult<()> {
                    sqlx::query(&format!(
                        "INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5)"
                    ))
                    .bind(s.hash.as_str())
                    .bind(s.user_id.as_str())
                    .bind(s.auth_time.0)
                    .bind(s.created_at.0)
                    .bind(s.expires_at.0)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| {
                        error::write(
                            e,
                            |_| format!("a session of user {} collides", s.user_id),
                            || format!("user {}", s.user_id),
                        )
                    })?;
                    Ok(())
                }
            }

            #[async_trait]
            impl GrantStore for $store {
                async fn upsert_grant(
                    &self,
                    new_id: &GrantId,
                    user: &UserId,
                    client: &ClientId,
                    scopes: &[String],
                    now: Timestamp,
                ) -> StoreResult<Grant> {
                    let (new_id, user, client, scopes) = (
                        new_id.clone(),
                        user.clone(),
                        client.clone(),
                        scopes.to_vec(),
                    );
                    self.in_write(move |c| {
                        Box::pin(async move {
                            Self::upsert_grant_in(c, &new_id, &user, &client, &scopes, now).await
                        })
                    })
                    .await
                }

                async fn active_grant(
                    &self,
                    user: &UserId,
                    client: &ClientId,
                ) -> StoreResult<Option<Grant>> {
                    let clause = "user_id = $1 AND client_id = $2 AND revoked_at IS NULL";
                    let keys = [user.as_str(), client.as_str()];
                    Ok(self.grant_where(clause, &keys).await?.pop())
                }

                async fn get_grant(&self, id: &GrantId) -> StoreResult<Option<Grant>> {
                    let id = id.as_str();
                    Ok(self.grant_where("id = $1", &[id]).await?.pop())
                }

                async fn list_user_grants(&self, user: &UserId) -> StoreResult<Vec<Grant>> {
                    let clause = "user_id = $1 AND revoked_at IS NULL \
                                  ORDER BY created_at DESC, id DESC";
                    self.grant_where(clause, &[user.as_str()]).await
                }

                async fn revoke_grant(&self, id: &GrantId, now: Timestamp) -> StoreResult<bool> {
                    let id = id.clone();
                    self.in_write(move |c| {
                        Box::pin(async move { Self::revoke_grant_in(c, &id, now).await })
                    })
                    .await
                }

                async fn grant_is_active(&self, id: &GrantId) -> StoreResult<bool> {
                    let id = id.as_str();
                    let hit: Option<String> = sqlx::query_scalar(
                        "SELECT id FROM grants WHERE id = $1 AND revoked_at IS NULL",
                    )
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                    Ok(hit.is_some())
                }

                async fn touch_grant(&self, id: &GrantId, now: Timestamp) -> StoreResult<()> {
                    let id = id.as_str();
                    let mut conn = self.pool.acquire().await.map_err(backend)?;
                    let touched = Self::mark_grant_used(&mut conn, id, now).await?;
                    drop(conn);
                    if touched == 0 && self.get_grant(&GrantId(id.to_owned())).await?.is_none() {
                        return Err(StoreError::NotFound(format!("grant {id}")));
                    }
                    Ok(())
                }

                async fn insert_code(&self, code: &AuthCode) -> StoreResult<()> {
                    let code = code.clone();
                    self.in_write(move |c| {
                        Box::pin(async move { Self::insert_code_in(c, &code).await })
                    })
                    .await
                }

                async fn find_code(&self, hash: &TokenHash) -> StoreResult<Option<AuthCode>> {
                    let hash = hash.as_str();
                    let row = sqlx::query_as::<_, rows::CodeRow>(&format!(
                        "SELECT {CODE_COLUMNS} FROM auth_codes WHERE hash = $1"
                    ))
                    .bind(hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                    row.map(rows::code).transpose()
                }

                async fn redeem_code(
                    &self,
                    hash: &TokenHash,
                    now: Timestamp,
                    refresh: Option<&RefreshToken>,
                ) -> StoreResult<CodeRedemption> {
                    let (hash, refresh) = (hash.clone(), refresh.cloned());
                    self.in_write(move |c| {
                        Box::pin(async move {
                            Self::redeem_code_in(c, &hash, now, refresh.as_ref()).await
                        })
                    })
                    .await
                }

                async fn insert_refresh_token(&self, rt: &RefreshToken) -> StoreResult<()> {
                    Self::insert_refresh_with(&self.pool, rt).await
                }

                async fn find_refresh_token(
                    &self,
                    hash: &TokenHash,
                ) -> StoreResult<Option<RefreshToken>> {
                    let hash = hash.as_str();
                    let row = sqlx::query_as::<_, rows::RefreshRow>(&format!(
                        "SELECT {REFRESH_COLUMNS} FROM refresh_tokens WHERE hash = $1"
                    ))
                    .bind(hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                    row.map(rows::refresh_token).transpose()
                }

                /// `new` must belong to the old token's grant (`Conflict` otherwise), so
                /// rotation cannot move a token out of reach of its grant's revocation.
                async fn rotate_refresh_token(
                    &self,
                    old_hash: &TokenHash,
                    new: &RefreshToken,
                    now: Timestamp,
                ) -> StoreResult<Rotation> {
                    let (old_hash, new) = (old_hash.clone(), new.clone());
                    self.in_write(move |c| {
                        Box::pin(async move {
                            Self::rotate_refresh_token_in(c, &old_hash, &new, now).await
                        })
                    })
                    .await
                }
            }
        };
    };
}

pub(crate) use impl_grants;

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn union_keeps_existing_order_and_appends_new_names_once() {
        let union = union_scopes(&names(&["b", "a"]), &names(&["c", "a", "c", "d"]));
        assert_eq!(union, names(&["b", "a", "c", "d"]));
        assert_eq!(union_scopes(&[], &names(&["x", "x"])), names(&["x"]));
        assert!(union_scopes(&[], &[]).is_empty());
    }
}
