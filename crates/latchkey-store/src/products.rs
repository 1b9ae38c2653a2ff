//! `ServiceAccountStore` and `ProductStore`, written once as a macro that `sqlite.rs` and
//! `postgres.rs` each expand for their store type (see `directory.rs` for the inherent
//! methods each backend provides). The SQL is dialect-neutral.

use latchkey_core::clock::Timestamp;
use latchkey_core::ids::{ClientId, OrgId};
use latchkey_core::products::{
    CertificateRecord, ProductInstance, ProductProfile, ProductRole, ProductRoleKind,
};
use latchkey_core::store::StoreError;

/// `client_id, id, pem, created_at, expires_at`
pub(crate) type CertificateRow = (String, String, String, i64, Option<i64>);

pub(crate) fn certificate(
    (client_id, id, pem, created_at, expires_at): CertificateRow,
) -> CertificateRecord {
    CertificateRecord {
        client_id: ClientId(client_id),
        id,
        pem,
        created_at: Timestamp(created_at),
        expires_at: expires_at.map(Timestamp),
    }
}

/// `id, org_id, product, name, created_at`
pub(crate) type InstanceRow = (String, String, String, String, i64);

pub(crate) fn instance((id, org_id, product, name, created_at): InstanceRow) -> ProductInstance {
    ProductInstance {
        id,
        org_id: OrgId(org_id),
        product,
        name,
        created_at: Timestamp(created_at),
    }
}

/// `id, instance_id, name, created_at`
pub(crate) type ProfileRow = (String, String, String, i64);

pub(crate) fn profile((id, instance_id, name, created_at): ProfileRow) -> ProductProfile {
    ProductProfile {
        id,
        instance_id,
        name,
        created_at: Timestamp(created_at),
    }
}

/// `org_id, product, instance_id, instance_name, is_admin`
pub(crate) type RoleRow = (String, String, String, String, bool);

pub(crate) fn role((org_id, product, instance_id, instance_name, admin): RoleRow) -> ProductRole {
    ProductRole {
        org_id: OrgId(org_id),
        product,
        instance_id,
        instance_name,
        role: if admin {
            ProductRoleKind::Admin
        } else {
            ProductRoleKind::Contributor
        },
    }
}

/// A missing org, as `NotFound`.
pub(crate) fn no_org(org: &OrgId) -> StoreError {
    StoreError::NotFound(format!("org {org}"))
}

