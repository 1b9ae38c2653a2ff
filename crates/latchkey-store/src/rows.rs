//! Row shapes shared by both backends (plain tuples, which sqlx decodes for SQLite and
//! PostgreSQL alike) and their conversion into the core's domain types. Enums are stored
//! as their `as_str()` text; text that no longer parses is reported as a corrupt row.

use latchkey_core::clock::Timestamp;
use latchkey_core::ids::{ApiId, ClientId, OrgId, ProjectId, UserId};
use latchkey_core::keys::{KeyAlg, StoredKey};
use latchkey_core::model::{
    Api, ApiScope, AuthCode, AuthKind, Credential, CredentialKind, Grant, Membership, Org, OrgRole,
    Project, RefreshToken, SecretRecord, Session, User, UserKind,
};
use latchkey_core::secret::SecretHash;
use latchkey_core::store::{StoreError, StoreResult};
use std::collections::HashMap;
use std::str::FromStr;

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

/// `id, name, created_at`
pub(crate) type OrgRow = (String, String, i64);

pub(crate) fn org((id, name, created_at): OrgRow) -> Org {
    Org {
        id: OrgId(id),
        name,
        created_at: Timestamp(created_at),
    }
}

/// `id, email, kind, given_name, family_name, country, password_hash, disabled, created_at`
pub(crate) type UserRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    bool,
    i64,
);

pub(crate) fn user(row: UserRow) -> StoreResult<User> {
    let (id, email, kind, given_name, family_name, country, password_hash, disabled, created_at) =
        row;
    Ok(User {
        kind: parse::<UserKind>("users", &id, &kind)?,
        id: UserId(id),
        email,
        given_name,
        family_name,
        country,
        password_hash,
        disabled,
        created_at: Timestamp(created_at),
    })
}

/// `org_id, user_id, role`
pub(crate) type MemberRow = (String, String, String);

pub(crate) fn membership((org_id, user_id, role): MemberRow) -> StoreResult<Membership> {
    Ok(Membership {
        role: parse::<OrgRole>("org_members", &user_id, &role)?,
        org_id: OrgId(org_id),
        user_id: UserId(user_id),
    })
}

/// `id, org_id, name, created_at`
pub(crate) type ProjectRow = (String, String, String, i64);

pub(crate) fn project((id, org_id, name, created_at): ProjectRow) -> Project {
    Project {
        id: ProjectId(id),
        org_id: OrgId(org_id),
        name,
        created_at: Timestamp(created_at),
    }
}

/// `id, name, product, description, auth` (JSON array)
pub(crate) type ApiRow = (String, String, Option<String>, String, String);
/// `api_id, name, description`, ordered by API then position.
pub(crate) type ScopeRow = (String, String, String);
/// `api_id, name`, ordered by API then position.
pub(crate) type MetascopeRow = (String, String);

/// Assemble APIs (in the order of `apis`) with their scopes and metascopes.
pub(crate) fn apis(
    apis: Vec<ApiRow>,
    scopes: Vec<ScopeRow>,
    metascopes: Vec<MetascopeRow>,
) -> StoreResult<Vec<Api>> {
    let mut scopes_by_api: HashMap<String, Vec<ApiScope>> = HashMap::new();
    for (api_id, name, description) in scopes {
        scopes_by_api
            .entry(api_id)
            .or_default()
            .push(ApiScope { name, description });
    }
    let mut metas_by_api: HashMap<String, Vec<String>> = HashMap::new();
    for (api_id, name) in metascopes {
        metas_by_api.entry(api_id).or_default().push(name);
    }
    apis.into_iter()
        .map(|(id, name, product, description, auth)| {
            let auth: Vec<AuthKind> =
                serde_json::from_str(&auth).map_err(|e| corrupt("apis", &id, e))?;
            Ok(Api {
                scopes: scopes_by_api.remove(&id).unwrap_or_default(),
                metascopes: metas_by_api.remove(&id).unwrap_or_default(),
                id: ApiId(id),
                name,
                product,
                description,
                auth,
            })
        })
        .collect()
}

