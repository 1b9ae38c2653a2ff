//! Token validation: IMS `POST /ims/validate_token/v1` (docs/ims-contract.md §2.4: token in the
//! `Authorization: Bearer` header or a `token` field; always 200 with `valid`) and RFC 7662
//! introspection at `/oauth2/introspect` (client authentication required; an inactive token
//! is exactly `{"active":false}`, SEC-49).

use crate::auth::authenticate_client;
use crate::error::{ApiError, no_store};
use crate::extract::OAuthRequest;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use latchkey_core::OAuthError;
use latchkey_core::flows::validation::{self, Validation};
use latchkey_core::products::ProductRole;
use latchkey_core::token::AccessTokenClaims;
use serde::Serialize;

/// The bodies below are typed rather than `json!` trees: these are hot paths, and building
/// a map of values per request cost more than the token check (docs/performance.md).
fn json_no_store(v: impl Serialize) -> Response {
    let mut resp = Json(v).into_response();
    no_store(&mut resp);
    resp
}

#[derive(Serialize)]
#[serde(untagged)]
enum ValidateBody<'a> {
    Valid {
        expires_at: i64,
        #[serde(skip_serializing_if = "Option::is_none")]
        product_roles: Option<&'a [ProductRole]>,
        token: &'a AccessTokenClaims,
        valid: bool,
    },
    Invalid {
        reason: &'a str,
        valid: bool,
    },
}

#[derive(Serialize)]
#[serde(untagged)]
enum IntrospectBody<'a> {
    Active {
        active: bool,
        aud: &'a str,
        client_id: &'a str,
        exp: i64,
        iat: i64,
        iss: &'a str,
        jti: &'a str,
        org: Option<&'a str>,
        scope: String,
        sub: &'a str,
        token_type: &'static str,
    },
    Inactive {
        active: bool,
    },
}

pub async fn validate_token_post(
    State(st): State<AppState>,
    req: OAuthRequest,
) -> Result<Response, ApiError> {
    let raw = match (req.params.get("token"), req.bearer()) {
        (Some(t), None) | (None, Some(t)) => t.to_owned(),
        (Some(a), Some(b)) if a == b => a.to_owned(),
        (Some(_), Some(_)) => return Err(OAuthError::invalid_request("send the token once").into()),
        (None, None) => {
            return Err(OAuthError::invalid_request("missing required parameter 'token'").into());
        }
    };
    let wanted_type = req.params.get("type").unwrap_or("access_token");
    let keyring = st.keyring();
    let cx = st.flow(&keyring);
    let answer = validation::validate(&cx, &raw, wanted_type, req.params.get("client_id")).await?;
    Ok(match &answer {
        Validation::Valid {
            claims,
            product_roles,
        } => json_no_store(ValidateBody::Valid {
            expires_at: claims.exp * 1000,
            product_roles: product_roles.as_deref(),
            token: claims,
            valid: true,
        }),
        Validation::Invalid(reason) => json_no_store(ValidateBody::Invalid {
            reason,
            valid: false,
        }),
    })
}

pub async fn introspect_post(
    State(st): State<AppState>,
    req: OAuthRequest,
) -> Result<Response, ApiError> {
    let (caller, _) = authenticate_client(&st, &req).await?;
    let raw = req.params.get("token");
    let keyring = st.keyring();
    Ok(
        match validation::introspect(&st.flow(&keyring), &caller, raw).await? {
            Some(c) => json_no_store(IntrospectBody::Active {
                active: true,
                aud: &c.aud,
                client_id: &c.client_id,
                exp: c.exp,
                iat: c.iat,
                iss: &c.iss,
                jti: &c.jti,
                org: c.org.as_deref(),
                scope: c.scopes().to_standard(),
                sub: &c.sub,
                token_type: "Bearer",
            }),
            None => json_no_store(IntrospectBody::Inactive { active: false }),
        },
    )
}
