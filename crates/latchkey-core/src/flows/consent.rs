//! What the consent page shows (SEC-38): the client's name, its project and org, where
//! the user will be sent, and a human description of every requested scope.

use super::Context;
use crate::admin::catalog::describe_scope;
use crate::authorize::AuthorizeRequest;
use crate::model::Api;
use crate::store::StoreError;
use serde::Serialize;

/// One requested scope, described.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScopeLine {
    pub name: String,
    pub description: String,
    /// The API that brings it, for API scopes.
    pub api: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentPage {
    pub client_name: String,
    pub org_name: String,
    pub project_name: String,
    /// The host the browser goes back to, as the user would recognise it.
    pub redirect_host: String,
    pub scopes: Vec<ScopeLine>,
}

/// Describe `scopes` with the API catalog.
pub fn describe(apis: &[Api], scopes: &[String]) -> Vec<ScopeLine> {
    scopes
        .iter()
        .map(|s| {
            let (description, api) = describe_scope(apis, s);
            ScopeLine {
                name: s.clone(),
                description,
                api,
            }
        })
        .collect()
}

fn host_of(uri: &str) -> String {
    uri.split_once("://")
        .and_then(|(_, rest)| rest.split(['/', '?', '#']).next())
        .map_or_else(|| uri.to_owned(), str::to_owned)
}

/// The page for `req`; `None` when its client no longer exists.
pub async fn page(
    cx: &Context<'_>,
    req: &AuthorizeRequest,
) -> Result<Option<ConsentPage>, StoreError> {
    let Some(cred) = cx.store.get_credential(&req.client_id).await? else {
        return Ok(None);
    };
    let project = cx.store.get_project(&cred.project_id).await?;
    let org = cx.store.get_org(&cred.org_id).await?;
    let apis = cx.store.list_apis().await?;
    Ok(Some(ConsentPage {
        client_name: cred.name,
        org_name: org.map(|o| o.name).unwrap_or_default(),
        project_name: project.map(|p| p.name).unwrap_or_default(),
        redirect_host: host_of(&req.redirect_uri),
        scopes: describe(&apis, &req.scopes),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_redirect_host_is_what_a_user_recognises() {
        assert_eq!(host_of("https://app.example/cb?x=1"), "app.example");
        assert_eq!(host_of("http://127.0.0.1:3000/cb"), "127.0.0.1:3000");
        assert_eq!(host_of("com.example.app:/cb"), "com.example.app:/cb");
    }
}
