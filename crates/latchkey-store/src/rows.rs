//! Row shapes shared by both backends and their conversion into the core's domain types.
//! Each row is a named struct declared with `row!`, which also implements sqlx's
//! `FromRow` for SQLite and PostgreSQL by column name and gives the struct a `COLUMNS`
//! list for its `SELECT`s, so a query and its row cannot drift apart. Enums are stored
//! as their `as_str()` text; text that no longer parses is reported as a corrupt row.

use latchkey_core::clock::Timestamp;
use latchkey_core::ids::{ApiId, ClientId, GrantId, OrgId, ProjectId, TokenHash, UserId};
use latchkey_core::keys::{KeyAlg, StoredKey};
use latchkey_core::model::{
    Api, ApiScope, AuthCode, AuthKind, Credential, CredentialKind, Grant, Membership, Org, OrgRole,
    Project, RefreshToken, SecretRecord, Session, User, UserKind,
};
use latchkey_core::secret::SecretHash;
use latchkey_core::store::{StoreError, StoreResult};
use std::collections::HashMap;
use std::str::FromStr;

/// A named row: the struct, its `COLUMNS` (comma-separated, in field order) and `FromRow`
/// for both databases, reading each field from the column of the same name.
macro_rules! row {
    ($(#[$meta:meta])* $name:ident { $($field:ident : $ty:ty),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub(crate) struct $name {
            $(pub(crate) $field: $ty),+
        }

        impl $name {
            #[allow(dead_code)]
            pub(crate) const COLUMNS: &'static str = row!(@join $($field),+);
        }

        impl<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for $name {
            fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok($name { $($field: row.try_get(stringify!($field))?),+ })
            }
        }

        impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for $name {
            fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok($name { $($field: row.try_get(stringify!($field))?),+ })
            }
        }
    };
    (@join $first:ident $(, $rest:ident)*) => {
        concat!(stringify!($first) $(, ", ", stringify!($rest))*)
    };
}

fn corrupt(table: &str, key: &str, why: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("corrupt {table} row '{key}': {why}"))
}

fn parse<T: FromStr<Err = String>>(table: &str, key: &str, text: &str) -> StoreResult<T> {
    text.parse().map_err(|e: String| corrupt(table, key, e))
}

/// The JSON text stored in `apis.auth`.
pub(crate) fn auth_json(auth: &[AuthKind]) -> StoreResult<String> {
    serde_json::to_string(auth)
        .map_err(|e| StoreError::Backend(format!("encoding API auth kinds: {e}")))
}

row!(OrgRow {
    id: String,
    name: String,
    created_at: i64,
});

pub(crate) fn org(r: OrgRow) -> Org {
    Org {
        id: OrgId(r.id),
        name: r.name,
        created_at: Timestamp(r.created_at),
    }
}

row!(UserRow {
    id: String,
    email: String,
    kind: String,
    given_name: Option<String>,
    family_name: Option<String>,
    country: Option<String>,
    password_hash: Option<String>,
    disabled: bool,
    created_at: i64,
});

pub(crate) fn user(r: UserRow) -> StoreResult<User> {
    Ok(User {
        kind: parse::<UserKind>("users", &r.id, &r.kind)?,
        id: UserId(r.id),
        email: r.email,
        given_name: r.given_name,
        family_name: r.family_name,
        country: r.country,
        password_hash: r.password_hash,
        disabled: r.disabled,
        created_at: Timestamp(r.created_at),
    })
}

/// A `UserRow` followed by more columns of the same `SELECT`, each read by name.
macro_rules! user_plus {
    ($(#[$meta:meta])* $name:ident { $($field:ident : $ty:ty),+ $(,)? }) => {
        $(#[$meta])*
        pub(crate) struct $name {
            pub(crate) user: UserRow,
            $(pub(crate) $field: $ty),+
        }

        impl<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for $name {
            fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok($name { user: <UserRow as sqlx::FromRow<_>>::from_row(row)?, $($field: row.try_get(stringify!($field))?),+ })
            }
        }

        impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for $name {
            fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok($name { user: <UserRow as sqlx::FromRow<_>>::from_row(row)?, $($field: row.try_get(stringify!($field))?),+ })
            }
        }
    };
}

