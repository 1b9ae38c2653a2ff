//! Service-account JWT assertions, three ways, over one validation ([`crate::assertion`]):
//!
//! - the IMS exchange `POST /ims/exchange/jwt` (docs/ims-contract.md §2.3, error table §7): `iss` = the
//!   org, `sub` = the technical account, `aud` = `{issuer}/c/{client_id}`, metascope claims
//!   `{issuer}/s/{name}: true`, `exp` ≤ 24 h ahead, integer `jti` optional but single-use;
//! - the RFC 7523 §2.1 JWT-bearer grant at the token endpoint (SEC-31): the same `iss`/`sub`,
//!   `aud` = the issuer or the token endpoint URL, `jti` required (POLICY: replay
//!   protection), every failure 400 `invalid_grant` (§3.1) except scope (`invalid_scope`);
//! - `private_key_jwt` client authentication, RFC 7523 §2.2 / OIDC Core §9 (SEC-32):
//!   `iss` = `sub` = client_id, `aud` = the issuer or a token endpoint URL, `jti` required,
//!   every failure 401 `invalid_client`.
//!
//! Only the own issuer's `aud`/metascope prefix is accepted, not Adobe's
//! `https://ims-na1.adobelogin.com` (docs/ims-contract.md §6.3.6): an assertion minted for real IMS
//! must not be replayable here. Replay of `jti` is recorded by the caller in the store.

use crate::assertion::{self, AssertionError, Claims, Jti, RegisteredKey, TimeRules, Unverified};
use crate::clock::Timestamp;
use crate::error::{ErrorCode, OAuthError};
use crate::model::{Api, Credential, CredentialKind};
use crate::scope::{IDENTITY_SCOPES, OFFLINE_ACCESS, ScopeSet};

/// `client_assertion_type` of `private_key_jwt` (RFC 7523 §2.2).
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Longest IMS assertion lifetime: "at maximum 24 hours" (docs/ims-contract.md §2.3).
pub const IMS_MAX_LIFETIME_SECS: i64 = 86_400;
/// Longest standard assertion lifetime with `iat` (POLICY), and without (Keycloak: 300 s).
pub const STANDARD_MAX_LIFETIME_SECS: i64 = 3_600;
pub const STANDARD_MAX_LIFETIME_WITHOUT_IAT_SECS: i64 = 300;

/// What every assertion check needs from the deployment and the request.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The configured issuer, e.g. `http://127.0.0.1:8080` (no trailing slash needed).
    pub issuer: &'a str,
    pub now: Timestamp,
    pub skew_secs: i64,
}

impl Context<'_> {
    fn base(&self) -> &str {
        self.issuer.trim_end_matches('/')
    }
    fn rules(&self, ims: bool) -> TimeRules {
        TimeRules {
            skew_secs: self.skew_secs,
            max_lifetime_secs: if ims {
                IMS_MAX_LIFETIME_SECS
            } else {
                STANDARD_MAX_LIFETIME_SECS
            },
            max_lifetime_without_iat_secs: if ims {
                IMS_MAX_LIFETIME_SECS
            } else {
                STANDARD_MAX_LIFETIME_WITHOUT_IAT_SECS
            },
        }
    }
}

/// An accepted assertion: the scopes to grant, and the `jti` the caller must record as
/// used until `expires_at`, the end of the time the assertion could be accepted in (`exp`
/// plus skew); a replay is refused when recording finds it already there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub scopes: ScopeSet,
    pub jti: Option<String>,
    pub expires_at: Timestamp,
}

fn ims_err(code: ErrorCode, status: u16, d: impl Into<String>) -> OAuthError {
    OAuthError::new(code, d).with_status(status)
}

/// The docs/ims-contract.md §7 table for the IMS exchange.
fn ims_error(e: AssertionError) -> OAuthError {
    use AssertionError::*;
    let d = e.to_string();
    match e {
        AlgNotAllowed | UnknownKey | BadSignature => ims_err(ErrorCode::InvalidSignature, 400, d),
        BadClaim("iss" | "sub") | MissingClaim("iss" | "sub") => {
            ims_err(ErrorCode::BadRequest, 400, d)
        }
        BadClaim("aud") | MissingClaim("aud") => ims_err(ErrorCode::InvalidClient, 400, d),
        Malformed | MissingClaim(_) | BadClaim(_) | Expired | NotYetValid | IssuedInFuture
        | TooOld => ims_err(ErrorCode::InvalidToken, 400, d),
        LifetimeTooLong => ims_err(ErrorCode::BadRequest, 400, d),
    }
}

