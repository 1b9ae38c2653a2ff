//! The example API catalog seeded into an empty database: a few APIs in the image of
//! Adobe's, each with its scopes (and consent-screen wording) and the auth kinds it takes.

use crate::ids::ApiId;
use crate::model::{Api, ApiScope, AuthKind};
use crate::store::{Store, StoreError};

fn api(
    id: &str,
    name: &str,
    product: &str,
    description: &str,
    auth: &[AuthKind],
    scopes: &[(&str, &str)],
    metascopes: &[&str],
) -> Api {
    Api {
        id: ApiId(id.into()),
        name: name.into(),
        product: Some(product.into()),
        description: description.into(),
        auth: auth.to_vec(),
        scopes: scopes
            .iter()
            .map(|(n, d)| ApiScope {
                name: (*n).into(),
                description: (*d).into(),
            })
            .collect(),
        metascopes: metascopes.iter().map(|m| (*m).to_owned()).collect(),
    }
}

pub fn examples() -> Vec<Api> {
    use AuthKind::*;
    vec![
        api(
            "workfront",
            "Adobe Workfront",
            "Workfront",
            "Plan, track and review work in Workfront.",
            &[OAuthUser, ServerToServer, ServiceAccountJwt],
            &[
                (
                    "workfront.read",
                    "Read your Workfront projects, tasks and documents",
                ),
                (
                    "workfront.write",
                    "Create and change Workfront projects, tasks and documents",
                ),
            ],
            &["ent_workfront_sdk"],
        ),
        api(
            "io-management",
            "I/O Management API",
            "Adobe Developer Console",
            "Manage Developer Console projects, credentials and secrets.",
            &[OAuthUser, ServerToServer, ServiceAccountJwt],
            &[
                (
                    "adobeio_api",
                    "Manage your Developer Console projects and credentials",
                ),
                (
                    "read_client_secret",
                    "Read the client secrets of your credentials",
                ),
                (
                    "manage_client_secrets",
                    "Create and delete the client secrets of your credentials",
                ),
            ],
            &["ent_adobeio_sdk"],
        ),
        api(
            "analytics",
            "Adobe Analytics",
            "Adobe Analytics",
            "Report on and ingest Analytics data.",
            &[OAuthUser, ServerToServer, ServiceAccountJwt],
            &[
                (
                    "additional_info.projectedProductContext",
                    "See which products your account can use",
                ),
                (
                    "additional_info.roles",
                    "See your roles in your organizations",
                ),
            ],
            &["ent_analytics_bulk_ingest_sdk"],
        ),
        api(
            "firefly",
            "Firefly Services",
            "Firefly",
            "Generate and edit images with Firefly.",
            &[ServerToServer],
            &[
                ("firefly_api", "Generate images with Firefly"),
                ("ff_apis", "Call the Firefly Services APIs"),
            ],
            &[],
        ),
        api(
            "stock",
            "Adobe Stock",
            "Adobe Stock",
            "Search and license Adobe Stock assets.",
            &[ApiKey, OAuthUser],
            &[("creative_sdk", "Use Adobe creative services on your behalf")],
            &[],
        ),
        api(
            "cc-libraries",
            "Creative Cloud Libraries",
            "Creative Cloud",
            "Read and change Creative Cloud Libraries and files.",
            &[OAuthUser],
            &[
                (
                    "cc_libraries",
                    "Read and change your Creative Cloud Libraries",
                ),
                ("cc_files", "Read and change your Creative Cloud files"),
            ],
            &[],
        ),
    ]
}

/// Seed the examples when the catalog is empty. Returns how many were added.
pub async fn seed_if_empty(store: &dyn Store) -> Result<usize, StoreError> {
    if !store.list_apis().await?.is_empty() {
        return Ok(0);
    }
    let apis = examples();
    for a in &apis {
        store.upsert_api(a).await?;
    }
    Ok(apis.len())
}

/// Consent-screen wording of the identity scopes (issue: `offline_access` worded as
/// access while the user is not using the app).
pub fn identity_scope_description(scope: &str) -> Option<&'static str> {
    Some(match scope {
        "openid" => "Sign you in and know who you are",
        "AdobeID" => "Use your account to sign you in",
        "profile" => "Read your name",
        "email" => "Read your email address",
        "address" => "Read your country",
        "read_organizations" => "See which organizations you belong to",
        "offline_access" => "Keep access to your data while you are not using the app",
        _ => return None,
    })
}

/// What a scope means to a person, and which API brings it: the identity wording, else
/// the catalog's, else the scope name itself.
pub fn describe_scope(apis: &[Api], scope: &str) -> (String, Option<String>) {
    if let Some(d) = identity_scope_description(scope) {
        return (d.to_owned(), None);
    }
    apis.iter()
        .find_map(|a| {
            a.scopes
                .iter()
                .find(|x| x.name == scope)
                .map(|x| (x.description.clone(), Some(a.name.clone())))
        })
        .unwrap_or_else(|| (scope.to_owned(), None))
}
