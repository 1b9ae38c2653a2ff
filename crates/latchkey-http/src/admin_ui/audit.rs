//! `/admin/orgs/{org}/audit`: the org's audit log, newest first, filtered by action and
//! by text in the actor or target; `/admin/orgs/{org}/audit.jsonl` exports the same
//! selection as JSON lines (one entry per line).

use super::org_links;
use crate::console_ui::{Msg, actor, page, person, read_failed, seg, utc};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::admin::audit_log::{self, Filter};
use latchkey_core::admin::{AdminError, members};
use latchkey_core::ids::OrgId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, Default)]
pub(super) struct AuditQuery {
    action: Option<String>,
    q: Option<String>,
    limit: Option<i64>,
}

impl AuditQuery {
    fn filter(&self) -> Filter<'_> {
        Filter {
            action: self.action.as_deref(),
            text: self.q.as_deref().map(str::trim).filter(|t| !t.is_empty()),
            since: None,
            until: None,
            limit: self.limit,
        }
    }
}

#[derive(Serialize)]
struct Row {
    at: String,
    action: &'static str,
    actor: String,
    target: String,
    address: String,
    details: String,
}

pub(super) async fn audit_get(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(org): Path<String>,
    Query(q): Query<AuditQuery>,
) -> Response {
    let here = format!("/admin/orgs/{}/audit", seg(&org));
    let me = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let org = OrgId(org);
    let ctx = st.admin_ctx();
    let a = actor(&me);
    let (o, events, emails) = match async {
        let o = members::admin_org(&ctx, &a, &org).await?;
        let events = audit_log::search(&ctx, &a, &org, &q.filter()).await?;
        let emails = audit_log::actor_emails(&ctx, &events).await?;
        Ok::<_, AdminError>((o, events, emails))
    }
    .await
    {
        Ok(v) => v,
        Err(e) => return read_failed(e),
    };
    let rows: Vec<Row> = events
        .into_iter()
        .map(|e| Row {
            at: utc(e.at),
            action: e.action.as_str(),
            actor: emails.get(&e.actor).cloned().unwrap_or(e.actor),
            target: e.target,
            address: e.address.unwrap_or_default(),
            details: details_text(&e.details),
        })
        .collect();
    let mut export = format!("/admin/orgs/{}/audit.jsonl", seg(org.as_str()));
    let mut sep = '?';
    for (k, v) in [("action", &q.action), ("q", &q.q)] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            export.push_str(&format!("{sep}{k}={}", crate::console_ui::encode(v)));
            sep = '&';
        }
    }
    page(
        &st,
        &headers,
        StatusCode::OK,
        "admin_audit.html",
        &me,
        &Msg::None,
        minijinja::context! {
            org_name => o.name,
            links => org_links(o.id.as_str()),
            tab => "audit",
            actions => audit_log::actions(),
            action => q.action.clone().unwrap_or_default(),
            q => q.q.clone().unwrap_or_default(),
            events => rows,
            export,
        },
    )
}

/// The same selection as JSON lines (`application/x-ndjson`), up to the search limit.
pub(super) async fn export_get(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(org): Path<String>,
    Query(q): Query<AuditQuery>,
) -> Response {
    let here = format!("/admin/orgs/{}/audit", seg(&org));
    let me = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let org = OrgId(org);
    let ctx = st.admin_ctx();
    let filter = Filter {
        limit: Some(q.limit.unwrap_or(audit_log::MAX_LIMIT)),
        ..q.filter()
    };
    let events = match audit_log::search(&ctx, &actor(&me), &org, &filter).await {
        Ok(e) => e,
        Err(e) => return read_failed(e),
    };
    let mut body = String::new();
    for e in &events {
        body.push_str(&serde_json::to_string(e).unwrap_or_default());
        body.push('\n');
    }
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"audit.jsonl\""),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `{"a": 1, "b": "x"}` as `a: 1 · b: x`, for a table cell.
fn details_text(v: &serde_json::Value) -> String {
    match v.as_object() {
        Some(m) => m
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join(" · "),
        None => v.to_string(),
    }
}
