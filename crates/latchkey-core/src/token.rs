//! Access tokens: compact JWS carrying both the IMS claims real clients decode (contract
//! §3.1: `id`, `type`, `client_id`, `user_id`, `as`, `created_at`/`expires_in` as ms
//! strings, `scope`, `org`) and the standard ones (RFC 9068: `iss`, `sub`, `aud`, `exp`,
//! `iat`, `jti`, `client_id`). Issuing one writes nothing; revocation is by `jti`.

use crate::clock::Timestamp;
use crate::error::OAuthError;
use crate::jws;
use crate::keys::{KeyAlg, Keyring};
use crate::model::CredentialKind;
use crate::rand::{Rng, uuid_v4};
use crate::scope::ScopeSet;
use serde::{Deserialize, Serialize};

/// Which wire dialect a request arrived on (docs/design.md "Two dialects, one server").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `/ims/...`: comma-separated scopes, IMS quirks.
    Ims,
    /// `/oauth2/...`: strict RFC behaviour, space-separated scopes.
    Standard,
}

impl Dialect {
    pub fn join_scopes(self, s: &ScopeSet) -> String {
        match self {
            Dialect::Ims => s.to_ims(),
            Dialect::Standard => s.to_standard(),
        }
    }
}

/// Settings every token decision needs; built once from configuration.
#[derive(Debug, Clone)]
pub struct TokenSettings {
    pub issuer: String,
    /// IMS `as` claim: aio-lib-ims maps it to `https://{as}.adobelogin.com` (docs/ims-contract.md §3.1).
    pub ims_as: String,
    /// Access-token lifetime, unless `access_token_ttl_by_kind` names the credential's kind.
    pub access_token_ttl_secs: i64,
    /// Access-token lifetimes for some credential kinds (e.g. shorter for single-page apps).
    pub access_token_ttl_by_kind: Vec<(CredentialKind, i64)>,
    /// Tolerated clock difference between nodes, applied to `exp` and `iat` (≤ 60 s).
    pub clock_skew_secs: i64,
    pub access_token_alg: KeyAlg,
    pub lifetimes: Lifetimes,
}

/// How long the other artifacts live. One place for every lifetime the flows decide
/// with, read from configuration (docs/design.md "Tokens").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    /// An authorization code, from the consent to its redemption (RFC 6749 §4.1.2: short).
    pub code_secs: i64,
    /// A refresh token unused for this long expires (IMS: 14 days, docs/ims-contract.md §2.2).
    pub refresh_idle_secs: i64,
    /// A chain of refreshes ends this long after the sign-in it started from (SEC-25).
    pub refresh_absolute_secs: i64,
    /// A browser sign-in.
    pub session_secs: i64,
}

impl TokenSettings {
    /// The access-token lifetime for a credential of `kind`.
    pub fn access_token_ttl(&self, kind: CredentialKind) -> i64 {
        self.access_token_ttl_by_kind
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(self.access_token_ttl_secs, |(_, ttl)| *ttl)
    }

    /// The longest access-token lifetime of any kind (how long a retired key must stay
    /// published).
    pub fn longest_access_token_ttl(&self) -> i64 {
        self.access_token_ttl_by_kind
            .iter()
            .map(|(_, t)| *t)
            .fold(self.access_token_ttl_secs, i64::max)
    }
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            code_secs: 60,
            refresh_idle_secs: 14 * 86_400,
            refresh_absolute_secs: 90 * 86_400,
            session_secs: 12 * 3_600,
        }
    }
}

/// IMS `ctp` values seen in real tokens (docs/ims-contract.md §3.1).
pub const CTP_USER: u8 = 0;
pub const CTP_TECHNICAL: u8 = 3;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    pub id: String,
    #[serde(rename = "type")]
    pub token_type: String,
    pub client_id: String,
    pub user_id: String,
    #[serde(rename = "as")]
    pub auth_server: String,
    pub aa_id: String,
    pub ctp: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    pub scope: String,
    pub created_at: String,
    pub expires_in: String,
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    /// The consent grant a user token was issued from; revoking the grant kills the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
}

