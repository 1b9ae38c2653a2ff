//! ID tokens (OIDC Core §2, §3.1.3.6): RS256 by default, `nonce` echoed exactly,
//! `auth_time`, `at_hash`, and the profile claims the granted scopes allow.

use crate::clock::Timestamp;
use crate::error::OAuthError;
use crate::jws;
use crate::keys::{KeyAlg, Keyring};
use crate::model::User;
use crate::scope::ScopeSet;
use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

pub const ID_TOKEN_TTL_SECS: i64 = 3600;

/// `at_hash`: left half of SHA-256 of the access token, base64url (RS256/ES256).
pub fn at_hash(access_token: &str) -> String {
    let d = digest::digest(&digest::SHA256, access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&d.as_ref()[..16])
}

/// The claims the granted scopes unlock (docs/ims-contract.md §2.6), shared with userinfo.
pub fn profile_claims(user: &User, scopes: &ScopeSet) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("sub".into(), Value::from(user.id.as_str()));
    if scopes.contains("profile") {
        m.insert("name".into(), Value::from(user.display_name()));
        if let Some(g) = &user.given_name {
            m.insert("given_name".into(), Value::from(g.as_str()));
        }
        if let Some(f) = &user.family_name {
            m.insert("family_name".into(), Value::from(f.as_str()));
        }
        m.insert("account_type".into(), Value::from("ent"));
    }
    if scopes.contains("email") {
        m.insert("email".into(), Value::from(user.email.as_str()));
        m.insert("email_verified".into(), Value::from(true));
    }
    if let Some(c) = user.country.as_ref().filter(|_| scopes.contains("address")) {
        m.insert("address".into(), json!({ "country": c }));
    }
    m
}

/// The claims of one of our ID tokens used as a hint (`id_token_hint` at authorize and at
/// logout): signed by a key we publish, `type` id_token, our `iss`. Expiry is not checked:
/// OIDC allows a hint from an earlier session.
pub fn hint_claims(
    token: &str,
    keyring: &Keyring,
    issuer: &str,
    now: Timestamp,
) -> Option<Map<String, Value>> {
    let parsed = jws::parse(token).ok()?;
    jws::verify(&parsed, keyring, now).ok()?;
    let claims: Map<String, Value> = jws::parse_object(&parsed.payload)?;
    let is = |k: &str, v: &str| claims.get(k).and_then(Value::as_str) == Some(v);
    (is("type", "id_token") && is("iss", issuer)).then_some(claims)
}

pub struct IdTokenRequest<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub user: &'a User,
    pub scopes: &'a ScopeSet,
    pub nonce: Option<&'a str>,
    pub auth_time: Timestamp,
    pub access_token: &'a str,
    pub alg: KeyAlg,
}

pub fn issue(
    keyring: &Keyring,
    now: Timestamp,
    req: &IdTokenRequest<'_>,
) -> Result<String, OAuthError> {
    let key = keyring
        .signer(req.alg, now)
        .ok_or_else(OAuthError::server_error)?;
    let mut claims = profile_claims(req.user, req.scopes);
    claims.insert("iss".into(), Value::from(req.issuer));
    claims.insert("aud".into(), Value::from(req.client_id));
    claims.insert("azp".into(), Value::from(req.client_id));
    claims.insert("iat".into(), Value::from(now.secs()));
    claims.insert("exp".into(), Value::from(now.secs() + ID_TOKEN_TTL_SECS));
    claims.insert("auth_time".into(), Value::from(req.auth_time.secs()));
    claims.insert("at_hash".into(), Value::from(at_hash(req.access_token)));
    claims.insert("type".into(), Value::from("id_token"));
    if let Some(n) = req.nonce {
        claims.insert("nonce".into(), Value::from(n));
    }
    jws::sign(key, &[("typ", "JWT")], &Value::Object(claims))
        .map_err(|_| OAuthError::server_error())
}
