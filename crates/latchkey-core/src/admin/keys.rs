//! Signing-key lifecycle (REL-04): generate once on first start, never silently again;
//! rotate by publishing the new key before it signs and keeping the old one published
//! until every token it signed has expired.

use super::{AdminError, AdminResult, Ctx};
use crate::clock::Timestamp;
use crate::keys::{KeyAlg, KeyError, Keyring, MasterKey, SigningKey, StoredKey};
use crate::model::AuditAction;
use crate::store::Store;

/// The algorithms a deployment always holds a key for: ES256 for access, refresh and
/// code tokens, RS256 for ID tokens (docs/design.md "Tokens").
pub const DEFAULT_ALGS: &[KeyAlg] = &[KeyAlg::Es256, KeyAlg::Rs256];

fn key_err(e: KeyError) -> AdminError {
    AdminError::Invalid(e.to_string())
}

/// Load the keyring, generating the initial keys if (and only if) the database has none.
/// A wrong master key is an error, never a reason to make new keys.
pub async fn ensure_keys(ctx: &Ctx<'_>, master: &MasterKey) -> AdminResult<Keyring> {
    let mut stored = ctx.store.list_keys().await?;
    if stored.is_empty() {
        let fresh = DEFAULT_ALGS
            .iter()
            .map(|alg| SigningKey::generate(ctx.rng, master, *alg, ctx.now, ctx.now))
            .collect::<Result<Vec<_>, _>>()
            .map_err(key_err)?;
        // Another node may have won the race; either way, read back what is stored.
        ctx.store.insert_initial_keys(&fresh).await?;
        stored = ctx.store.list_keys().await?;
    }
    Keyring::load(&stored, master).map_err(key_err)
}

/// Load the keyring as stored now (a rotation by the CLI or another node shows up here).
pub async fn load_keyring(store: &dyn Store, master: &MasterKey) -> AdminResult<Keyring> {
    let stored = store.list_keys().await?;
    Keyring::load(&stored, master).map_err(key_err)
}

/// Rotate every default algorithm: the new key is published now and signs from
/// `now + publish_ahead_secs`; the old one stops signing then and stays in JWKS for
/// `keep_published_secs` more (at least the longest token lifetime plus skew).
pub async fn rotate_keys(
    ctx: &Ctx<'_>,
    master: &MasterKey,
    publish_ahead_secs: i64,
    keep_published_secs: i64,
) -> AdminResult<Vec<StoredKey>> {
    // Refuse to rotate under a master key that cannot open the current keys.
    let current = ctx.store.list_keys().await?;
    Keyring::load(&current, master).map_err(key_err)?;
    let activate_at: Timestamp = ctx.now.plus_secs(publish_ahead_secs.max(0));
    let mut created = Vec::new();
    for alg in DEFAULT_ALGS {
        let new =
            SigningKey::generate(ctx.rng, master, *alg, ctx.now, activate_at).map_err(key_err)?;
        let event = ctx.audit(
            &super::Actor::Operator,
            None,
            AuditAction::SigningKeyRotated,
            format!("signing key {}", new.kid),
            serde_json::json!({"alg": new.alg.as_str(), "activate_at": new.activate_at.0}),
        );
        ctx.store.audited(vec![event]).insert_key(&new).await?;
        for old in current
            .iter()
            .filter(|k| k.alg == *alg && k.retire_at.is_none())
        {
            ctx.store
                .schedule_key_retirement(
                    &old.kid,
                    activate_at,
                    activate_at.plus_secs(keep_published_secs),
                )
                .await?;
        }
        created.push(new);
    }
    Ok(created)
}