impl AccessTokenClaims {
    pub fn scopes(&self) -> ScopeSet {
        ScopeSet::parse(&self.scope).unwrap_or_default()
    }

    /// When the token was created: IMS `created_at` (ms), else `iat`.
    pub fn created(&self) -> Timestamp {
        self.created_at
            .parse::<i64>()
            .map(Timestamp)
            .unwrap_or_else(|_| Timestamp::from_secs(self.iat))
    }

    /// Whether a cutoff (`RevocationStore::tokens_revoked_before`) revokes this token.
    pub fn revoked_by_cutoff(&self, cutoff: Option<Timestamp>) -> bool {
        cutoff.is_some_and(|c| self.created() <= c)
    }
}

pub struct AccessTokenRequest<'a> {
    pub client_id: &'a str,
    pub subject: &'a str,
    pub org: Option<&'a str>,
    pub scopes: &'a ScopeSet,
    pub dialect: Dialect,
    pub ctp: u8,
    pub grant_id: Option<&'a str>,
    /// The kind of the credential the token is issued to: it picks the lifetime.
    pub kind: CredentialKind,
}

#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub claims: AccessTokenClaims,
    pub expires_in_secs: i64,
}

pub fn issue_access_token(
    settings: &TokenSettings,
    keyring: &Keyring,
    rng: &dyn Rng,
    now: Timestamp,
    req: &AccessTokenRequest<'_>,
) -> Result<IssuedToken, OAuthError> {
    let key = keyring
        .signer(settings.access_token_alg, now)
        .ok_or_else(OAuthError::server_error)?;
    let ttl = settings.access_token_ttl(req.kind);
    let id = format!("{}_{}_lk1", now.millis(), uuid_v4(rng));
    let claims = AccessTokenClaims {
        id: id.clone(),
        token_type: "access_token".into(),
        client_id: req.client_id.into(),
        user_id: req.subject.into(),
        auth_server: settings.ims_as.clone(),
        aa_id: req.subject.into(),
        ctp: req.ctp,
        org: req.org.map(str::to_owned),
        scope: req.dialect.join_scopes(req.scopes),
        created_at: now.millis().to_string(),
        expires_in: (ttl * 1000).to_string(),
        iss: settings.issuer.clone(),
        sub: req.subject.into(),
        aud: req.client_id.into(),
        exp: now.secs() + ttl,
        iat: now.secs(),
        jti: id,
        grant_id: req.grant_id.map(str::to_owned),
    };
    // RFC 9068 §2.1 `typ: at+jwt` on the standard dialect; IMS tokens carry `itt: at`.
    let header: &[(&str, &str)] = match req.dialect {
        Dialect::Standard => &[("typ", "at+jwt"), ("itt", "at")],
        Dialect::Ims => &[("itt", "at")],
    };
    let token = jws::sign(key, header, &claims).map_err(|_| OAuthError::server_error())?;
    Ok(IssuedToken {
        token,
        claims,
        expires_in_secs: ttl,
    })
}

/// Why a token is not valid. The text is safe to show (`reason`, `error_description`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenInvalid {
    #[error("token is malformed")]
    Malformed,
    #[error("token signature is invalid")]
    Signature,
    #[error("token is not an access token")]
    WrongType,
    #[error("token was issued by another issuer")]
    WrongIssuer,
    #[error("token is expired")]
    Expired,
    #[error("token is not yet valid")]
    NotYetValid,
    #[error("token has been revoked")]
    Revoked,
    #[error("token's client is no longer active")]
    ClientInactive,
    #[error("token was not issued to this client")]
    WrongClient,
}

/// Check signature and claims of one of our access tokens at `now`. Revocation is checked
/// by the caller against the store.
pub fn validate_access_token(
    settings: &TokenSettings,
    keyring: &Keyring,
    now: Timestamp,
    token: &str,
) -> Result<AccessTokenClaims, TokenInvalid> {
    let claims = verified_claims(keyring, now, token)?;
    if claims.token_type != "access_token" {
        return Err(TokenInvalid::WrongType);
    }
    if claims.iss != settings.issuer {
        return Err(TokenInvalid::WrongIssuer);
    }
    check_times(settings, now, &claims)?;
    Ok(claims)
}

