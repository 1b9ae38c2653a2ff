//! The Developer Console in the browser, at `/console`: server-rendered pages (minijinja)
//! over the same session as the sign-in pages, where a person sees their orgs' projects,
//! APIs and credentials and, as their org role allows (SEC-40, decided in the core), changes
//! them. Every change is a form POST with a CSRF token (SEC-39), answered by a 303 to the
//! page with a fixed flash message (post/redirect/get), or by the page again with the error;
//! a new client secret is rendered once in the POST's own `no-store` response and never
//! put in a URL. Pages work without JavaScript; `/console/static/console.js` only adds the
//! copy buttons, the certificate file picker and confirmations (strict CSP: `script-src
//! 'self'`, no inline script). Outsiders get 404 for another org's ids.

mod credential_actions;
mod credentials;
mod events;
mod orgs;
mod projects;
mod snippets;
mod wizard;

use crate::authorize::{see_other, unavailable};
use crate::pages::{error_page, render};
use crate::session::{self, csrf_token, set_cookie};
use crate::state::AppState;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use latchkey_core::admin::{Actor, AdminError};
use latchkey_core::clock::Timestamp;
use latchkey_core::model::User;
use serde::Deserialize;

/// The console's routes (HTML only; the JSON console API lives under
/// `/console/organizations`, `/console/services` and `/console/api`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(orgs::index_get))
        .route("/console/static/console.js", get(script_get))
        .route("/console/orgs/{org}", get(orgs::org_get))
        .route("/console/orgs/{org}/projects", post(orgs::create_post))
        .route("/console/projects/{project}", get(projects::project_get))
        .route(
            "/console/projects/{project}/rename",
            post(projects::rename_post),
        )
        .route(
            "/console/projects/{project}/delete",
            post(projects::delete_post),
        )
        .route(
            "/console/projects/{project}/apis",
            post(projects::add_api_post),
        )
        .route(
            "/console/projects/{project}/apis/remove",
            post(projects::remove_api_post),
        )
        .route(
            "/console/projects/{project}/credentials/new",
            get(wizard::new_get),
        )
        .route(
            "/console/projects/{project}/credentials",
            post(wizard::create_post),
        )
        .route(
            "/console/credentials/{id}",
            get(credentials::credential_get),
        )
        .route(
            "/console/projects/{project}/events",
            get(events::events_get).post(events::subscribe_post),
        )
        .route("/console/events/{id}", get(events::log_get))
        .route("/console/events/{id}/{action}", post(events::action_post))
        .route(
            "/console/credentials/{id}/workspace.json",
            get(credentials::download_get),
        )
        .route(
            "/console/credentials/{id}/{action}",
            post(credential_actions::action_post),
        )
}

/// The console pages' Content-Security-Policy: the pages' own, plus our one script file
/// and forms that post only to us.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const SCRIPT: &str = include_str!("../../templates/console.js");

async fn script_get() -> Response {
    let mut resp = (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        SCRIPT,
    )
        .into_response();
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'"),
    );
    resp
}

/// The signed-in person, or the response that sends them to sign in first.
pub(crate) async fn person(
    st: &AppState,
    headers: &HeaderMap,
    here: &str,
) -> Result<User, Response> {
    match session::current(st, headers).await {
        Ok(Some((_, user))) => Ok(user),
        Ok(None) => Err(see_other(&format!("/login?return_to={}", encode(here)))),
        Err(_) => Err(unavailable()),
    }
}

pub(crate) fn actor(user: &User) -> Actor {
    Actor::User(user.id.clone())
}

/// Percent-encode a path for a query value or a path segment.
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A path segment (an org id holds `@`).
pub(crate) fn seg(s: &str) -> String {
    encode(s).replace('/', "%2F")
}

/// Render a console page for `user`: the CSRF token, the user's email and the message
/// (`notice` after a change, `error` when one was refused) are added to `ctx`.
pub(crate) fn page(
    st: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    template: &str,
    user: &User,
    msg: &Msg,
    ctx: minijinja::Value,
) -> Response {
    let (csrf, cookie) = csrf_token(st, headers);
    let (notice, error) = match msg {
        Msg::None => (None, None),
        Msg::Notice(n) => (Some(n.clone()), None),
        Msg::Error(e) => (None, Some(e.clone())),
    };
    let mut resp = render(
        status,
        template,
        minijinja::context! { csrf, user_email => user.email.clone(), notice, error, ..ctx },
    );
    console_headers(&mut resp);
    if let Some(c) = cookie {
        set_cookie(&mut resp, c);
    }
    resp
}