/// `client_id, org_id, project_id, kind, name, technical_account_id, disabled, created_at`
pub(crate) type CredentialRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    bool,
    i64,
);
/// `client_id, uri`, ordered by credential then position.
pub(crate) type RedirectRow = (String, String);

/// Assemble credentials (in the order of `creds`) with their redirect URIs.
pub(crate) fn credentials(
    creds: Vec<CredentialRow>,
    redirects: Vec<RedirectRow>,
) -> StoreResult<Vec<Credential>> {
    let mut uris: HashMap<String, Vec<String>> = HashMap::new();
    for (client_id, uri) in redirects {
        uris.entry(client_id).or_default().push(uri);
    }
    creds
        .into_iter()
        .map(
            |(client_id, org_id, project_id, kind, name, tech, disabled, created_at)| {
                Ok(Credential {
                    kind: parse::<CredentialKind>("credentials", &client_id, &kind)?,
                    redirect_uris: uris.remove(&client_id).unwrap_or_default(),
                    client_id: ClientId(client_id),
                    org_id: OrgId(org_id),
                    project_id: ProjectId(project_id),
                    name,
                    technical_account: tech.map(UserId),
                    disabled,
                    created_at: Timestamp(created_at),
                })
            },
        )
        .collect()
}

/// `id, client_id, secret_hash, created_at`
pub(crate) type SecretRow = (String, String, Vec<u8>, i64);

pub(crate) fn secret((id, client_id, hash, created_at): SecretRow) -> StoreResult<SecretRecord> {
    let hash = SecretHash::from_slice(&hash)
        .ok_or_else(|| corrupt("client_secrets", &id, "hash is not 32 bytes"))?;
    Ok(SecretRecord {
        id,
        client_id: ClientId(client_id),
        hash,
        created_at: Timestamp(created_at),
    })
}

/// `kid, alg, private_sealed, public_jwk, created_at, activate_at, retire_at, expire_at`
pub(crate) type KeyRow = (
    String,
    String,
    Vec<u8>,
    String,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
);

pub(crate) fn key(row: KeyRow) -> StoreResult<StoredKey> {
    let (kid, alg, private_sealed, public_jwk, created_at, activate_at, retire_at, expire_at) = row;
    Ok(StoredKey {
        alg: parse::<KeyAlg>("signing_keys", &kid, &alg)?,
        kid,
        private_sealed,
        public_jwk,
        created_at: Timestamp(created_at),
        activate_at: Timestamp(activate_at),
        retire_at: retire_at.map(Timestamp),
        expire_at: expire_at.map(Timestamp),
    })
}

/// `o.id, o.name, o.created_at, m.role`
pub(crate) type OrgRoleRow = (String, String, i64, String);

pub(crate) fn org_role((id, name, created_at, role): OrgRoleRow) -> StoreResult<(Org, OrgRole)> {
    let role = parse::<OrgRole>("org_members", &id, &role)?;
    Ok((org((id, name, created_at)), role))
}

/// The JSON text stored in the `scopes` columns of grants, codes and refresh tokens.
pub(crate) fn scopes_json(scopes: &[String]) -> StoreResult<String> {
    serde_json::to_string(scopes).map_err(|e| StoreError::Backend(format!("encoding scopes: {e}")))
}

fn scopes(table: &str, key: &str, json: &str) -> StoreResult<Vec<String>> {
    serde_json::from_str(json).map_err(|e| corrupt(table, key, e))
}

/// `id, user_id, client_id, scopes` (JSON array)`, created_at, last_used_at, revoked_at`
pub(crate) type GrantRow = (
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
);

