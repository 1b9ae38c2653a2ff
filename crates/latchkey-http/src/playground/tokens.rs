//! The Tokens tab's buttons (refresh, userinfo, validate_token, introspect, revoke) and
//! "Generate access token" for server-to-server credentials: each a real request through
//! this server's router, its raw exchange recorded for the page.

use super::authorization::tokens_from;
use super::wire::{Call, send};
use super::{Peer, load, peer_of, posted, save};
use crate::authorize::{see_other, unavailable};
use crate::pages::error_page;
use crate::session::{csrf_ok, csrf_refused};
use crate::state::AppState;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use latchkey_core::flows::playground as flow;
use latchkey_core::model::AuthKind;
use latchkey_core::playground::explain::explain;
use latchkey_core::playground::{State as Pg, normalise_scopes};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ActionForm {
    csrf: Option<String>,
    action: String,
    /// Which token `validate`, `introspect` and `revoke` act on.
    #[serde(default)]
    which: String,
}

/// `POST /playground/action`: refresh, userinfo, validate, introspect or revoke.
pub async fn action_post(
    State(st): State<AppState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    Form(f): Form<ActionForm>,
) -> Response {
    let (raw, mut pg) = match posted(&st, &headers, f.csrf.as_deref()).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(tokens) = pg.tokens.clone() else {
        return see_other("/playground?tab=authorization");
    };
    let client_id = pg.client_id.clone();
    let secret = pg.client_secret.clone();
    let chosen = match f.which.as_str() {
        "refresh" => tokens.refresh_token.clone(),
        "id" => tokens.id_token.clone(),
        _ => tokens.access_token.clone(),
    };
    let client_auth = |form: &mut Vec<(&str, String)>| {
        form.push(("client_id", client_id.clone()));
        if let Some(s) = &secret {
            form.push(("client_secret", s.clone()));
        }
    };
    let call = match (f.action.as_str(), chosen) {
        ("refresh", _) => {
            let Some(rt) = tokens.refresh_token.clone() else {
                pg.notice = Some(explain(
                    "invalid_request",
                    "there is no refresh token: ask for the offline_access scope",
                    &client_id,
                ));
                return save(
                    &st,
                    raw.as_deref(),
                    &pg,
                    see_other("/playground?tab=tokens"),
                )
                .await;
            };
            let mut form = vec![
                ("grant_type", "refresh_token".to_owned()),
                ("refresh_token", rt),
            ];
            client_auth(&mut form);
            Call::form("Refresh", "/ims/token/v3", form)
        }
        ("userinfo", _) => Call {
            label: "Userinfo",
            method: Method::GET,
            path: "/ims/userinfo/v2".into(),
            form: vec![],
            bearer: tokens.access_token.clone(),
            basic: None,
        },
        ("validate", Some(t)) => {
            let kind = match f.which.as_str() {
                "refresh" => "refresh_token",
                "id" => "id_token",
                _ => "access_token",
            };
            Call::form(
                "validate_token",
                "/ims/validate_token/v1",
                vec![
                    ("token", t),
                    ("type", kind.to_owned()),
                    ("client_id", client_id.clone()),
                ],
            )
        }
        ("introspect", Some(t)) => {
            let mut form = vec![("token", t)];
            client_auth(&mut form);
            Call::form("Introspect (RFC 7662)", "/oauth2/introspect", form)
        }
        ("revoke", Some(t)) => {
            let mut form = vec![("token", t)];
            client_auth(&mut form);
            Call::form("Revoke", "/ims/revoke", form)
        }
        _ => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "Unknown action",
                "Pick one of the Tokens tab's buttons.",
            );
        }
    };
    let refreshing = f.action == "refresh";
    let answer = send(&st, peer_of(peer), call, &client_id).await;
    if refreshing && answer.status == 200 {
        pg.tokens = Some(tokens_from(&answer.json, &tokens.grant, Some(&tokens)));
    }
    pg.notice = None;
    pg.record(answer.exchange);
    save(
        &st,
        raw.as_deref(),
        &pg,
        see_other("/playground?tab=tokens#exchanges"),
    )
    .await
}