fn console_headers(resp: &mut Response) {
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
}

/// What a page says above its content.
pub(crate) enum Msg {
    None,
    Notice(String),
    Error(String),
}

/// The flash of a post/redirect/get: a fixed code in the URL, a fixed sentence on the
/// page (nothing the user typed is echoed from a URL).
#[derive(Debug, Deserialize, Default)]
struct Flash {
    done: Option<String>,
}

impl Flash {
    fn msg(&self) -> Msg {
        let text = match self.done.as_deref() {
            Some("project-created") => "Project created.",
            Some("project-renamed") => "Project renamed.",
            Some("project-deleted") => "Project deleted.",
            Some("api-added") => "API added to the project.",
            Some("api-removed") => "API removed from the project.",
            Some("secret-deleted") => "Client secret deleted.",
            Some("uris-saved") => "Redirect URIs saved.",
            Some("renamed") => "Credential renamed.",
            Some("cert-added") => "Public certificate added.",
            Some("cert-removed") => "Certificate removed.",
            Some("converted") => "Converted to OAuth Server-to-Server.",
            Some("disabled") => "Credential disabled: it gets no tokens and its tokens fail.",
            Some("enabled") => "Credential enabled.",
            Some("credential-deleted") => "Credential deleted.",
            Some("subscribed") => "Webhook added: it answered the challenge.",
            Some("unsubscribed") => "Webhook deleted.",
            Some("redelivered") => {
                "Queued again: it is sent in a moment, with the same delivery id."
            }
            _ => return Msg::None,
        };
        Msg::Notice(text.to_owned())
    }
}

/// How a refused operation reads: a message shown on the page it came from, with its
/// status, or a page of its own: not found (a 404, the same for an unknown id and another
/// org's) or the store failing (503).
pub(crate) enum Refusal {
    Show(StatusCode, String),
    Page(Response),
}

pub(crate) fn refusal(e: AdminError) -> Refusal {
    match e {
        AdminError::Invalid(m) => Refusal::Show(StatusCode::BAD_REQUEST, m),
        AdminError::Conflict(m) => Refusal::Show(StatusCode::CONFLICT, m),
        AdminError::Forbidden(m) => Refusal::Show(
            StatusCode::FORBIDDEN,
            format!("Your role does not allow this: {m}."),
        ),
        AdminError::NotFound(_) => Refusal::Page(not_found()),
        AdminError::Store(e) => {
            tracing::error!(error = %e, "console: store failed");
            Refusal::Page(unavailable())
        }
    }
}

/// For a read: any error is the page's end.
pub(crate) fn read_failed(e: AdminError) -> Response {
    match refusal(e) {
        Refusal::Show(status, m) => error_page(status, "Not allowed", &m),
        Refusal::Page(resp) => resp,
    }
}

pub(crate) fn not_found() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "Not found",
        "There is nothing here, or it is not yours to see.",
    )
}

/// A UTC time as the console shows it.
pub(crate) fn utc(ts: Timestamp) -> String {
    crate::account::utc(ts)
}

/// The 303 after a change.
pub(crate) fn done(location: &str, code: &str) -> Response {
    let sep = if location.contains('?') { '&' } else { '?' };
    see_other(&format!("{location}{sep}done={code}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_org_ids_and_return_paths() {
        assert_eq!(seg("ABC@LatchkeyOrg"), "ABC%40LatchkeyOrg");
        assert_eq!(encode("/console/orgs/a@b"), "/console/orgs/a%40b");
        assert_eq!(seg("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn flash_codes_map_to_fixed_sentences() {
        let f = Flash {
            done: Some("<script>".into()),
        };
        assert!(matches!(f.msg(), Msg::None));
        let f = Flash {
            done: Some("project-created".into()),
        };
        assert!(matches!(f.msg(), Msg::Notice(m) if m == "Project created."));
    }
}
