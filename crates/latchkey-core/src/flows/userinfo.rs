//! What a bearer token tells about its user: OIDC userinfo (OIDC Core §5.3;
//! docs/ims-contract.md §2.6), IMS `/ims/profile/v1` and `/ims/organizations/v6`. Every
//! one returns only what the granted scopes allow (SEC-50; docs/security-review.md
//! finding 3). Where the token came from (header, body, never the URL) is the HTTP
//! layer's business.

use super::validation::{CheckError, check_access_token};
use super::{Context, FlowResult};
use crate::ids::UserId;
use crate::idtoken::profile_claims;
use crate::model::{User, UserKind};
use crate::scope::ScopeSet;
use crate::token::AccessTokenClaims;
use crate::{ErrorCode, OAuthError};
use serde_json::{Map, Value, json};

/// The token's claims and the active user it speaks for; `invalid_token` otherwise.
pub async fn subject(cx: &Context<'_>, raw: &str) -> FlowResult<(AccessTokenClaims, User)> {
    let claims = match check_access_token(cx, raw).await {
        Ok(c) => c,
        Err(CheckError::Invalid(e)) => return Err(OAuthError::invalid_token(e.to_string()).into()),
        Err(CheckError::Store(e)) => return Err(e.into()),
    };
    match cx.store.get_user(&UserId(claims.sub.clone())).await? {
        Some(u) if !u.disabled => Ok((claims, u)),
        _ => Err(OAuthError::invalid_token("the account is no longer available").into()),
    }
}

fn require_scope(claims: &AccessTokenClaims, scope: &str) -> Result<ScopeSet, OAuthError> {
    let scopes = claims.scopes();
    if scopes.contains(scope) {
        Ok(scopes)
    } else {
        Err(OAuthError::new(
            ErrorCode::InsufficientScope,
            format!("the access token lacks the {scope} scope"),
        ))
    }
}

/// OIDC userinfo: needs `openid`.
pub async fn userinfo(cx: &Context<'_>, raw: &str) -> FlowResult<Map<String, Value>> {
    let (claims, user) = subject(cx, raw).await?;
    let scopes = require_scope(&claims, "openid")?;
    Ok(profile_claims(&user, &scopes))
}

/// IMS `/ims/profile/v1`: the userinfo claims in IMS's older names too, and the user's org
/// roles. `openid` (or `AdobeID`) is required and yields the ids; `profile` the names and
/// account type; `email` the email; `address` the country; `read_organizations` the roles.
pub async fn profile(cx: &Context<'_>, raw: &str) -> FlowResult<Map<String, Value>> {
    let (claims, user) = subject(cx, raw).await?;
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
    let text = |v: &Option<String>| v.clone().map_or(Value::Null, Value::from);
    if scopes.contains("profile") {
        let account_type = if user.kind == UserKind::Technical {
            "technical"
        } else {
            "type2"
        };
        p.insert("account_type".into(), Value::from(account_type));
        p.insert("displayName".into(), Value::from(user.display_name()));
        p.insert("first_name".into(), text(&user.given_name));
        p.insert("last_name".into(), text(&user.family_name));
    }
    if scopes.contains("address") {
        p.insert("countryCode".into(), text(&user.country));
    }
    if scopes.contains("read_organizations") {
        let roles: Vec<Value> = cx
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
    Ok(p)
}

/// IMS `/ims/organizations/v6`: the user's orgs; needs `read_organizations`.
pub async fn organizations(cx: &Context<'_>, raw: &str) -> FlowResult<Vec<Value>> {
    let (claims, user) = subject(cx, raw).await?;
    require_scope(&claims, "read_organizations")?;
    Ok(cx
        .store
        .user_memberships(&user.id)
        .await?
        .into_iter()
        .map(|(org, role)| {
            let (ident, auth_src) = org.id.as_str().split_once('@').unwrap_or((org.id.as_str(), ""));
            json!({"orgRef": {"ident": ident, "authSrc": auth_src}, "orgName": org.name, "orgType": "Enterprise", "role": role.as_str(), "groups": []})
        })
        .collect())
}
