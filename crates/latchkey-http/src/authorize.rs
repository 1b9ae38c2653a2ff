//! The authorization endpoint (RFC 6749 §3.1, OIDC Core §3.1.2) on `/ims/authorize/v1`,
//! `/ims/authorize/v2`, legacy `/ims/authorize` and `/oauth2/authorize`, GET and POST.
//! Untrustworthy client or redirect → an error page; anything else → a 303 back to the
//! client with `error`, `state` and `iss`. No CORS here (SEC-07).

use crate::error::ApiError;
use crate::extract::OAuthRequest;
use crate::pages::error_page;
use crate::session;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use latchkey_core::OAuthError;
use latchkey_core::admin::allowed_scopes;
use latchkey_core::artifact::{self, ArtifactKind, ArtifactRequest};
use latchkey_core::authorize::{self, AuthorizeError, AuthorizeRequest, Next, SignedIn};
use latchkey_core::ids::ClientId;
use latchkey_core::model::{AuthCode, Session, User};
use latchkey_core::rand::lower_hex;
use latchkey_core::scope::ScopeSet;
use latchkey_core::token::Dialect;

pub const PATHS: &[(&str, Dialect)] = &[
    ("/ims/authorize/v1", Dialect::Ims),
    ("/ims/authorize/v2", Dialect::Ims),
    ("/ims/authorize", Dialect::Ims),
    ("/oauth2/authorize", Dialect::Standard),
];

pub fn route(dialect: Dialect) -> MethodRouter<AppState> {
    get(
        move |st: State<AppState>, h: HeaderMap, r: Result<OAuthRequest, ApiError>| {
            authorize(st, h, r, dialect)
        },
    )
    .post(
        move |st: State<AppState>, h: HeaderMap, r: Result<OAuthRequest, ApiError>| {
            authorize(st, h, r, dialect)
        },
    )
}

/// A 303 to `location`, uncacheable.
pub fn see_other(location: &str) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}

pub fn unavailable() -> Response {
    error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Temporarily unavailable",
        "Please try again in a moment.",
    )
}

async fn authorize(
    State(st): State<AppState>,
    headers: HeaderMap,
    req: Result<OAuthRequest, ApiError>,
    dialect: Dialect,
) -> Response {
    let req = match req {
        Ok(r) => r,
        Err(ApiError(e)) => {
            return error_page(StatusCode::BAD_REQUEST, "Invalid request", &e.description);
        }
    };
    let cred = match req.params.get("client_id").filter(|c| c.len() <= 128) {
        Some(id) => match st.store.get_credential(&ClientId(id.to_owned())).await {
            Ok(c) => c,
            Err(_) => return unavailable(),
        },
        None => None,
    };
    let allowed = match &cred {
        Some(c) => match allowed_scopes(st.store.as_ref(), c).await {
            Ok(a) => a,
            Err(_) => return unavailable(),
        },
        None => Vec::new(),
    };
    let validated = authorize::validate(&req.params, cred.as_ref(), &allowed, dialect, st.now())
        .and_then(|areq| {
            authorize::with_subject_hint(
                areq,
                req.params.get("id_token_hint"),
                &st.keyring(),
                &st.tokens().issuer,
                st.now(),
            )
        });
    match validated {
        Err(AuthorizeError::Page(msg)) => error_page(
            StatusCode::BAD_REQUEST,
            "This sign-in link is not valid",
            &msg,
        ),
        Err(AuthorizeError::Redirect {
            redirect_uri,
            error,
            state,
        }) => see_other(&authorize::error_redirect_url(
            &redirect_uri,
            &error,
            state.as_deref(),
            &st.tokens().issuer,
        )),
        Ok(areq) => match session::current(&st, &headers).await {
            Ok(s) => proceed(&st, areq, s, false).await,
            Err(_) => unavailable(),
        },
    }
}

