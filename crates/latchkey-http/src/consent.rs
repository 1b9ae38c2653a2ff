//! The consent page (docs/design.md "HTML forms (contract)"): the client's name, project and
//! org, where the user will be sent, and a human description of every requested scope;
//! one form with `decision=allow` / `decision=deny` (SEC-38).

use crate::authorize::{proceed, respond, see_other, unavailable};
use crate::pages::{error_page, render};
use crate::session::{self, csrf_ok, csrf_refused, csrf_token, set_cookie};
use crate::state::AppState;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use latchkey_core::authorize::{self as authz, AuthorizeRequest};
use latchkey_core::flows::authorize as flow;
use latchkey_core::flows::consent;
use serde::Deserialize;

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
    let keyring = st.keyring();
    let Ok(Some(page)) = consent::page(&st.flow(&keyring), &req).await else {
        return unavailable();
    };
    let (csrf, cookie) = csrf_token(&st, &headers);
    let mut resp = render(
        StatusCode::OK,
        "consent.html",
        minijinja::context! {
            client_name => page.client_name,
            org_name => page.org_name,
            project_name => page.project_name,
            redirect_host => page.redirect_host,
            user_email => user.email,
            scopes => page.scopes,
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
            let keyring = st.keyring();
            respond(Ok(flow::denied(&st.flow(&keyring), &req)))
        }
        _ => error_page(
            StatusCode::BAD_REQUEST,
            "Invalid request",
            "Choose Allow or Deny.",
        ),
    }
}
