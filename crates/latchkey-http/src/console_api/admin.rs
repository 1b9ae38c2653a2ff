//! Latchkey's own Admin Console API under `/console/api/` (the JSON twin of `/admin`, for
//! scripts): an org's members (search, add or invite, role, disable / enable), its
//! settings, a product instance with its profiles and "API credentials", and profile
//! rename, delete and membership. Authenticated as the rest of the console API (a
//! person's bearer token with `adobeio_api` and an `x-api-key`, or the session with its
//! CSRF token); what a caller may do is the core's decision (system admins only).
//! `{orgId}` is the Latchkey org id or the org's console number.

use super::caller::{
    ConsoleError, ConsolePath, ConsoleQuery, admin_fail, caller, json_body, ok, reply,
};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use latchkey_core::admin::invitations::{self, NewMember};
use latchkey_core::admin::members::{self, Member, member_json, user_json};
use latchkey_core::admin::{AdminError, authz, products, webhooks};
use latchkey_core::ids::ProjectId;
use latchkey_core::model::OrgRole;
use serde::Deserialize;
use serde_json::{Value, json};

/// An org the caller may not see is "not found" by the reference they sent, never by the
/// Latchkey id behind a console number (which would tell an outsider the org's id).
fn hide_org(e: AdminError, sent: &str) -> AdminError {
    match e {
        AdminError::NotFound(w) if w.starts_with("org ") => {
            AdminError::NotFound(format!("organization {sent}"))
        }
        other => other,
    }
}

/// The org a path names (`members::org_ref`), and how this request's refusals read:
/// through `hide_org`, so no answer names an org the caller may not see.
async fn org_path<'a>(
    st: &'a AppState,
    ctx: &latchkey_core::admin::Ctx<'_>,
    sent: String,
) -> Result<
    (
        latchkey_core::ids::OrgId,
        impl Fn(AdminError) -> ConsoleError + 'a,
    ),
    ConsoleError,
> {
    let org = members::org_ref(ctx, &sent).await;
    let fail = move |e| admin_fail(st, hide_org(e, &sent));
    match org {
        Ok(org) => Ok((org, fail)),
        Err(e) => Err(fail(e)),
    }
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    search: String,
}