pub(crate) fn grant(row: GrantRow) -> StoreResult<Grant> {
    let (id, user_id, client_id, scope_json, created_at, last_used_at, revoked_at) = row;
    Ok(Grant {
        scopes: scopes("grants", &id, &scope_json)?,
        id,
        user_id: UserId(user_id),
        client_id: ClientId(client_id),
        created_at: Timestamp(created_at),
        last_used_at: last_used_at.map(Timestamp),
        revoked_at: revoked_at.map(Timestamp),
    })
}

/// `hash, grant_id, client_id, user_id, redirect_uri, scopes` (JSON array)`, nonce,
/// code_challenge, auth_time, created_at, expires_at`
pub(crate) type CodeRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    i64,
    i64,
    i64,
);

/// Corrupt-row messages name the code's grant, never its hash.
pub(crate) fn code(row: CodeRow) -> StoreResult<AuthCode> {
    let (
        hash,
        grant_id,
        client_id,
        user_id,
        redirect_uri,
        scope_json,
        nonce,
        code_challenge,
        auth_time,
        created_at,
        expires_at,
    ) = row;
    Ok(AuthCode {
        scopes: scopes("auth_codes", &grant_id, &scope_json)?,
        hash,
        grant_id,
        client_id: ClientId(client_id),
        user_id: UserId(user_id),
        redirect_uri,
        nonce,
        code_challenge,
        auth_time: Timestamp(auth_time),
        created_at: Timestamp(created_at),
        expires_at: Timestamp(expires_at),
    })
}

/// `hash, grant_id, client_id, user_id, scopes` (JSON array)`, auth_time, created_at,
/// expires_at`
pub(crate) type RefreshRow = (String, String, String, String, String, i64, i64, i64);

/// Corrupt-row messages name the token's grant, never its hash.
pub(crate) fn refresh_token(row: RefreshRow) -> StoreResult<RefreshToken> {
    let (hash, grant_id, client_id, user_id, scope_json, auth_time, created_at, expires_at) = row;
    Ok(RefreshToken {
        scopes: scopes("refresh_tokens", &grant_id, &scope_json)?,
        hash,
        grant_id,
        client_id: ClientId(client_id),
        user_id: UserId(user_id),
        auth_time: Timestamp(auth_time),
        created_at: Timestamp(created_at),
        expires_at: Timestamp(expires_at),
    })
}

/// `hash, user_id, auth_time, created_at, expires_at`
pub(crate) type SessionRow = (String, String, i64, i64, i64);

pub(crate) fn session((hash, user_id, auth_time, created_at, expires_at): SessionRow) -> Session {
    Session {
        hash,
        user_id: UserId(user_id),
        auth_time: Timestamp(auth_time),
        created_at: Timestamp(created_at),
        expires_at: Timestamp(expires_at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_enum_text_is_a_corrupt_row_not_a_panic() {
        let row: UserRow = (
            "u1".into(),
            "a@b.c".into(),
            "robot".into(),
            None,
            None,
            None,
            None,
            false,
            1,
        );
        let err = user(row).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("corrupt users row 'u1'"), "{err}");
    }

    #[test]
    fn apis_keep_order_and_group_children() {
        let rows = vec![
            (
                "b".into(),
                "B".into(),
                None,
                "d".into(),
                r#"["api_key"]"#.into(),
            ),
            (
                "a".into(),
                "A".into(),
                Some("P".into()),
                "d".into(),
                "[]".into(),
            ),
        ];
        let scopes = vec![
            ("a".into(), "s1".into(), "one".into()),
            ("a".into(), "s2".into(), "two".into()),
        ];
        let out = apis(rows, scopes, vec![("b".into(), "m".into())]).unwrap_or_default();
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
        let row: RefreshRow = (
            "secret-hash".into(),
            "g1".into(),
            "c1".into(),
            "u1".into(),
            "not json".into(),
            1,
            1,
            2,
        );
        let err = refresh_token(row)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("corrupt refresh_tokens row 'g1'"), "{err}");
        assert!(!err.contains("secret-hash"), "{err}");
    }
}
