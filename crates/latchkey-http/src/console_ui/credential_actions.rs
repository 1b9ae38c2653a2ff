//! The changes on a credential's page, as its org role allows (SEC-40; SEC-34 CSRF on
//! each): rotate or delete a secret (SEC-41, the new one shown once in this response),
//! edit redirect URIs (SEC-03, validated as at creation), rename, upload, generate or
//! remove a key (the private key handed over once, never stored), convert a service
//! account to server-to-server (docs/ims-contract.md §5), disable, enable, delete.

use super::credentials::{attachment, base, credential_page, secret_page};
use super::{Msg, actor, done, person, read_failed, refusal, seg};
use crate::session::{csrf_ok, csrf_refused};
use crate::state::AppState;
use axum::extract::{Form, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use latchkey_core::admin::{self, accounts, console_pages, service_accounts};
use latchkey_core::ids::ClientId;
use latchkey_core::keys::KeyAlg;
use latchkey_core::model::User;
use serde::Deserialize;

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
                return secret_page(
                    &st,
                    &headers,
                    &user,
                    &cred,
                    Some(secret.expose()),
                    false,
                    revoked.len(),
                )
                .await;
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
