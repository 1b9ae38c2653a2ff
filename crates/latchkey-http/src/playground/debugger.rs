//! The token debugger at `/playground/debugger`: paste any JWT and see its decoded header
//! and claims, whether this server's JWKS verifies it (or that it cannot be verified
//! here), whether it is still valid or revoked, and what each claim means. The token is
//! sent in a POST body (never a URL), and is neither logged nor stored.

use super::allow_script;
use crate::authorize::unavailable;
use crate::pages::render;
use crate::session::{csrf_ok, csrf_refused, csrf_token, set_cookie};
use crate::state::AppState;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use latchkey_core::flows::playground as flow;
use serde::Deserialize;

fn show(st: &AppState, headers: &HeaderMap, status: StatusCode, ctx: minijinja::Value) -> Response {
    let (csrf, pre) = csrf_token(st, headers);
    let mut resp = render(
        status,
        "playground_debugger.html",
        minijinja::context! { csrf, ..ctx },
    );
    allow_script(&mut resp);
    if let Some(c) = pre {
        set_cookie(&mut resp, c);
    }
    resp
}

/// `GET /playground/debugger`
pub async fn debugger_get(State(st): State<AppState>, headers: HeaderMap) -> Response {
    show(&st, &headers, StatusCode::OK, minijinja::context! {})
}

#[derive(Deserialize)]
pub struct DebugForm {
    csrf: Option<String>,
    #[serde(default)]
    token: String,
}

/// `POST /playground/debugger`
pub async fn debugger_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<DebugForm>,
) -> Response {
    if !csrf_ok(&st, &headers, f.csrf.as_deref()) {
        return csrf_refused();
    }
    let keyring = st.keyring();
    let cx = st.flow(&keyring);
    match flow::debug(&cx, &f.token).await {
        Ok(Ok(d)) => show(
            &st,
            &headers,
            StatusCode::OK,
            minijinja::context! {
                token => f.token.trim(),
                i => d.inspection,
                validity => d.validity,
                valid => d.valid,
            },
        ),
        Ok(Err(why)) => show(
            &st,
            &headers,
            StatusCode::BAD_REQUEST,
            minijinja::context! {
                token => f.token.chars().take(20_000).collect::<String>(),
                garbage => why.to_string(),
            },
        ),
        Err(_) => unavailable(),
    }
}