user_plus!(
    /// An org member with their role (`search_members`).
    MemberUserRow { role: String }
);

pub(crate) fn member_user(r: MemberUserRow) -> StoreResult<(User, OrgRole)> {
    let role = parse::<OrgRole>("org_members", &r.user.id, &r.role)?;
    Ok((user(r.user)?, role))
}

user_plus!(
    /// A user of a product instance, with a technical account's credential
    /// (`instance_users`).
    InstanceUserRow {
        is_admin: bool,
        cred_client_id: Option<String>,
        cred_name: Option<String>,
        cred_project_id: Option<String>,
    }
);

row!(MemberRow {
    org_id: String,
    user_id: String,
    role: String,
});

pub(crate) fn membership(r: MemberRow) -> StoreResult<Membership> {
    Ok(Membership {
        role: parse::<OrgRole>("org_members", &r.user_id, &r.role)?,
        org_id: OrgId(r.org_id),
        user_id: UserId(r.user_id),
    })
}

row!(ProjectRow {
    id: String,
    org_id: String,
    name: String,
    created_at: i64,
});

pub(crate) fn project(r: ProjectRow) -> Project {
    Project {
        id: ProjectId(r.id),
        org_id: OrgId(r.org_id),
        name: r.name,
        created_at: Timestamp(r.created_at),
    }
}

row!(
    /// `auth` is a JSON array of auth kinds.
    ApiRow {
        id: String,
        name: String,
        product: Option<String>,
        description: String,
        auth: String,
    }
);
row!(
    /// Ordered by API then position.
    ScopeRow {
        api_id: String,
        name: String,
        description: String,
    }
);
row!(
    /// Ordered by API then position.
    MetascopeRow { api_id: String, name: String }
);

/// Assemble APIs (in the order of `apis`) with their scopes and metascopes.
pub(crate) fn apis(
    apis: Vec<ApiRow>,
    scopes: Vec<ScopeRow>,
    metascopes: Vec<MetascopeRow>,
) -> StoreResult<Vec<Api>> {
    let mut scopes_by_api: HashMap<String, Vec<ApiScope>> = HashMap::new();
    for s in scopes {
        scopes_by_api.entry(s.api_id).or_default().push(ApiScope {
            name: s.name,
            description: s.description,
        });
    }
    let mut metas_by_api: HashMap<String, Vec<String>> = HashMap::new();
    for m in metascopes {
        metas_by_api.entry(m.api_id).or_default().push(m.name);
    }
    apis.into_iter()
        .map(|a| {
            let auth: Vec<AuthKind> =
                serde_json::from_str(&a.auth).map_err(|e| corrupt("apis", &a.id, e))?;
            Ok(Api {
                scopes: scopes_by_api.remove(&a.id).unwrap_or_default(),
                metascopes: metas_by_api.remove(&a.id).unwrap_or_default(),
                id: ApiId(a.id),
                name: a.name,
                product: a.product,
                description: a.description,
                auth,
            })
        })
        .collect()
}

row!(CredentialRow {
    client_id: String,
    org_id: String,
    project_id: String,
    kind: String,
    name: String,
    technical_account_id: Option<String>,
    disabled: bool,
    created_at: i64,
});
row!(
    /// Ordered by credential then position.
    RedirectRow { client_id: String, uri: String }
);

/// Assemble credentials (in the order of `creds`) with their redirect URIs.
pub(crate) fn credentials(
    creds: Vec<CredentialRow>,
    redirects: Vec<RedirectRow>,
) -> StoreResult<Vec<Credential>> {
    let mut uris: HashMap<String, Vec<String>> = HashMap::new();
    for r in redirects {
        uris.entry(r.client_id).or_default().push(r.uri);
    }
    creds
        .into_iter()
        .map(|c| {
            Ok(Credential {
                kind: parse::<CredentialKind>("credentials", &c.client_id, &c.kind)?,
                redirect_uris: uris.remove(&c.client_id).unwrap_or_default(),
                client_id: ClientId(c.client_id),
                org_id: OrgId(c.org_id),
                project_id: ProjectId(c.project_id),
                name: c.name,
                technical_account: c.technical_account_id.map(UserId),
                disabled: c.disabled,
                created_at: Timestamp(c.created_at),
            })
        })
        .collect()
}

