//! API keys that work: a resource server asks whether the `x-api-key` a caller sent may
//! call one of its APIs. As on Adobe's gateway, the key is a credential's client id; it is
//! good for an API when the credential is enabled and its project has that API added
//! (the console's "Add API"). An API key is not a secret (browsers ship it), so the check
//! needs no client authentication, and it answers the same for an unknown key and for
//! one of another org: not valid.

use super::Context;
use crate::ids::{ApiId, ClientId};
use crate::model::CredentialKind;
use crate::store::StoreError;

/// A key that is good for the API: whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyGrant {
    pub client_id: ClientId,
    pub kind: CredentialKind,
    pub org_id: String,
    pub project_id: String,
    pub api: ApiId,
}

/// Why a key is not good for the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyRefusal {
    /// No such credential (or a malformed key).
    Unknown,
    Disabled,
    /// The credential's project does not have the API.
    ApiNotAdded,
}

impl ApiKeyRefusal {
    pub fn reason(self) -> &'static str {
        match self {
            ApiKeyRefusal::Unknown => "unknown api key",
            ApiKeyRefusal::Disabled => "the api key's credential is disabled",
            ApiKeyRefusal::ApiNotAdded => "the api key's project does not have this API",
        }
    }
}

/// Check `key` for `api`.
pub async fn check(
    cx: &Context<'_>,
    key: &str,
    api: &str,
) -> Result<Result<ApiKeyGrant, ApiKeyRefusal>, StoreError> {
    if key.is_empty() || key.len() > super::client::MAX_CLIENT_ID_LEN {
        return Ok(Err(ApiKeyRefusal::Unknown));
    }
    let Some(cred) = cx.store.get_credential(&ClientId(key.to_owned())).await? else {
        return Ok(Err(ApiKeyRefusal::Unknown));
    };
    if cred.disabled {
        return Ok(Err(ApiKeyRefusal::Disabled));
    }
    let apis = cx.store.project_apis(&cred.project_id).await?;
    let Some(found) = apis.into_iter().find(|a| a.id.as_str() == api) else {
        return Ok(Err(ApiKeyRefusal::ApiNotAdded));
    };
    Ok(Ok(ApiKeyGrant {
        client_id: cred.client_id,
        kind: cred.kind,
        org_id: cred.org_id.0,
        project_id: cred.project_id.0,
        api: found.id,
    }))
}

/// Whether `key` is the client id of an enabled credential (any API): what the console
/// API asks of the `x-api-key` its callers send.
pub async fn is_enabled_client(cx: &Context<'_>, key: &str) -> Result<bool, StoreError> {
    if key.is_empty() || key.len() > super::client::MAX_CLIENT_ID_LEN {
        return Ok(false);
    }
    Ok(cx
        .store
        .get_credential(&ClientId(key.to_owned()))
        .await?
        .is_some_and(|c| !c.disabled))
}
