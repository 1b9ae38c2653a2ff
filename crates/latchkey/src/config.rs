//! Configuration: a typed struct (`deny_unknown_fields`) loaded once from an optional TOML
//! file, then `LATCHKEY_*` environment variables, then command-line flags; passed down,
//! never global.

use latchkey_core::keys::KeyAlg;
use latchkey_core::model::CredentialKind;
use latchkey_core::token::{Lifetimes, TokenSettings};
use latchkey_http::Timeouts;
use latchkey_http::throttle::AddressLimits;
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;

pub const DEFAULT_DATABASE: &str = "sqlite://latchkey.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub database: String,
    pub listen: String,
    pub issuer: Option<String>,
    /// IMS `as` claim (docs/ims-contract.md §3.1: aio-lib-ims maps it to a host name).
    pub ims_as: String,
    /// Access-token lifetime. IMS default: 24 h (aio-lib-ims needs well over 10 min).
    pub access_token_ttl_secs: i64,
    /// Per credential kind, e.g. `access_token_ttl_secs_by_kind = { oauth_spa = 3600 }`.
    pub access_token_ttl_secs_by_kind: std::collections::BTreeMap<String, i64>,
    pub clock_skew_secs: i64,
    pub access_token_alg: String,
    pub max_body_bytes: usize,
    /// SEC-43: failed sign-ins from one address (any accounts) per 15 minutes; 0 = off.
    pub login_failures_per_address: u32,
    /// SEC-43: failed client authentications from one address per 5 minutes; 0 = off.
    pub client_auth_failures_per_address: u32,
    /// Authorization codes live this long (SEC-17, SEC-45: at most 10 minutes).
    pub code_ttl_secs: i64,
    /// A refresh token unused this long expires (IMS: 14 days).
    pub refresh_idle_ttl_secs: i64,
    /// A chain of refreshes ends this long after the sign-in (SEC-25).
    pub refresh_absolute_ttl_secs: i64,
    /// A browser sign-in lasts this long.
    pub session_ttl_secs: i64,
    /// Longest wait for a whole request head on a connection (slowloris).
    pub header_read_timeout_secs: u64,
    /// Longest time to answer one request, reading its body included.
    pub request_timeout_secs: u64,
    /// Audit-log entries older than this many days are deleted by the housekeeping loop.
    pub audit_retention_days: i64,
    /// I/O Events may deliver to loopback and private addresses (off: SSRF guard).
    pub events_allow_private_targets: bool,
    /// The first retry of a failed delivery waits this long, each next twice as long.
    pub events_retry_base_ms: i64,
    /// How long a node holds a delivery it is sending (after a crash, another try
    /// follows when it ends).
    pub events_lease_secs: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database: DEFAULT_DATABASE.into(),
            listen: DEFAULT_LISTEN.into(),
            issuer: None,
            ims_as: "ims-na1".into(),
            access_token_ttl_secs: 86_400,
            access_token_ttl_secs_by_kind: Default::default(),
            clock_skew_secs: 30,
            access_token_alg: "ES256".into(),
            max_body_bytes: 64 * 1024,
            login_failures_per_address: AddressLimits::default().login_failures,
            client_auth_failures_per_address: AddressLimits::default().client_auth_failures,
            code_ttl_secs: Lifetimes::default().code_secs,
            refresh_idle_ttl_secs: Lifetimes::default().refresh_idle_secs,
            refresh_absolute_ttl_secs: Lifetimes::default().refresh_absolute_secs,
            session_ttl_secs: Lifetimes::default().session_secs,
            header_read_timeout_secs: Timeouts::default().header_read.as_secs(),
            request_timeout_secs: Timeouts::default().request.as_secs(),
            audit_retention_days: 365,
            events_allow_private_targets: false,
            events_retry_base_ms: 5_000,
            events_lease_secs: 60,
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn env_parse<T: std::str::FromStr>(name: &str, into: &mut T) -> Result<(), String> {
    if let Some(v) = env(name) {
        *into = v.parse().map_err(|_| format!("{name}={v} is not valid"))?;
    }
    Ok(())
}

