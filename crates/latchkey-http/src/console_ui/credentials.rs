//! `/console/credentials/{client_id}`: one credential: its client id, its secrets (at most
//! two live, docs/console-contract.md §3.7; never shown again), redirect URIs, public
//! certificates, technical account, snippet and the workspace download (§3.6), and the
//! changes its org role allows (SEC-40): rotate or delete a secret, edit redirect URIs
//! (SEC-03), upload, generate or remove a key, convert a service account to
//! server-to-server (docs/ims-contract.md §5), disable, enable, delete.

use super::{Flash, Msg, actor, done, page, person, read_failed, refusal, seg, utc};
use crate::session::{csrf_ok, csrf_refused};
use crate::state::AppState;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::admin::{self, accounts, console_pages, service_accounts};
use latchkey_core::ids::ClientId;
use latchkey_core::keys::KeyAlg;
use latchkey_core::model::{Credential, CredentialKind, MAX_ACTIVE_SECRETS, User};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct SecretRow {
    id: String,
    created: String,
}

#[derive(Serialize)]
struct CertRow {
    id: String,
    created: String,
    expires: String,
    expired: bool,
}

fn base(id: &ClientId) -> String {
    format!("/console/credentials/{}", seg(id.as_str()))
}

async fn credential_page(
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
pub(super) fn secret_page(
    st: &AppState,
    headers: &HeaderMap,
    user: &User,
    cred: &Credential,
    secret: Option<&str>,
    created: bool,
) -> Response {
    page(
        st,
        headers,
        StatusCode::OK,
        "console_secret.html",
        user,
        &Msg::None,
        minijinja::context! {
            created,
            name => cred.name.clone(),
            kind_label => cred.kind.label(),
            client_id => cred.client_id.0.clone(),
            secret,
            href => base(&cred.client_id),
        },
    )
}

/// `GET …/workspace.json`: the credential as the Adobe CLI reads it (§3.6), as a download.
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
    let json = match console_pages::workspace_config(&ctx, &actor(&user), &id).await {
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

fn attachment(content_type: &'static str, filename: &str, body: String) -> Response {
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

#[derive(Debug, Deserialize)]
pub(super) struct CredForm {
    csrf: Option<String>,
    secret_id: Option<String>,
    redirect_uris: Option<String>,
    name: Option<String>,
    certificate: Option<String>,
    certificate_id: Option<String>,
    alg: Option<String>,
}

/// `POST /console/credentials/{id}/{action}`.
pub(super) async fn action_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<CredForm>,
) -> Response {
    if !csrf_ok(&st, &headers, f.csrf.as_deref()) {
        return csrf_refused();
    }
    let id = ClientId(id);
    let here = base(&id);
    let user = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let ctx = st.admin_ctx();
    let who = actor(&user);
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let result: Result<&'static str, admin::AdminError> = match action.as_str() {
        "rotate" => match admin::rotate_secret(&ctx, &who, &id).await {
            Ok((secret, revoked)) => {
                tracing::info!(client_id = %id, revoked = revoked.len(), "console: secret rotated");
                let cred = match admin::show_credential(&ctx, &who, &id).await {
                    Ok(c) => c,
                    Err(e) => return read_failed(e),
                };
                return secret_page(&st, &headers, &user, &cred, Some(secret.expose()), false);
            }
            Err(e) => Err(e),
        },
        "secret-delete" => admin::delete_secret(&ctx, &who, &id, &text(&f.secret_id))
            .await
            .map(|()| "secret-deleted"),
        "redirect-uris" => {
            let uris = super::wizard::lines(&text(&f.redirect_uris));
            admin::update_credential(&ctx, &who, &id, None, Some(&uris))
                .await
                .map(|_| "uris-saved")
        }
        "rename" => admin::update_credential(&ctx, &who, &id, Some(&text(&f.name)), None)
            .await
            .map(|_| "renamed"),
        "certificate" => service_accounts::add_certificate(&ctx, &who, &id, &text(&f.certificate))
            .await
            .map(|_| "cert-added"),
        "certificate-remove" => {
            service_accounts::remove_certificate(&ctx, &who, &id, &text(&f.certificate_id))
                .await
                .map(|()| "cert-removed")
        }
        "generate-key" => {
            let alg = if f.alg.as_deref() == Some("ES256") {
                KeyAlg::Es256
            } else {
                KeyAlg::Rs256
            };
            match service_accounts::generate_key(&ctx, &who, &id, alg).await {
                // The private key goes to the browser in this response and nowhere else.
                Ok(k) => {
                    return attachment(
                        "application/x-pem-file",
                        "private.key",
                        k.private_key_pem.clone(),
                    );
                }
                Err(e) => Err(e),
            }
        }
        "convert" => service_accounts::convert_to_server_to_server(&ctx, &who, &id)
            .await
            .map(|_| "converted"),
        "disable" => accounts::set_credential_disabled(&ctx, &who, &id, true)
            .await
            .map(|()| "disabled"),
        "enable" => accounts::set_credential_disabled(&ctx, &who, &id, false)
            .await
            .map(|()| "enabled"),
        "delete" => {
            let project = match console_pages::credential_view(&ctx, &who, &id).await {
                Ok(v) => v.project.id,
                Err(e) => return read_failed(e),
            };
            return match admin::delete_credential(&ctx, &who, &id).await {
                Ok(()) => done(
                    &format!("/console/projects/{}", seg(project.as_str())),
                    "credential-deleted",
                ),
                Err(e) => refused(&st, &headers, &user, &id, e).await,
            };
        }
        _ => return super::not_found(),
    };
    match result {
        Ok(code) => done(&here, code),
        Err(e) => refused(&st, &headers, &user, &id, e).await,
    }
}

async fn refused(
    st: &AppState,
    headers: &HeaderMap,
    user: &User,
    id: &ClientId,
    e: admin::AdminError,
) -> Response {
    match refusal(e) {
        super::Refusal::Show(status, m) => {
            credential_page(st, headers, user, id, status, &Msg::Error(m)).await
        }
        super::Refusal::Page(r) => r,
    }
}
