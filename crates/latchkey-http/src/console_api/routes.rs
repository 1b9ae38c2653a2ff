//! Every path of the console API in one table (`ROUTES`), from which both the router
//! (`router`) and the OpenAPI 3 document at `/console/api/openapi.json`
//! (`openapi::document`) are made, so the document cannot drift from what is served. Paths and bodies are Adobe's
//! (docs/console-contract.md §2); the paths under `/console/api/` are Latchkey's own.

use super::caller::{self, ConsoleError};
use crate::console_orgs as orgs;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, patch, post, put};

use super::{admin as adm, credentials as creds, openapi, services as svc};

/// How a route authenticates, for the document's `security`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// A person's token with `adobeio_api` and an `x-api-key`, or the console session
    /// (with its CSRF token on changes): `caller::caller`.
    Console,
    /// As `Console`, and a bearer token also needs this scope (§3.7).
    ConsoleScope(&'static str),
    /// A person's bearer token with `adobeio_api` only (`console_api::convert_post`).
    Bearer,
    /// Nobody need sign in.
    Public,
}

/// One served route.
pub struct Route {
    pub method: Method,
    /// In axum's syntax, which is OpenAPI's: `{name}` for a path parameter.
    pub path: &'static str,
    pub summary: &'static str,
    /// The status of success.
    pub status: u16,
    /// What the JSON body holds, for the routes that take one.
    pub request: Option<&'static str>,
    /// What the successful answer holds.
    pub response: &'static str,
    pub auth: Auth,
    pub handler: fn() -> MethodRouter<AppState>,
}

/// An `O`-relative path (`O` = `/console/organizations/{orgId}`, §2).
macro_rules! concat_o {
    ($tail:literal) => {
        concat!("/console/organizations/{orgId}", $tail)
    };
}

macro_rules! route {
    ($m:ident $path:expr, $summary:expr, $status:expr, $req:expr, $resp:expr, $auth:expr, $h:expr) => {
        Route {
            method: Method::$m,
            path: $path,
            summary: $summary,
            status: $status,
            request: $req,
            response: $resp,
            auth: $auth,
            handler: || $h,
        }
    };
}

