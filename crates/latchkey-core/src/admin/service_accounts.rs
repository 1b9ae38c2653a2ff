//! Service Account (JWT) credentials (docs/ims-contract.md §2.3, §5): their public certificates or
//! keys (upload, list, expire, remove), and conversion to OAuth Server-to-Server, which
//! "keeps the same client id, technical account, … scopes, and product profiles".

use super::authz::{Action, Actor, authorize};
use super::{AdminError, AdminResult, Ctx, allowed_scopes, products};
use crate::assertion::{self, RegisteredKey};
use crate::clock::Timestamp;
use crate::ids::ClientId;
use crate::keys::KeyAlg;
use crate::model::AuditAction;
use crate::model::{Credential, CredentialKind};
use crate::products::CertificateRecord;
use crate::rand::lower_hex;
use crate::store::{Store, StoreError};

/// Most keys registered to one credential (each assertion may be tried against each).
pub const MAX_CERTIFICATES: usize = 10;

fn invalid(msg: impl Into<String>) -> AdminError {
    AdminError::Invalid(msg.into())
}

/// The credential, if `actor` may manage it (`ManageCredentials` in its org; an outsider
/// gets `NotFound`).
pub async fn managed_credential(
    ctx: &Ctx<'_>,
    actor: &Actor,
    client_id: &ClientId,
) -> AdminResult<Credential> {
    let cred = ctx
        .store
        .get_credential(client_id)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("credential {client_id}")))?;
    let object = format!("credential {client_id}");
    authorize(ctx, actor, &cred.org_id, Action::ManageCredentials, &object).await?;
    Ok(cred)
}

/// Check an uploaded PEM and make the record to store: the certificate's `notAfter`
/// becomes the key's expiry; an already expired certificate is refused.
pub fn new_certificate(
    ctx: &Ctx<'_>,
    client_id: &ClientId,
    pem: &str,
) -> AdminResult<CertificateRecord> {
    let parsed = assertion::parse_public_key_pem(pem).map_err(|e| invalid(e.to_string()))?;
    if parsed.not_after.is_some_and(|t| t <= ctx.now) {
        return Err(invalid("the certificate has already expired"));
    }
    Ok(CertificateRecord {
        client_id: client_id.clone(),
        id: lower_hex(ctx.rng, 8),
        pem: pem.trim().to_owned(),
        created_at: ctx.now,
        expires_at: parsed.not_after,
    })
}

/// A key pair made for a service account on request: its public key is registered like an
/// uploaded one; the private key is handed to the caller once and never stored.
pub struct GeneratedKey {
    pub certificate: CertificateRecord,
    /// PKCS#8, PEM (`-----BEGIN PRIVATE KEY-----`).
    pub private_key_pem: String,
}