impl Config {
    /// File (if any), then environment. Flags are applied by the caller.
    pub fn load(file: Option<&Path>) -> Result<Self, String> {
        let mut c = match file {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                toml::from_str(&text).map_err(|e| format!("{}: {}", p.display(), e.message()))?
            }
            None => Config::default(),
        };
        env_parse("LATCHKEY_IMS_AS", &mut c.ims_as)?;
        env_parse(
            "LATCHKEY_ACCESS_TOKEN_TTL_SECS",
            &mut c.access_token_ttl_secs,
        )?;
        env_parse("LATCHKEY_CLOCK_SKEW_SECS", &mut c.clock_skew_secs)?;
        env_parse("LATCHKEY_ACCESS_TOKEN_ALG", &mut c.access_token_alg)?;
        env_parse("LATCHKEY_MAX_BODY_BYTES", &mut c.max_body_bytes)?;
        env_parse(
            "LATCHKEY_LOGIN_FAILURES_PER_ADDRESS",
            &mut c.login_failures_per_address,
        )?;
        env_parse(
            "LATCHKEY_CLIENT_AUTH_FAILURES_PER_ADDRESS",
            &mut c.client_auth_failures_per_address,
        )?;
        env_parse("LATCHKEY_CODE_TTL_SECS", &mut c.code_ttl_secs)?;
        env_parse(
            "LATCHKEY_REFRESH_IDLE_TTL_SECS",
            &mut c.refresh_idle_ttl_secs,
        )?;
        env_parse(
            "LATCHKEY_REFRESH_ABSOLUTE_TTL_SECS",
            &mut c.refresh_absolute_ttl_secs,
        )?;
        env_parse("LATCHKEY_SESSION_TTL_SECS", &mut c.session_ttl_secs)?;
        env_parse("LATCHKEY_AUDIT_RETENTION_DAYS", &mut c.audit_retention_days)?;
        env_parse(
            "LATCHKEY_EVENTS_ALLOW_PRIVATE_TARGETS",
            &mut c.events_allow_private_targets,
        )?;
        env_parse("LATCHKEY_EVENTS_RETRY_BASE_MS", &mut c.events_retry_base_ms)?;
        env_parse("LATCHKEY_EVENTS_LEASE_SECS", &mut c.events_lease_secs)?;
        env_parse(
            "LATCHKEY_HEADER_READ_TIMEOUT_SECS",
            &mut c.header_read_timeout_secs,
        )?;
        env_parse("LATCHKEY_REQUEST_TIMEOUT_SECS", &mut c.request_timeout_secs)?;
        Ok(c)
    }

    pub fn validate(&self) -> Result<(), String> {
        if !(601..=7 * 86_400).contains(&self.access_token_ttl_secs) {
            // aio-lib-ims caches nothing that lives 10 minutes or less (docs/ims-contract.md §3.1).
            return Err("access_token_ttl_secs must be between 601 and 604800".into());
        }
        self.access_token_ttl_by_kind()?;
        if !(10..=600).contains(&self.code_ttl_secs) {
            return Err("code_ttl_secs must be between 10 and 600 (SEC-45)".into());
        }
        if !(3_600..=365 * 86_400).contains(&self.refresh_idle_ttl_secs)
            || self.refresh_absolute_ttl_secs < self.refresh_idle_ttl_secs
            || self.refresh_absolute_ttl_secs > 365 * 86_400
        {
            return Err("refresh_idle_ttl_secs must be 1 hour to 1 year, and refresh_absolute_ttl_secs at least that and at most 1 year".into());
        }
        if !(10..=3_600_000).contains(&self.events_retry_base_ms) {
            return Err("events_retry_base_ms must be between 10 and 3600000".into());
        }
        if !(1..=3600).contains(&self.events_lease_secs) {
            return Err("events_lease_secs must be between 1 and 3600".into());
        }
        if !(1..=3650).contains(&self.audit_retention_days) {
            return Err("audit_retention_days must be between 1 and 3650".into());
        }
        if !(300..=30 * 86_400).contains(&self.session_ttl_secs) {
            return Err("session_ttl_secs must be between 300 and 2592000".into());
        }
        if !(1..=300).contains(&self.header_read_timeout_secs)
            || !(1..=600).contains(&self.request_timeout_secs)
        {
            return Err(
                "header_read_timeout_secs must be 1 to 300 and request_timeout_secs 1 to 600"
                    .into(),
            );
        }
        if !(0..=60).contains(&self.clock_skew_secs) {
            return Err("clock_skew_secs must be between 0 and 60 (SEC-45)".into());
        }
        self.access_token_alg.parse::<KeyAlg>()?;
        if !(1024..=10 * 1024 * 1024).contains(&self.max_body_bytes) {
            return Err("max_body_bytes must be between 1 KiB and 10 MiB".into());
        }
        if self.ims_as.is_empty()
            || !self
                .ims_as
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err("ims_as must be a host label such as ims-na1".into());
        }
        Ok(())
    }

    pub fn lifetimes(&self) -> Lifetimes {
        Lifetimes {
            code_secs: self.code_ttl_secs,
            refresh_idle_secs: self.refresh_idle_ttl_secs,
            refresh_absolute_secs: self.refresh_absolute_ttl_secs,
            session_secs: self.session_ttl_secs,
        }
    }

    /// How long a signing key must stay published after it stops signing: the longest
    /// lifetime of anything it signed (access tokens, refresh tokens), plus clock skew.
    pub fn key_retention_secs(&self) -> i64 {
        let longest_access = self
            .access_token_ttl_secs_by_kind
            .values()
            .fold(self.access_token_ttl_secs, |a, b| a.max(*b));
        longest_access.max(self.refresh_idle_ttl_secs) + self.clock_skew_secs
    }

    /// `access_token_ttl_secs_by_kind` with its kinds parsed and its lifetimes checked
    /// (60 s to 7 days; a kind that IMS clients use needs more than 600 s, which is the
    /// operator's choice to make).
    pub fn access_token_ttl_by_kind(&self) -> Result<Vec<(CredentialKind, i64)>, String> {
        self.access_token_ttl_secs_by_kind
            .iter()
            .map(|(kind, ttl)| {
                let kind: CredentialKind = kind
                    .parse()
                    .map_err(|e| format!("access_token_ttl_secs_by_kind: {e}"))?;
                if !(60..=7 * 86_400).contains(ttl) {
                    return Err(format!(
                        "access_token_ttl_secs_by_kind.{}: must be between 60 and 604800",
                        kind.as_str()
                    ));
                }
                Ok((kind, *ttl))
            })
            .collect()
    }

    pub fn timeouts(&self) -> Timeouts {
        Timeouts {
            header_read: std::time::Duration::from_secs(self.header_read_timeout_secs),
            request: std::time::Duration::from_secs(self.request_timeout_secs),
        }
    }

    pub fn event_settings(&self) -> latchkey_http::events::EventSettings {
        latchkey_http::events::EventSettings {
            allow_private_targets: self.events_allow_private_targets,
            retry_base_ms: self.events_retry_base_ms,
            lease_ms: self.events_lease_secs * 1000,
            ..Default::default()
        }
    }

    pub fn address_limits(&self) -> AddressLimits {
        AddressLimits {
            login_failures: self.login_failures_per_address,
            client_auth_failures: self.client_auth_failures_per_address,
        }
    }

    pub fn token_settings(&self, issuer: String) -> Result<TokenSettings, String> {
        Ok(TokenSettings {
            lifetimes: self.lifetimes(),
            issuer,
            ims_as: self.ims_as.clone(),
            access_token_ttl_secs: self.access_token_ttl_secs,
            access_token_ttl_by_kind: self.access_token_ttl_by_kind()?,
            clock_skew_secs: self.clock_skew_secs,
            access_token_alg: self.access_token_alg.parse()?,
        })
    }
}

fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The issuer: configured, or `http://<bound address>`. Plain http is accepted only on
/// loopback (docs/design.md); no path, query or fragment beyond an optional base path.
pub fn resolve_issuer(configured: Option<&str>, bound: SocketAddr) -> Result<String, String> {
    let raw = match configured {
        Some(i) => i.trim_end_matches('/').to_owned(),
        None => {
            if !bound.ip().is_loopback() {
                return Err(format!(
                    "listening on {bound} needs --issuer https://... (plain http is only for loopback)"
                ));
            }
            format!("http://{bound}")
        }
    };
    let url = url::Url::parse(&raw).map_err(|_| format!("issuer '{raw}' is not a URL"))?;
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err("the issuer must not carry a query, fragment or user information".into());
    }
    match (url.scheme(), url.host_str()) {
        ("https", Some(_)) => Ok(raw),
        ("http", Some(h)) if is_loopback_host(h) => Ok(raw),
        ("http", Some(_)) => {
            Err("a plain http issuer is only allowed on loopback addresses; use https".into())
        }
        _ => Err(format!("issuer '{raw}' must be an http(s) URL")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_issuers_only_on_loopback() {
        let local: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        assert_eq!(
            resolve_issuer(None, local).unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(resolve_issuer(Some("http://idp.example.com"), local).is_err());
        assert!(resolve_issuer(Some("https://idp.example.com/"), local).is_ok());
        assert!(resolve_issuer(Some("http://localhost:9"), local).is_ok());
        assert!(resolve_issuer(None, "0.0.0.0:8080".parse().unwrap()).is_err());
        assert!(resolve_issuer(Some("https://idp.example.com?x=1"), local).is_err());
    }

    #[test]
    fn unknown_config_keys_are_refused() {
        assert!(toml::from_str::<Config>("listen = \"127.0.0.1:1\"\nlistne = 1").is_err());
        let c: Config = toml::from_str("access_token_ttl_secs = 3600").unwrap();
        assert!(c.validate().is_ok());
        assert_eq!(c.database, DEFAULT_DATABASE);
    }

    #[test]
    fn every_lifetime_is_read_from_the_file_and_checked() {
        let c: Config = toml::from_str(
            "code_ttl_secs = 120\nrefresh_idle_ttl_secs = 86400\n\
             refresh_absolute_ttl_secs = 2592000\nsession_ttl_secs = 3600\n\
             access_token_ttl_secs = 7200\n\
             [access_token_ttl_secs_by_kind]\noauth_spa = 900\n",
        )
        .unwrap();
        assert!(c.validate().is_ok());
        let t = c.token_settings("http://127.0.0.1:8080".into()).unwrap();
        assert_eq!(
            t.lifetimes,
            Lifetimes {
                code_secs: 120,
                refresh_idle_secs: 86_400,
                refresh_absolute_secs: 2_592_000,
                session_secs: 3_600,
            }
        );
        assert_eq!(t.access_token_ttl(CredentialKind::OAuthSpa), 900);
        assert_eq!(t.access_token_ttl(CredentialKind::ServerToServer), 7_200);
        assert_eq!(
            c.key_retention_secs(),
            86_400 + 30,
            "the refresh lifetime is longest"
        );
        for bad in [
            "code_ttl_secs = 3600",
            "refresh_idle_ttl_secs = 10",
            "refresh_idle_ttl_secs = 86400\nrefresh_absolute_ttl_secs = 3600",
            "session_ttl_secs = 1",
            "[access_token_ttl_secs_by_kind]\nrobot = 900",
            "[access_token_ttl_secs_by_kind]\noauth_spa = 5",
        ] {
            let c: Config = toml::from_str(bad).unwrap();
            assert!(c.validate().is_err(), "{bad}");
        }
    }
}