row!(SecretRow {
    id: String,
    client_id: String,
    secret_hash: Vec<u8>,
    created_at: i64,
    last_used_at: Option<i64>,
});

pub(crate) fn secret(r: SecretRow) -> StoreResult<SecretRecord> {
    let hash = SecretHash::from_slice(&r.secret_hash)
        .ok_or_else(|| corrupt("client_secrets", &r.id, "hash is not 32 bytes"))?;
    Ok(SecretRecord {
        id: r.id,
        client_id: ClientId(r.client_id),
        hash,
        created_at: Timestamp(r.created_at),
        last_used_at: r.last_used_at.map(Timestamp),
    })
}

row!(KeyRow {
    kid: String,
    alg: String,
    private_sealed: Vec<u8>,
    public_jwk: String,
    created_at: i64,
    activate_at: i64,
    retire_at: Option<i64>,
    expire_at: Option<i64>,
});

pub(crate) fn key(r: KeyRow) -> StoreResult<StoredKey> {
    Ok(StoredKey {
        alg: parse::<KeyAlg>("signing_keys", &r.kid, &r.alg)?,
        kid: r.kid,
        private_sealed: r.private_sealed,
        public_jwk: r.public_jwk,
        created_at: Timestamp(r.created_at),
        activate_at: Timestamp(r.activate_at),
        retire_at: r.retire_at.map(Timestamp),
        expire_at: r.expire_at.map(Timestamp),
    })
}

row!(
    /// An org and the user's role in it (`o.id, o.name, o.created_at, m.role`).
    OrgRoleRow {
        id: String,
        name: String,
        created_at: i64,
        role: String,
    }
);

pub(crate) fn org_role(r: OrgRoleRow) -> StoreResult<(Org, OrgRole)> {
    let role = parse::<OrgRole>("org_members", &r.id, &r.role)?;
    let org = org(OrgRow {
        id: r.id,
        name: r.name,
        created_at: r.created_at,
    });
    Ok((org, role))
}

/// The JSON text stored in the `scopes` columns of grants, codes and refresh tokens.
pub(crate) fn scopes_json(scopes: &[String]) -> StoreResult<String> {
    serde_json::to_string(scopes).map_err(|e| StoreError::Backend(format!("encoding scopes: {e}")))
}

fn scopes(table: &str, key: &str, json: &str) -> StoreResult<Vec<String>> {
    serde_json::from_str(json).map_err(|e| corrupt(table, key, e))
}

row!(
    /// `scopes` is a JSON array.
    GrantRow {
        id: String,
        user_id: String,
        client_id: String,
        scopes: String,
        created_at: i64,
        last_used_at: Option<i64>,
        revoked_at: Option<i64>,
    }
);

pub(crate) fn grant(r: GrantRow) -> StoreResult<Grant> {
    Ok(Grant {
        scopes: scopes("grants", &r.id, &r.scopes)?,
        id: GrantId(r.id),
        user_id: UserId(r.user_id),
        client_id: ClientId(r.client_id),
        created_at: Timestamp(r.created_at),
        last_used_at: r.last_used_at.map(Timestamp),
        revoked_at: r.revoked_at.map(Timestamp),
    })
}

row!(
    /// `scopes` is a JSON array.
    CodeRow {
        hash: String,
        grant_id: String,
        client_id: String,
        user_id: String,
        redirect_uri: Option<String>,
        scopes: String,
        nonce: Option<String>,
        code_challenge: Option<String>,
        auth_time: i64,
        created_at: i64,
        expires_at: i64,
    }
);

