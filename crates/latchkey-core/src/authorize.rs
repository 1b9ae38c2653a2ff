//! The authorization endpoint's decisions (RFC 6749 §4.1.1, OIDC Core §3.1.2): which
//! errors are shown on a page and which are redirected (SEC-02), and what the request
//! needs next: a login, a consent, or a code. The request travels between the login and
//! consent pages signed (not stored), so a crash mid-flow loses nothing (docs/design.md).

use crate::admin::redirect::matches_registered;
use crate::clock::Timestamp;
use crate::error::{ErrorCode, OAuthError};
use crate::ids::ClientId;
use crate::jws;
use crate::keys::{KeyAlg, Keyring};
use crate::model::{Credential, CredentialKind};
use crate::params::Params;
use crate::pkce;
use crate::scope::ScopeSet;
use crate::token::Dialect;
use serde::{Deserialize, Serialize};

/// How long a user may take on the login and consent pages.
pub const REQUEST_TTL_SECS: i64 = 600;
/// IMS allows `state` up to 4096 characters (docs/ims-contract.md §2.1).
pub const MAX_STATE_LEN: usize = 4096;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    pub none: bool,
    pub login: bool,
    pub consent: bool,
}

/// A validated authorization request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeRequest {
    pub client_id: ClientId,
    pub redirect_uri: String,
    /// Whether `redirect_uri` was in the request: then the token request must repeat it (SEC-04).
    pub redirect_uri_given: bool,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt: Prompt,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    /// The `sub` of a verified `id_token_hint` (CONF-16): a session of another user does
    /// not satisfy the request without a new login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_hint: Option<String>,
    pub ims: bool,
    /// When the request was first seen (ms): a login after this satisfies `prompt=login`.
    pub started_at: i64,
}

impl AuthorizeRequest {
    pub fn scope_set(&self) -> ScopeSet {
        ScopeSet::from_list(self.scopes.iter().cloned())
    }
    pub fn dialect(&self) -> Dialect {
        if self.ims {
            Dialect::Ims
        } else {
            Dialect::Standard
        }
    }
}

/// Why an authorization request failed, and where the user is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeError {
    /// Client or redirect URI not trustworthy: an error page, no redirect (SEC-02).
    Page(String),
    /// Redirected to the client with `error`, `state` and `iss`.
    Redirect {
        redirect_uri: String,
        error: OAuthError,
        state: Option<String>,
    },
}

/// Kinds that sign users in through the browser.
pub fn is_browser_client(kind: CredentialKind) -> bool {
    matches!(
        kind,
        CredentialKind::OAuthWeb | CredentialKind::OAuthSpa | CredentialKind::OAuthNative
    )
}