impl std::fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedKey")
            .field("certificate", &self.certificate.id)
            .finish_non_exhaustive()
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A fresh key pair for `alg` (RS256: RSA 2048; ES256: P-256): (PKCS#8 DER, SPKI DER).
fn new_key_pair(alg: KeyAlg) -> Result<(Vec<u8>, Vec<u8>), AdminError> {
    use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
    use aws_lc_rs::signature::KeyPair;
    let failed = || AdminError::Invalid("could not generate a key pair".into());
    match alg {
        KeyAlg::Rs256 => {
            let k = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .map_err(|_| failed())?;
            let private: Pkcs8V1Der<'static> = k.as_der().map_err(|_| failed())?;
            let public: PublicKeyX509Der<'static> =
                k.public_key().as_der().map_err(|_| failed())?;
            Ok((private.as_ref().to_vec(), public.as_ref().to_vec()))
        }
        KeyAlg::Es256 => {
            let k = aws_lc_rs::signature::EcdsaKeyPair::generate(
                &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            )
            .map_err(|_| failed())?;
            let private = k.to_pkcs8v1().map_err(|_| failed())?;
            let public: PublicKeyX509Der<'static> =
                k.public_key().as_der().map_err(|_| failed())?;
            Ok((private.as_ref().to_vec(), public.as_ref().to_vec()))
        }
        KeyAlg::EdDsa => Err(AdminError::Invalid(
            "service-account keys are RS256 or ES256".into(),
        )),
    }
}

/// Generate a key pair for a service account and register its public key (the console's
/// "generate a public/private key pair"); the private key is returned once.
pub async fn generate_key(
    ctx: &Ctx<'_>,
    actor: &Actor,
    client_id: &ClientId,
    alg: KeyAlg,
) -> AdminResult<GeneratedKey> {
    let (private, public) = new_key_pair(alg)?;
    let certificate = add_certificate(ctx, actor, client_id, &pem("PUBLIC KEY", &public)).await?;
    Ok(GeneratedKey {
        certificate,
        private_key_pem: pem("PRIVATE KEY", &private),
    })
}

/// Upload another public certificate or key (several may be active, for rotation).
pub async fn add_certificate(
    ctx: &Ctx<'_>,
    actor: &Actor,
    client_id: &ClientId,
    pem: &str,
) -> AdminResult<CertificateRecord> {
    let cred = managed_credential(ctx, actor, client_id).await?;
    if cred.kind != CredentialKind::ServiceAccountJwt {
        return Err(invalid(
            "only service_account_jwt credentials take certificates",
        ));
    }
    if ctx.store.list_certificates(client_id).await?.len() >= MAX_CERTIFICATES {
        return Err(invalid(format!(
            "a credential has at most {MAX_CERTIFICATES} certificates; remove one first"
        )));
    }
    let rec = new_certificate(ctx, client_id, pem)?;
    let event = ctx.audit(
        actor,
        Some(&cred.org_id),
        AuditAction::CertificateAdded,
        format!("credential {client_id}"),
        serde_json::json!({"certificate_id": rec.id}),
    );
    ctx.store
        .audited(vec![event])
        .insert_certificate(&rec)
        .await?;
    Ok(rec)
}

pub async fn list_certificates(
    ctx: &Ctx<'_>,
    actor: &Actor,
    client_id: &ClientId,
) -> AdminResult<Vec<CertificateRecord>> {
    managed_credential(ctx, actor, client_id).await?;
    Ok(ctx.store.list_certificates(client_id).await?)
}

/// Stop a key verifying from `at` (default: now); it stays listed.
pub async fn expire_certificate(
    ctx: &Ctx<'_>,
    actor: &Actor,
    client_id: &ClientId,
    id: &str,
    at: Option<Timestamp>,
) -> AdminResult<Timestamp> {
    let cred = managed_credential(ctx, actor, client_id).await?;
    let at = at.unwrap_or(ctx.now);
    let event = ctx.audit(
        actor,
        Some(&cred.org_id),
        AuditAction::CredentialChanged,
        format!("credential {client_id}"),
        serde_json::json!({"certificate_id": id, "certificate_expires_at": at.0}),
    );
    if !ctx
        .store
        .audited(vec![event])
        .set_certificate_expiry(client_id, id, at)
        .await?
    {
        return Err(AdminError::NotFound(format!("certificate {id}")));
    }
    Ok(at)
}

pub async fn remove_certificate(
    ctx: &Ctx<'_>,
    actor: &Actor,
    client_id: &ClientId,
    id: &str,
) -> AdminResult<()> {
    let cred = managed_credential(ctx, actor, client_id).await?;
    let event = ctx.audit(
        actor,
        Some(&cred.org_id),
        AuditAction::CertificateRemoved,
        format!("credential {client_id}"),
        serde_json::json!({"certificate_id": id}),
    );
    if !ctx
        .store
        .audited(vec![event])
        .delete_certificate(client_id, id)
        .await?
    {
        return Err(AdminError::NotFound(format!("certificate {id}")));
    }
    Ok(())
}

/// The keys an assertion of `client_id` may be verified with. A stored key that no
/// longer parses (it parsed at upload) verifies nothing.
pub async fn registered_keys(
    store: &dyn Store,
    client_id: &ClientId,
) -> Result<Vec<RegisteredKey>, StoreError> {
    Ok(store
        .list_certificates(client_id)
        .await?
        .into_iter()
        .filter_map(|c| {
            let parsed = assertion::parse_public_key_pem(&c.pem).ok()?;
            Some(RegisteredKey {
                id: c.id,
                key: parsed.key,
                not_before: parsed.not_before,
                expires_at: c.expires_at,
            })
        })
        .collect())
}

/// Convert a Service Account (JWT) credential to OAuth Server-to-Server in place: same
/// client id, secrets, technical account and product profiles; refused when a project API
/// accepts service-account auth but not server-to-server (its scopes would be lost).
/// Returns the converted credential and its scopes. The keys stay listed but no longer
/// serve the JWT exchange.
pub async fn convert_to_server_to_server(
    ctx: &Ctx<'_>,
    actor: &Actor,
    client_id: &ClientId,
) -> AdminResult<(Credential, Vec<String>)> {
    let mut cred = managed_credential(ctx, actor, client_id).await?;
    if cred.kind != CredentialKind::ServiceAccountJwt {
        return Err(invalid(format!(
            "only service_account_jwt credentials convert; this one is {}",
            cred.kind
        )));
    }
    let before = allowed_scopes(ctx.store, &cred).await?;
    let mut after_cred = cred.clone();
    after_cred.kind = CredentialKind::ServerToServer;
    let after = allowed_scopes(ctx.store, &after_cred).await?;
    let lost: Vec<&str> = before
        .iter()
        .filter(|s| !after.contains(s))
        .map(String::as_str)
        .collect();
    if !lost.is_empty() {
        return Err(invalid(format!(
            "converting would lose scopes {} (their APIs do not accept server_to_server)",
            lost.join(",")
        )));
    }
    let event = ctx.audit(
        actor,
        Some(&cred.org_id),
        AuditAction::CredentialChanged,
        format!("credential {client_id}"),
        serde_json::json!({"kind": CredentialKind::ServerToServer,
                           "was": CredentialKind::ServiceAccountJwt}),
    );
    if !ctx
        .store
        .audited(vec![event])
        .change_credential_kind(
            client_id,
            CredentialKind::ServiceAccountJwt,
            CredentialKind::ServerToServer,
        )
        .await?
    {
        return Err(AdminError::Conflict(format!(
            "credential {client_id} changed meanwhile"
        )));
    }
    cred.kind = CredentialKind::ServerToServer;
    products::provision_technical_account(ctx, &cred).await?;
    Ok((cred, after))
}
