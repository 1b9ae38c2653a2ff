//! `OrgStore`, `UserStore`, `ProjectStore` and `ApiCatalog`, written once as a macro that
//! `sqlite.rs` and `postgres.rs` each expand for their store type, so the backends cannot
//! drift apart. The SQL is dialect-neutral: both accept `$n` parameters and `ON CONFLICT`.
//!
//! A store type expanding this macro (and `impl_credentials!`, `impl_grants!`) has a `pool`
//! field and these inherent items, which hold everything dialect-specific:
//! - `begin_write`: a transaction that will write (SQLite: `BEGIN IMMEDIATE`);
//! - `begin_read`: a transaction reading one consistent snapshot;
//! - `lock_keys`: serialise `insert_initial_keys` across nodes;
//! - `lock_credential`: serialise secret rotation of one credential; `false` if absent;
//! - `FOR_UPDATE`: the row-lock clause ending a `SELECT` inside `begin_write` (SQLite:
//!   empty, as `BEGIN IMMEDIATE` already holds the database's one write lock);
//! - `in_write`: run a token-path write, durable on return (SQLite: in a group commit).

use latchkey_core::model::User;

/// Which APIs to load.
#[derive(Clone, Copy)]
pub(crate) enum ApiFilter<'a> {
    All,
    Id(&'a str),
    Project(&'a str),
}

impl<'a> ApiFilter<'a> {
    /// The `WHERE` clause over `apis a`, and its one parameter if any.
    pub(crate) fn clause(self) -> (&'static str, Option<&'a str>) {
        match self {
            ApiFilter::All => ("", None),
            ApiFilter::Id(id) => ("WHERE a.id = $1", Some(id)),
            ApiFilter::Project(p) => (
                "WHERE a.id IN (SELECT api_id FROM project_apis WHERE project_id = $1)",
                Some(p),
            ),
        }
    }
}

/// The conflict message of a user insert: the email (case-insensitively) or the id is taken.
pub(crate) fn user_conflict(user: &User) -> impl FnOnce(&str) -> String + '_ {
    move |constraint| {
        if constraint.contains("email") {
            format!("a user with email {} already exists", user.email)
        } else {
            format!("user {} already exists", user.id)
        }
    }
}