/// Validate an authorization request against its client (already looked up) and the
/// scopes that client may ask for.
pub fn validate(
    params: &Params,
    cred: Option<&Credential>,
    allowed_scopes: &[String],
    dialect: Dialect,
    now: Timestamp,
) -> Result<AuthorizeRequest, AuthorizeError> {
    let page = |m: &str| AuthorizeError::Page(m.to_owned());
    let cred = match (params.get("client_id"), cred) {
        (None, _) => return Err(page("The request has no client_id.")),
        (Some(_), None) => return Err(page("The application is not known.")),
        (Some(_), Some(c)) if c.disabled || !is_browser_client(c.kind) => {
            return Err(page("This application cannot sign users in."));
        }
        (Some(_), Some(c)) => c,
    };
    let (redirect_uri, given) = match params.get("redirect_uri") {
        Some(r) if matches_registered(r, &cred.redirect_uris, cred.kind) => (r.to_owned(), true),
        Some(_) => {
            return Err(page(
                "The redirect_uri is not registered for this application.",
            ));
        }
        None if cred.redirect_uris.len() == 1 => (cred.redirect_uris[0].clone(), false),
        None => {
            return Err(page(
                "The request must name one of the application's redirect URIs.",
            ));
        }
    };
    let state = params.get("state").map(str::to_owned);
    let fail = |error: OAuthError| AuthorizeError::Redirect {
        redirect_uri: redirect_uri.clone(),
        error,
        state: state.clone().filter(|s| s.len() <= MAX_STATE_LEN),
    };
    if state.as_ref().is_some_and(|s| s.len() > MAX_STATE_LEN) {
        return Err(fail(OAuthError::invalid_request(
            "state is longer than 4096 characters",
        )));
    }
    // CONF-24/25: request objects are not supported, and say so rather than ignore them.
    if params.get("request").is_some() {
        return Err(fail(OAuthError::new(
            ErrorCode::RequestNotSupported,
            "request objects are not supported",
        )));
    }
    if params.get("request_uri").is_some() {
        return Err(fail(OAuthError::new(
            ErrorCode::RequestUriNotSupported,
            "request_uri is not supported",
        )));
    }
    match params.get("response_type") {
        Some("code") => {}
        // IMS: response_type is optional and defaults to code (docs/ims-contract.md §2.1).
        None if dialect == Dialect::Ims => {}
        None => {
            return Err(fail(OAuthError::invalid_request(
                "response_type is required",
            )));
        }
        // SEC-27: no implicit or hybrid flow.
        Some(_) => {
            return Err(fail(OAuthError::new(
                ErrorCode::UnsupportedResponseType,
                "only response_type=code is supported",
            )));
        }
    }
    if params.get("response_mode").is_some_and(|m| m != "query") {
        return Err(fail(OAuthError::invalid_request(
            "only response_mode=query is supported",
        )));
    }
    let scopes = ScopeSet::parse(params.get("scope").unwrap_or("")).map_err(fail)?;
    if scopes.is_empty() {
        return Err(fail(OAuthError::invalid_scope("scope is required")));
    }
    let outside = scopes.outside(allowed_scopes);
    if !outside.is_empty() {
        return Err(fail(OAuthError::invalid_scope(format!(
            "scope not allowed for this application: {}",
            outside.join(" ")
        ))));
    }
    let challenge = pkce::check_challenge(
        params.get("code_challenge"),
        params.get("code_challenge_method"),
    )
    .map_err(fail)?;
    // SEC-11: public clients must use PKCE.
    if challenge.is_none() && !cred.kind.has_secret() {
        return Err(fail(OAuthError::invalid_request(
            "code_challenge is required for this application (PKCE)",
        )));
    }
    let mut prompt = Prompt::default();
    for p in params
        .get("prompt")
        .unwrap_or("")
        .split(' ')
        .filter(|p| !p.is_empty())
    {
        match p {
            "none" => prompt.none = true,
            "login" => prompt.login = true,
            "consent" => prompt.consent = true,
            "select_account" => {}
            _ => {
                return Err(fail(OAuthError::invalid_request(
                    "prompt has an unknown value",
                )));
            }
        }
    }
    if prompt.none && (prompt.login || prompt.consent) {
        return Err(fail(OAuthError::invalid_request(
            "prompt=none cannot be combined with other values",
        )));
    }
    let max_age = match params.get("max_age") {
        None => None,
        Some(m) => Some(m.parse::<i64>().ok().filter(|v| *v >= 0).ok_or_else(|| {
            fail(OAuthError::invalid_request(
                "max_age must be a non-negative integer",
            ))
        })?),
    };
    let short = |name: &str| {
        params
            .get(name)
            .filter(|v| v.len() <= 1024)
            .map(str::to_owned)
    };
    Ok(AuthorizeRequest {
        client_id: cred.client_id.clone(),
        redirect_uri,
        redirect_uri_given: given,
        scopes: scopes.as_slice().to_vec(),
        state,
        nonce: short("nonce"),
        code_challenge: challenge,
        prompt,
        max_age,
        login_hint: short("login_hint"),
        subject_hint: None,
        ims: dialect == Dialect::Ims,
        started_at: now.millis(),
    })
}

/// What the signed-in state of the browser is, for `next_step`.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub auth_time: Timestamp,
    /// The signed-in user's id, the `sub` of their ID tokens.
    pub user_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Login,
    Consent,
    IssueCode,
}

/// Decide the next step (OIDC Core §3.1.2.3–§3.1.2.4; SEC-37). `consented` are the scopes
/// the user already granted this client; `consent_given` is true right after the consent
/// form was accepted in this flow.
pub fn next_step(
    req: &AuthorizeRequest,
    session: Option<&SignedIn>,
    consented: Option<&ScopeSet>,
    consent_given: bool,
    now: Timestamp,
) -> Result<Next, OAuthError> {
    let needs_login = match session {
        None => true,
        Some(s) => {
            let before_this_request = s.auth_time.millis() < req.started_at;
            let hint_is_someone_else = req.subject_hint.as_ref().is_some_and(|h| *h != s.user_id);
            (before_this_request && (req.prompt.login || hint_is_someone_else))
                || req
                    .max_age
                    .is_some_and(|m| now.millis() - s.auth_time.millis() > m.saturating_mul(1000))
        }
    };
    if needs_login {
        return if req.prompt.none {
            Err(OAuthError::new(
                ErrorCode::LoginRequired,
                "the user is not signed in",
            ))
        } else {
            Ok(Next::Login)
        };
    }
    let covered = consented.is_some_and(|c| req.scopes.iter().all(|s| c.contains(s)));
    if !consent_given && (!covered || req.prompt.consent) {
        return if req.prompt.none {
            Err(OAuthError::new(
                ErrorCode::ConsentRequired,
                "the user has not consented",
            ))
        } else {
            Ok(Next::Consent)
        };
    }
    Ok(Next::IssueCode)
}

