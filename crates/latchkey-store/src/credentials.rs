//! `CredentialStore`, `KeyStore` and `Store`, written once as a macro that `sqlite.rs` and
//! `postgres.rs` each expand for their store type (see `directory.rs` for the inherent
//! methods each backend provides; revocations are in `revocations.rs`). Every multi-statement write is one
//! transaction; the dialect-specific locking lives in the backends' `lock_*` methods.

macro_rules! impl_credentials {
    ($store:ty, $db:ty, $backend:literal) => {
        const _: () = {
            use async_trait::async_trait;
            use latchkey_core::clock::Timestamp;
            use latchkey_core::ids::{ClientId, ProjectId, UserId};
            use latchkey_core::keys::StoredKey;
            use latchkey_core::model::{Credential, Membership, OrgRole, SecretRecord, User};
            use latchkey_core::store::{
                CredentialStore, KeyStore, Store, StoreError, StoreResult,
            };
            use $crate::error::{self, backend, position};
            use $crate::rows;

            const CREDENTIAL_COLUMNS: &str = "c.client_id, c.org_id, c.project_id, c.kind, \
                c.name, c.technical_account_id, c.disabled, c.created_at";
            const KEY_COLUMNS: &str = rows::KeyRow::COLUMNS;

            impl $store {
                /// Revoke every access token of `principal` created until `now` (see the
                /// `token_cutoffs` migration); a later cutoff replaces an earlier one.
                pub(crate) async fn set_token_cutoff<'e, E>(
                    ex: E,
                    principal: &str,
                    now: Timestamp,
                ) -> StoreResult<()>
                where
                    E: sqlx::Executor<'e, Database = $db>,
                {
                    sqlx::query(
                        "INSERT INTO token_cutoffs (principal, revoked_before) VALUES ($1, $2) \
                         ON CONFLICT (principal) DO UPDATE SET revoked_before = \
                         CASE WHEN excluded.revoked_before > token_cutoffs.revoked_before \
                         THEN excluded.revoked_before ELSE token_cutoffs.revoked_before END",
                    )
                    .bind(principal)
                    .bind(now.0)
                    .execute(ex)
                    .await
                    .map_err(backend)?;
                    Ok(())
                }

                /// Writes `uris` as the credential's redirect URIs, in order, inside `tx`.
                async fn insert_redirect_uris(
                    tx: &mut sqlx::Transaction<'static, $db>,
                    client_id: &ClientId,
                    uris: &[String],
                ) -> StoreResult<()> {
                    for (i, uri) in uris.iter().enumerate() {
                        sqlx::query(
                            "INSERT INTO credential_redirect_uris (client_id, position, uri) \
                             VALUES ($1, $2, $3)",
                        )
                        .bind(client_id.as_str())
                        .bind(position(i)?)
                        .bind(uri)
                        .execute(&mut **tx)
                        .await
                        .map_err(backend)?;
                    }
                    Ok(())
                }

                async fn insert_secret_with<'e, E>(ex: E, rec: &SecretRecord) -> StoreResult<()>
                where
                    E: sqlx::Executor<'e, Database = $db>,
                {
                    sqlx::query(
                        "INSERT INTO client_secrets (id, client_id, secret_hash, created_at) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(&rec.id)
                    .bind(rec.client_id.as_str())
                    .bind(&rec.hash.0[..])
                    .bind(rec.created_at.0)
                    .execute(ex)
                    .await
                    .map_err(|e| {
                        error::write(
                            e,
                            |_| {
                                format!(
                                    "secret {} of credential {} already exists",
                                    rec.id, rec.client_id
                                )
                            },
                            || format!("credential {}", rec.client_id),
                        )
                    })?;
                    Ok(())
                }

                /// Credentials whose `column` (`client_id` or `project_id`) equals `key`,
                /// oldest first, with their redirect URIs. The two reads are not one
                /// snapshot: `update_credential` replaces a credential's URI set in one
                /// transaction, so the second read returns a whole committed set, though
                /// possibly one newer than the row the first read returned.
                async fn load_credentials(
                    &self,
                    column: &'static str,
                    key: &str,
                ) -> StoreResult<Vec<Credential>> {
                    // One snapshot (REPEATABLE READ on PostgreSQL, a read transaction on
                    // SQLite's WAL) for both reads, so a credential row is never paired
                    // with a redirect-URI list written after it.
                    let mut tx = self.begin_read().await?;
                    let creds = sqlx::query_as::<_, rows::CredentialRow>(&format!(
                        "SELECT {CREDENTIAL_COLUMNS} FROM credentials c WHERE c.{column} = $1 \
                         ORDER BY c.created_at, c.client_id"
                    ))
                    .bind(key)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(backend)?;
                    if creds.is_empty() {
                        return Ok(Vec::new());
                    }
                    let uris = sqlx::query_as::<_, rows::RedirectRow>(&format!(
                        "SELECT r.client_id, r.uri FROM credential_redirect_uris r \
                         JOIN credentials c ON c.client_id = r.client_id WHERE c.{column} = $1 \
                         ORDER BY r.client_id, r.position"
                    ))
                    .bind(key)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(backend)?;
                    tx.commit().await.map_err(backend)?;
                    rows::credentials(creds, uris)
                }

                async fn insert_key_with<'e, E>(ex: E, key: &StoredKey) -> StoreResult<()>
                where
                    E: sqlx::Executor<'e, Database = $db>,
                {
                    sqlx::query(&format!(
                        "INSERT INTO signing_keys ({KEY_COLUMNS}) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                    ))
                    .bind(&key.kid)
                    .bind(key.alg.as_str())
                    .bind(&key.private_sealed)
                    .bind(&key.public_jwk)
                    .bind(key.created_at.0)
                    .bind(key.activate_at.0)
                    .bind(key.retire_at.map(|t| t.0))
                    .bind(key.expire_at.map(|t| t.0))
                    .execute(ex)
                    .await
                    .map_err(|e| {
                        error::write(e, |_| format!("signing key {} already exists", key.kid), || {
                            "referenced row".into()
                        })
                    })?;
                    Ok(())
                }
            }

            #[async_trait]
            impl CredentialStore for $store {
                async fn insert_credential(
                    &self,
                    cred: &Credential,
                    technical_account: Option<&User>,
                    secret: Option<&SecretRecord>,
                ) -> StoreResult<()> {
                    if secret.is_some_and(|s| s.client_id != cred.client_id) {
                        return Err(StoreError::Conflict(format!(
                            "the first secret of credential {} names another credential",
                            cred.client_id
                        )));
                    }
                    let mut tx = self.begin_write().await?;
                    if let Some(user) = technical_account {
                        Self::insert_user_with(&mut *tx, user).await?;
                        let m = Membership {
                            org_id: cred.org_id.clone(),
                            user_id: user.id.clone(),
                            role: OrgRole::User,
                        };
                        Self::set_membership_with(&mut *tx, &m).await?;
                    }
                    sqlx::query(
                        "INSERT INTO credentials (client_id, org_id, project_id, kind, name, \
                         technical_account_id, disabled, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(cred.client_id.as_str())
                    .bind(cred.org_id.as_str())
                    .bind(cred.project_id.as_str())
                    .bind(cred.kind.as_str())
                    .bind(&cred.name)
                    .bind(cred.technical_account.as_ref().map(UserId::as_str))
                    .bind(cred.disabled)
                    .bind(cred.created_at.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| {
                        error::write(
                            e,
                            |_| format!("credential {} already exists", cred.client_id),
                            || {
                                format!(
                                    "org {}, project {} or technical account of credential {}",
                                    cred.org_id, cred.project_id, cred.client_id
                                )
                            },
                        )
                    })?;
                    Self::insert_redirect_uris(&mut tx, &cred.client_id, &cred.redirect_uris)
                        .await?;
                    if let Some(rec) = secret {
                        Self::insert_secret_with(&mut *tx, rec).await?;
                    }
                    self.commit_audited(tx).await
                }

                async fn get_credential(
                    &self,
                    client_id: &ClientId,
                ) -> StoreResult<Option<Credential>> {
                    Ok(self.load_credentials("client_id", client_id.as_str()).await?.pop())
                }

                async fn set_credential_disabled(
                    &self,
                    client_id: &ClientId,
                    disabled: bool,
                    now: Timestamp,
                ) -> StoreResult<bool> {
                    let mut tx = self.begin_write().await?;
                    let done = sqlx::query("UPDATE credentials SET disabled = $1 WHERE client_id = $2")
                        .bind(disabled)
                        .bind(client_id.as_str())
                        .execute(&mut *tx)
                        .await
                        .map_err(backend)?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                    if disabled {
                        Self::set_token_cutoff(&mut *tx, &format!("client:{client_id}"), now)
                            .await?;
                        for sql in [
                            "UPDATE grants SET revoked_at = $1 \
                             WHERE client_id = $2 AND revoked_at IS NULL",
                            "UPDATE auth_codes SET consumed_at = $1 \
                             WHERE client_id = $2 AND consumed_at IS NULL",
                            "UPDATE refresh_tokens SET revoked_at = $1 \
                             WHERE client_id = $2 AND revoked_at IS NULL",
                        ] {
                            sqlx::query(sql)
                                .bind(now.0)
                                .bind(client_id.as_str())
                                .execute(&mut *tx)
                                .await
                                .map_err(backend)?;
                        }
                    }
                    self.commit_audited(tx).await?;
                    Ok(true)
                }

                async fn list_credentials(
                    &self,
                    project: &ProjectId,
                ) -> StoreResult<Vec<Credential>> {
                    self.load_credentials("project_id", project.as_str()).await
                }

                async fn delete_credential(
                    &self,
                    client_id: &ClientId,
                    now: Timestamp,
                ) -> StoreResult<bool> {
                    let mut tx = self.begin_write().await?;
                    if !Self::lock_credential(&mut tx, client_id.as_str()).await? {
                        tx.rollback().await.map_err(backend)?;
                        return Ok(false);
                    }
                    let tech: Option<String> = sqlx::query_scalar(
                        "SELECT technical_account_id FROM credentials WHERE client_id = $1",
                    )
                    .bind(client_id.as_str())
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(backend)?;
                    Self::set_token_cutoff(&mut *tx, &format!("client:{client_id}"), now).await?;
                    if let Some(tech) = &tech {
                        Self::set_token_cutoff(&mut *tx, &format!("user:{tech}"), now).await?;
                        for sql in [
                            "UPDATE users SET disabled = TRUE WHERE id = $1",
                            "DELETE FROM profile_members WHERE user_id = $1",
                            "DELETE FROM product_users WHERE user_id = $1",
                            "DELETE FROM org_members WHERE user_id = $1",
                        ] {
                            sqlx::query(sql)
                                .bind(tech)
                                .execute(&mut *tx)
                                .await
                                .map_err(backend)?;
                        }
                    }
                    // Grants (and through them codes and refresh tokens), secrets,
                    // certificates and redirect URIs go with the row (ON DELETE CASCADE).
                    sqlx::query("DELETE FROM credentials WHERE client_id = $1")
                        .bind(client_id.as_str())
                        .execute(&mut *tx)
                        .await
                        .map_err(backend)?;
                    self.commit_audited(tx).await?;
                    Ok(true)
                }

                async fn update_credential(
                    &self,
                    client_id: &ClientId,
                    name: Option<&str>,
                    redirect_uris: Option<&[String]>,
                ) -> StoreResult<bool> {
                    let mut tx = self.begin_write().await?;
                    if !Self::lock_credential(&mut tx, client_id.as_str()).await? {
                        tx.rollback().await.map_err(backend)?;
                        return Ok(false);
                    }
                    if let Some(name) = name {
                        sqlx::query("UPDATE credentials SET name = $1 WHERE client_id = $2")
                            .bind(name)
                            .bind(client_id.as_str())
                            .execute(&mut *tx)
                            .await
                            .map_err(backend)?;
                    }
                    if let Some(uris) = redirect_uris {
                        sqlx::query("DELETE FROM credential_redirect_uris WHERE client_id = $1")
                            .bind(client_id.as_str())
                            .execute(&mut *tx)
                            .await
                            .map_err(backend)?;
                        Self::insert_redirect_uris(&mut tx, client_id, uris).await?;
                    }
                    self.commit_audited(tx).await?;
                    Ok(true)
                }

                async fn active_secrets(
                    &self,
                    client_id: &ClientId,
                ) -> StoreResult<Vec<SecretRecord>> {
                    let rows = sqlx::query_as::<_, rows::SecretRow>(
                        "SELECT id, client_id, secret_hash, created_at, last_used_at FROM client_secrets \
                         WHERE client_id = $1 AND revoked_at IS NULL ORDER BY seq",
                    )
                    .bind(client_id.as_str())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                    rows.into_iter().map(rows::secret).collect()
                }

                async fn touch_secret(
                    &self,
                    client_id: &ClientId,
                    id: &str,
                    now: Timestamp,
                ) -> StoreResult<()> {
                    sqlx::query(
                        "UPDATE client_secrets SET last_used_at = $1 \
                         WHERE client_id = $2 AND id = $3 \
                         AND (last_used_at IS NULL OR last_used_at < $1)",
                    )
                    .bind(now.0)
                    .bind(client_id.as_str())
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(backend)?;
                    Ok(())
                }

                async fn add_secret(
                    &self,
                    rec: &SecretRecord,
                    max_active: usize,
                    now: Timestamp,
                ) -> StoreResult<Vec<String>> {
                    let mut tx = self.begin_write().await?;
                    if !Self::lock_credential(&mut tx, rec.client_id.as_str()).await? {
                        return Err(StoreError::NotFound(format!("credential {}", rec.client_id)));
                    }
                    Self::insert_secret_with(&mut *tx, rec).await?;
                    let active: Vec<String> = sqlx::query_scalar(
                        "SELECT id FROM client_secrets \
                         WHERE client_id = $1 AND revoked_at IS NULL ORDER BY seq",
                    )
                    .bind(rec.client_id.as_str())
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(backend)?;
                    let excess = active.len().saturating_sub(max_active);
                    let revoked: Vec<String> = active.into_iter().take(excess).collect();
                    for id in &revoked {
                        sqlx::query(
                            "UPDATE client_secrets SET revoked_at = $1 \
                             WHERE client_id = $2 AND id = $3",
                        )
                        .bind(now.0)
                        .bind(rec.client_id.as_str())
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(backend)?;
                    }
                    self.commit_audited(tx).await?;
                    Ok(revoked)
                }

                async fn revoke_secret(
                    &self,
                    client_id: &ClientId,
                    secret_id: &str,
                    now: Timestamp,
                ) -> StoreResult<bool> {
                    let mut tx = self.begin_write().await?;
                    // Held until commit: two deletions of a credential's two secrets take
                    // turns, so the second sees that only one is left.
                    if !Self::lock_credential(&mut tx, client_id.as_str()).await? {
                        tx.rollback().await.map_err(backend)?;
                        return Ok(false);
                    }
                    let active: Vec<String> = sqlx::query_scalar(
                        "SELECT id FROM client_secrets WHERE client_id = $1 AND revoked_at IS NULL",
                    )
                    .bind(client_id.as_str())
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(backend)?;
                    if !active.iter().any(|id| id == secret_id) {
                        tx.rollback().await.map_err(backend)?;
                        return Ok(false);
                    }
                    if active.len() == 1 {
                        tx.rollback().await.map_err(backend)?;
                        return Err(StoreError::Conflict(format!(
                            "secret {secret_id} is the last secret of credential {client_id}; \
                             rotate first"
                        )));
                    }
                    sqlx::query(
                        "UPDATE client_secrets SET revoked_at = $1 \
                         WHERE client_id = $2 AND id = $3 AND revoked_at IS NULL",
                    )
                    .bind(now.0)
                    .bind(client_id.as_str())
                    .bind(secret_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                    self.commit_audited(tx).await?;
                    Ok(true)
                }
            }

            #[async_trait]
            impl KeyStore for $store {
                async fn insert_initial_keys(&self, keys: &[StoredKey]) -> StoreResult<bool> {
                    if keys.is_empty() {
                        return Ok(false);
                    }
                    let mut tx = self.begin_write().await?;
                    Self::lock_keys(&mut tx).await?;
                    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signing_keys")
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(backend)?;
                    if existing > 0 {
                        tx.rollback().await.map_err(backend)?;
                        return Ok(false);
                    }
                    for key in keys {
                        Self::insert_key_with(&mut *tx, key).await?;
                    }
                    self.commit_audited(tx).await?;
                    Ok(true)
                }

                async fn insert_key(&self, key: &StoredKey) -> StoreResult<()> {
                    let mut tx = self.begin_write().await?;
                    Self::insert_key_with(&mut *tx, key).await?;
                    self.commit_audited(tx).await
                }

                async fn list_keys(&self) -> StoreResult<Vec<StoredKey>> {
                    let rows = sqlx::query_as::<_, rows::KeyRow>(&format!(
                        "SELECT {KEY_COLUMNS} FROM signing_keys ORDER BY created_at, kid"
                    ))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                    rows.into_iter().map(rows::key).collect()
                }

                async fn schedule_key_retirement(
                    &self,
                    kid: &str,
                    retire_at: Timestamp,
                    expire_at: Timestamp,
                ) -> StoreResult<()> {
                    let mut tx = self.begin_write().await?;
                    let done = sqlx::query(
                        "UPDATE signing_keys SET retire_at = $1, expire_at = $2 WHERE kid = $3",
                    )
                    .bind(retire_at.0)
                    .bind(expire_at.0)
                    .bind(kid)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound(format!("signing key {kid}")));
                    }
                    self.commit_audited(tx).await?;
                    Ok(())
                }
            }

            #[async_trait]
            impl Store for $store {
                async fn ping(&self) -> StoreResult<()> {
                    sqlx::query("SELECT 1").execute(&self.pool).await.map_err(backend)?;
                    Ok(())
                }

                fn backend(&self) -> &'static str {
                    $backend
                }

                fn group_commit_stats(
                    &self,
                ) -> Option<latchkey_core::store::GroupCommitStats> {
                    self.write_stats()
                }
            }
        };
    };
}

pub(crate) use impl_credentials;
