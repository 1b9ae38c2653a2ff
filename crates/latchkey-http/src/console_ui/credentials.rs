//! `/console/credentials/{client_id}`: one credential: its client id, its secrets (at most
//! two live, docs/console-contract.md §3 (3.7, client secrets); never shown again), redirect URIs, public
//! certificates, technical account, snippet and the workspace download (3.6). Its
//! changes are in `credential_actions`.

use super::{Flash, Msg, actor, page, person, read_failed, seg, utc};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::admin::{console_download, console_pages};
use latchkey_core::ids::ClientId;
use latchkey_core::model::{Credential, CredentialKind, MAX_ACTIVE_SECRETS, User};
use serde::Serialize;

#[derive(Serialize)]
struct SecretRow {
    id: String,
    created: String,
    last_used: Option<String>,
}

#[derive(Serialize)]
struct CertRow {
    id: String,
    created: String,
    expires: String,
    expired: bool,
}

pub(super) fn base(id: &ClientId) -> String {
    format!("/console/credentials/{}", seg(id.as_str()))
}

pub(super) async fn credential_page(
    st: &AppState,
    headers: &HeaderMap,
    user: &User,
    id: &ClientId,
    status: StatusCode,
    msg: &Msg,
) -> Response {
    let ctx = st.admin_ctx();
    let v = match console_pages::credential_view(&ctx, &actor(user), id).await {
        Ok(v) => v,
        Err(e) => return read_failed(e),
    };
    let (snippet_title, snippet) = super::snippets::snippet(&st.tokens().issuer, &v);
    let now = st.now();
    let c = &v.credential;
    let secrets: Vec<SecretRow> = v
        .secrets
        .iter()
        .map(|s| SecretRow {
            id: s.id.clone(),
            created: utc(s.created_at),
            last_used: s.last_used_at.map(utc),
        })
        .collect();
    let certs: Vec<CertRow> = v
        .certificates
        .iter()
        .map(|k| CertRow {
            id: k.id.clone(),
            created: utc(k.created_at),
            expires: k.expires_at.map_or_else(|| "no expiry".to_owned(), utc),
            expired: k.expires_at.is_some_and(|t| t <= now),
        })
        .collect();
    page(
        st,
        headers,
        status,
        "console_credential.html",
        user,
        msg,
        minijinja::context! {
            base => base(id),
            project_name => v.project.name.clone(),
            project_href => format!("/console/projects/{}", seg(v.project.id.as_str())),
            name => c.name.clone(),
            client_id => c.client_id.0.clone(),
            kind_label => c.kind.label(),
            has_secret => c.kind.has_secret(),
            uses_redirects => c.kind.uses_redirect_uris(),
            is_jwt => c.kind == CredentialKind::ServiceAccountJwt,
            is_s2s => c.kind == CredentialKind::ServerToServer,
            playground_redirect => format!(
                "{}{}",
                st.tokens().issuer.trim_end_matches('/'),
                latchkey_core::playground::CALLBACK_PATH
            ),
            playground_registered => c.redirect_uris.iter().any(|u| u.ends_with(latchkey_core::playground::CALLBACK_PATH)),
            scope_list => v.scopes.join(","),
            disabled => c.disabled,
            created => utc(c.created_at),
            secrets,
            max_secrets => MAX_ACTIVE_SECRETS,
            redirect_uris => c.redirect_uris.join("\n"),
            redirect_list => c.redirect_uris.clone(),
            certificates => certs,
            technical_id => c.technical_account.as_ref().map(|t| t.0.clone()),
            technical_email => v.technical_account.as_ref().map(|u| u.email.clone()),
            scopes => v.scopes.clone(),
            metascopes => v.metascopes.clone(),
            snippet_title,
            snippet,
            may_manage => v.may_manage,
        },
    )
}

pub(super) async fn credential_get(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let id = ClientId(id);
    let user = match person(&st, &headers, &base(&id)).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    credential_page(&st, &headers, &user, &id, StatusCode::OK, &flash.msg()).await
}

/// The page that shows a new secret, once: right in the response to the POST that made
/// it (`Cache-Control: no-store`, as every page), with a copy button.
pub(super) async fn secret_page(
    st: &AppState,
    headers: &HeaderMap,
    user: &User,
    cred: &Credential,
    secret: Option<&str>,
    created: bool,
    retired: usize,
) -> Response {
    // The workspace file with this secret in it, offered only here (a `data:` link: the
    // secret is already on this page and goes nowhere else).
    let download = match secret {
        Some(s) => {
            let ctx = st.admin_ctx();
            match console_download::credential_file(
                &ctx,
                &actor(user),
                &cred.client_id,
                Some(s),
                &st.tokens().issuer,
            )
            .await
            {
                Ok(json) => Some(format!(
                    "data:application/json;charset=utf-8,{}",
                    super::encode(&serde_json::to_string_pretty(&json).unwrap_or_default())
                        .replace('/', "%2F")
                )),
                Err(e) => return read_failed(e),
            }
        }
        None => None,
    };
    page(
        st,
        headers,
        StatusCode::OK,
        "console_secret.html",
        user,
        &Msg::None,
        minijinja::context! {
            created,
            retired => retired > 0,
            download,
            filename => format!("{}.json", seg(cred.client_id.as_str())),
            name => cred.name.clone(),
            kind_label => cred.kind.label(),
            client_id => cred.client_id.0.clone(),
            secret,
            href => base(&cred.client_id),
        },
    )
}

/// `GET …/workspace.json`: the credential as the Adobe CLI reads it (3.6), as a download.
pub(super) async fn download_get(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let id = ClientId(id);
    let user = match person(&st, &headers, &base(&id)).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let ctx = st.admin_ctx();
    let json = match console_download::credential_file(
        &ctx,
        &actor(&user),
        &id,
        None,
        &st.tokens().issuer,
    )
    .await
    {
        Ok(j) => j,
        Err(e) => return read_failed(e),
    };
    let org = json["project"]["org"]["id"].as_str().unwrap_or("org");
    let project: String = json["project"]["name"]
        .as_str()
        .unwrap_or("project")
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ch == '-' {
                ch
            } else {
                '_'
            }
        })
        .collect();
    let body = serde_json::to_string_pretty(&json).unwrap_or_default();
    attachment(
        "application/json",
        &format!("{org}-{project}-Production.json"),
        body,
    )
}

pub(super) fn attachment(content_type: &'static str, filename: &str, body: String) -> Response {
    let mut resp = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    resp
}
