//! The create-credential wizard: `/console/projects/{id}/credentials/new` first asks the
//! kind, then only what that kind needs: a name; redirect URIs for the user flows
//! (validated as ever, SEC-03); for server-to-server and service accounts the product
//! profiles its technical account joins (the seeds' Workfront walkthrough), and for a
//! service account an optional public certificate. The POST answers with the new secret
//! on the page itself, once (`no-store`), never in a URL.

use super::{Msg, actor, page, person, read_failed, refusal, seg};
use crate::session::{csrf_ok, csrf_refused};
use crate::state::AppState;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use latchkey_core::admin::{self, NewCredential, console_pages, projects};
use latchkey_core::ids::ProjectId;
use latchkey_core::model::{CredentialKind, User};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct KindChoice {
    value: &'static str,
    label: &'static str,
    what: &'static str,
    accepted: bool,
}

fn what(kind: CredentialKind) -> &'static str {
    match kind {
        CredentialKind::ApiKey => "Identifies your app to APIs that need no sign-in.",
        CredentialKind::OAuthWeb => "A web app with a server that keeps a secret; people sign in.",
        CredentialKind::OAuthSpa => "A browser-only app (PKCE, no secret); people sign in.",
        CredentialKind::OAuthNative => "A desktop or mobile app (PKCE, no secret); people sign in.",
        CredentialKind::ServerToServer => "A service calling APIs as its own technical account.",
        CredentialKind::ServiceAccountJwt => {
            "Legacy: a technical account signing JWTs with its private key."
        }
    }
}

#[derive(Serialize)]
struct ProfileChoice {
    id: String,
    name: String,
}

#[derive(Serialize)]
struct InstanceChoice {
    name: String,
    product: String,
    profiles: Vec<ProfileChoice>,
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct NewQuery {
    kind: Option<String>,
}

/// The form the user filled in, kept when it is shown again with an error.
#[derive(Default, Serialize)]
struct Filled {
    name: String,
    redirect_uris: String,
    certificate: String,
    profiles: Vec<String>,
}

async fn wizard_page(
    st: &AppState,
    headers: &HeaderMap,
    user: &User,
    project: &ProjectId,
    kind: Option<CredentialKind>,
    filled: Filled,
    (status, msg): (StatusCode, &Msg),
) -> Response {
    let ctx = st.admin_ctx();
    let who = actor(user);
    let p =
        match projects::project_for(&ctx, &who, project, admin::authz::Action::ManageCredentials)
            .await
        {
            Ok(p) => p,
            Err(e) => return read_failed(e),
        };
    let view = match projects::view(&ctx, &who, project).await {
        Ok(v) => v,
        Err(e) => return read_failed(e),
    };
    let kinds: Vec<KindChoice> = CredentialKind::ALL
        .iter()
        .map(|k| KindChoice {
            value: k.as_str(),
            label: k.label(),
            what: what(*k),
            accepted: view.apis.iter().any(|a| a.auth.contains(&k.auth_kind())),
        })
        .collect();
    let instances: Vec<InstanceChoice> = match kind {
        Some(k) => match console_pages::profile_choices(&ctx, &who, project, k).await {
            Ok(list) => list
                .into_iter()
                .map(|(i, profiles)| InstanceChoice {
                    name: i.name,
                    product: i.product,
                    profiles: profiles
                        .into_iter()
                        .map(|p| ProfileChoice {
                            id: p.id,
                            name: p.name,
                        })
                        .collect(),
                })
                .collect(),
            Err(e) => return read_failed(e),
        },
        None => Vec::new(),
    };
    let base = format!("/console/projects/{}", seg(p.id.as_str()));
    page(
        st,
        headers,
        status,
        "console_new_credential.html",
        user,
        msg,
        minijinja::context! {
            project_name => p.name,
            base,
            kinds,
            kind => kind.map(|k| k.as_str()),
            kind_label => kind.map(|k| k.label()),
            redirects => kind.is_some_and(|k| k.uses_redirect_uris()),
            technical => kind.is_some_and(|k| k.has_technical_account()),
            certificate => kind == Some(CredentialKind::ServiceAccountJwt),
            instances,
            filled,
        },
    )
}

pub(super) async fn new_get(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(project): Path<String>,
    Query(q): Query<NewQuery>,
) -> Response {
    let here = format!("/console/projects/{}/credentials/new", seg(&project));
    let user = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let (kind, status, msg) = match q.kind.as_deref().map(str::parse::<CredentialKind>) {
        None => (None, StatusCode::OK, Msg::None),
        Some(Ok(k)) => (Some(k), StatusCode::OK, Msg::None),
        Some(Err(_)) => (
            None,
            StatusCode::BAD_REQUEST,
            Msg::Error("Choose one of the kinds below.".into()),
        ),
    };
    let id = ProjectId(project);
    wizard_page(
        &st,
        &headers,
        &user,
        &id,
        kind,
        Filled::default(),
        (status, &msg),
    )
    .await
}

/// The URIs of a textarea, one a line (blank lines skipped).
pub(super) fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `POST /console/projects/{id}/credentials` (form pairs: `profile` may repeat).
pub(super) async fn create_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(project): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if !csrf_ok(&st, &headers, get("csrf").as_deref()) {
        return csrf_refused();
    }
    let here = format!("/console/projects/{}", seg(&project));
    let user = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let id = ProjectId(project);
    let filled = Filled {
        name: get("name").unwrap_or_default(),
        redirect_uris: get("redirect_uris").unwrap_or_default(),
        certificate: get("certificate").unwrap_or_default(),
        profiles: pairs
            .iter()
            .filter(|(n, _)| n == "profile")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    let Some(Ok(kind)) = get("kind").as_deref().map(str::parse::<CredentialKind>) else {
        let msg = Msg::Error("Choose one of the kinds below.".into());
        return wizard_page(
            &st,
            &headers,
            &user,
            &id,
            None,
            filled,
            (StatusCode::BAD_REQUEST, &msg),
        )
        .await;
    };
    let uris = lines(&filled.redirect_uris);
    let cert = filled.certificate.trim();
    let ctx = st.admin_ctx();
    let created = admin::create_credential(
        &ctx,
        &actor(&user),
        NewCredential {
            project: &id,
            kind,
            name: Some(filled.name.as_str()).filter(|n| !n.trim().is_empty()),
            redirect_uris: &uris,
            certificate_pem: (!cert.is_empty()).then_some(cert),
            profiles: &filled.profiles,
        },
    )
    .await;
    match created {
        Ok(c) => {
            tracing::info!(client_id = %c.credential.client_id, kind = %kind, "console: credential created");
            super::credentials::secret_page(
                &st,
                &headers,
                &user,
                &c.credential,
                c.secret.as_ref().map(|s| s.expose()),
                true,
                0,
            )
            .await
        }
        Err(e) => match refusal(e) {
            super::Refusal::Show(status, m) => {
                wizard_page(
                    &st,
                    &headers,
                    &user,
                    &id,
                    Some(kind),
                    filled,
                    (status, &Msg::Error(m)),
                )
                .await
            }
            super::Refusal::Page(r) => r,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uri_lines_skip_blanks() {
        assert_eq!(
            lines(" https://a/cb \n\n https://b/cb\r\n"),
            vec!["https://a/cb", "https://b/cb"]
        );
    }
}
