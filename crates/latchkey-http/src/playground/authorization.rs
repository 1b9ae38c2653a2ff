//! The Authorization tab's flow: check the credential first (kind, the Playground's
//! redirect URI, the secret), then the authorization code flow with the Playground's own
//! `state`, `nonce` and PKCE verifier, checked at the callback like any client's
//! (RFC 6749 §4.1, §10.12; RFC 7636).

use super::wire::{Call, send};
use super::{Peer, load, page, peer_of, posted, redirect_uri, save};
use crate::authorize::{see_other, unavailable};
use crate::pages::error_page;
use crate::state::AppState;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use latchkey_core::flows::playground as flow;
use latchkey_core::playground::explain::{Explanation, explain};
use latchkey_core::playground::{Pending, State as Pg, Tokens, normalise_scopes};
use latchkey_core::rand::token;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
pub struct StartForm {
    csrf: Option<String>,
    client_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    scope: String,
    pkce: Option<String>,
}

/// The Authorization tab again, with what went wrong explained.
async fn refuse(
    st: &AppState,
    headers: &HeaderMap,
    raw: Option<&str>,
    pg: Pg,
    e: Explanation,
) -> Response {
    let resp = page(
        st,
        headers,
        &pg,
        "authorization",
        None,
        Some(e),
        StatusCode::BAD_REQUEST,
    )
    .await;
    save(st, raw, &pg, resp).await
}

/// `POST /playground/start`: check the credential, then send the browser to authorize.
pub async fn start_post(
    State(st): State<AppState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    Form(f): Form<StartForm>,
) -> Response {
    let (raw, mut pg) = match posted(&st, &headers, f.csrf.as_deref()).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let client_id = f.client_id.trim().to_owned();
    let secret = f.client_secret.trim();
    // An empty secret field keeps the secret already checked for this same client.
    if !secret.is_empty() {
        pg.client_secret = Some(secret.to_owned());
    } else if pg.client_id != client_id {
        pg.client_secret = None;
    }
    pg.client_id = client_id.clone();
    pg.scope = normalise_scopes(&f.scope);
    pg.pkce = f.pkce.is_some();
    pg.notice = None;
    let checked = {
        let keyring = st.keyring();
        flow::check_user_flow(&st.flow(&keyring), &client_id, &redirect_uri(&st)).await
    };
    let found = match checked {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return refuse(&st, &headers, raw.as_deref(), pg, e).await,
        Err(_) => return unavailable(),
    };
    if found.credential.kind.has_secret() {
        let Some(secret) = pg.client_secret.clone() else {
            let e = explain(
                "invalid_client",
                "this credential is confidential: paste its client secret",
                &client_id,
            );
            return refuse(&st, &headers, raw.as_deref(), pg, e).await;
        };
        // Check the secret now, with a real introspection request, rather than after the
        // developer has signed in.
        let answer = send(
            &st,
            peer_of(peer),
            Call {
                label: "Check the client secret (RFC 7662 introspection)",
                method: Method::POST,
                path: "/oauth2/introspect".into(),
                form: vec![("token", "playground-secret-check".into())],
                bearer: None,
                basic: Some((client_id.clone(), secret)),
            },
            &client_id,
        )
        .await;
        if answer.status != 200 {
            let e = answer.exchange.explanation.clone().unwrap_or_else(|| {
                explain("invalid_client", "client authentication failed", &client_id)
            });
            pg.record(answer.exchange);
            // A wrong secret is not kept.
            pg.client_secret = None;
            return refuse(&st, &headers, raw.as_deref(), pg, e).await;
        }
    }
    let verifier = pg.pkce.then(|| token(st.rng.as_ref(), 32));
    let pending = Pending {
        state: token(st.rng.as_ref(), 16),
        nonce: token(st.rng.as_ref(), 16),
        verifier,
    };
    let location = {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("client_id", &client_id)
            .append_pair("redirect_uri", &redirect_uri(&st))
            .append_pair("response_type", "code")
            .append_pair("scope", &pg.scope)
            .append_pair("state", &pending.state)
            .append_pair("nonce", &pending.nonce);
        if let Some(v) = &pending.verifier {
            q.append_pair("code_challenge", &latchkey_core::pkce::s256(v))
                .append_pair("code_challenge_method", "S256");
        }
        format!("/ims/authorize/v2?{}", q.finish())
    };
    pg.pending = Some(pending);
    save(&st, raw.as_deref(), &pg, see_other(&location)).await
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /playground/callback`: check `state`, exchange the code (with the verifier).
pub async fn callback_get(
    State(st): State<AppState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let (raw, mut pg) = match load(&st, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(pending) = pg.pending.take() else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "No Playground flow under way",
            "This browser has no Playground flow waiting for this answer (it may have expired). Start again from the Playground.",
        );
    };
    if q.state.as_deref() != Some(pending.state.as_str()) {
        return error_page(
            StatusCode::BAD_REQUEST,
            "State does not match",
            "The answer's state is not the one this Playground sent, so it is not the answer to this browser's request (RFC 6749 §10.12). Start again from the Playground.",
        );
    }
    let client_id = pg.client_id.clone();
    if let Some(error) = q.error {
        pg.notice = Some(explain(
            &error,
            q.error_description.as_deref().unwrap_or_default(),
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
    let Some(code) = q.code else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "No code",
            "The answer carries neither a code nor an error.",
        );
    };
    let mut form = vec![
        ("grant_type", "authorization_code".to_owned()),
        ("code", code),
        ("redirect_uri", redirect_uri(&st)),
        ("client_id", client_id.clone()),
    ];
    if let Some(s) = &pg.client_secret {
        form.push(("client_secret", s.clone()));
    }
    if let Some(v) = &pending.verifier {
        form.push(("code_verifier", v.clone()));
    }
    let answer = send(
        &st,
        peer_of(peer),
        Call::form("Exchange the code for tokens", "/ims/token/v3", form),
        &client_id,
    )
    .await;
    if answer.status == 200 {
        pg.tokens = Some(tokens_from(&answer.json, "authorization_code", None));
        pg.notice = None;
    } else {
        pg.notice = answer.exchange.explanation.clone();
    }
    pg.record(answer.exchange);
    let tab = if pg.tokens.is_some() && pg.notice.is_none() {
        "tokens"
    } else {
        "authorization"
    };
    save(
        &st,
        raw.as_deref(),
        &pg,
        see_other(&format!("/playground?tab={tab}")),
    )
    .await
}

pub(super) fn tokens_from(json: &Value, grant: &str, previous: Option<&Tokens>) -> Tokens {
    let get = |k: &str| json[k].as_str().map(str::to_owned);
    Tokens {
        access_token: get("access_token"),
        // A refresh that does not rotate keeps the refresh token it used.
        refresh_token: get("refresh_token")
            .or_else(|| previous.and_then(|p| p.refresh_token.clone())),
        id_token: get("id_token").or_else(|| previous.and_then(|p| p.id_token.clone())),
        grant: grant.to_owned(),
    }
}
