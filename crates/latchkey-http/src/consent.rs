//! The consent page (docs/design.md "HTML forms (contract)"): the client's name, project and
//! org, where the user will be sent, and a human description of every requested scope;
//! one form with `decision=allow` / `decision=deny` (SEC-38).

use crate::authorize::{proceed, see_other, unavailable};
use crate::pages::{error_page, render};
use crate::session::{self, csrf_ok, csrf_refused, csrf_token, set_cookie};
use crate::state::AppState;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use latchkey_core::admin::catalog::describe_scope;
use latchkey_core::authorize::{self as authz, AuthorizeRequest};
use latchkey_core::{ErrorCode, OAuthError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
pub struct ConsentQuery {
    ar: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ConsentForm {
    csrf: Option<String>,
    ar: Option<String>,
    decision: Option<String>,
}

#[derive(Serialize)]
struct ScopeLine {
    name: String,
    description: String,
    api: Option<String>,
}

fn expired() -> Response {
    error_page(
        StatusCode::BAD_REQUEST,
        "This sign-in has expired",
        "Go back to the application and start again.",
    )
}

fn open(st: &AppState, ar: Option<&str>) -> Option<AuthorizeRequest> {
    authz::open(ar?, &st.keyring(), st.now())
}

async fn scope_lines(
    st: &AppState,
    scopes: &[String],
) -> Result<Vec<ScopeLine>, latchkey_core::store::StoreError> {
    let apis = st.store.list_apis().await?;
    Ok(scopes
        .iter()
        .map(|s| {
            let (description, api) = describe_scope(&apis, s);
            ScopeLine {
                name: s.clone(),
                description,
                api,
            }
        })
        .collect())
}

fn host_of(uri: &str) -> String {
    url_host(uri).unwrap_or_else(|| uri.to_owned())
}

fn url_host(uri: &str) -> Option<String> {
    let rest = uri.split_once("://")?.1;
    Some(rest.split(['/', '?', '#']).next()?.to_owned())
}

pub async fn consent_get(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ConsentQuery>,
) -> Response {
    let Some(req) = open(&st, q.ar.as_deref()) else {
        return expired();
    };
    let Ok(signed_in) = session::current(&st, &headers).await else {
        return unavailable();
    };
    let Some((_, user)) = signed_in else {
        return see_other(&format!("/login?ar={}", q.ar.unwrap_or_default()));
    };
    let Ok(Some(cred)) = st.store.get_credential(&req.client_id).await else {
        return unavailable();
    };
    let project = st.store.get_project(&cred.project_id).await.ok().flatten();
    let org = st.store.get_org(&cred.org_id).await.ok().flatten();
    let Ok(scopes) = scope_lines(&st, &req.scopes).await else {
        return unavailable();
    };
    let (csrf, cookie) = csrf_token(&st, &headers);
    let mut resp = render(
        StatusCode::OK,
        "consent.html",
        minijinja::context! {
            client_name => cred.name,
            org_name => org.map(|o| o.name).unwrap_or_default(),
            project_name => project.map(|p| p.name).unwrap_or_default(),
            redirect_host => host_of(&req.redirect_uri),
            user_email => user.email,
            scopes,
            csrf,
            ar => q.ar,
        },
    );
    if let Some(c) = cookie {
        set_cookie(&mut resp, c);
    }
    resp
}

pub async fn consent_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<ConsentForm>,
) -> Response {
    if !csrf_ok(&st, &headers, f.csrf.as_deref()) {
        return csrf_refused();
    }
    let Some(req) = open(&st, f.ar.as_deref()) else {
        return expired();
    };
    let Ok(signed_in) = session::current(&st, &headers).await else {
        return unavailable();
    };
    if signed_in.is_none() {
        return see_other(&format!("/login?ar={}", f.ar.unwrap_or_default()));
    }
    match f.decision.as_deref() {
        Some("allow") => proceed(&st, req, signed_in, true).await,
        Some("deny") => {
            // NEG-09: 303 to the client with access_denied, state and iss.
            let e = OAuthError::new(ErrorCode::AccessDenied, "the user denied access");
            see_other(&authz::error_redirect_url(
                &req.redirect_uri,
                &e,
                req.state.as_deref(),
                &st.tokens().issuer,
            ))
        }
        _ => error_page(
            StatusCode::BAD_REQUEST,
            "Invalid request",
            "Choose Allow or Deny.",
        ),
    }
}