/// Corrupt-row messages name the code's grant, never its hash.
pub(crate) fn code(r: CodeRow) -> StoreResult<AuthCode> {
    Ok(AuthCode {
        scopes: scopes("auth_codes", &r.grant_id, &r.scopes)?,
        hash: TokenHash(r.hash),
        grant_id: GrantId(r.grant_id),
        client_id: ClientId(r.client_id),
        user_id: UserId(r.user_id),
        redirect_uri: r.redirect_uri,
        nonce: r.nonce,
        code_challenge: r.code_challenge,
        auth_time: Timestamp(r.auth_time),
        created_at: Timestamp(r.created_at),
        expires_at: Timestamp(r.expires_at),
    })
}

row!(
    /// `scopes` is a JSON array.
    RefreshRow {
        hash: String,
        grant_id: String,
        client_id: String,
        user_id: String,
        scopes: String,
        auth_time: i64,
        created_at: i64,
        expires_at: i64,
    }
);

/// Corrupt-row messages name the token's grant, never its hash.
pub(crate) fn refresh_token(r: RefreshRow) -> StoreResult<RefreshToken> {
    Ok(RefreshToken {
        scopes: scopes("refresh_tokens", &r.grant_id, &r.scopes)?,
        hash: TokenHash(r.hash),
        grant_id: GrantId(r.grant_id),
        client_id: ClientId(r.client_id),
        user_id: UserId(r.user_id),
        auth_time: Timestamp(r.auth_time),
        created_at: Timestamp(r.created_at),
        expires_at: Timestamp(r.expires_at),
    })
}

row!(SessionRow {
    hash: String,
    user_id: String,
    auth_time: i64,
    created_at: i64,
    expires_at: i64,
});

pub(crate) fn session(r: SessionRow) -> Session {
    Session {
        hash: TokenHash(r.hash),
        user_id: UserId(r.user_id),
        auth_time: Timestamp(r.auth_time),
        created_at: Timestamp(r.created_at),
        expires_at: Timestamp(r.expires_at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_enum_text_is_a_corrupt_row_not_a_panic() {
        let row = UserRow {
            id: "u1".into(),
            email: "a@b.c".into(),
            kind: "robot".into(),
            given_name: None,
            family_name: None,
            country: None,
            password_hash: None,
            disabled: false,
            created_at: 1,
        };
        let err = user(row).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("corrupt users row 'u1'"), "{err}");
    }

    #[test]
    fn apis_keep_order_and_group_children() {
        let api = |id: &str, product: Option<&str>, auth: &str| ApiRow {
            id: id.into(),
            name: id.to_uppercase(),
            product: product.map(Into::into),
            description: "d".into(),
            auth: auth.into(),
        };
        let rows = vec![api("b", None, r#"["api_key"]"#), api("a", Some("P"), "[]")];
        let scope = |name: &str, description: &str| ScopeRow {
            api_id: "a".into(),
            name: name.into(),
            description: description.into(),
        };
        let scopes = vec![scope("s1", "one"), scope("s2", "two")];
        let metas = vec![MetascopeRow {
            api_id: "b".into(),
            name: "m".into(),
        }];
        let out = apis(rows, scopes, metas).unwrap_or_default();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].id.as_str(), "b");
        assert_eq!(out[0].auth, vec![AuthKind::ApiKey]);
        assert_eq!(out[0].metascopes, vec!["m".to_owned()]);
        assert_eq!(
            out[1]
                .scopes
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>(),
            ["s1", "s2"]
        );
    }

    #[test]
    fn corrupt_scopes_name_the_grant_not_the_hash() {
        let row = RefreshRow {
            hash: "secret-hash".into(),
            grant_id: "g1".into(),
            client_id: "c1".into(),
            user_id: "u1".into(),
            scopes: "not json".into(),
            auth_time: 1,
            created_at: 1,
            expires_at: 2,
        };
        let err = refresh_token(row)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("corrupt refresh_tokens row 'g1'"), "{err}");
        assert!(!err.contains("secret-hash"), "{err}");
    }

    #[test]
    fn columns_list_the_fields_in_order() {
        assert_eq!(
            SessionRow::COLUMNS,
            "hash, user_id, auth_time, created_at, expires_at"
        );
    }
}
