//! Userinfo (OIDC Core §5.3; docs/ims-contract.md §2.6) at `/ims/userinfo/v2`, legacy `/ims/userinfo`
//! and `/oauth2/userinfo` (GET or POST; the token in the header or a POST body, never the
//! query: RFC 6750 §2.3), plus IMS `/ims/profile/v1` and `/ims/organizations/v6`.
//! Claims are limited to the granted scopes on every one of them (SEC-50).

use crate::auth::{CheckError, check_access_token};
use crate::error::{ApiError, no_store};
use crate::extract::OAuthRequest;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use latchkey_core::ids::UserId;
use latchkey_core::idtoken::profile_claims;
use latchkey_core::model::User;
use latchkey_core::scope::ScopeSet;
use latchkey_core::token::AccessTokenClaims;
use latchkey_core::{ErrorCode, OAuthError};
use serde_json::{Value, json};

fn invalid(d: &str) -> ApiError {
    ApiError(OAuthError::invalid_token(d))
}

/// The bearer token of a resource request and the user it speaks for. A token in the URL
/// is refused on every resource endpoint (RFC 6750 §2.3: it ends up in logs and
/// `Referer`), whatever the percent-encoding of its name (docs/security-review.md finding 7).
async fn bearer_user(
    st: &AppState,
    req: &OAuthRequest,
) -> Result<(AccessTokenClaims, User), ApiError> {
    if req.in_query("access_token") {
        return Err(OAuthError::invalid_request(
            "send the access token in the Authorization header, not the URL",
        )
        .into());
    }
    if req.params.get("access_token").is_some() && req.bearer().is_some() {
        return Err(OAuthError::invalid_request("send the access token once").into());
    }
    let raw = req
        .bearer()
        .or_else(|| req.params.get("access_token"))
        .ok_or_else(|| invalid("an access token is required"))?;
    let claims = match check_access_token(st, raw).await {
        Ok(c) => c,
        Err(CheckError::Invalid(e)) => return Err(invalid(&e.to_string())),
        Err(CheckError::Unavailable(e)) => return Err(e),
    };
    match st.store.get_user(&UserId(claims.sub.clone())).await? {
        Some(u) if !u.disabled => Ok((claims, u)),
        _ => Err(invalid("the account is no longer available")),
    }
}

fn require_scope(claims: &AccessTokenClaims, scope: &str) -> Result<ScopeSet, ApiError> {
    let scopes = claims.scopes();
    if scopes.contains(scope) {
        Ok(scopes)
    } else {
        Err(OAuthError::new(
            ErrorCode::InsufficientScope,
            format!("the access token lacks the {scope} scope"),
        )
        .into())
    }
}

fn json_no_store(v: Value) -> Response {
    let mut r = Json(v).into_response();
    no_store(&mut r);
    r
}

/// GET/POST userinfo.
pub async fn userinfo(State(st): State<AppState>, req: OAuthRequest) -> Result<Response, ApiError> {
    let (claims, user) = bearer_user(&st, &req).await?;
    let scopes = require_scope(&claims, "openid")?;
    Ok(json_no_store(Value::Object(profile_claims(&user, &scopes))))
}

/// IMS `/ims/profile/v1`: the userinfo claims in IMS's older names too, and the user's org
/// roles. Like userinfo, only what the granted scopes allow (docs/security-review.md finding 3): `openid`
/// (or `AdobeID`) is required and yields the ids; `profile` the names and account type;
/// `email` the email; `address` the country; `read_organizations` the org roles.
pub async fn profile(State(st): State<AppState>, req: OAuthRequest) -> Result<Response, ApiError> {
    let (claims, user) = bearer_user(&st, &req).await?;
    let scopes = claims.scopes();
    if !(scopes.contains("openid") || scopes.contains("AdobeID")) {
        return Err(OAuthError::new(
            ErrorCode::InsufficientScope,
            "the access token lacks the openid (or AdobeID) scope",
        )
        .into());
    }
    let mut p = profile_claims(&user, &scopes);
    p.insert("userId".into(), Value::from(user.id.as_str()));
    if scopes.contains("profile") {
        p.insert(
            "account_type".into(),
            Value::from(if user.kind == latchkey_core::model::UserKind::Technical {
                "technical"
            } else {
                "type2"
            }),
        );
        p.insert("displayName".into(), Value::from(user.display_name()));
        p.insert(
            "first_name".into(),
            user.given_name.clone().map_or(Value::Null, Value::from),
        );
        p.insert(
            "last_name".into(),
            user.family_name.clone().map_or(Value::Null, Value::from),
        );
    }
    if scopes.contains("address") {
        p.insert(
            "countryCode".into(),
            user.country.clone().map_or(Value::Null, Value::from),
        );
    }
    if scopes.contains("read_organizations") {
        let roles: Vec<Value> = st
            .store
            .user_memberships(&user.id)
            .await?
            .iter()
            .map(|(org, role)| json!({"principal": user.id, "organization": org.id, "named_role": role.as_str(), "target": org.id, "target_type": "TRG_ORG"}))
            .collect();
        p.insert("roles".into(), Value::Array(roles));
        if let Some(org) = &claims.org {
            p.insert("org".into(), Value::from(org.as_str()));
        }
    }
    Ok(json_no_store(Value::Object(p)))
}

/// IMS `/ims/organizations/v6`: the caller's orgs; needs `read_organizations`.
pub async fn organizations(
    State(st): State<AppState>,
    req: OAuthRequest,
) -> Result<Response, ApiError> {
    let (claims, user) = bearer_user(&st, &req).await?;
    require_scope(&claims, "read_organizations")?;
    let orgs: Vec<Value> = st
        .store
        .user_memberships(&user.id)
        .await?
        .into_iter()
        .map(|(org, role)| {
            let (ident, auth_src) = org.id.as_str().split_once('@').unwrap_or((org.id.as_str(), ""));
            json!({"orgRef": {"ident": ident, "authSrc": auth_src}, "orgName": org.name, "orgType": "Enterprise", "role": role.as_str(), "groups": []})
        })
        .collect();
    Ok(json_no_store(Value::Array(orgs)))
}