#[derive(Deserialize)]
pub struct ClientCredentialsForm {
    csrf: Option<String>,
    client_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    scope: String,
}

/// `POST /playground/client-credentials`: "Generate access token" for a
/// server-to-server credential.
pub async fn client_credentials_post(
    State(st): State<AppState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    Form(f): Form<ClientCredentialsForm>,
) -> Response {
    let (raw, mut pg) = match posted(&st, &headers, f.csrf.as_deref()).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let client_id = f.client_id.trim().to_owned();
    let keyring = st.keyring();
    let cx = st.flow(&keyring);
    pg.client_id = client_id.clone();
    pg.scope = normalise_scopes(&f.scope);
    let secret = f.client_secret.trim().to_owned();
    pg.client_secret = (!secret.is_empty()).then(|| secret.clone());
    pg.notice = None;
    match flow::check_client(&cx, &client_id).await {
        Ok(Ok(c)) if c.credential.kind.auth_kind() == AuthKind::ServerToServer => {}
        Ok(Ok(c)) => {
            pg.notice = Some(explain(
                "unauthorized_client",
                &format!(
                    "a {} credential cannot use client_credentials; use the Authorization tab",
                    c.credential.kind.label()
                ),
                &client_id,
            ));
            return save(
                &st,
                raw.as_deref(),
                &pg,
                see_other("/playground?tab=authorization"),
            )
            .await;
        }
        Ok(Err(e)) => {
            pg.notice = Some(e);
            return save(
                &st,
                raw.as_deref(),
                &pg,
                see_other("/playground?tab=authorization"),
            )
            .await;
        }
        Err(_) => return unavailable(),
    }
    let answer = send(
        &st,
        peer_of(peer),
        Call::form(
            "Generate access token (client_credentials)",
            "/ims/token/v3",
            vec![
                ("grant_type", "client_credentials".to_owned()),
                ("client_id", client_id.clone()),
                ("client_secret", secret),
                ("scope", pg.scope.clone()),
            ],
        ),
        &client_id,
    )
    .await;
    got_tokens(&st, raw.as_deref(), pg, answer, "client_credentials").await
}

#[derive(Deserialize)]
pub struct JwtForm {
    csrf: Option<String>,
    client_id: String,
    #[serde(default)]
    client_secret: String,
    /// Used for this one request and dropped: never stored, logged or echoed.
    #[serde(default)]
    private_key: String,
}

/// `POST /playground/jwt`: the service-account exchange (`/ims/exchange/jwt`) with a JWT
/// the Playground signs with the pasted private key.
pub async fn jwt_post(
    State(st): State<AppState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    Form(f): Form<JwtForm>,
) -> Response {
    let (raw, mut pg) = match posted(&st, &headers, f.csrf.as_deref()).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let client_id = f.client_id.trim().to_owned();
    let secret = f.client_secret.trim().to_owned();
    pg.client_id = client_id.clone();
    pg.client_secret = (!secret.is_empty()).then(|| secret.clone());
    pg.notice = None;
    let back = |pg: Pg, st: AppState, raw: Option<String>| async move {
        save(
            &st,
            raw.as_deref(),
            &pg,
            see_other("/playground?tab=authorization"),
        )
        .await
    };
    let claims = {
        let keyring = st.keyring();
        let cx = st.flow(&keyring);
        match flow::check_client(&cx, &client_id).await {
            Ok(Ok(c)) if c.credential.kind.auth_kind() == AuthKind::ServiceAccountJwt => {
                match flow::service_account_claims(&cx, &c.credential).await {
                    Ok(Some(claims)) => claims,
                    Ok(None) => return unavailable(),
                    Err(_) => return unavailable(),
                }
            }
            Ok(Ok(c)) => {
                pg.notice = Some(explain(
                    "unauthorized_client",
                    &format!(
                        "a {} credential has no service-account exchange",
                        c.credential.kind.label()
                    ),
                    &client_id,
                ));
                return back(pg, st.clone(), raw).await;
            }
            Ok(Err(e)) => {
                pg.notice = Some(e);
                return back(pg, st.clone(), raw).await;
            }
            Err(_) => return unavailable(),
        }
    };
    let jwt = match latchkey_core::playground::assertion::sign(&f.private_key, &claims) {
        Ok(j) => j,
        Err(why) => {
            pg.notice = Some(explain("invalid_request", &why, &client_id));
            return back(pg, st.clone(), raw).await;
        }
    };
    let answer = send(
        &st,
        peer_of(peer),
        Call::form(
            "Service account: exchange a JWT (/ims/exchange/jwt)",
            "/ims/exchange/jwt",
            vec![
                ("client_id", client_id.clone()),
                ("client_secret", secret),
                ("jwt_token", jwt),
            ],
        ),
        &client_id,
    )
    .await;
    got_tokens(&st, raw.as_deref(), pg, answer, "jwt_bearer").await
}