/// The metascopes an IMS assertion requests: claims `{issuer}/s/{name}` whose value must
/// be `true` (docs/ims-contract.md §2.3, §4).
fn requested_metascopes(cx: &Context<'_>, claims: &Claims) -> Result<Vec<String>, OAuthError> {
    let prefix = format!("{}/s/", cx.base());
    let mut out = Vec::new();
    for (k, v) in &claims.other {
        let Some(name) = k.strip_prefix(&prefix) else {
            continue;
        };
        if name.is_empty() || *v != serde_json::Value::Bool(true) {
            return Err(ims_err(
                ErrorCode::InvalidScope,
                400,
                "metascope claims must be true",
            ));
        }
        out.push(name.to_owned());
    }
    if out.is_empty() {
        return Err(ims_err(
            ErrorCode::InvalidScope,
            400,
            format!("the JWT carries no metascope claim {prefix}<name>"),
        ));
    }
    Ok(out)
}

/// Decide an IMS JWT exchange for an authenticated `service_account_jwt` credential.
/// `apis` are its project's APIs. Granted scopes: the identity scopes plus the scopes of
/// the project APIs (accepting service-account auth) whose metascopes were requested.
pub fn decide_ims_exchange(
    cx: &Context<'_>,
    cred: &Credential,
    keys: &[RegisteredKey],
    apis: &[Api],
    jwt_token: Option<&str>,
) -> Result<Accepted, OAuthError> {
    // 401 invalid_client: "the client lacks the exchange_jwt scope" (docs/ims-contract.md §7).
    if cred.kind != CredentialKind::ServiceAccountJwt {
        return Err(ims_err(
            ErrorCode::InvalidClient,
            401,
            "this credential may not exchange JWTs",
        ));
    }
    let token =
        jwt_token.ok_or_else(|| ims_err(ErrorCode::InvalidToken, 400, "jwt_token is missing"))?;
    let a = assertion::decode(token).map_err(ims_error)?;
    assertion::verify_signature(&a, keys, cx.now).map_err(ims_error)?;
    let c = &a.claims;
    // 400 invalid_client: "client_id ≠ JWT aud" (docs/ims-contract.md §7).
    let aud = c.aud.as_deref().ok_or(AssertionError::MissingClaim("aud"));
    if aud.map_err(ims_error)? != format!("{}/c/{}", cx.base(), cred.client_id) {
        return Err(ims_err(
            ErrorCode::InvalidClient,
            400,
            "the JWT audience is not this client",
        ));
    }
    assertion::check_times(c, &cx.rules(true), cx.now).map_err(ims_error)?;
    check_subject(c, cred).map_err(|d| ims_err(ErrorCode::BadRequest, 400, d))?;
    // docs/ims-contract.md §2.3/§7: `jti` optional, an integer when present.
    let jti = match &c.jti {
        None => None,
        Some(Jti::Int(i)) => Some(i.to_string()),
        Some(Jti::Text(_)) => return Err(ims_error(AssertionError::BadClaim("jti"))),
    };
    let requested = requested_metascopes(cx, c)?;
    let kind = cred.kind.auth_kind();
    let bound: Vec<&Api> = apis.iter().filter(|a| a.auth.contains(&kind)).collect();
    if requested
        .iter()
        .any(|m| !bound.iter().any(|a| a.metascopes.contains(m)))
    {
        // The wording IMS itself uses (docs/ims-contract.md §4, ISS-ERR).
        return Err(ims_err(
            ErrorCode::InvalidScope,
            400,
            "The metascopes in the JWT are not a subset of the metascopes in the binding.",
        ));
    }
    let mut scopes: Vec<String> = IDENTITY_SCOPES.iter().map(|s| (*s).to_owned()).collect();
    for api in bound {
        if api.metascopes.iter().any(|m| requested.contains(m)) {
            scopes.extend(api.scopes.iter().map(|s| s.name.clone()));
        }
    }
    Ok(Accepted {
        scopes: ScopeSet::from_list(scopes),
        jti,
        expires_at: assertion::accepted_until(c, &cx.rules(true)),
    })
}

/// `iss` is the credential's org and `sub` its technical account (docs/ims-contract.md §2.3).
fn check_subject(c: &Claims, cred: &Credential) -> Result<(), String> {
    let Some(tech) = &cred.technical_account else {
        return Err("this credential has no technical account".into());
    };
    match (c.iss.as_deref(), c.sub.as_deref()) {
        (Some(iss), Some(sub)) if iss == cred.org_id.as_str() && sub == tech.as_str() => Ok(()),
        (None, _) => Err("the JWT lacks iss".into()),
        (_, None) => Err("the JWT lacks sub".into()),
        (Some(iss), _) if iss != cred.org_id.as_str() => {
            Err("the JWT issuer is not the credential's organization".into())
        }
        _ => Err("the JWT subject is not the credential's technical account".into()),
    }
}

