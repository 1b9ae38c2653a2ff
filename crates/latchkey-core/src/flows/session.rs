//! Browser sign-in sessions: a 256-bit random value the browser holds (in a cookie, the
//! HTTP layer's business), of which only the SHA-256 is stored. A session counts only
//! while it has not expired and its user is active.

use super::Context;
use crate::ids::TokenHash;
use crate::model::{Session, User};
use crate::rand::token;
use crate::secret::sha256_hex;
use crate::store::StoreError;

/// The session whose cookie value is `raw`, with its user, if both are live.
pub async fn current(
    cx: &Context<'_>,
    raw: Option<&str>,
) -> Result<Option<(Session, User)>, StoreError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let Some(session) = cx
        .store
        .get_session(&TokenHash(sha256_hex(raw)), cx.now)
        .await?
    else {
        return Ok(None);
    };
    match cx.store.get_user(&session.user_id).await? {
        Some(u) if !u.disabled => Ok(Some((session, u))),
        _ => Ok(None),
    }
}

/// Start a session for `user`, lasting the configured session lifetime; returns the
/// session and the raw value for the browser.
pub async fn start(cx: &Context<'_>, user: &User) -> Result<(Session, String), StoreError> {
    let raw = token(cx.rng, 32);
    let session = Session {
        hash: TokenHash(sha256_hex(&raw)),
        user_id: user.id.clone(),
        auth_time: cx.now,
        created_at: cx.now,
        expires_at: cx.now.plus_secs(cx.settings.lifetimes.session_secs),
    };
    let events = super::login::user_events(
        cx,
        user.id.as_str(),
        &user.id,
        crate::model::AuditAction::SignedIn,
        serde_json::json!({"email": user.email}),
    )
    .await?;
    cx.store.audited(events).insert_session(&session).await?;
    Ok((session, raw))
}

/// End the session whose cookie value is `raw` (nothing if there is none).
pub async fn end(cx: &Context<'_>, raw: &str) -> Result<(), StoreError> {
    cx.store.delete_session(&TokenHash(sha256_hex(raw))).await
}
