//! The user's own pages: Connected Applications (`/account/connected-applications`), where
//! a user sees the apps they let in and revokes one, and signing out (SEC-39).

use crate::authorize::{see_other, unavailable};
use crate::pages::{error_page, render};
use crate::session::{self, csrf_ok, csrf_refused, csrf_token, set_cookie};
use crate::state::AppState;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use latchkey_core::clock::Timestamp;
use latchkey_core::flows::account;
use serde::{Deserialize, Serialize};

pub const PATH: &str = "/account/connected-applications";

#[derive(Serialize)]
struct Row {
    id: String,
    client_name: String,
    org_name: String,
    scopes: Vec<String>,
    created: String,
    last_used: String,
}

/// A UTC date and time, `YYYY-MM-DD HH:MM UTC`, without a date crate.
pub fn utc(ts: Timestamp) -> String {
    let (y, m, d, h, mi, _) = ts.civil();
    format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02} UTC")
}

pub async fn connected_get(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let Ok(signed_in) = session::current(&st, &headers).await else {
        return unavailable();
    };
    let Some((_, user)) = signed_in else {
        return see_other(&format!("/login?return_to={PATH}"));
    };
    let keyring = st.keyring();
    let Ok(apps) = account::connected_apps(&st.flow(&keyring), &user).await else {
        return unavailable();
    };
    let rows: Vec<Row> = apps
        .into_iter()
        .map(|a| Row {
            id: a.grant_id.0,
            client_name: a.client_name,
            org_name: a.org_name,
            scopes: a.scopes,
            created: utc(a.created_at),
            last_used: a.last_used_at.map_or_else(|| "never".to_owned(), utc),
        })
        .collect();
    let (csrf, cookie) = csrf_token(&st, &headers);
    let mut resp = render(
        StatusCode::OK,
        "connected_apps.html",
        minijinja::context! { user_email => user.email, grants => rows, csrf },
    );
    if let Some(c) = cookie {
        set_cookie(&mut resp, c);
    }
    resp
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    csrf: Option<String>,
    grant_id: Option<String>,
}

pub async fn revoke_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<RevokeForm>,
) -> Response {
    if !csrf_ok(&st, &headers, f.csrf.as_deref()) {
        return csrf_refused();
    }
    let Ok(signed_in) = session::current(&st, &headers).await else {
        return unavailable();
    };
    let Some((_, user)) = signed_in else {
        return see_other(&format!("/login?return_to={PATH}"));
    };
    let not_found = || {
        error_page(
            StatusCode::NOT_FOUND,
            "Not found",
            "That application is not connected to your account.",
        )
    };
    let Some(id) = f.grant_id else {
        return not_found();
    };
    let keyring = st.keyring();
    match account::revoke_app(&st.flow(&keyring), &user, &id).await {
        Ok(true) => {
            tracing::info!(user = %user.id, grant = %id, "grant revoked by its user");
            see_other(PATH)
        }
        Ok(false) => not_found(),
        Err(_) => unavailable(),
    }
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    csrf: Option<String>,
}

pub async fn logout_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LogoutForm>,
) -> Response {
    if !csrf_ok(&st, &headers, f.csrf.as_deref()) {
        return csrf_refused();
    }
    let Ok(clear) = session::end(&st, &headers).await else {
        return unavailable();
    };
    let mut resp = render(StatusCode::OK, "signed_out.html", minijinja::context! {});
    set_cookie(&mut resp, clear);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(utc(Timestamp(0)), "1970-01-01 00:00 UTC");
        assert_eq!(utc(Timestamp(1_795_432_693_532)), "2026-11-23 11:18 UTC");
        assert_eq!(
            utc(Timestamp::from_secs(951_782_400)),
            "2000-02-29 00:00 UTC"
        );
    }
}