/// A string `jti` (RFC 7519 §4.1.7), required on the standard side.
fn required_text_jti(c: &Claims) -> Result<String, AssertionError> {
    match &c.jti {
        Some(Jti::Text(s)) => Ok(s.clone()),
        Some(Jti::Int(_)) => Err(AssertionError::BadClaim("jti")),
        None => Err(AssertionError::MissingClaim("jti")),
    }
}

fn grant_err(e: impl std::fmt::Display) -> OAuthError {
    OAuthError::invalid_grant(e.to_string())
}

/// Decide the RFC 7523 JWT-bearer grant for an authenticated client. `audiences` are the
/// accepted `aud` values (the issuer and the token endpoint URL), `allowed` the
/// credential's scopes, `scope` the request's.
pub fn decide_grant(
    cx: &Context<'_>,
    cred: &Credential,
    keys: &[RegisteredKey],
    allowed: &[String],
    audiences: &[String],
    assertion_param: Option<&str>,
    scope: Option<&str>,
) -> Result<Accepted, OAuthError> {
    // NEG-06: only service accounts are registered for this grant.
    if cred.kind != CredentialKind::ServiceAccountJwt || cred.technical_account.is_none() {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "this credential may not use the jwt-bearer grant",
        ));
    }
    let token = assertion_param.ok_or_else(|| grant_err("the assertion is missing"))?;
    let a = verified(cx, token, keys, false).map_err(grant_err)?;
    let c = &a.claims;
    if !c.aud.as_ref().is_some_and(|aud| audiences.contains(aud)) {
        return Err(grant_err("the assertion's audience is not this server"));
    }
    check_subject(c, cred).map_err(grant_err)?;
    let jti = required_text_jti(c).map_err(grant_err)?;
    // NEG-08 / SEC-31: a scope beyond the account's is invalid_scope.
    let requested = match scope {
        Some(raw) => ScopeSet::parse(raw)?,
        None => ScopeSet::from_list(allowed.iter().filter(|s| *s != OFFLINE_ACCESS).cloned()),
    };
    if requested.contains(OFFLINE_ACCESS) {
        return Err(OAuthError::invalid_scope(
            "offline_access is not available to the jwt-bearer grant",
        ));
    }
    let outside = requested.outside(allowed);
    if !outside.is_empty() {
        return Err(OAuthError::invalid_scope(format!(
            "scope not allowed for this credential: {}",
            outside.join(" ")
        )));
    }
    Ok(Accepted {
        scopes: requested,
        jti: Some(jti),
        expires_at: assertion::accepted_until(c, &cx.rules(false)),
    })
}

fn verified<'t>(
    cx: &Context<'_>,
    token: &'t str,
    keys: &[RegisteredKey],
    ims: bool,
) -> Result<Unverified<'t>, AssertionError> {
    let a = assertion::decode(token)?;
    assertion::verify_signature(&a, keys, cx.now)?;
    assertion::check_times(&a.claims, &cx.rules(ims), cx.now)?;
    Ok(a)
}

/// Decide `private_key_jwt` client authentication for `cred`, whose registered keys are
/// `keys`. `body_client_id` is the request's `client_id`, if sent. Returns the `jti` to
/// record as used until the returned time.
pub fn decide_client_assertion(
    cx: &Context<'_>,
    cred: &Credential,
    keys: &[RegisteredKey],
    audiences: &[String],
    client_assertion: &str,
    body_client_id: Option<&str>,
) -> Result<(String, Timestamp), OAuthError> {
    let failed = || OAuthError::invalid_client("client authentication failed");
    if cred.disabled || body_client_id.is_some_and(|b| b != cred.client_id.as_str()) {
        return Err(failed());
    }
    // Only a service account's keys authenticate it: once converted to server-to-server,
    // the keys it kept on file no longer serve (docs/security-review.md finding 13).
    if cred.kind != CredentialKind::ServiceAccountJwt {
        return Err(failed());
    }
    let a = verified(cx, client_assertion, keys, false).map_err(|_| failed())?;
    let c = &a.claims;
    let me = Some(cred.client_id.as_str());
    if c.iss.as_deref() != me || c.sub.as_deref() != me {
        return Err(failed());
    }
    if !c.aud.as_ref().is_some_and(|aud| audiences.contains(aud)) {
        return Err(failed());
    }
    let jti = required_text_jti(c).map_err(|_| failed())?;
    Ok((jti, assertion::accepted_until(c, &cx.rules(false))))
}

#[cfg(test)]
#[path = "jwt_bearer_tests.rs"]
mod tests;