macro_rules! impl_products {
    ($store:ty, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use latchkey_core::clock::Timestamp;
            use latchkey_core::ids::{ClientId, Jti, OrgId, UserId};
            use latchkey_core::model::CredentialKind;
            use latchkey_core::products::{
                CertificateRecord, ProductInstance, ProductProfile, ProductRole, ProfileMember,
            };
            use latchkey_core::store::{ProductStore, ServiceAccountStore, StoreResult};
            use $crate::error::{self, backend};
            use $crate::products as rows;

            impl $store {
                async fn add_product_user_with<'e, E>(
                    ex: E,
                    instance: &str,
                    user: &UserId,
                    now: Timestamp,
                ) -> StoreResult<()>
                where
                    E: sqlx::Executor<'e, Database = $db>,
                {
                    sqlx::query(
                        "INSERT INTO product_users (instance_id, user_id, created_at) \
                         VALUES ($1, $2, $3) ON CONFLICT (instance_id, user_id) DO NOTHING",
                    )
                    .bind(instance)
                    .bind(user.as_str())
                    .bind(now.0)
                    .execute(ex)
                    .await
                    .map_err(|e| {
                        error::write(e, |c| c.to_owned(), || {
                            format!("product instance {instance} or user {user}")
                        })
                    })?;
                    Ok(())
                }
            }

            #[async_trait]
            impl ServiceAccountStore for $store {
                async fn record_assertion_jti(
                    &self,
                    client_id: &ClientId,
                    jti: &Jti,
                    expires_at: Timestamp,
                    now: Timestamp,
                ) -> StoreResult<bool> {
                    let jti = jti.as_str();
                    let mut tx = self.begin_write().await?;
                    // Only this row: purging others here would make concurrent calls
                    // lock rows in different orders (see `purge_assertion_jtis`).
                    sqlx::query(
                        "DELETE FROM assertion_jtis \
                         WHERE client_id = $1 AND jti = $2 AND expires_at <= $3",
                    )
                    .bind(client_id.as_str())
                    .bind(jti)
                    .bind(now.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                    // The primary key makes the insert the atomic "first use wins".
                    let done = sqlx::query(
                        "INSERT INTO assertion_jtis (client_id, jti, expires_at) \
                         VALUES ($1, $2, $3) ON CONFLICT (client_id, jti) DO NOTHING",
                    )
                    .bind(client_id.as_str())
                    .bind(jti)
                    .bind(expires_at.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                    self.commit_audited(tx).await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn purge_assertion_jtis(&self, now: Timestamp) -> StoreResult<u64> {
                    let done = sqlx::query("DELETE FROM assertion_jtis WHERE expires_at <= $1")
                        .bind(now.0)
                        .execute(&self.pool)
                        .await
                        .map_err(backend)?;
                    Ok(done.rows_affected())
                }

                async fn insert_certificate(&self, cert: &CertificateRecord) -> StoreResult<()> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query(
                        "INSERT INTO credential_certificates \
                         (client_id, id, pem, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(cert.client_id.as_str())
                    .bind(&cert.id)
                    .bind(&cert.pem)
                    .bind(cert.created_at.0)
                    .bind(cert.expires_at.map(|t| t.0))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| {
                        error::write(
                            e,
                            |_| format!("certificate {} already exists", cert.id),
                            || format!("credential {}", cert.client_id),
                        )
                    })?;
                    self.commit_audited(tx).await?;
                    Ok(())
                }

                async fn list_certificates(
                    &self,
                    client_id: &ClientId,
                ) -> StoreResult<Vec<CertificateRecord>> {
                    let found = sqlx::query_as::<_, rows::CertificateRow>(
                        "SELECT client_id, id, pem, created_at, expires_at \
                         FROM credential_certificates WHERE client_id = $1 \
                         ORDER BY created_at, id",
                    )
                    .bind(client_id.as_str())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                    Ok(found.into_iter().map(rows::certificate).collect())
                }

                async fn set_certificate_expiry(
                    &self,
                    client_id: &ClientId,
                    id: &str,
                    expires_at: Timestamp,
                ) -> StoreResult<bool> {
                    let mut tx = self.begin_write().await?;
                    let done = sqlx::query(
                        "UPDATE credential_certificates SET expires_at = $1 \
                         WHERE client_id = $2 AND id = $3",
                    )
                    .bind(expires_at.0)
                    .bind(client_id.as_str())
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                    self.commit_audited(tx).await?;
                    Ok(done.rows_affected() > 0)
                }

                async fn delete_certificate(
                    &self,
                    client_id: &ClientId,
                    id: &str,
                ) -> StoreResult<bool> {
                    let mut tx = self.begin_write().await?;
                    let done = sqlx::query(
                        "DELETE FROM credential_certificates WHERE client_id = $1 AND id = $2",
                    )
                    .bind(client_id.as_str())
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                    self.commit_audited(tx).await?;
                    Ok(done.rows_affected() > 0)
                }

                async fn change_credential_kind(
                    &self,
                    client_id: &ClientId,
                    from: CredentialKind,
                    to: CredentialKind,
                ) -> StoreResult<bool> {
                    let mut tx = self.begin_write().await?;
                    let done = sqlx::query(
                        "UPDATE credentials SET kind = $1 WHERE client_id = $2 AND kind = $3",
                    )
                    .bind(to.as_str())
                    .bind(client_id.as_str())
                    .bind(from.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                    self.commit_audited(tx).await?;
                    Ok(done.rows_affected() > 0)
                }
            }

            #[async_trait]
            impl ProductStore for $store {
                async fn developers_may_manage_credentials(&self, org: &OrgId) -> StoreResult<bool> {
                    let v: Option<bool> = sqlx::query_scalar(
                        "SELECT developers_manage_credentials FROM orgs WHERE id = $1",
                    )
                    .bind(org.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                    v.ok_or_else(|| rows::no_org(org))
                }

                async fn set_developers_may_manage_credentials(
                    &self,
                    org: &OrgId,
                    allowed: bool,
                ) -> StoreResult<()> {
                    let done = sqlx::query(
                        "UPDATE orgs SET developers_manage_credentials = $1 WHERE id = $2",
                    )
                    .bind(allowed)
                    .bind(org.as_str())
                    .execute(&self.pool)
                    .await
                    .map_err(backend)?;
                    if done.rows_affected() == 0 {
                        return Err(rows::no_org(org));
                    }
                    Ok(())
                }

                async fn ensure_product(&self, name: &str, now: Timestamp) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO products (name, created_at) VALUES ($1, $2) \
                         ON CONFLICT (name) DO NOTHING",
                    )
                    .bind(name)
                    .bind(now.0)
                    .execute(&self.pool)
                    .await
                    .map_err(backend)?;
                    Ok(())
                }

                async fn list_products(&self) -> StoreResult<Vec<String>> {
                    sqlx::query_scalar("SELECT name FROM products ORDER BY name")
                        .fetch_all(&self.pool)
                        .await
                        .map_err(backend)
                }

                async fn insert_instance(&self, i: &ProductInstance) -> StoreResult<()> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query(
                        "INSERT INTO product_instances (id, org_id, product, name, created_at) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&i.id)
                    .bind(i.org_id.as_str())
                    .bind(&i.product)
                    .bind(&i.name)
                    .bind(i.created_at.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| {
                        error::write(
                            e,
                            |_| format!("org {} already has a {} instance named {}", i.org_id, i.product, i.name),
                            || format!("org {} or product {}", i.org_id, i.product),
                        )
                    })?;
                    self.commit_audited(tx).await?;
                    Ok(())
                }

                async fn get_instance(&self, id: &str) -> StoreResult<Option<ProductInstance>> {
                    let row = sqlx::query_as::<_, rows::InstanceRow>(
                        "SELECT id, org_id, product, name, created_at FROM product_instances \
                         WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                    Ok(row.map(rows::instance))
                }

                async fn list_instances(&self, org: &OrgId) -> StoreResult<Vec<ProductInstance>> {
                    let found = sqlx::query_as::<_, rows::InstanceRow>(
                        "SELECT id, org_id, product, name, created_at FROM product_instances \
                         WHERE org_id = $1 ORDER BY created_at, id",
                    )
                    .bind(org.as_str())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                    Ok(found.into_iter().map(rows::instance).collect())
                }

                async fn insert_profile(&self, p: &ProductProfile) -> StoreResult<()> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query(
                        "INSERT INTO product_profiles (id, instance_id, name, created_at) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(&p.id)
                    .bind(&p.instance_id)
                    .bind(&p.name)
                    .bind(p.created_at.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| {
                        error::write(
                            e,
                            |_| format!("the instance already has a profile named {}", p.name),
                            || format!("product instance {}", p.instance_id),
                        )
                    })?;
                    self.commit_audited(tx).await?;
                    Ok(())
                }

                async fn get_profile(&self, id: &str) -> StoreResult<Option<ProductProfile>> {
                    let row = sqlx::query_as::<_, rows::ProfileRow>(
                        "SELECT id, instance_id, name, created_at FROM product_profiles \
                         WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                    Ok(row.map(rows::profile))
                }

                async fn list_profiles(&self, instance: &str) -> StoreResult<Vec<ProductProfile>> {
                    let found = sqlx::query_as::<_, rows::ProfileRow>(
                        "SELECT id, instance_id, name, created_at FROM product_profiles \
                         WHERE instance_id = $1 ORDER BY created_at, id",
                    )
                    .bind(instance)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                    Ok(found.into_iter().map(rows::profile).collect())
                }

                async fn set_profile_member(
                    &self,
                    profile: &str,
                    user: &UserId,
                    is_admin: bool,
                    now: Timestamp,
                ) -> StoreResult<()> {
                    let mut tx = self.begin_write().await?;
                    let instance: Option<String> = sqlx::query_scalar(
                        "SELECT instance_id FROM product_profiles WHERE id = $1",
                    )
                    .bind(profile)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(backend)?;
                    let Some(instance) = instance else {
                        return Err(latchkey_core::store::StoreError::NotFound(format!(
                            "product profile {profile}"
                        )));
                    };
                    sqlx::query(
                        "INSERT INTO profile_members (profile_id, user_id, is_admin, created_at) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT (profile_id, user_id) \
                         DO UPDATE SET is_admin = excluded.is_admin",
                    )
                    .bind(profile)
                    .bind(user.as_str())
                    .bind(is_admin)
                    .bind(now.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| error::write(e, |c| c.to_owned(), || format!("user {user}")))?;
                    Self::add_product_user_with(&mut *tx, &instance, user, now).await?;
                    self.commit_audited(tx).await
                }

                async fn remove_profile_member(
                    &self,
                    profile: &str,
                    user: &UserId,
                ) -> StoreResult<bool> {
                    let mut tx = self.begin_write().await?;
                    let done = sqlx::query(
                        "DELETE FROM profile_members WHERE profile_id = $1 AND user_id = $2",
                    )
                    .bind(profile)
                    .bind(user.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                    self.commit_audited(tx).await?;
                    Ok(done.rows_affected() > 0)
                }

                async fn profile_members(&self, profile: &str) -> StoreResult<Vec<ProfileMember>> {
                    let found: Vec<(String, bool)> = sqlx::query_as(
                        "SELECT user_id, is_admin FROM profile_members WHERE profile_id = $1 \
                         ORDER BY created_at, user_id",
                    )
                    .bind(profile)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                    Ok(found
                        .into_iter()
                        .map(|(u, is_admin)| ProfileMember {
                            user_id: UserId(u),
                            is_admin,
                        })
                        .collect())
                }

                async fn add_product_user(
                    &self,
                    instance: &str,
                    user: &UserId,
                    now: Timestamp,
                ) -> StoreResult<()> {
                    Self::add_product_user_with(&self.pool, instance, user, now).await
                }

                async fn product_roles(&self, user: &UserId) -> StoreResult<Vec<ProductRole>> {
                    let found = sqlx::query_as::<_, rows::RoleRow>(
                        "SELECT i.org_id, i.product, i.id, i.name, \
                         EXISTS (SELECT 1 FROM profile_members m \
                                 JOIN product_profiles p ON p.id = m.profile_id \
                                 WHERE p.instance_id = i.id AND m.user_id = $1 \
                                 AND m.is_admin = $2) \
                         FROM product_instances i \
                         JOIN product_users u ON u.instance_id = i.id \
                         WHERE u.user_id = $3 \
                         ORDER BY i.org_id, i.product, i.created_at, i.id",
                    )
                    .bind(user.as_str())
                    .bind(true)
                    .bind(user.as_str())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                    Ok(found.into_iter().map(rows::role).collect())
                }
            }
        };
    };
}

pub(crate) use impl_products;
