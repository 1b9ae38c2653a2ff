//! The token endpoint (RFC 6749 §3.2), on every path of both dialects
//! (docs/ims-contract.md §2.2): `/ims/token/v1`, `/v2`, `/v3`, legacy `/ims/token` (whose
//! `expires_in` is in ms) and `/oauth2/token`. Parse → flow → format: the request goes to
//! `latchkey_core::flows::token::issue`, which authenticates the client and runs the
//! grant; this module only formats the result for the path's dialect.

use crate::error::{ApiError, no_store};
use crate::extract::OAuthRequest;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, post};
use latchkey_core::flows::token::{self as flow, IssuedTokens, TOKEN_PATHS};
use latchkey_core::idtoken;
use latchkey_core::token::Dialect;
use serde::Serialize;
use serde_json::{Map, Value};

/// One token endpoint path and its quirks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    ImsLegacy,
    ImsV1,
    ImsV2,
    ImsV3,
    Standard,
}

impl Endpoint {
    pub const ALL: &'static [Endpoint] = &[
        Endpoint::ImsLegacy,
        Endpoint::ImsV1,
        Endpoint::ImsV2,
        Endpoint::ImsV3,
        Endpoint::Standard,
    ];

    pub fn path(self) -> &'static str {
        match self {
            Endpoint::ImsLegacy => "/ims/token",
            Endpoint::ImsV1 => "/ims/token/v1",
            Endpoint::ImsV2 => "/ims/token/v2",
            Endpoint::ImsV3 => "/ims/token/v3",
            Endpoint::Standard => "/oauth2/token",
        }
    }
    pub fn dialect(self) -> Dialect {
        if self == Endpoint::Standard {
            Dialect::Standard
        } else {
            Dialect::Ims
        }
    }
    /// `expires_in` in the JSON response: ms on the legacy path, seconds elsewhere.
    pub(crate) fn expires_in(self, secs: i64) -> i64 {
        if self == Endpoint::ImsLegacy {
            secs * 1000
        } else {
            secs
        }
    }
    pub(crate) fn token_type(self) -> &'static str {
        if self == Endpoint::Standard {
            "Bearer"
        } else {
            "bearer"
        }
    }
}

pub use latchkey_core::flows::token::SUPPORTED_GRANTS;

/// Every token endpoint URL of this server (an assertion may name any as its audience).
pub fn token_urls(issuer: &str) -> Vec<String> {
    let base = issuer.trim_end_matches('/');
    TOKEN_PATHS.iter().map(|p| format!("{base}{p}")).collect()
}

pub fn route(ep: Endpoint) -> MethodRouter<AppState> {
    post(move |st: State<AppState>, req: OAuthRequest| token_post(st, req, ep))
}

pub async fn token_post(
    State(st): State<AppState>,
    req: OAuthRequest,
    ep: Endpoint,
) -> Result<Response, ApiError> {
    let keyring = st.keyring();
    let cx = st.flow(&keyring);
    let all_urls = &st.token_urls;
    // `token_urls` lists the paths in `Endpoint::ALL`'s order (tested below).
    let url = Endpoint::ALL
        .iter()
        .position(|e| *e == ep)
        .and_then(|i| all_urls.get(i))
        .map_or("", String::as_str);
    let at = flow::Endpoint {
        dialect: ep.dialect(),
        url,
        all_urls,
    };
    let (grant, issued) = flow::issue(&cx, req.basic(), &req.params, &at).await?;
    st.metrics.token_issued(grant.as_str());
    let mut resp = Json(format(ep, &issued)).into_response();
    no_store(&mut resp);
    Ok(resp)
}

/// A token response (RFC 6749 §5.1; docs/ims-contract.md §2.2), serialized straight from
/// the issued tokens: no map of owned keys and values per request.
#[derive(Serialize)]
struct TokenResponse<'a> {
    access_token: &'a str,
    token_type: &'static str,
    expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<&'a str>,
    /// The legacy endpoint's profile members; empty elsewhere.
    #[serde(flatten)]
    profile: Map<String, Value>,
}

/// The token response on `ep`: the standard dialect adds `scope`; IMS adds the user's
/// `sub` to user flows, and the legacy endpoint the profile too.
fn format(ep: Endpoint, issued: &IssuedTokens) -> TokenResponse<'_> {
    let standard = ep.dialect() == Dialect::Standard;
    let user = issued.user.as_ref().filter(|_| !standard);
    let mut profile = Map::new();
    if let Some(user) = user.filter(|_| ep == Endpoint::ImsLegacy) {
        for (k, v) in idtoken::profile_claims(user, &issued.scopes) {
            // A member the response already has keeps the response's value.
            if matches!(
                k.as_str(),
                "access_token"
                    | "token_type"
                    | "expires_in"
                    | "refresh_token"
                    | "id_token"
                    | "scope"
                    | "sub"
            ) {
                continue;
            }
            let v = if k == "email_verified" {
                Value::from("true")
            } else {
                v
            };
            profile.insert(k, v);
        }
    }
    TokenResponse {
        access_token: &issued.access_token,
        token_type: ep.token_type(),
        expires_in: ep.expires_in(issued.expires_in_secs),
        refresh_token: issued.refresh_token.as_deref(),
        id_token: issued.id_token.as_deref(),
        scope: standard.then(|| issued.scopes.to_standard()),
        sub: user.map(|u| u.id.as_str()),
        profile,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_path_is_a_token_path_of_the_core() {
        let paths: Vec<&str> = Endpoint::ALL.iter().map(|e| e.path()).collect();
        assert_eq!(paths, TOKEN_PATHS);
        let urls = token_urls("https://ims.example/");
        for (ep, url) in Endpoint::ALL.iter().zip(&urls) {
            assert_eq!(url, &format!("https://ims.example{}", ep.path()));
        }
    }
}