/// Record the subject an `id_token_hint` names (OIDC Core §3.1.2.1): one of our ID
/// tokens issued to this client (`idtoken::hint_claims`). Anything else is
/// `invalid_request`, redirected like the request's other errors.
pub fn with_subject_hint(
    mut req: AuthorizeRequest,
    hint: Option<&str>,
    keyring: &Keyring,
    issuer: &str,
    now: Timestamp,
) -> Result<AuthorizeRequest, AuthorizeError> {
    let Some(hint) = hint else {
        return Ok(req);
    };
    let sub = crate::idtoken::hint_claims(hint, keyring, issuer, now)
        .filter(|c| c.get("aud").and_then(|a| a.as_str()) == Some(req.client_id.as_str()))
        .and_then(|c| c.get("sub").and_then(|s| s.as_str()).map(str::to_owned));
    match sub {
        Some(sub) => {
            req.subject_hint = Some(sub);
            Ok(req)
        }
        None => Err(AuthorizeError::Redirect {
            error: OAuthError::invalid_request(
                "id_token_hint is not a valid ID token for this application",
            ),
            redirect_uri: req.redirect_uri,
            state: req.state,
        }),
    }
}

/// Sign the request to carry it through the login and consent pages.
pub fn seal(
    req: &AuthorizeRequest,
    keyring: &Keyring,
    alg: KeyAlg,
    now: Timestamp,
) -> Result<String, OAuthError> {
    #[derive(Serialize)]
    struct Sealed<'a> {
        #[serde(rename = "type")]
        typ: &'static str,
        exp: i64,
        req: &'a AuthorizeRequest,
    }
    let key = keyring
        .signer(alg, now)
        .ok_or_else(OAuthError::server_error)?;
    jws::sign(
        key,
        &[("itt", "ar")],
        &Sealed {
            typ: "authorization_request",
            exp: now.secs() + REQUEST_TTL_SECS,
            req,
        },
    )
    .map_err(|_| OAuthError::server_error())
}

/// Open a sealed request; `None` if forged, tampered, of another kind, or expired.
pub fn open(sealed: &str, keyring: &Keyring, now: Timestamp) -> Option<AuthorizeRequest> {
    #[derive(Deserialize)]
    struct Sealed {
        #[serde(rename = "type")]
        typ: String,
        exp: i64,
        req: AuthorizeRequest,
    }
    let parsed = jws::parse(sealed).ok()?;
    jws::verify(&parsed, keyring, now).ok()?;
    if parsed.header.itt.as_deref() != Some("ar") {
        return None;
    }
    let s: Sealed = jws::parse_object(&parsed.payload)?;
    (s.typ == "authorization_request" && now.secs() < s.exp).then_some(s.req)
}

/// The client redirect for a result: `redirect_uri` plus `pairs` and `iss` (RFC 9207) in
/// the query, appended to any query the registered URI already has.
pub fn redirect_url(redirect_uri: &str, pairs: &[(&str, &str)], issuer: &str) -> String {
    let mut out = redirect_uri.to_owned();
    let mut sep = if redirect_uri.contains('?') { '&' } else { '?' };
    for (k, v) in pairs.iter().chain(std::iter::once(&("iss", issuer))) {
        out.push(sep);
        out.push_str(k);
        out.push('=');
        out.extend(form_urlencoded_byte_serialize(v));
        sep = '&';
    }
    out
}

fn form_urlencoded_byte_serialize(v: &str) -> impl Iterator<Item = char> + '_ {
    v.bytes().flat_map(|b| {
        let s: Vec<char> = if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            vec![b as char]
        } else {
            format!("%{b:02X}").chars().collect()
        };
        s.into_iter()
    })
}

/// The redirect of an error (RFC 6749 §4.1.2.1) with `state` and `iss` (SEC-35, SEC-36).
pub fn error_redirect_url(
    redirect_uri: &str,
    error: &OAuthError,
    state: Option<&str>,
    issuer: &str,
) -> String {
    let mut pairs = vec![
        ("error", error.code_name()),
        ("error_description", error.description.as_str()),
    ];
    if let Some(s) = state {
        pairs.push(("state", s));
    }
    redirect_url(redirect_uri, &pairs, issuer)
}

#[cfg(test)]
#[path = "authorize_tests.rs"]
mod tests;