#[derive(Deserialize)]
pub struct GenerateForm {
    csrf: Option<String>,
    client_id: String,
    #[serde(default)]
    scope: String,
}

/// `POST /playground/generate`: "Generate access token" on a server-to-server
/// credential's console page, for a signed-in person who may manage it (no secret
/// needed); the token opens in the Playground's Tokens tab.
pub async fn generate_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<GenerateForm>,
) -> Response {
    if !csrf_ok(&st, &headers, f.csrf.as_deref()) {
        return csrf_refused();
    }
    let user = match crate::session::current(&st, &headers).await {
        Ok(Some((_, u))) => u,
        Ok(None) => return see_other("/login?return_to=/playground"),
        Err(_) => return unavailable(),
    };
    let (raw, mut pg) = match load(&st, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let client_id = f.client_id.trim().to_owned();
    let scope = normalise_scopes(&f.scope);
    let issued = {
        let keyring = st.keyring();
        let actor = latchkey_core::admin::Actor::User(user.id.clone());
        flow::token_for_manager(
            &st.flow(&keyring),
            &actor,
            &client_id,
            (!scope.is_empty()).then_some(scope.as_str()),
        )
        .await
    };
    pg.client_id = client_id.clone();
    pg.client_secret = None;
    pg.scope = scope.clone();
    pg.notice = None;
    let request = format!(
        "(no HTTP request: your console session, as someone who manages this credential, \
         stands in for its client secret)\nclient_id={client_id}\nscope={scope}"
    );
    let tab = match issued {
        Err(_) => return unavailable(),
        Ok(Err(e)) => {
            pg.record(latchkey_core::playground::Exchange {
                label: "Generate access token (console)".into(),
                request,
                status: 400,
                response: format!("{}: {}", e.error, e.description),
                explanation: Some(e.clone()),
            });
            pg.notice = Some(e);
            "authorization"
        }
        Ok(Ok(t)) => {
            let body = serde_json::json!({
                "token_type": "bearer",
                "expires_in": t.expires_in_secs * 1000,
                "scope": t.scopes.to_ims(),
            });
            pg.record(latchkey_core::playground::Exchange {
                label: "Generate access token (console)".into(),
                request,
                status: 200,
                response: serde_json::to_string_pretty(&body).unwrap_or_default(),
                explanation: None,
            });
            pg.tokens = Some(latchkey_core::playground::Tokens {
                access_token: Some(t.access_token),
                refresh_token: None,
                id_token: None,
                grant: "client_credentials".into(),
            });
            "tokens"
        }
    };
    save(
        &st,
        raw.as_deref(),
        &pg,
        see_other(&format!("/playground?tab={tab}")),
    )
    .await
}

/// After a token request: the tokens (Tokens tab) or the explained error (Authorization
/// tab), the exchange recorded, the session saved.
async fn got_tokens(
    st: &AppState,
    raw: Option<&str>,
    mut pg: Pg,
    answer: super::wire::Answer,
    grant: &str,
) -> Response {
    let tab = if answer.status == 200 {
        pg.tokens = Some(tokens_from(&answer.json, grant, None));
        "tokens"
    } else {
        pg.notice = answer.exchange.explanation.clone();
        "authorization"
    };
    pg.record(answer.exchange);
    save(st, raw, &pg, see_other(&format!("/playground?tab={tab}"))).await
}
