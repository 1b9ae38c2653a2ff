//! What a pasted token says: its decoded header and claims, whether this server's keys
//! (its JWKS) sign it, when it expires, and what each standard and IMS claim means.
//! Pure: revocation state, which needs the store, is added by `flows::playground`.
//! Nothing here logs or keeps the token.

use crate::clock::Timestamp;
use crate::jws::{self, JwsError};
use crate::keys::Keyring;
use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Signature {
    /// Signed by one of the keys this server publishes at its JWKS.
    Verified { kid: String, alg: String },
    /// It names one of our keys (or our issuer) but the signature does not hold.
    Invalid { reason: String },
    /// Not signed by any key of this server: it may be genuine elsewhere, but this
    /// server cannot tell.
    Unverifiable { reason: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct Claim {
    pub name: String,
    pub value: String,
    pub meaning: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    /// `access token`, `ID token`, `refresh token`, `authorization code` or `JWT`.
    pub kind: &'static str,
    pub header: String,
    pub claims: String,
    pub claim_list: Vec<Claim>,
    pub signature: Signature,
    /// Seconds since the epoch, from `exp` or IMS `created_at` + `expires_in`.
    pub expires_at: Option<i64>,
    /// Seconds left at inspection time (negative once expired).
    pub expires_in: Option<i64>,
    pub ours: bool,
    /// The access token's `jti`, for the revocation check.
    pub jti: Option<String>,
}

/// Why a paste is not a token at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotAToken {
    #[error(
        "this is not a JWT: a JWT is three base64url parts separated by dots (header.payload.signature)"
    )]
    Shape,
    #[error("the header or the payload is not a JSON object")]
    Json,
    #[error("the token is longer than 16 KiB")]
    TooLong,
}

/// What each claim means; IMS claims as in docs/ims-contract.md §3.
pub fn claim_meaning(name: &str) -> Option<&'static str> {
    Some(match name {
        "iss" => "Issuer: the server that made the token.",
        "sub" => "Subject: the user (or technical account) the token is about.",
        "aud" => "Audience: who the token is meant for (here the client id).",
        "exp" => "Expiry, in seconds since 1970 (UTC).",
        "iat" => "Issued at, in seconds since 1970 (UTC).",
        "nbf" => "Not valid before, in seconds since 1970 (UTC).",
        "jti" => "The token's unique id; revocation is recorded against it.",
        "nonce" => {
            "The value the client sent with the authorization request, echoed so it can detect replays."
        }
        "auth_time" => "When the user last signed in, in seconds since 1970.",
        "at_hash" => "Half of the SHA-256 of the access token issued with this ID token.",
        "azp" => "Authorized party: the client the token was issued to.",
        "scope" => "The scopes granted (IMS separates them with commas).",
        "client_id" => "The credential the token was issued to.",
        "user_id" => "IMS: the user or technical account id.",
        "type" => {
            "IMS: what the token is: access_token, refresh_token, authorization_code or id_token."
        }
        "as" => "IMS: the authorization server (region) that issued it.",
        "ctp" => {
            "IMS client type: 0 for a user token, 3 for a technical account's (server-to-server)."
        }
        "created_at" => "IMS: when it was made, in milliseconds since 1970.",
        "expires_in" => "IMS: its lifetime in milliseconds, counted from created_at.",
        "aa_id" => "IMS: the authenticating account's id.",
        "org" => "IMS: the organization the token acts in.",
        "id" => "IMS: the token's own id.",
        "grant_id" => {
            "The user's consent this token came from; removing the app under Connected Applications revokes it."
        }
        "email" | "email_verified" | "name" | "given_name" | "family_name" => {
            "Profile information released with the openid profile/email scopes."
        }
        _ => return None,
    })
}

fn kind_of(itt: Option<&str>, claims: &Map<String, Value>) -> &'static str {
    match (itt, claims.get("type").and_then(Value::as_str)) {
        (Some("at"), _) | (_, Some("access_token")) => "access token",
        (Some("rt"), _) | (_, Some("refresh_token")) => "refresh token",
        (Some("ac"), _) | (_, Some("authorization_code")) => "authorization code",
        (_, Some("id_token")) => "ID token",
        _ if claims.contains_key("nonce") || claims.contains_key("at_hash") => "ID token",
        _ => "JWT",
    }
}

fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Decode and check `raw` against this server's keys and `issuer` at `now`.
pub fn inspect(
    raw: &str,
    keyring: &Keyring,
    issuer: &str,
    now: Timestamp,
) -> Result<Inspection, NotAToken> {
    let raw = raw.trim();
    if raw.len() > jws::MAX_TOKEN_LEN {
        return Err(NotAToken::TooLong);
    }
    let parsed = match jws::parse(raw) {
        Ok(p) => p,
        Err(JwsError::BadHeader) => return Err(NotAToken::Json),
        Err(_) => return Err(NotAToken::Shape),
    };
    let header_b64 = raw.split('.').next().unwrap_or_default();
    let header: Value = base64_json(header_b64).ok_or(NotAToken::Json)?;
    let claims: Map<String, Value> = jws::parse_object(&parsed.payload).ok_or(NotAToken::Json)?;
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let signature = match jws::verify(&parsed, keyring, now) {
        Ok(key) => Signature::Verified {
            kid: key.kid.clone(),
            alg: key.alg.as_str().to_owned(),
        },
        Err(JwsError::UnknownKey) if iss != issuer => Signature::Unverifiable {
            reason: format!(
                "not signed by this server: its issuer is {} and its key id {} is not in this \
                 server's JWKS",
                if iss.is_empty() { "missing" } else { iss },
                parsed.header.kid.as_deref().unwrap_or("(none)")
            ),
        },
        Err(e) => Signature::Invalid {
            reason: e.to_string(),
        },
    };
    let ours = matches!(signature, Signature::Verified { .. });
    let expires_at = int(claims.get("exp")).or_else(|| {
        let created = int(claims.get("created_at"))?;
        let life = int(claims.get("expires_in"))?;
        Some((created + life) / 1000)
    });
    let claim_list = claims
        .iter()
        .map(|(k, v)| Claim {
            name: k.clone(),
            value: match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            },
            meaning: claim_meaning(k),
        })
        .collect();
    let kind = kind_of(parsed.header.itt.as_deref(), &claims);
    Ok(Inspection {
        kind,
        header: serde_json::to_string_pretty(&header).unwrap_or_default(),
        claims: serde_json::to_string_pretty(&claims).unwrap_or_default(),
        claim_list,
        signature,
        expires_in: expires_at.map(|e| e - now.secs()),
        expires_at,
        ours,
        jti: (kind == "access token")
            .then(|| claims.get("jti").and_then(Value::as_str).map(str::to_owned))
            .flatten(),
    })
}

fn base64_json(seg: &str) -> Option<Value> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(seg)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}
