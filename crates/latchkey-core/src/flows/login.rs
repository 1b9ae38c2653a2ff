//! The store side of signing in and out: the account a login form names, the display
//! name of a client (login and logout pages), and a logout's registered return target.
//! Password verification itself (`password::verify_password`) is CPU work the HTTP layer
//! runs off its event loop.

use super::Context;
use crate::admin::redirect::matches_registered;
use crate::ids::ClientId;
use crate::model::User;
use crate::store::StoreError;

/// The account a login form names (by email), if any. Absurd input finds nothing.
pub async fn find_account(cx: &Context<'_>, username: &str) -> Result<Option<User>, StoreError> {
    if username.is_empty() || username.len() > 254 {
        return Ok(None);
    }
    cx.store.find_user_by_email(username).await
}

/// The display name of client `client_id`, if it exists.
pub async fn client_name(cx: &Context<'_>, client_id: &str) -> Result<Option<String>, StoreError> {
    if client_id.len() > 128 {
        return Ok(None);
    }
    Ok(cx
        .store
        .get_credential(&ClientId(client_id.to_owned()))
        .await?
        .map(|c| c.name))
}

/// `uri` if it is a registered redirect URI of `client_id` (SEC-05: never an open
/// redirect).
pub async fn registered_target(
    cx: &Context<'_>,
    client_id: &str,
    uri: &str,
) -> Result<Option<String>, StoreError> {
    if client_id.len() > 128 {
        return Ok(None);
    }
    let cred = cx
        .store
        .get_credential(&ClientId(client_id.to_owned()))
        .await?;
    Ok(cred
        .filter(|c| matches_registered(uri, &c.redirect_uris, c.kind))
        .map(|_| uri.to_owned()))
}
