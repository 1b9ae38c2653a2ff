//! `AdminStore`: the Admin Console's member search, guarded role changes, invitations,
//! profile renames and deletions, and an instance's users. Written once as a macro that
//! `sqlite.rs` and `postgres.rs` each expand (see `directory.rs` for the inherent methods
//! each backend provides). The SQL is dialect-neutral.
//!
//! The last-admin rule (an org always keeps an enabled person as system admin) is checked
//! inside the writing transaction, after the org's row is locked (`FOR UPDATE`; SQLite's
//! `BEGIN IMMEDIATE` already serialises writers), so two admins demoting or disabling each
//! other at once cannot both succeed.

/// `query` as a `LIKE` pattern matching it anywhere, lower-cased, its wildcards escaped
/// (with `\`).
pub(crate) fn contains_pattern(query: &str) -> String {
    let mut p = String::with_capacity(query.len() + 2);
    p.push('%');
    for c in query.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The conflict of the last-admin rule.
pub(crate) fn last_admin(org: &str) -> latchkey_core::store::StoreError {
    latchkey_core::store::StoreError::Conflict(format!(
        "org {org} must keep at least one enabled system admin"
    ))
}

macro_rules! impl_admin {
    ($store:ty, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use latchkey_core::clock::Timestamp;
            use latchkey_core::ids::{ClientId, OrgId, ProjectId, TokenHash, UserId};
            use latchkey_core::model::{Invitation, OrgRole, User};
            use latchkey_core::products::{InstanceUser, ProductRoleKind};
            use latchkey_core::store::{AdminStore, StoreResult};
            use $crate::admin::{contains_pattern, last_admin};
            use $crate::error::{self, backend};
            use $crate::rows;

            /// A person's unused invitations to an org (`$1` the user, `$2` the org): gone
            /// when they leave it or get a new link.
            const DELETE_OPEN_INVITATIONS: &str = "DELETE FROM invitations \
                WHERE user_id = $1 AND org_id = $2 AND used_at IS NULL";

            /// The user columns prefixed with `u.`.
            fn user_columns() -> String {
                rows::UserRow::COLUMNS
                    .split(',')
                    .map(|c| format!("u.{}", c.trim()))
                    .collect::<Vec<_>>()
                    .join(", ")
            }

            impl $store {
                async fn insert_invitation_with<'e, E>(ex: E, inv: &Invitation) -> StoreResult<()>
                where
                    E: sqlx::Executor<'e, Database = $db>,
                {
                    sqlx::query(
                        "INSERT INTO invitations (hash, user_id, org_id, created_at, expires_at) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(inv.hash.as_str())
                    .bind(inv.user_id.as_str())
                    .bind(inv.org_id.as_str())
                    .bind(inv.created_at.0)
                    .bind(inv.expires_at.0)
                    .execute(ex)
                    .await
                    .map_err(|e| {
                        error::write(
                            e,
                            |_| "invitation already exists".into(),
                            || format!("org {} or user {}", inv.org_id, inv.user_id),
                        )
                    })?;
                    Ok(())
                }

                /// Lock the org's row for the rest of the transaction.
                async fn lock_org<'e, E>(ex: E, org: &str) -> StoreResult<bool>
                where
                    E: sqlx::Executor<'e, Database = $db>,
                {
                    let hit: Option<String> = sqlx::query_scalar(&format!(
                        "SELECT id FROM orgs WHERE id = $1{}",
                        Self::FOR_UPDATE
                    ))
                    .bind(org)
                    .fetch_optional(ex)
                    .await
                    .map_err(backend)?;
                    Ok(hit.is_some())
                }

                /// How many enabled people are system admins of `org`.
                async fn enabled_admins<'e, E>(ex: E, org: &str) -> StoreResult<i64>
                where
                    E: sqlx::Executor<'e, Database = $db>,
                {
                    sqlx::query_scalar(
                        "SELECT COUNT(*) FROM org_members m JOIN users u ON u.id = m.user_id \
                         WHERE m.org_id = $1 AND m.role = $2 AND u.disabled = $3 \
                         AND u.kind = $4",
                    )
                    .bind(org)
                    .bind(OrgRole::SystemAdmin.as_str())
                    .bind(false)
                    .bind(latchkey_core::model::UserKind::Person.as_str())
                    .fetch_one(ex)
                    .await
                    .map_err(backend)
                }

                /// End a change of `org`'s members made in `tx` (the org's row locked):
                /// `false` (rolled back) when it changed no row, the last-admin `Conflict`
                /// (rolled back) when the org is left without an enabled system admin,
                /// else commit with the view's audit entries. Whether it committed.
                async fn commit_member_change(
                    &self,
                    mut tx: sqlx::Transaction<'static, $db>,
                    org: &str,
                    changed: u64,
                ) -> StoreResult<bool> {
                    if changed == 0 {
                        return Ok(false);
                    }
                    if Self::enabled_admins(&mut *tx, org).await? == 0 {
                        // Dropping the transaction rolls the change back.
                        return Err(last_admin(org));
                    }
                    self.commit_audited(tx).await?;
                    Ok(true)
                }

                /// Inside a write transaction about to disable `user`: lock each org the
                /// user is a system admin of; `Conflict` if one of them would be left
                /// without an enabled system admin.
                pub(crate) async fn guard_last_admin(
                    tx: &mut sqlx::Transaction<'static, $db>,
                    user: &UserId,
                ) -> StoreResult<()> {
                    let orgs: Vec<String> = sqlx::query_scalar(
                        "SELECT org_id FROM org_members WHERE user_id = $1 AND role = $2 \
                         ORDER BY org_id",
                    )
                    .bind(user.as_str())
                    .bind(OrgRole::SystemAdmin.as_str())
                    .fetch_all(&mut **tx)
                    .await
                    .map_err(backend)?;
                    for org in orgs {
                        Self::lock_org(&mut **tx, &org).await?;
                        let enabled: Option<bool> =
                            sqlx::query_scalar("SELECT disabled FROM users WHERE id = $1")
                                .bind(user.as_str())
                                .fetch_optional(&mut **tx)
                                .await
                                .map_err(backend)?;
                        // Already disabled: this changes no org's count.
                        if enabled != Some(false) {
                            continue;
                        }
                        if Self::enabled_admins(&mut **tx, &org).await? <= 1 {
                            return Err(last_admin(&org));
                        }
                    }
                    Ok(())
                }
            }

            #[async_trait]
            impl AdminStore for $store {
                async fn search_members(
                    &self,
                    org: &OrgId,
                    query: &str,
                    limit: i64,
                ) -> StoreResult<Vec<(User, OrgRole)>> {
                    let query = query.trim();
                    let pattern = contains_pattern(query);
                    let found = sqlx::query_as::<_, rows::MemberUserRow>(&format!(
                        "SELECT {}, m.role FROM org_members m JOIN users u ON u.id = m.user_id \
                         WHERE m.org_id = $1 AND ($2 = '' \
                           OR u.email_lower LIKE $3 ESCAPE '\\' \
                           OR LOWER(COALESCE(u.given_name, '') || ' ' || \
                                    COALESCE(u.family_name, '')) LIKE $3 ESCAPE '\\' \
                           OR LOWER(u.id) LIKE $3 ESCAPE '\\') \
                         ORDER BY CASE WHEN u.kind = $4 THEN 0 ELSE 1 END, u.email_lower \
                         LIMIT $5",
                        user_columns()
                    ))
                    .bind(org.as_str())
                    .bind(query)
                    .bind(&pattern)
                    .bind(latchkey_core::model::UserKind::Person.as_str())
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                    found.into_iter().map(rows::member_user).collect()
                }

                async fn change_role(
                    &self,
                    org: &OrgId,
                    user: &UserId,
                    role: OrgRole,
                ) -> StoreResult<bool> {
                    let mut tx = self.begin_write().await?;
                    if !Self::lock_org(&mut *tx, org.as_str()).await? {
                        return Ok(false);
                    }
                    let done = sqlx::query(
                        "UPDATE org_members SET role = $1 WHERE org_id = $2 AND user_id = $3",
                    )
                    .bind(role.as_str())
                    .bind(org.as_str())
                    .bind(user.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                    self.commit_member_change(tx, org.as_str(), done.rows_affected())
                        .await
                }

                async fn remove_member(&self, org: &OrgId, user: &UserId) -> StoreResult<bool> {
                    let mut tx = self.begin_write().await?;
                    if !Self::lock_org(&mut *tx, org.as_str()).await? {
                        return Ok(false);
                    }
                    for sql in [
                        "DELETE FROM profile_members WHERE user_id = $1 AND profile_id IN \
                         (SELECT p.id FROM product_profiles p JOIN product_instances i \
                          ON i.id = p.instance_id WHERE i.org_id = $2)",
                        "DELETE FROM product_users WHERE user_id = $1 AND instance_id IN \
                         (SELECT id FROM product_instances WHERE org_id = $2)",
                        DELETE_OPEN_INVITATIONS,
                    ] {
                        sqlx::query(sql)
                            .bind(user.as_str())
                            .bind(org.as_str())
                            .execute(&mut *tx)
                            .await
                            .map_err(backend)?;
                    }
                    let done =
                        sqlx::query("DELETE FROM org_members WHERE org_id = $1 AND user_id = $2")
                            .bind(org.as_str())
                            .bind(user.as_str())
                            .execute(&mut *tx)
                            .await
                            .map_err(backend)?;
                    // Not a member: the deletions above are rolled back with the rest.
                    self.commit_member_change(tx, org.as_str(), done.rows_affected())
                        .await
                }

                async fn insert_member_user(
                    &self,
                    user: &User,
                    m: &latchkey_core::model::Membership,
                ) -> StoreResult<()> {
                    let mut tx = self.begin_write().await?;
                    Self::insert_user_with(&mut *tx, user).await?;
                    Self::set_membership_with(&mut *tx, m).await?;
                    self.commit_audited(tx).await
                }

                async fn insert_invited_user(
                    &self,
                    user: &User,
                    role: OrgRole,
                    inv: &Invitation,
                ) -> StoreResult<()> {
                    let mut tx = self.begin_write().await?;
                    Self::insert_user_with(&mut *tx, user).await?;
                    Self::set_membership_with(
                        &mut *tx,
                        &latchkey_core::model::Membership {
                            org_id: inv.org_id.clone(),
                            user_id: user.id.clone(),
                            role,
                        },
                    )
                    .await?;
                    Self::insert_invitation_with(&mut *tx, inv).await?;
                    self.commit_audited(tx).await
                }

                async fn get_invitation(
                    &self,
                    hash: &TokenHash,
                    now: Timestamp,
                ) -> StoreResult<Option<Invitation>> {
                    let row: Option<(String, String, String, i64, i64)> = sqlx::query_as(
                        "SELECT hash, user_id, org_id, created_at, expires_at FROM invitations \
                         WHERE hash = $1 AND used_at IS NULL AND expires_at > $2",
                    )
                    .bind(hash.as_str())
                    .bind(now.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                    Ok(row.map(|(hash, user, org, created, expires)| Invitation {
                        hash: TokenHash(hash),
                        user_id: UserId(user),
                        org_id: OrgId(org),
                        created_at: Timestamp(created),
                        expires_at: Timestamp(expires),
                    }))
                }

                async fn invite_member(
                    &self,
                    m: &latchkey_core::model::Membership,
                    inv: &Invitation,
                ) -> StoreResult<()> {
                    let mut tx = self.begin_write().await?;
                    Self::set_membership_with(&mut *tx, m).await?;
                    sqlx::query(DELETE_OPEN_INVITATIONS)
                        .bind(inv.user_id.as_str())
                        .bind(inv.org_id.as_str())
                        .execute(&mut *tx)
                        .await
                        .map_err(backend)?;
                    Self::insert_invitation_with(&mut *tx, inv).await?;
                    self.commit_audited(tx).await
                }

                async fn accept_invitation(
                    &self,
                    hash: &TokenHash,
                    password_hash: &str,
                    now: Timestamp,
                ) -> StoreResult<Option<UserId>> {
                    let mut tx = self.begin_write().await?;
                    // The conditional update is the atomic "first use wins".
                    let user: Option<String> = sqlx::query_scalar(
                        "UPDATE invitations SET used_at = $1 \
                         WHERE hash = $2 AND used_at IS NULL AND expires_at > $3 \
                         RETURNING user_id",
                    )
                    .bind(now.0)
                    .bind(hash.as_str())
                    .bind(now.0)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(backend)?;
                    let Some(user) = user else {
                        return Ok(None);
                    };
                    let done = sqlx::query(
                        "UPDATE users SET password_hash = $1 \
                         WHERE id = $2 AND disabled = $3 AND password_hash IS NULL",
                    )
                    .bind(password_hash)
                    .bind(&user)
                    .bind(false)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                    if done.rows_affected() == 0 {
                        return Ok(None);
                    }
                    self.commit_audited(tx).await?;
                    Ok(Some(UserId(user)))
                }

                async fn rename_profile(&self, id: &str, name: &str) -> StoreResult<bool> {
                    let mut tx = self.begin_write().await?;
                    let done = sqlx::query("UPDATE product_profiles SET name = $1 WHERE id = $2")
                        .bind(name)
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| {
                            error::write(
                                e,
                                |_| format!("the instance already has a profile named {name}"),
                                || format!("product profile {id}"),
                            )
                        })?;
                    self.commit_audited(tx).await?;
                    Ok(done.rows_affected() > 0)
                }

                async fn delete_profile(&self, id: &str) -> StoreResult<bool> {
                    let tx = self.begin_write().await?;
                    self.delete_in_order(
                        tx,
                        id,
                        &[
                            "DELETE FROM profile_members WHERE profile_id = $1",
                            "DELETE FROM product_profiles WHERE id = $1",
                        ],
                    )
                    .await
                }

                async fn instance_users(&self, instance: &str) -> StoreResult<Vec<InstanceUser>> {
                    let found = sqlx::query_as::<_, rows::InstanceUserRow>(&format!(
                        "SELECT {}, \
                         EXISTS (SELECT 1 FROM profile_members m \
                                 JOIN product_profiles p ON p.id = m.profile_id \
                                 WHERE p.instance_id = pu.instance_id \
                                 AND m.user_id = u.id AND m.is_admin = $1) AS is_admin, \
                         c.client_id AS cred_client_id, c.name AS cred_name, \
                         c.project_id AS cred_project_id \
                         FROM product_users pu JOIN users u ON u.id = pu.user_id \
                         LEFT JOIN credentials c ON c.technical_account_id = u.id \
                         WHERE pu.instance_id = $2 \
                         ORDER BY CASE WHEN u.kind = $3 THEN 0 ELSE 1 END, u.email_lower",
                        user_columns()
                    ))
                    .bind(true)
                    .bind(instance)
                    .bind(latchkey_core::model::UserKind::Person.as_str())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                    found
                        .into_iter()
                        .map(|r| {
                            let credential =
                                match (r.cred_client_id, r.cred_name, r.cred_project_id) {
                                    (Some(c), Some(n), Some(p)) => {
                                        Some((ClientId(c), n, ProjectId(p)))
                                    }
                                    _ => None,
                                };
                            Ok(InstanceUser {
                                role: if r.is_admin {
                                    ProductRoleKind::Admin
                                } else {
                                    ProductRoleKind::Contributor
                                },
                                user: rows::user(r.user)?,
                                credential,
                            })
                        })
                        .collect()
                }
            }
        };
    };
}

pub(crate) use impl_admin;

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn search_patterns_escape_like_wildcards() {
        assert_eq!(contains_pattern("TechAcct"), "%techacct%");
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
