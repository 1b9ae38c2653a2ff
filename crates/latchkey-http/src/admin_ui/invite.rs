//! `/invite/{token}`: where an invited person sets their password. The link's token is
//! 256 random bits; only its hash is stored, it expires, and it works once (the store
//! consumes it in the same transaction that sets the password). The pages send no
//! referrer (SEC-07), so the token does not leak to links on them.

use crate::authorize::see_other;
use crate::pages::{error_page, render};
use crate::session::{csrf_ok, csrf_refused, csrf_token, set_cookie};
use crate::state::AppState;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use latchkey_core::admin::{AdminError, invitations};
use serde::Deserialize;

fn unusable() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "This invitation cannot be used",
        "It has been used already, has expired, or was never issued. Ask your \
         organization's administrator for a new one.",
    )
}

fn failed(e: AdminError) -> Response {
    match e {
        AdminError::Store(e) => {
            tracing::error!(error = %e, "invitation: store failed");
            crate::authorize::unavailable()
        }
        _ => unusable(),
    }
}

fn form(
    st: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    email: &str,
    org: &str,
    error: Option<&str>,
) -> Response {
    let (csrf, cookie) = csrf_token(st, headers);
    let mut resp = render(
        status,
        "invite.html",
        minijinja::context! { csrf, email, org, error },
    );
    if let Some(c) = cookie {
        set_cookie(&mut resp, c);
    }
    resp
}

pub(super) async fn invite_get(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let ctx = st.admin_ctx();
    match invitations::invitation(&ctx, &token).await {
        Ok((_, user, org)) => form(&st, &headers, StatusCode::OK, &user.email, &org.name, None),
        Err(e) => failed(e),
    }
}

#[derive(Deserialize)]
pub(super) struct InviteForm {
    csrf: Option<String>,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub(super) async fn invite_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(f): Form<InviteForm>,
) -> Response {
    if !csrf_ok(&st, &headers, f.csrf.as_deref()) {
        return csrf_refused();
    }
    let ctx = st.admin_ctx();
    let (user, org) = match invitations::invitation(&ctx, &token).await {
        Ok((_, u, o)) => (u, o),
        Err(e) => return failed(e),
    };
    let again = |m: &str| {
        form(
            &st,
            &headers,
            StatusCode::BAD_REQUEST,
            &user.email,
            &org.name,
            Some(m),
        )
    };
    if f.password != f.confirm {
        return again("The two passwords differ.");
    }
    match invitations::accept(&ctx, &token, &f.password).await {
        Ok(_) => see_other("/login?return_to=%2Fconsole"),
        Err(AdminError::Invalid(m)) => again(&m),
        Err(e) => failed(e),
    }
}