/// `GET /console/api/organizations/{orgId}/users?search=`
pub async fn users_get(
    State(st): State<AppState>,
    ConsolePath(org): ConsolePath<String>,
    ConsoleQuery(q): ConsoleQuery<SearchQuery>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let ctx = st.admin_ctx();
    let (org, fail) = org_path(&st, &ctx, org).await?;
    let found = members::search(&ctx, &c.actor, &org, &q.search)
        .await
        .map_err(&fail)?;
    Ok(ok(
        json!({"users": found.iter().map(member_json).collect::<Vec<_>>()}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    email: String,
    given_name: Option<String>,
    family_name: Option<String>,
    #[serde(default = "user_role")]
    role: OrgRole,
    /// Without one, the answer carries a one-time `invitation_url`.
    password: Option<String>,
}

fn user_role() -> OrgRole {
    OrgRole::User
}

/// `POST /console/api/organizations/{orgId}/users`: 201.
pub async fn users_post(
    State(st): State<AppState>,
    ConsolePath(org): ConsolePath<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let b: NewUserBody = json_body(&st, &body)?;
    let ctx = st.admin_ctx();
    let (org, fail) = org_path(&st, &ctx, org).await?;
    let added = invitations::add(
        &ctx,
        &c.actor,
        &org,
        NewMember {
            email: &b.email,
            given_name: b.given_name.as_deref(),
            family_name: b.family_name.as_deref(),
            role: b.role,
            password: b.password.as_deref(),
        },
    )
    .await
    .map_err(&fail)?;
    let mut v = user_json(&added.user);
    v["role"] = json!(b.role);
    v["invitation_url"] = match added.invitation {
        Some(secret) => json!(invitations::invitation_url(&st.tokens().issuer, &secret)),
        None => Value::Null,
    };
    Ok(reply(StatusCode::CREATED, v))
}

/// `POST /console/api/organizations/{orgId}/users/{userId}/invitation`: a new one-time
/// link for a member who has not set a password (the old one stops working).
pub async fn invitation_post(
    State(st): State<AppState>,
    ConsolePath((org, who)): ConsolePath<(String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let ctx = st.admin_ctx();
    let (org, fail) = org_path(&st, &ctx, org).await?;
    let (user, secret) = invitations::reinvite(&ctx, &c.actor, &org, &who)
        .await
        .map_err(&fail)?;
    Ok(reply(
        StatusCode::CREATED,
        json!({"id": user.id, "email": user.email,
               "invitation_url": invitations::invitation_url(&st.tokens().issuer, &secret),
               "expires_in": invitations::INVITATION_TTL_SECS}),
    ))
}

/// `GET /console/api/organizations/{orgId}/users/{userId}`
pub async fn user_get(
    State(st): State<AppState>,
    ConsolePath((org, who)): ConsolePath<(String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let ctx = st.admin_ctx();
    let (org, fail) = org_path(&st, &ctx, org).await?;
    let d = members::detail(&ctx, &c.actor, &org, &who)
        .await
        .map_err(&fail)?;
    let mut v = user_json(&d.user);
    v["role"] = json!(d.role);
    v["product_roles"] = json!(d.product_roles);
    v["profiles"] = json!(
        d.profiles
            .iter()
            .map(
                |(i, p, admin)| json!({"instance_id": i.id, "instance_name": i.name,
                "product": i.product, "profile_id": p.id, "profile_name": p.name, "admin": admin})
            )
            .collect::<Vec<_>>()
    );
    v["credential"] = match &d.credential {
        Some(c) => json!({"client_id": c.client_id, "name": c.name, "kind": c.kind,
                          "project_id": c.project_id}),
        None => Value::Null,
    };
    Ok(ok(v))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    role: Option<OrgRole>,
    disabled: Option<bool>,
}

/// `PATCH /console/api/organizations/{orgId}/users/{userId}`: `{role?, disabled?}`.
pub async fn user_patch(
    State(st): State<AppState>,
    ConsolePath((org, who)): ConsolePath<(String, String)>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let patch: UserPatch = json_body(&st, &body)?;
    let ctx = st.admin_ctx();
    let (org, fail) = org_path(&st, &ctx, org).await?;
    members::update(&ctx, &c.actor, &org, &who, patch.role, patch.disabled)
        .await
        .map_err(&fail)?;
    let d = members::detail(&ctx, &c.actor, &org, &who).await;
    match d {
        Ok(d) => Ok(ok(member_json(&Member {
            user: d.user,
            role: d.role,
        }))),
        // The caller stepped down as system admin: done, and no longer theirs to read.
        Err(AdminError::Forbidden(_)) => Ok(ok(json!({"id": who, "role": patch.role}))),
        Err(e) => Err(fail(e)),
    }
}

/// `DELETE /console/api/organizations/{orgId}/users/{userId}`
pub async fn user_delete(
    State(st): State<AppState>,
    ConsolePath((org, who)): ConsolePath<(String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let ctx = st.admin_ctx();
    let (org, fail) = org_path(&st, &ctx, org).await?;
    members::remove(&ctx, &c.actor, &org, &who)
        .await
        .map_err(&fail)?;
    Ok(StatusCode::NO_CONTENT.into_response_no_store())
}

/// `GET /console/api/organizations/{orgId}/settings`
pub async fn settings_get(
    State(st): State<AppState>,
    ConsolePath(org): ConsolePath<String>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let ctx = st.admin_ctx();
    let (org, fail) = org_path(&st, &ctx, org).await?;
    let allowed = members::developers_may_manage_credentials(&ctx, &c.actor, &org)
        .await
        .map_err(&fail)?;
    Ok(ok(
        json!({"org_id": org, "developers_may_manage_credentials": allowed}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    developers_may_manage_credentials: bool,
}

/// `PATCH /console/api/organizations/{orgId}/settings`
pub async fn settings_patch(
    State(st): State<AppState>,
    ConsolePath(org): ConsolePath<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let patch: SettingsPatch = json_body(&st, &body)?;
    let ctx = st.admin_ctx();
    let (org, fail) = org_path(&st, &ctx, org).await?;
    authz::set_developers_may_manage_credentials(
        &ctx,
        &c.actor,
        &org,
        patch.developers_may_manage_credentials,
    )
    .await
    .map_err(&fail)?;
    Ok(ok(json!({"org_id": org,
        "developers_may_manage_credentials": patch.developers_may_manage_credentials})))
}

/// `GET /console/api/product-instances/{instanceId}`
pub async fn instance_get(
    State(st): State<AppState>,
    ConsolePath(id): ConsolePath<String>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let v = products::instance_view(&st.admin_ctx(), &c.actor, &id)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(products::instance_json(&v)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameBody {
    name: String,
}

/// `POST /console/api/product-instances/{instanceId}/profiles`: 201.
pub async fn profiles_post(
    State(st): State<AppState>,
    ConsolePath(id): ConsolePath<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let b: NameBody = json_body(&st, &body)?;
    let p = products::create_profile(&st.admin_ctx(), &c.actor, &id, &b.name)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(reply(StatusCode::CREATED, p))
}

/// `PATCH /console/api/product-profiles/{profileId}`: rename.
pub async fn profile_patch(
    State(st): State<AppState>,
    ConsolePath(id): ConsolePath<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let b: NameBody = json_body(&st, &body)?;
    let p = products::rename_profile(&st.admin_ctx(), &c.actor, &id, &b.name)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(p))
}

/// `DELETE /console/api/product-profiles/{profileId}`: 204.
pub async fn profile_delete(
    State(st): State<AppState>,
    ConsolePath(id): ConsolePath<String>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    products::delete_profile(&st.admin_ctx(), &c.actor, &id)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(StatusCode::NO_CONTENT.into_response_no_store())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct MemberBody {
    #[serde(default)]
    admin: bool,
}

/// `PUT /console/api/product-profiles/{profileId}/members/{userId}`: `{admin}`.
pub async fn member_put(
    State(st): State<AppState>,
    ConsolePath((id, who)): ConsolePath<(String, String)>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let b: MemberBody = if body.is_empty() {
        MemberBody::default()
    } else {
        json_body(&st, &body)?
    };
    let user = products::add_profile_member(&st.admin_ctx(), &c.actor, &id, &who, b.admin)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(
        json!({"profile_id": id, "user_id": user, "admin": b.admin}),
    ))
}

/// `DELETE /console/api/product-profiles/{profileId}/members/{userId}`: 204.
pub async fn member_delete(
    State(st): State<AppState>,
    ConsolePath((id, who)): ConsolePath<(String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    products::remove_profile_member(&st.admin_ctx(), &c.actor, &id, &who)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(StatusCode::NO_CONTENT.into_response_no_store())
}

trait NoStore {
    fn into_response_no_store(self) -> Response;
}

impl NoStore for StatusCode {
    fn into_response_no_store(self) -> Response {
        let mut r = axum::response::IntoResponse::into_response(self);
        crate::error::no_store(&mut r);
        r
    }
}

#[derive(Deserialize)]
pub struct AuditSearch {
    action: Option<String>,
    search: Option<String>,
    /// Milliseconds since the epoch.
    since: Option<i64>,
    until: Option<i64>,
    limit: Option<i64>,
}

/// `GET /console/api/organizations/{orgId}/audit`: the org's audit log, newest first.
pub async fn audit_get(
    State(st): State<AppState>,
    ConsolePath(org): ConsolePath<String>,
    ConsoleQuery(q): ConsoleQuery<AuditSearch>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    use latchkey_core::admin::audit_log::{self, Filter};
    use latchkey_core::clock::Timestamp;
    let c = caller(&st, &method, &headers).await?;
    let ctx = st.admin_ctx();
    let (org, fail) = org_path(&st, &ctx, org).await?;
    let filter = Filter {
        action: q.action.as_deref(),
        text: q.search.as_deref(),
        since: q.since.map(Timestamp),
        until: q.until.map(Timestamp),
        limit: q.limit,
    };
    let events = audit_log::search(&ctx, &c.actor, &org, &filter)
        .await
        .map_err(&fail)?;
    Ok(ok(json!({ "events": events })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscribeBody {
    url: String,
    event_types: Vec<String>,
}

/// `GET /console/api/projects/{projectId}/event-subscriptions`
pub async fn subscriptions_get(
    State(st): State<AppState>,
    ConsolePath(project): ConsolePath<String>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let subs = webhooks::list(&st.admin_ctx(), &c.actor, &ProjectId(project))
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(json!({ "subscriptions": subs })))
}

/// `POST /console/api/projects/{projectId}/event-subscriptions`: 201 once the URL has
/// answered the challenge.
pub async fn subscriptions_post(
    State(st): State<AppState>,
    ConsolePath(project): ConsolePath<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let b: SubscribeBody = json_body(&st, &body)?;
    let ctx = st.admin_ctx();
    let fail = |e| admin_fail(&st, e);
    let sub = webhooks::prepare(&ctx, &c.actor, &ProjectId(project), &b.url, &b.event_types)
        .await
        .map_err(&fail)?;
    let challenge = latchkey_core::rand::token(ctx.rng, 16);
    crate::events::verify_challenge(
        &sub.url,
        &challenge,
        st.settings.events.allow_private_targets,
    )
    .await
    .map_err(|e| fail(AdminError::Invalid(e)))?;
    webhooks::save(&ctx, &sub).await.map_err(&fail)?;
    Ok(reply(StatusCode::CREATED, sub))
}

/// `DELETE /console/api/event-subscriptions/{subscriptionId}`: 204.
pub async fn subscription_delete(
    State(st): State<AppState>,
    ConsolePath(id): ConsolePath<String>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    webhooks::delete(&st.admin_ctx(), &c.actor, &id)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(StatusCode::NO_CONTENT.into_response_no_store())
}

#[derive(Deserialize)]
pub struct LogQuery {
    limit: Option<i64>,
}

/// `GET /console/api/event-subscriptions/{subscriptionId}/deliveries`: the delivery log.
pub async fn deliveries_get(
    State(st): State<AppState>,
    ConsolePath(id): ConsolePath<String>,
    ConsoleQuery(q): ConsoleQuery<LogQuery>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let log = webhooks::deliveries(&st.admin_ctx(), &c.actor, &id, q.limit.unwrap_or(50))
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(json!({ "deliveries": log })))
}

/// `POST /console/api/event-subscriptions/{subscriptionId}/deliveries/{deliveryId}/redeliver`
pub async fn redeliver_post(
    State(st): State<AppState>,
    ConsolePath((id, delivery)): ConsolePath<(String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    webhooks::redeliver_of(&st.admin_ctx(), &c.actor, &id, &delivery)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(json!({"id": delivery, "status": "pending"})))
}
