//! `/console/projects/{id}/events`: a project's I/O Events subscriptions (a webhook URL
//! and the event types it wants), subscribing (the URL must answer the challenge first)
//! and unsubscribing; `/console/events/{id}`: a subscription's delivery log, newest
//! first, with "Redeliver" beside each delivery (same delivery id).

use super::{Flash, Msg, Refusal, actor, done, page, person, read_failed, refusal, seg, utc};
use crate::session::{csrf_ok, csrf_refused};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use latchkey_core::admin::{AdminError, console_pages, projects, webhooks};
use latchkey_core::ids::ProjectId;
use latchkey_core::model::User;
use serde::Serialize;

#[derive(Serialize)]
struct SubRow {
    href: String,
    url: String,
    types: String,
    created: String,
    delete_action: String,
}

async fn events_page(
    st: &AppState,
    headers: &HeaderMap,
    user: &User,
    id: &ProjectId,
    status: StatusCode,
    msg: &Msg,
) -> Response {
    let ctx = st.admin_ctx();
    let who = actor(user);
    let (view, subs) = match async {
        Ok::<_, AdminError>((
            projects::view(&ctx, &who, id).await?,
            webhooks::list(&ctx, &who, id).await?,
        ))
    }
    .await
    {
        Ok(v) => v,
        Err(e) => return read_failed(e),
    };
    let may_manage = match console_pages::org_view(&ctx, &who, &view.project.org_id).await {
        Ok(o) => o.may_manage,
        Err(e) => return read_failed(e),
    };
    let rows: Vec<SubRow> = subs
        .into_iter()
        .map(|s| SubRow {
            href: format!("/console/events/{}", seg(&s.id)),
            delete_action: format!("/console/events/{}/delete", seg(&s.id)),
            url: s.url,
            types: s
                .event_types
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            created: utc(s.created_at),
        })
        .collect();
    let base = format!("/console/projects/{}", seg(id.as_str()));
    page(
        st,
        headers,
        status,
        "console_events.html",
        user,
        msg,
        minijinja::context! {
            project_name => view.project.name,
            project_href => base.clone(),
            action => format!("{base}/events"),
            may_manage,
            subscriptions => rows,
            types => webhooks::event_types(),
        },
    )
}

pub(super) async fn events_get(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(project): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let here = format!("/console/projects/{}/events", seg(&project));
    let user = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    events_page(
        &st,
        &headers,
        &user,
        &ProjectId(project),
        StatusCode::OK,
        &flash.msg(),
    )
    .await
}

/// The form's fields: `csrf`, `url` and one `event` per checked type.
fn fields(body: &[u8]) -> (Option<String>, String, Vec<String>) {
    let (mut csrf, mut url, mut types) = (None, String::new(), Vec::new());
    for (k, v) in url::form_urlencoded::parse(body) {
        match k.as_ref() {
            "csrf" => csrf = Some(v.into_owned()),
            "url" => url = v.into_owned(),
            "event" => types.push(v.into_owned()),
            _ => {}
        }
    }
    (csrf, url, types)
}

pub(super) async fn subscribe_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(project): Path<String>,
    body: Bytes,
) -> Response {
    let (csrf, url, types) = fields(&body);
    if !csrf_ok(&st, &headers, csrf.as_deref()) {
        return csrf_refused();
    }
    let here = format!("/console/projects/{}/events", seg(&project));
    let user = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let id = ProjectId(project);
    let ctx = st.admin_ctx();
    let who = actor(&user);
    let result = async {
        let sub = webhooks::prepare(&ctx, &who, &id, &url, &types).await?;
        let challenge = latchkey_core::rand::token(ctx.rng, 16);
        crate::events::verify_challenge(
            &sub.url,
            &challenge,
            st.settings.events.allow_private_targets,
        )
        .await
        .map_err(AdminError::Invalid)?;
        webhooks::save(&ctx, &sub).await
    }
    .await;
    match result {
        Ok(()) => done(&here, "subscribed"),
        Err(e) => match refusal(e) {
            Refusal::Show(status, m) => {
                events_page(&st, &headers, &user, &id, status, &Msg::Error(m)).await
            }
            Refusal::Page(r) => r,
        },
    }
}

#[derive(Serialize)]
struct DeliveryRow {
    id: String,
    event_type: String,
    status: &'static str,
    attempts: i64,
    created: String,
    last: String,
    delivered: String,
}

async fn log_page(
    st: &AppState,
    headers: &HeaderMap,
    user: &User,
    id: &str,
    status: StatusCode,
    msg: &Msg,
) -> Response {
    let ctx = st.admin_ctx();
    let who = actor(user);
    let (sub, log) = match async {
        Ok::<_, AdminError>((
            webhooks::get(&ctx, &who, id).await?,
            webhooks::deliveries(&ctx, &who, id, 200).await?,
        ))
    }
    .await
    {
        Ok(v) => v,
        Err(e) => return read_failed(e),
    };
    let rows: Vec<DeliveryRow> = log
        .into_iter()
        .map(|d| DeliveryRow {
            last: match (d.last_status, d.last_error) {
                (_, Some(e)) => e,
                (Some(code), None) => format!("HTTP {code}"),
                (None, None) => String::new(),
            },
            delivered: d.delivered_at.map(utc).unwrap_or_default(),
            created: utc(d.created_at),
            status: d.status.as_str(),
            attempts: d.attempts,
            event_type: d.event_type,
            id: d.id,
        })
        .collect();
    page(
        st,
        headers,
        status,
        "console_deliveries.html",
        user,
        msg,
        minijinja::context! {
            url => sub.url,
            project_href => format!("/console/projects/{}/events", seg(sub.project_id.as_str())),
            redeliver_action => format!("/console/events/{}/redeliver", seg(&sub.id)),
            deliveries => rows,
        },
    )
}

pub(super) async fn log_get(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let here = format!("/console/events/{}", seg(&id));
    let user = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    log_page(&st, &headers, &user, &id, StatusCode::OK, &flash.msg()).await
}

#[derive(serde::Deserialize)]
pub(super) struct ActionForm {
    csrf: Option<String>,
    delivery: Option<String>,
}

/// `delete` (the subscription) and `redeliver` (one delivery).
pub(super) async fn action_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    axum::extract::Form(f): axum::extract::Form<ActionForm>,
) -> Response {
    if !csrf_ok(&st, &headers, f.csrf.as_deref()) {
        return csrf_refused();
    }
    let here = format!("/console/events/{}", seg(&id));
    let user = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let ctx = st.admin_ctx();
    let who = actor(&user);
    let result = match action.as_str() {
        "delete" => match webhooks::get(&ctx, &who, &id).await {
            Ok(sub) => webhooks::delete(&ctx, &who, &id).await.map(|_| {
                (
                    format!("/console/projects/{}/events", seg(sub.project_id.as_str())),
                    "unsubscribed",
                )
            }),
            Err(e) => Err(e),
        },
        "redeliver" => {
            let d = f.delivery.unwrap_or_default();
            webhooks::redeliver_of(&ctx, &who, &id, &d)
                .await
                .map(|_| (here.clone(), "redelivered"))
        }
        _ => return super::not_found(),
    };
    match result {
        Ok((to, code)) => done(&to, code),
        Err(e) => match refusal(e) {
            Refusal::Show(status, m) => {
                log_page(&st, &headers, &user, &id, status, &Msg::Error(m)).await
            }
            Refusal::Page(r) => r,
        },
    }
}
