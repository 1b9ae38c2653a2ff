//! OpenID Connect Discovery 1.0 / RFC 8414 metadata for both dialects, and the JWKS.
//! Every URL is built from the configured issuer, never from request headers (SEC-52).

use crate::state::AppState;
use crate::token::SUPPORTED_GRANTS;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::scope::{IDENTITY_SCOPES, OFFLINE_ACCESS};
use serde_json::{Value, json};

/// JWKS may be cached this long; key rotation publishes new keys longer ahead than this.
pub const JWKS_MAX_AGE_SECS: u32 = 60;

struct Paths {
    authorize: &'static str,
    token: &'static str,
    userinfo: &'static str,
    revoke: &'static str,
    jwks: &'static str,
    logout: &'static str,
}

const IMS: Paths = Paths {
    authorize: "/ims/authorize/v2",
    token: "/ims/token/v3",
    userinfo: "/ims/userinfo/v2",
    revoke: "/ims/revoke",
    jwks: "/ims/keys",
    logout: "/ims/logout/v1",
};

const STANDARD: Paths = Paths {
    authorize: "/oauth2/authorize",
    token: "/oauth2/token",
    userinfo: "/oauth2/userinfo",
    revoke: "/oauth2/revoke",
    jwks: "/oauth2/jwks",
    logout: "/oauth2/logout",
};

fn document(st: &AppState, p: &Paths) -> Value {
    let iss = st.tokens().issuer.trim_end_matches('/');
    let mut scopes: Vec<&str> = IDENTITY_SCOPES.to_vec();
    scopes.push(OFFLINE_ACCESS);
    let grants: Vec<&str> = SUPPORTED_GRANTS.iter().map(|g| g.as_str()).collect();
    let auth_methods = [
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    ];
    json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}{}", p.authorize),
        "token_endpoint": format!("{iss}{}", p.token),
        "userinfo_endpoint": format!("{iss}{}", p.userinfo),
        "revocation_endpoint": format!("{iss}{}", p.revoke),
        "introspection_endpoint": format!("{iss}/oauth2/introspect"),
        "jwks_uri": format!("{iss}{}", p.jwks),
        "end_session_endpoint": format!("{iss}{}", p.logout),
        "scopes_supported": scopes,
        // SEC-27: the code flow only; no implicit or hybrid responses.
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": grants,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "token_endpoint_auth_methods_supported": auth_methods,
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "introspection_endpoint_auth_methods_supported": auth_methods,
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "name", "given_name", "family_name", "email", "email_verified", "address", "account_type"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        // DISC §3: omitted means true, so say false explicitly (SEC-51).
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
    })
}

fn cacheable(v: Value, max_age: u32) -> Response {
    let mut resp = Json(v).into_response();
    if let Ok(h) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        resp.headers_mut().insert(header::CACHE_CONTROL, h);
    }
    resp
}

pub async fn ims_get(State(st): State<AppState>) -> Response {
    cacheable(document(&st, &IMS), 300)
}

pub async fn standard_get(State(st): State<AppState>) -> Response {
    cacheable(document(&st, &STANDARD), 300)
}

pub async fn jwks_get(State(st): State<AppState>) -> Response {
    cacheable(st.keyring().jwks(st.now()), JWKS_MAX_AGE_SECS)
}