/// `validate_access_token`, remembering verified tokens in `verified` so the same token
/// is not verified twice (the time and issuer checks run every time).
pub fn validate_access_token_cached(
    settings: &TokenSettings,
    keyring: &Keyring,
    verified: &crate::verified::VerifiedTokens,
    now: Timestamp,
    token: &str,
) -> Result<AccessTokenClaims, TokenInvalid> {
    if let Some(claims) = verified.get(token, keyring, now) {
        check_times(settings, now, &claims)?;
        return Ok(claims);
    }
    let claims = validate_access_token(settings, keyring, now, token)?;
    if let Some(kid) = jws::parse(token).ok().and_then(|p| p.header.kid) {
        verified.put(token, &kid, &claims);
    }
    Ok(claims)
}

/// Signature-checked claims without the time checks: revocation accepts expired tokens.
pub fn verified_claims(
    keyring: &Keyring,
    now: Timestamp,
    token: &str,
) -> Result<AccessTokenClaims, TokenInvalid> {
    let parsed = jws::parse(token).map_err(|_| TokenInvalid::Malformed)?;
    jws::verify(&parsed, keyring, now).map_err(|_| TokenInvalid::Signature)?;
    // ID tokens and other JWTs we sign are not access tokens (SEC-46, FUZZ-19).
    if parsed.header.itt.as_deref() != Some("at") {
        return Err(TokenInvalid::WrongType);
    }
    jws::parse_object::<AccessTokenClaims>(&parsed.payload).ok_or(TokenInvalid::Malformed)
}