/// Continue a validated request given the browser's session: log in, consent, or get a
/// code. `consent_given`: the user just accepted the consent form in this flow.
pub async fn proceed(
    st: &AppState,
    req: AuthorizeRequest,
    signed_in: Option<(Session, User)>,
    consent_given: bool,
) -> Response {
    let now = st.now();
    let grant = match &signed_in {
        Some((_, user)) => match st.store.active_grant(&user.id, &req.client_id).await {
            Ok(g) => g,
            Err(_) => return unavailable(),
        },
        None => None,
    };
    let consented = grant
        .as_ref()
        .map(|g| ScopeSet::from_list(g.scopes.iter().cloned()));
    let s = signed_in.as_ref().map(|(s, u)| SignedIn {
        auth_time: s.auth_time,
        user_id: u.id.as_str().to_owned(),
    });
    let next = authorize::next_step(&req, s.as_ref(), consented.as_ref(), consent_given, now);
    let redirect_error = |e: &OAuthError| {
        see_other(&authorize::error_redirect_url(
            &req.redirect_uri,
            e,
            req.state.as_deref(),
            &st.tokens().issuer,
        ))
    };
    match (next, signed_in) {
        (Err(e), _) => redirect_error(&e),
        (Ok(Next::Login), _) | (_, None) => {
            match authorize::seal(&req, &st.keyring(), st.tokens().access_token_alg, now) {
                Ok(ar) => see_other(&format!("/login?ar={ar}")),
                Err(e) => redirect_error(&e),
            }
        }
        (Ok(Next::Consent), Some(_)) => {
            match authorize::seal(&req, &st.keyring(), st.tokens().access_token_alg, now) {
                Ok(ar) => see_other(&format!("/consent?ar={ar}")),
                Err(e) => redirect_error(&e),
            }
        }
        (Ok(Next::IssueCode), Some((session, user))) => {
            match issue_code(st, &req, &session, &user, consent_given).await {
                Ok(code) => {
                    let mut pairs = vec![("code", code.as_str())];
                    if let Some(s) = &req.state {
                        pairs.push(("state", s.as_str()));
                    }
                    see_other(&authorize::redirect_url(
                        &req.redirect_uri,
                        &pairs,
                        &st.tokens().issuer,
                    ))
                }
                Err(e) => redirect_error(&e),
            }
        }
    }
}

/// Record consent (if just given) and store a single-use code bound to everything the
/// token request must repeat (REL-01: committed before the redirect).
async fn issue_code(
    st: &AppState,
    req: &AuthorizeRequest,
    session: &Session,
    user: &User,
    consent_given: bool,
) -> Result<String, OAuthError> {
    let now = st.now();
    let unavailable = |_| {
        OAuthError::new(
            latchkey_core::ErrorCode::TemporarilyUnavailable,
            "please try again",
        )
    };
    let grant = if consent_given {
        st.store
            .upsert_grant(
                &lower_hex(st.rng.as_ref(), 16),
                &user.id,
                &req.client_id,
                &req.scopes,
                now,
            )
            .await
            .map_err(unavailable)?
    } else {
        st.store
            .active_grant(&user.id, &req.client_id)
            .await
            .map_err(unavailable)?
            .ok_or_else(|| {
                OAuthError::new(
                    latchkey_core::ErrorCode::AccessDenied,
                    "consent is required",
                )
            })?
    };
    let minted = artifact::mint(
        &st.keyring(),
        st.tokens().access_token_alg,
        st.rng.as_ref(),
        now,
        &ArtifactRequest {
            kind: ArtifactKind::AuthorizationCode,
            client_id: req.client_id.as_str(),
            user_id: user.id.as_str(),
            scope: &req.dialect().join_scopes(&req.scope_set()),
            ims_as: &st.tokens().ims_as,
            ttl_secs: st.tokens().lifetimes.code_secs,
        },
    )?;
    st.store
        .insert_code(&AuthCode {
            hash: minted.hash,
            grant_id: grant.id,
            client_id: req.client_id.clone(),
            user_id: user.id.clone(),
            redirect_uri: req.redirect_uri_given.then(|| req.redirect_uri.clone()),
            scopes: req.scopes.clone(),
            nonce: req.nonce.clone(),
            code_challenge: req.code_challenge.clone(),
            auth_time: session.auth_time,
            created_at: now,
            expires_at: minted.expires_at,
        })
        .await
        .map_err(unavailable)?;
    Ok(minted.token)
}
