//! The token endpoint (RFC 6749 §3.2), on every path of both dialects (docs/ims-contract.md §2.2):
//! `/ims/token/v1`, `/v2`, `/v3`, legacy `/ims/token` (whose `expires_in` is in ms) and
//! `/oauth2/token`. The grant type picks the flow; each flow lives in `latchkey_core::grants`.

use crate::error::{ApiError, no_store};
use crate::extract::OAuthRequest;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, post};
use latchkey_core::grants::GrantType;
use latchkey_core::token::Dialect;
use latchkey_core::{ErrorCode, OAuthError};
use serde_json::Value;

mod authorization_code;
mod client_credentials;
mod jwt_bearer;
mod refresh_token;
mod user_tokens;

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

/// The grants this build implements, advertised by discovery.
pub const SUPPORTED_GRANTS: &[GrantType] = &[
    GrantType::AuthorizationCode,
    GrantType::RefreshToken,
    GrantType::ClientCredentials,
    GrantType::JwtBearer,
];

pub fn route(ep: Endpoint) -> MethodRouter<AppState> {
    post(move |st: State<AppState>, req: OAuthRequest| token_post(st, req, ep))
}

pub async fn token_post(
    State(st): State<AppState>,
    req: OAuthRequest,
    ep: Endpoint,
) -> Result<Response, ApiError> {
    let raw = req.params.require("grant_type")?;
    let grant = GrantType::parse(raw)
        .filter(|g| SUPPORTED_GRANTS.contains(g))
        .ok_or_else(|| {
            OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                "grant_type is not supported",
            )
        })?;
    let body = match grant {
        GrantType::ClientCredentials => client_credentials::grant(&st, &req, ep).await?,
        GrantType::AuthorizationCode => authorization_code::grant(&st, &req, ep).await?,
        GrantType::RefreshToken => refresh_token::grant(&st, &req, ep).await?,
        GrantType::JwtBearer => jwt_bearer::grant(&st, &req, ep).await?,
    };
    st.metrics.token_issued(grant.as_str());
    let mut resp = Json(Value::Object(body)).into_response();
    no_store(&mut resp);
    Ok(resp)
}