fn check_times(
    settings: &TokenSettings,
    now: Timestamp,
    claims: &AccessTokenClaims,
) -> Result<(), TokenInvalid> {
    let skew = settings.clock_skew_secs;
    let now_s = now.secs();
    // Valid strictly before exp (RFC 7519 §4.1.4), plus the tolerated skew.
    if now_s >= claims.exp.saturating_add(skew) {
        return Err(TokenInvalid::Expired);
    }
    if claims.iat > now_s.saturating_add(skew) {
        return Err(TokenInvalid::NotYetValid);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{MasterKey, SigningKey};
    use crate::rand::SystemRng;

    const T0: Timestamp = Timestamp(1_700_000_000_000);

    fn setup() -> (TokenSettings, Keyring) {
        let rng = SystemRng;
        let mk = MasterKey::generate(&rng);
        let stored: Vec<_> = [KeyAlg::Es256, KeyAlg::Rs256]
            .iter()
            .map(|a| SigningKey::generate(&rng, &mk, *a, T0, T0).unwrap())
            .collect();
        let settings = TokenSettings {
            lifetimes: Lifetimes::default(),
            issuer: "http://127.0.0.1:8080".into(),
            ims_as: "ims-na1".into(),
            access_token_ttl_secs: 3600,
            access_token_ttl_by_kind: vec![(CredentialKind::OAuthSpa, 900)],
            clock_skew_secs: 30,
            access_token_alg: KeyAlg::Es256,
        };
        (settings, Keyring::load(&stored, &mk).unwrap())
    }

    fn issue(settings: &TokenSettings, ring: &Keyring, dialect: Dialect) -> IssuedToken {
        issue_for(settings, ring, dialect, CredentialKind::ServerToServer)
    }

    fn issue_for(
        settings: &TokenSettings,
        ring: &Keyring,
        dialect: Dialect,
        kind: CredentialKind,
    ) -> IssuedToken {
        let scopes = ScopeSet::parse("openid,AdobeID").unwrap();
        issue_access_token(
            settings,
            ring,
            &SystemRng,
            T0,
            &AccessTokenRequest {
                client_id: "cid",
                subject: "ABC@techacct.latchkey.local",
                org: Some("ORG@LatchkeyOrg"),
                scopes: &scopes,
                dialect,
                ctp: CTP_TECHNICAL,
                grant_id: None,
                kind,
            },
        )
        .unwrap()
    }

    #[test]
    fn a_verified_token_is_not_verified_twice_but_still_expires() {
        let (s, ring) = setup();
        let cache = crate::verified::VerifiedTokens::default();
        let t = issue(&s, &ring, Dialect::Ims).token;
        let first = validate_access_token_cached(&s, &ring, &cache, T0, &t).unwrap();
        assert_eq!(cache.hits(), 0);
        let again = validate_access_token_cached(&s, &ring, &cache, T0, &t).unwrap();
        assert_eq!((cache.hits(), again.jti), (1, first.jti));
        // Expiry is checked every time.
        let late = T0.plus_secs(3600 + 31);
        assert_eq!(
            validate_access_token_cached(&s, &ring, &cache, late, &t).err(),
            Some(TokenInvalid::Expired)
        );
        // Another string is another token: a tampered signature is checked, and fails.
        let mut tampered = t.clone();
        let last = tampered.pop().unwrap();
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        assert!(validate_access_token_cached(&s, &ring, &cache, T0, &tampered).is_err());
        // A keyring that no longer publishes the key does not accept the cached token.
        let (_, other_ring) = setup();
        assert_eq!(
            validate_access_token_cached(&s, &other_ring, &cache, T0, &t).err(),
            Some(TokenInvalid::Signature)
        );
    }

    #[test]
    fn a_credential_kind_may_have_its_own_access_token_lifetime() {
        let (s, ring) = setup();
        let spa = issue_for(&s, &ring, Dialect::Standard, CredentialKind::OAuthSpa);
        assert_eq!(spa.expires_in_secs, 900);
        assert_eq!(spa.claims.exp - spa.claims.iat, 900);
        let web = issue_for(&s, &ring, Dialect::Standard, CredentialKind::OAuthWeb);
        assert_eq!(web.expires_in_secs, 3600, "the default");
        assert_eq!(s.longest_access_token_ttl(), 3600);
    }

    #[test]
    fn ims_claims_are_ms_strings_that_aio_lib_ims_can_use() {
        let (s, ring) = setup();
        let t = issue(&s, &ring, Dialect::Ims);
        assert_eq!(t.claims.created_at, T0.millis().to_string());
        assert_eq!(t.claims.expires_in, "3600000");
        assert_eq!(t.claims.scope, "openid,AdobeID");
        assert_eq!(t.claims.token_type, "access_token");
        assert_eq!(t.claims.exp - t.claims.iat, 3600);
        let std_token = issue(&s, &ring, Dialect::Standard);
        assert_eq!(std_token.claims.scope, "openid AdobeID");
        let header = jws::parse(&std_token.token).unwrap().header;
        assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    }

    #[test]
    fn rel_09_expiry_at_exp_minus_1_at_exp_and_at_exp_plus_skew() {
        let (s, ring) = setup();
        let t = issue(&s, &ring, Dialect::Ims);
        let exp = Timestamp::from_secs(t.claims.exp);
        assert!(validate_access_token(&s, &ring, exp.plus_secs(-1), &t.token).is_ok());
        // At exp the token is past its lifetime but inside the tolerated skew.
        assert!(validate_access_token(&s, &ring, exp, &t.token).is_ok());
        assert_eq!(
            validate_access_token(&s, &ring, exp.plus_secs(s.clock_skew_secs), &t.token),
            Err(TokenInvalid::Expired)
        );
        // A clock that jumped back an hour does not accept a token from "the future".
        assert_eq!(
            validate_access_token(&s, &ring, T0.plus_secs(-3600), &t.token),
            Err(TokenInvalid::NotYetValid)
        );
    }

    #[test]
    fn a_token_from_another_keyring_is_rejected() {
        let (s, ring) = setup();
        let (_, other) = setup();
        let t = issue(&s, &other, Dialect::Ims);
        assert_eq!(
            validate_access_token(&s, &ring, T0, &t.token),
            Err(TokenInvalid::Signature)
        );
    }
}