/// The whole console API.
pub static ROUTES: &[Route] = &[
    route!(GET "/console/organizations", "The caller's organizations (§3.1)", 200, None,
        "[Org]: {id, code, name, description, type, roles, role}", Auth::Console, get(orgs::orgs_get)),
    route!(GET concat_o!("/projects"), "The org's projects (§3.2)", 200, None,
        "[Project]", Auth::Console, get(orgs::projects_get)),
    route!(POST concat_o!("/projects"), "Create a project with its one workspace", 201,
        Some("{name*, title, type*: default|jaeger, description}"),
        "{projectId, projectType, workspaceId}", Auth::Console, post(orgs::projects_post)),
    route!(GET concat_o!("/projects/{projectId}"), "A project (§3.2)", 200, None,
        "Project", Auth::Console, get(orgs::project_get)),
    route!(PATCH concat_o!("/projects/{projectId}"), "Rename a project", 200,
        Some("{name, title, description}"), "Project", Auth::Console, patch(orgs::project_patch)),
    route!(DELETE concat_o!("/projects/{projectId}"), "Delete an empty project (409 while it has credentials)", 200, None,
        "{}", Auth::Console, delete(orgs::project_delete)),
    route!(GET concat_o!("/projects/{projectId}/workspaces"), "The project's one workspace (§3.3)", 200, None,
        "[Workspace]", Auth::Console, get(orgs::workspaces_get)),
    route!(POST concat_o!("/projects/{projectId}/workspaces"),
        "Refused: a project has exactly one workspace (400, as Adobe's default projects)", 400,
        Some("{name*, title, description}"), "never succeeds", Auth::Console, post(orgs::workspaces_post)),
    route!(GET concat_o!("/projects/{projectId}/workspaces/{workspaceId}"), "A workspace (§3.3)", 200, None,
        "Workspace", Auth::Console, get(orgs::workspace_get)),
    route!(GET concat_o!("/projects/{projectId}/workspaces/{workspaceId}/download"),
        "The workspace configuration file, without secrets (§3.6)", 200, None,
        "{project: {id, name, title, org, workspace: {id, name, action_url, app_url, details}}}",
        Auth::Console, get(orgs::download_get)),
    route!(GET concat_o!("/projects/{projectId}/workspaces/{workspaceId}/credentials"),
        "The workspace's credentials (§3.4)", 200, None,
        "[{id_workspace, id_integration, flow_type, integration_type}]", Auth::Console, get(creds::list_get)),
    route!(POST concat_o!("/projects/{projectId}/workspaces/{workspaceId}/credentials/oauth-server-to-server"),
        "Create an OAuth Server-to-Server credential", 200, Some("{name, description}"),
        "{id, apiKey, orgId, technicalAccountId}", Auth::Console, post(creds::s2s_post)),
    route!(POST concat_o!("/projects/{projectId}/workspaces/{workspaceId}/credentials/adobeId"),
        "Create an OAuth Web / Single-Page / Native app or API key credential (§3.4)", 200,
        Some("{name, description, platform*: WebApp|SinglePageApp|NativeApp|apiKey, redirectUriList, defaultRedirectUri}"),
        "{id, apiKey, orgId}", Auth::Console, post(creds::adobe_id_post)),
    route!(POST concat_o!("/projects/{projectId}/workspaces/{workspaceId}/credentials/entp"),
        "Create a Service Account (JWT) credential for an uploaded certificate", 200,
        Some("multipart/form-data: certificate* (PEM certificate or public key), name, description"),
        "{id, apiKey, orgId, technicalAccountId}", Auth::Console, post(creds::entp_post)),
    route!(DELETE concat_o!("/projects/{projectId}/workspaces/{workspaceId}/credentials/{credentialId}"),
        "Delete a credential; everything it issued is revoked", 200, None, "{}", Auth::Console, delete(creds::delete)),
    route!(PUT concat_o!("/projects/{projectId}/workspaces/{workspaceId}/credentials/{credentialType}/{credentialId}/services"),
        "Subscribe a credential to services and product profiles (§3.5)", 200,
        Some("[{sdkCode*, roles, licenseConfigs: [{op: add|remove, id*, productId}]}]"),
        "{sdkList}", Auth::Console, put(svc::workspace_subscribe_put)),
    route!(PUT concat_o!("/credentials/oauth-server-to-server/{credentialId}/services"),
        "Subscribe an OAuth Server-to-Server credential to services (§3.5)", 200,
        Some("[{sdkCode*, roles, licenseConfigs: [{op: add|remove, id*, productId}]}]"),
        "{sdkList, errorList}", Auth::Console, put(svc::org_subscribe_put)),
    route!(GET concat_o!("/credentials/{credentialId}/secrets"), "A credential's secrets, never their values (§3.7)", 200, None,
        "{client_id, client_secrets: [{uuid, created_at, created_at_str, expires_at, expires_at_str, secret_usages}]}",
        Auth::ConsoleScope(caller::READ_SECRETS_SCOPE), get(creds::secrets_get)),
    route!(POST concat_o!("/credentials/{credentialId}/secrets"), "Add a secret (at most 2); its value is shown once (§3.7)", 201, None,
        "{client_secret, uuid, created_at, created_at_str, expires_at, expires_at_str, secret_usages}",
        Auth::ConsoleScope(caller::MANAGE_SECRETS_SCOPE), post(creds::secrets_post)),
    route!(DELETE concat_o!("/credentials/{credentialId}/secrets/{secretId}"), "Delete a secret (not the last) (§3.7)", 204, None,
        "no body", Auth::ConsoleScope(caller::MANAGE_SECRETS_SCOPE), delete(creds::secret_delete)),
    route!(GET concat_o!("/integrations/{credentialId}"), "A credential as an Integration (§3.5)", 200, None,
        "Integration", Auth::Console, get(creds::integration_get)),
    route!(GET concat_o!("/integrations/{credentialId}/secrets"), "A credential's secrets, never their values (§3.7)", 200, None,
        "{client_id, client_secrets: [...]}", Auth::ConsoleScope(caller::READ_SECRETS_SCOPE), get(creds::secrets_get)),
    route!(GET concat_o!("/integrations/entp/{credentialId}/service/{sdkCode}/properties"),
        "A credential's product profiles of one service", 200, None,
        "{sdkCode, name, sdkList, licenseConfigs}", Auth::Console, get(svc::sdk_properties_get)),
    route!(GET concat_o!("/projects_workspaces/credentials/{credentialId}"), "The project and workspace of a credential", 200, None,
        "{projectId, workspaceId}", Auth::Console, get(creds::credential_location_get)),
    route!(GET concat_o!("/projects_workspaces/workspaces/{workspaceId}"), "The project of a workspace", 200, None,
        "{projectId, workspaceId}", Auth::Console, get(creds::workspace_location_get)),
    route!(GET concat_o!("/services"), "The catalog's APIs as services, with the org's product profiles (§3.5)", 200, None,
        "[Service]", Auth::Console, get(svc::services_get)),
    route!(GET concat_o!("/services/v2"),
        "The catalog's APIs as services; orgId may be the IMS org code (§2)", 200, None,
        "{orgCode, sdkCodes, services: [Service]}", Auth::Console, get(svc::services_v2_get)),
    route!(GET "/console/services/ims/organizations/{orgId}/terms", "Whether the org accepted the developer terms (always)", 200, None,
        "{accepted, current}", Auth::Console, get(svc::org_terms_get)),
    route!(POST "/console/services/ims/organizations/{orgId}/terms", "Accept the developer terms", 200, None,
        "{accepted}", Auth::Console, post(svc::org_terms_post)),
    route!(GET "/console/services/ims/terms", "The developer terms", 200, None,
        "{tc: [{text, locale}]}", Auth::Console, get(svc::terms_get)),
    route!(POST "/console/api/credentials/{client_id}/convert",
        "Latchkey's own: convert a Service Account (JWT) credential to OAuth Server-to-Server", 200, None,
        "{client_id, kind, org_id, technical_account_id, scopes}", Auth::Bearer,
        post(super::convert_post)),
    route!(GET "/console/api/organizations/{orgId}/users",
        "Latchkey's own (Admin Console): the org's members, or those whose email, name or id contains ?search= (system admins)", 200, None,
        "{users: [{id, email, name, kind, role, disabled, invited}]}", Auth::Console, get(adm::users_get)),
    route!(POST "/console/api/organizations/{orgId}/users",
        "Latchkey's own: add a person to the org; without a password they get a one-time invitation_url (7 days)", 201,
        Some("{email*, given_name, family_name, role: system_admin|developer|user, password}"),
        "{id, email, name, kind, role, disabled, invited, invitation_url}", Auth::Console, post(adm::users_post)),
    route!(GET "/console/api/organizations/{orgId}/users/{userId}",
        "Latchkey's own: a member with product roles, profiles and a technical account's credential", 200, None,
        "{id, email, name, kind, role, disabled, invited, product_roles, profiles, credential}", Auth::Console, get(adm::user_get)),
    route!(PATCH "/console/api/organizations/{orgId}/users/{userId}",
        "Latchkey's own: change a member's org role or disable / enable them (409: the org must keep an enabled system admin)", 200,
        Some("{role: system_admin|developer|user, disabled: bool}"),
        "{id, email, name, kind, role, disabled, invited}", Auth::Console, patch(adm::user_patch)),
    route!(POST "/console/api/organizations/{orgId}/users/{userId}/invitation",
        "Latchkey's own: a new one-time invitation link (7 days) for a member who has not set a password; the old link stops working (409: they set one, or belong to another org too)", 201, None,
        "{id, email, invitation_url, expires_in}", Auth::Console, post(adm::invitation_post)),
    route!(DELETE "/console/api/organizations/{orgId}/users/{userId}",
        "Latchkey's own: remove a person from the org with their product profiles there (409: the org must keep an enabled system admin)", 204, None,
        "no body", Auth::Console, delete(adm::user_delete)),
    route!(GET "/console/api/organizations/{orgId}/settings", "Latchkey's own: the org's settings", 200, None,
        "{org_id, developers_may_manage_credentials}", Auth::Console, get(adm::settings_get)),
    route!(PATCH "/console/api/organizations/{orgId}/settings", "Latchkey's own: change the org's settings", 200,
        Some("{developers_may_manage_credentials*}"),
        "{org_id, developers_may_manage_credentials}", Auth::Console, patch(adm::settings_patch)),
    route!(GET "/console/api/organizations/{orgId}/audit",
        "Latchkey's own: the org's audit log, newest first (?action=, ?search= in actor or target, ?since= and ?until= in ms, ?limit= up to 1000)", 200, None,
        "{events: [{id, at, org_id, actor, action, target, address, details}]}", Auth::Console, get(adm::audit_get)),
    route!(GET "/console/api/product-instances/{instanceId}",
        "Latchkey's own: a product instance, its profiles with members, and its users (technical accounts with their credential)", 200, None,
        "{instance, profiles: [{id, name, members}], users: [{id, email, kind, role, credential}]}", Auth::Console, get(adm::instance_get)),
    route!(POST "/console/api/product-instances/{instanceId}/profiles", "Latchkey's own: create a product profile", 201,
        Some("{name*}"), "{id, instance_id, name, created_at}", Auth::Console, post(adm::profiles_post)),
    route!(PATCH "/console/api/product-profiles/{profileId}", "Latchkey's own: rename a product profile", 200,
        Some("{name*}"), "{id, instance_id, name, created_at}", Auth::Console, patch(adm::profile_patch)),
    route!(DELETE "/console/api/product-profiles/{profileId}",
        "Latchkey's own: delete a product profile (its admins stay contributors)", 204, None,
        "no body", Auth::Console, delete(adm::profile_delete)),
    route!(PUT "/console/api/product-profiles/{profileId}/members/{userId}",
        "Latchkey's own: add a member (id or email, e.g. a technical account) to a profile; admin makes them admin of the product", 200,
        Some("{admin: bool}"), "{profile_id, user_id, admin}", Auth::Console, put(adm::member_put)),
    route!(DELETE "/console/api/product-profiles/{profileId}/members/{userId}",
        "Latchkey's own: take a member off a profile", 204, None,
        "no body", Auth::Console, delete(adm::member_delete)),
    route!(GET "/console/api/projects/{projectId}/event-subscriptions",
        "Latchkey's own (I/O Events): the project's webhook subscriptions", 200, None,
        "{subscriptions: [{id, org_id, project_id, url, event_types, created_at}]}", Auth::Console,
        get(adm::subscriptions_get)),
    route!(POST "/console/api/projects/{projectId}/event-subscriptions",
        "Latchkey's own: subscribe a webhook to event types; the URL must first answer GET ?challenge=X with X", 201,
        Some("{url*, event_types*: [credential.created, ...]}"),
        "{id, org_id, project_id, url, event_types, created_at}", Auth::Console, post(adm::subscriptions_post)),
    route!(DELETE "/console/api/event-subscriptions/{subscriptionId}",
        "Latchkey's own: delete a subscription and its delivery log", 204, None, "no body", Auth::Console,
        delete(adm::subscription_delete)),
    route!(GET "/console/api/event-subscriptions/{subscriptionId}/deliveries",
        "Latchkey's own: the subscription's delivery log, newest first (?limit=, up to 500)", 200, None,
        "{deliveries: [{id, subscription_id, event_id, event_type, status, attempts, created_at, next_attempt_at, last_attempt_at, last_status, last_error, delivered_at}]}",
        Auth::Console, get(adm::deliveries_get)),
    route!(POST "/console/api/event-subscriptions/{subscriptionId}/deliveries/{deliveryId}/redeliver",
        "Latchkey's own: send a delivery again now, with the same delivery id", 200, None,
        "{id, status}", Auth::Console, post(adm::redeliver_post)),
    route!(GET "/console/api/openapi.json", "This document", 200, None, "OpenAPI 3.0", Auth::Public, get(openapi::openapi_get)),
];

/// The router of every route in `ROUTES`; routes of one path share a `MethodRouter`.
pub fn router() -> Router<AppState> {
    let mut by_path: Vec<(&'static str, MethodRouter<AppState>)> = Vec::new();
    for r in ROUTES {
        let handler = (r.handler)();
        match by_path.iter_mut().find(|(p, _)| *p == r.path) {
            Some((_, existing)) => {
                let merged = std::mem::take(existing).merge(handler);
                *existing = merged;
            }
            None => by_path.push((r.path, handler)),
        }
    }
    by_path
        .into_iter()
        .fold(Router::new(), |router, (path, mr)| {
            router.route(path, mr.fallback(method_not_allowed))
        })
}

/// A method the table does not list for a served path: 405 in the console's error body.
async fn method_not_allowed(State(st): State<AppState>) -> ConsoleError {
    caller::fail(
        &st,
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "this path does not take this method",
    )
}