macro_rules! impl_directory {
    ($store:ty, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use latchkey_core::clock::Timestamp;
            use latchkey_core::ids::{ApiId, OrgId, ProjectId, UserId};
            use latchkey_core::model::{Api, Membership, Org, OrgRole, Project, User};
            use latchkey_core::store::{ApiCatalog, OrgStore, ProjectStore, StoreResult, UserStore};
            use $crate::directory::{ApiFilter, user_conflict};
            use $crate::error::{self, backend, position};
            use $crate::rows;

            const USER_COLUMNS: &str = rows::UserRow::COLUMNS;

            impl $store {
                async fn insert_user_with<'e, E>(ex: E, user: &User) -> StoreResult<()>
                where
                    E: sqlx::Executor<'e, Database = $db>,
                {
                    sqlx::query(&format!(
                        "INSERT INTO users (email_lower, {USER_COLUMNS}) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                    ))
                    .bind(user.email.to_lowercase())
                    .bind(user.id.as_str())
                    .bind(&user.email)
                    .bind(user.kind.as_str())
                    .bind(&user.given_name)
                    .bind(&user.family_name)
                    .bind(&user.country)
                    .bind(&user.password_hash)
                    .bind(user.disabled)
                    .bind(user.created_at.0)
                    .execute(ex)
                    .await
                    .map_err(|e| error::write(e, user_conflict(user), || "referenced row".into()))?;
                    Ok(())
                }

                async fn set_membership_with<'e, E>(ex: E, m: &Membership) -> StoreResult<()>
                where
                    E: sqlx::Executor<'e, Database = $db>,
                {
                    sqlx::query(
                        "INSERT INTO org_members (org_id, user_id, role) VALUES ($1, $2, $3) \
                         ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role",
                    )
                    .bind(m.org_id.as_str())
                    .bind(m.user_id.as_str())
                    .bind(m.role.as_str())
                    .execute(ex)
                    .await
                    .map_err(|e| {
                        error::write(e, |c| c.to_owned(), || {
                            format!("org {} or user {}", m.org_id, m.user_id)
                        })
                    })?;
                    Ok(())
                }

                /// APIs in catalog order with their scopes and metascopes, in one snapshot.
                async fn load_apis(&self, filter: ApiFilter<'_>) -> StoreResult<Vec<Api>> {
                    let (clause, key) = filter.clause();
                    let mut tx = self.begin_read().await?;
                    let sql = format!(
                        "SELECT a.id, a.name, a.product, a.description, a.auth FROM apis a \
                         {clause} ORDER BY a.seq, a.id"
                    );
                    let mut q = sqlx::query_as::<_, rows::ApiRow>(&sql);
                    if let Some(k) = key {
                        q = q.bind(k);
                    }
                    let apis = q.fetch_all(&mut *tx).await.map_err(backend)?;
                    let sql = format!(
                        "SELECT s.api_id, s.name, s.description FROM api_scopes s \
                         JOIN apis a ON a.id = s.api_id {clause} ORDER BY s.api_id, s.position"
                    );
                    let mut q = sqlx::query_as::<_, rows::ScopeRow>(&sql);
                    if let Some(k) = key {
                        q = q.bind(k);
                    }
                    let scopes = q.fetch_all(&mut *tx).await.map_err(backend)?;
                    let sql = format!(
                        "SELECT m.api_id, m.name FROM api_metascopes m \
                         JOIN apis a ON a.id = m.api_id {clause} ORDER BY m.api_id, m.position"
                    );
                    let mut q = sqlx::query_as::<_, rows::MetascopeRow>(&sql);
                    if let Some(k) = key {
                        q = q.bind(k);
                    }
                    let metascopes = q.fetch_all(&mut *tx).await.map_err(backend)?;
                    tx.commit().await.map_err(backend)?;
                    rows::apis(apis, scopes, metascopes)
                }
            }

            #[async_trait]
            impl OrgStore for $store {
                async fn insert_org(&self, org: &Org) -> StoreResult<()> {
                    sqlx::query("INSERT INTO orgs (id, name, created_at) VALUES ($1, $2, $3)")
                        .bind(org.id.as_str())
                        .bind(&org.name)
                        .bind(org.created_at.0)
                        .execute(&self.pool)
                        .await
                        .map_err(|e| {
                            error::write(e, |_| format!("org {} already exists", org.id), || {
                                "referenced row".into()
                            })
                        })?;
                    Ok(())
                }

                async fn get_org(&self, id: &OrgId) -> StoreResult<Option<Org>> {
                    let row = sqlx::query_as::<_, rows::OrgRow>(
                        "SELECT id, name, created_at FROM orgs WHERE id = $1",
                    )
                    .bind(id.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                    Ok(row.map(rows::org))
                }

                async fn list_orgs(&self) -> StoreResult<Vec<Org>> {
                    let rows = sqlx::query_as::<_, rows::OrgRow>(
                        "SELECT id, name, created_at FROM orgs ORDER BY created_at, id",
                    )
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                    Ok(rows.into_iter().map(rows::org).collect())
                }

                async fn set_membership(&self, m: &Membership) -> StoreResult<()> {
                    let mut tx = self.begin_write().await?;
                    Self::set_membership_with(&mut *tx, m).await?;
                    self.commit_audited(tx).await
                }

                async fn membership(
                    &self,
                    org: &OrgId,
                    user: &UserId,
                ) -> StoreResult<Option<Membership>> {
                    let row = sqlx::query_as::<_, rows::MemberRow>(
                        "SELECT org_id, user_id, role FROM org_members \
                         WHERE org_id = $1 AND user_id = $2",
                    )
                    .bind(org.as_str())
                    .bind(user.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                    row.map(rows::membership).transpose()
                }

                async fn user_memberships(
                    &self,
                    user: &UserId,
                ) -> StoreResult<Vec<(Org, OrgRole)>> {
                    let rows = sqlx::query_as::<_, rows::OrgRoleRow>(
                        "SELECT o.id, o.name, o.created_at, m.role FROM org_members m \
                         JOIN orgs o ON o.id = m.org_id WHERE m.user_id = $1 \
                         ORDER BY o.name, o.id",
                    )
                    .bind(user.as_str())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                    rows.into_iter().map(rows::org_role).collect()
                }
            }

            #[async_trait]
            impl UserStore for $store {
                async fn insert_user(&self, user: &User) -> StoreResult<()> {
                    let mut tx = self.begin_write().await?;
                    Self::insert_user_with(&mut *tx, user).await?;
                    self.commit_audited(tx).await
                }

                async fn get_user(&self, id: &UserId) -> StoreResult<Option<User>> {
                    let row = sqlx::query_as::<_, rows::UserRow>(&format!(
                        "SELECT {USER_COLUMNS} FROM users WHERE id = $1"
                    ))
                    .bind(id.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                    row.map(rows::user).transpose()
                }

                async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
                    let row = sqlx::query_as::<_, rows::UserRow>(&format!(
                        "SELECT {USER_COLUMNS} FROM users WHERE email_lower = $1"
                    ))
                    .bind(email.to_lowercase())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                    row.map(rows::user).transpose()
                }

                async fn update_user_security(
                    &self,
                    user: &UserId,
                    disabled: Option<bool>,
                    password_hash: Option<&str>,
                    now: Timestamp,
                ) -> StoreResult<bool> {
                    let mut tx = self.begin_write().await?;
                    if disabled == Some(true) {
                        Self::guard_last_admin(&mut tx, user).await?;
                    }
                    let done = sqlx::query(
                        "UPDATE users SET disabled = COALESCE($1, disabled), \
                         password_hash = COALESCE($2, password_hash) WHERE id = $3",
                    )
                    .bind(disabled)
                    .bind(password_hash)
                    .bind(user.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                    if disabled == Some(true) || password_hash.is_some() {
                        Self::set_token_cutoff(&mut *tx, &format!("user:{user}"), now).await?;
                        for sql in [
                            "UPDATE grants SET revoked_at = $1 \
                             WHERE user_id = $2 AND revoked_at IS NULL",
                            "UPDATE auth_codes SET consumed_at = $1 \
                             WHERE user_id = $2 AND consumed_at IS NULL",
                            "UPDATE refresh_tokens SET revoked_at = $1 \
                             WHERE user_id = $2 AND revoked_at IS NULL",
                        ] {
                            sqlx::query(sql)
                                .bind(now.0)
                                .bind(user.as_str())
                                .execute(&mut *tx)
                                .await
                                .map_err(backend)?;
                        }
                        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                            .bind(user.as_str())
                            .execute(&mut *tx)
                            .await
                            .map_err(backend)?;
                    }
                    self.commit_audited(tx).await?;
                    Ok(true)
                }
            }

            #[async_trait]
            impl ProjectStore for $store {
                async fn insert_project(&self, p: &Project) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO projects (id, org_id, name, created_at) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(p.id.as_str())
                    .bind(p.org_id.as_str())
                    .bind(&p.name)
                    .bind(p.created_at.0)
                    .execute(&self.pool)
                    .await
                    .map_err(|e| {
                        error::write(
                            e,
                            |_| format!("project {} already exists", p.id),
                            || format!("org {}", p.org_id),
                        )
                    })?;
                    Ok(())
                }

                async fn get_project(&self, id: &ProjectId) -> StoreResult<Option<Project>> {
                    let row = sqlx::query_as::<_, rows::ProjectRow>(
                        "SELECT id, org_id, name, created_at FROM projects WHERE id = $1",
                    )
                    .bind(id.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                    Ok(row.map(rows::project))
                }

                async fn list_projects(&self, org: &OrgId) -> StoreResult<Vec<Project>> {
                    let rows = sqlx::query_as::<_, rows::ProjectRow>(
                        "SELECT id, org_id, name, created_at FROM projects WHERE org_id = $1 \
                         ORDER BY created_at, id",
                    )
                    .bind(org.as_str())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                    Ok(rows.into_iter().map(rows::project).collect())
                }

                async fn rename_project(
                    &self,
                    project: &ProjectId,
                    name: &str,
                ) -> StoreResult<bool> {
                    let done = sqlx::query("UPDATE projects SET name = $1 WHERE id = $2")
                        .bind(name)
                        .bind(project.as_str())
                        .execute(&self.pool)
                        .await
                        .map_err(backend)?;
                    Ok(done.rows_affected() > 0)
                }

                async fn delete_project(&self, project: &ProjectId) -> StoreResult<bool> {
                    let mut tx = self.begin_write().await?;
                    let creds: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM credentials WHERE project_id = $1",
                    )
                    .bind(project.as_str())
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(backend)?;
                    if creds > 0 {
                        tx.rollback().await.map_err(backend)?;
                        return Err(StoreError::Conflict(format!(
                            "project {project} still has {creds} credential(s); delete them first"
                        )));
                    }
                    self.delete_in_order(
                        tx,
                        project.as_str(),
                        &[
                            "DELETE FROM project_apis WHERE project_id = $1",
                            "DELETE FROM event_deliveries WHERE subscription_id IN \
                             (SELECT id FROM event_subscriptions WHERE project_id = $1)",
                            "DELETE FROM event_subscriptions WHERE project_id = $1",
                            "DELETE FROM projects WHERE id = $1",
                        ],
                    )
                    .await
                }

                async fn add_project_api(
                    &self,
                    project: &ProjectId,
                    api: &ApiId,
                ) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO project_apis (project_id, api_id) VALUES ($1, $2) \
                         ON CONFLICT (project_id, api_id) DO NOTHING",
                    )
                    .bind(project.as_str())
                    .bind(api.as_str())
                    .execute(&self.pool)
                    .await
                    .map_err(|e| {
                        error::write(e, |c| c.to_owned(), || {
                            format!("project {project} or API {api}")
                        })
                    })?;
                    Ok(())
                }

                async fn remove_project_api(
                    &self,
                    project: &ProjectId,
                    api: &ApiId,
                ) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "DELETE FROM project_apis WHERE project_id = $1 AND api_id = $2",
                    )
                    .bind(project.as_str())
                    .bind(api.as_str())
                    .execute(&self.pool)
                    .await
                    .map_err(backend)?;
                    Ok(done.rows_affected() > 0)
                }

                async fn project_apis(&self, project: &ProjectId) -> StoreResult<Vec<Api>> {
                    self.load_apis(ApiFilter::Project(project.as_str())).await
                }
            }

            #[async_trait]
            impl latchkey_core::store::ConsoleIdStore for $store {
                async fn console_number(
                    &self,
                    kind: &str,
                    id: &str,
                    candidate: &str,
                ) -> StoreResult<String> {
                    let stored = || async {
                        sqlx::query_scalar::<_, String>(
                            "SELECT number FROM console_ids WHERE kind = $1 AND id = $2",
                        )
                        .bind(kind)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(backend)
                    };
                    if let Some(n) = stored().await? {
                        return Ok(n);
                    }
                    // Either key may collide: (kind, id) when another node just assigned
                    // one, (kind, number) when the candidate is taken.
                    sqlx::query(
                        "INSERT INTO console_ids (kind, id, number) VALUES ($1, $2, $3) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(kind)
                    .bind(id)
                    .bind(candidate)
                    .execute(&self.pool)
                    .await
                    .map_err(backend)?;
                    match stored().await? {
                        Some(n) => Ok(n),
                        None => Err(latchkey_core::store::StoreError::Conflict(format!(
                            "console number {candidate} of kind {kind} is taken"
                        ))),
                    }
                }

                async fn console_id(
                    &self,
                    kind: &str,
                    number: &str,
                ) -> StoreResult<Option<String>> {
                    sqlx::query_scalar(
                        "SELECT id FROM console_ids WHERE kind = $1 AND number = $2",
                    )
                    .bind(kind)
                    .bind(number)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)
                }
            }

            #[async_trait]
            impl ApiCatalog for $store {
                async fn upsert_api(&self, api: &Api) -> StoreResult<()> {
                    let auth = rows::auth_json(&api.auth)?;
                    let twice =
                        |_: &str| format!("API {} lists a scope or metascope twice", api.id);
                    let mut tx = self.begin_write().await?;
                    sqlx::query(
                        "INSERT INTO apis (id, seq, name, product, description, auth) \
                         VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM apis), $2, $3, $4, $5) \
                         ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
                         product = excluded.product, description = excluded.description, \
                         auth = excluded.auth",
                    )
                    .bind(api.id.as_str())
                    .bind(&api.name)
                    .bind(&api.product)
                    .bind(&api.description)
                    .bind(&auth)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                    for table in ["api_scopes", "api_metascopes"] {
                        sqlx::query(&format!("DELETE FROM {table} WHERE api_id = $1"))
                            .bind(api.id.as_str())
                            .execute(&mut *tx)
                            .await
                            .map_err(backend)?;
                    }
                    for (i, s) in api.scopes.iter().enumerate() {
                        sqlx::query(
                            "INSERT INTO api_scopes (api_id, position, name, description) \
                             VALUES ($1, $2, $3, $4)",
                        )
                        .bind(api.id.as_str())
                        .bind(position(i)?)
                        .bind(&s.name)
                        .bind(&s.description)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| error::write(e, twice, || format!("API {}", api.id)))?;
                    }
                    for (i, m) in api.metascopes.iter().enumerate() {
                        sqlx::query(
                            "INSERT INTO api_metascopes (api_id, position, name) \
                             VALUES ($1, $2, $3)",
                        )
                        .bind(api.id.as_str())
                        .bind(position(i)?)
                        .bind(m)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| error::write(e, twice, || format!("API {}", api.id)))?;
                    }
                    self.commit_audited(tx).await
                }

                async fn get_api(&self, id: &ApiId) -> StoreResult<Option<Api>> {
                    Ok(self.load_apis(ApiFilter::Id(id.as_str())).await?.pop())
                }

                async fn list_apis(&self) -> StoreResult<Vec<Api>> {
                    self.load_apis(ApiFilter::All).await
                }
            }
        };
    };
}

pub(crate) use impl_directory;
