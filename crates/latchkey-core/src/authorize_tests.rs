//! The authorize → login → consent decisions, without a server: `validate` (what is an
//! error page, what is an error redirect), `next_step` (login, consent or a code) and the
//! sealed request that carries them across the login and consent pages.

use super::*;
use crate::ids::{OrgId, ProjectId};
use crate::keys::{MasterKey, SigningKey};
use crate::rand::SystemRng;

const NOW: Timestamp = Timestamp(1_800_000_000_000);
const CB: &str = "https://app.example/cb";

fn cred(kind: CredentialKind) -> Credential {
    Credential {
        client_id: ClientId("client-1".into()),
        org_id: OrgId("org@LatchkeyOrg".into()),
        project_id: ProjectId("p1".into()),
        kind,
        name: "App".into(),
        redirect_uris: vec![CB.into()],
        technical_account: None,
        disabled: false,
        created_at: NOW,
    }
}

fn params(pairs: &[(&str, &str)]) -> Params {
    Params::of(pairs)
}

const ALLOWED: &[&str] = &["openid", "email", "profile", "offline_access"];

fn allowed() -> Vec<String> {
    ALLOWED.iter().map(|s| (*s).to_owned()).collect()
}

fn validate_web(extra: &[(&str, &str)]) -> Result<AuthorizeRequest, AuthorizeError> {
    let mut pairs = vec![
        ("client_id", "client-1"),
        ("redirect_uri", CB),
        ("response_type", "code"),
        ("scope", "openid email"),
        ("state", "s1"),
    ];
    for (k, v) in extra {
        pairs.retain(|(pk, _)| pk != k);
        if !v.is_empty() {
            pairs.push((k, v));
        }
    }
    validate(
        &params(&pairs),
        Some(&cred(CredentialKind::OAuthWeb)),
        &allowed(),
        Dialect::Standard,
        NOW,
    )
}

fn redirected_error(r: Result<AuthorizeRequest, AuthorizeError>) -> (String, Option<String>) {
    match r {
        Err(AuthorizeError::Redirect { error, state, .. }) => (error.code_name().to_owned(), state),
        other => panic!("expected an error redirect, got {other:?}"),
    }
}

#[test]
fn untrustworthy_clients_and_redirects_get_a_page_never_a_redirect() {
    let p = params(&[("client_id", "client-1"), ("redirect_uri", CB)]);
    let web = cred(CredentialKind::OAuthWeb);
    let page =
        |r: Result<AuthorizeRequest, AuthorizeError>| matches!(r, Err(AuthorizeError::Page(_)));
    assert!(page(validate(
        &params(&[("redirect_uri", CB)]),
        Some(&web),
        &allowed(),
        Dialect::Standard,
        NOW
    )));
    assert!(
        page(validate(&p, None, &allowed(), Dialect::Standard, NOW)),
        "unknown client"
    );
    let mut disabled = web.clone();
    disabled.disabled = true;
    assert!(page(validate(
        &p,
        Some(&disabled),
        &allowed(),
        Dialect::Standard,
        NOW
    )));
    let s2s = cred(CredentialKind::ServerToServer);
    assert!(
        page(validate(&p, Some(&s2s), &allowed(), Dialect::Standard, NOW)),
        "no user sign-in"
    );
    assert!(
        page(validate_web(&[("redirect_uri", "https://evil.test/cb")])),
        "SEC-01"
    );
}

#[test]
fn a_trusted_redirect_carries_the_error_and_the_state() {
    assert_eq!(
        redirected_error(validate_web(&[("response_type", "token")])),
        ("unsupported_response_type".into(), Some("s1".into())),
        "SEC-27"
    );
    assert_eq!(
        redirected_error(validate_web(&[("scope", "openid admin")])).0,
        "invalid_scope"
    );
    assert_eq!(
        redirected_error(validate_web(&[("scope", "")])).0,
        "invalid_scope"
    );
    assert_eq!(
        redirected_error(validate_web(&[("request", "eyJ.x.y")])).0,
        "request_not_supported"
    );
    assert_eq!(
        redirected_error(validate_web(&[("request_uri", "https://x")])).0,
        "request_uri_not_supported"
    );
    assert_eq!(
        redirected_error(validate_web(&[("prompt", "sometimes")])).0,
        "invalid_request"
    );
    assert_eq!(
        redirected_error(validate_web(&[("prompt", "none login")])).0,
        "invalid_request"
    );
    assert_eq!(
        redirected_error(validate_web(&[("max_age", "-1")])).0,
        "invalid_request"
    );
    assert_eq!(
        redirected_error(validate_web(&[("response_mode", "fragment")])).0,
        "invalid_request"
    );
    let long_state = "s".repeat(MAX_STATE_LEN + 1);
    assert_eq!(
        redirected_error(validate_web(&[("state", &long_state)])),
        ("invalid_request".into(), None),
        "an over-long state is not echoed"
    );
}

#[test]
fn public_clients_need_pkce_and_ims_defaults_to_code() {
    let spa = cred(CredentialKind::OAuthSpa);
    let p = params(&[
        ("client_id", "client-1"),
        ("response_type", "code"),
        ("scope", "openid"),
    ]);
    let r = validate(&p, Some(&spa), &allowed(), Dialect::Standard, NOW);
    assert_eq!(redirected_error(r).0, "invalid_request", "SEC-11");
    // Without redirect_uri, the one registered URI is used and need not be repeated.
    let ims = params(&[("client_id", "client-1"), ("scope", "openid")]);
    let req = validate(
        &ims,
        Some(&cred(CredentialKind::OAuthWeb)),
        &allowed(),
        Dialect::Ims,
        NOW,
    )
    .unwrap();
    assert_eq!(
        (req.redirect_uri.as_str(), req.redirect_uri_given),
        (CB, false)
    );
    assert_eq!(req.dialect(), Dialect::Ims);
    let std = params(&[("client_id", "client-1"), ("scope", "openid")]);
    let r = validate(
        &std,
        Some(&cred(CredentialKind::OAuthWeb)),
        &allowed(),
        Dialect::Standard,
        NOW,
    );
    assert_eq!(
        redirected_error(r).0,
        "invalid_request",
        "CONF-02: response_type required"
    );
}

fn request(extra: &[(&str, &str)]) -> AuthorizeRequest {
    validate_web(extra).unwrap()
}

fn signed_in(minutes_ago: i64) -> SignedIn {
    SignedIn {
        auth_time: Timestamp(NOW.0 - minutes_ago * 60_000),
        user_id: "user-1".into(),
    }
}

fn granted(scopes: &[&str]) -> ScopeSet {
    ScopeSet::from_list(scopes.iter().map(|s| (*s).to_owned()))
}

#[test]
fn next_step_asks_to_log_in_then_to_consent_then_issues_a_code() {
    let req = request(&[]);
    assert_eq!(next_step(&req, None, None, false, NOW), Ok(Next::Login));
    let me = signed_in(5);
    assert_eq!(
        next_step(&req, Some(&me), None, false, NOW),
        Ok(Next::Consent)
    );
    let narrower = granted(&["openid"]);
    assert_eq!(
        next_step(&req, Some(&me), Some(&narrower), false, NOW),
        Ok(Next::Consent),
        "SEC-38: new scopes are asked for"
    );
    let covering = granted(&["openid", "email", "profile"]);
    assert_eq!(
        next_step(&req, Some(&me), Some(&covering), false, NOW),
        Ok(Next::IssueCode)
    );
    assert_eq!(
        next_step(&req, Some(&me), None, true, NOW),
        Ok(Next::IssueCode),
        "just consented"
    );
    let again = request(&[("prompt", "consent")]);
    assert_eq!(
        next_step(&again, Some(&me), Some(&covering), false, NOW),
        Ok(Next::Consent)
    );
}

#[test]
fn prompt_none_never_shows_a_page_and_says_why() {
    let req = request(&[("prompt", "none")]);
    let code = |r: Result<Next, OAuthError>| r.unwrap_err().code;
    assert_eq!(
        code(next_step(&req, None, None, false, NOW)),
        ErrorCode::LoginRequired
    );
    let me = signed_in(5);
    assert_eq!(
        code(next_step(&req, Some(&me), None, false, NOW)),
        ErrorCode::ConsentRequired
    );
    let covering = granted(&["openid", "email"]);
    assert_eq!(
        next_step(&req, Some(&me), Some(&covering), false, NOW),
        Ok(Next::IssueCode)
    );
}

#[test]
fn max_age_prompt_login_and_another_users_hint_force_a_new_login() {
    let covering = granted(&["openid", "email"]);
    let me = signed_in(30);
    let recent = request(&[("max_age", "600")]);
    assert_eq!(
        next_step(&recent, Some(&me), Some(&covering), false, NOW),
        Ok(Next::Login)
    );
    let lenient = request(&[("max_age", "3600")]);
    assert_eq!(
        next_step(&lenient, Some(&me), Some(&covering), false, NOW),
        Ok(Next::IssueCode)
    );
    // prompt=login: a session from before the request is not enough; one after it is.
    let login = request(&[("prompt", "login")]);
    assert_eq!(
        next_step(&login, Some(&me), Some(&covering), false, NOW),
        Ok(Next::Login)
    );
    let fresh = SignedIn {
        auth_time: Timestamp(NOW.0 + 1_000),
        user_id: "user-1".into(),
    };
    assert_eq!(
        next_step(&login, Some(&fresh), Some(&covering), false, NOW),
        Ok(Next::IssueCode)
    );
    // CONF-16: an ID token hint naming someone else.
    let mut hinted = request(&[]);
    hinted.subject_hint = Some("user-2".into());
    assert_eq!(
        next_step(&hinted, Some(&me), Some(&covering), false, NOW),
        Ok(Next::Login)
    );
    hinted.subject_hint = Some("user-1".into());
    assert_eq!(
        next_step(&hinted, Some(&me), Some(&covering), false, NOW),
        Ok(Next::IssueCode)
    );
}

#[test]
fn a_sealed_request_opens_unchanged_until_it_expires_and_not_when_tampered() {
    let rng = SystemRng;
    let mk = MasterKey::generate(&rng);
    let ring = Keyring::load(
        &[SigningKey::generate(&rng, &mk, KeyAlg::Es256, NOW, NOW).unwrap()],
        &mk,
    )
    .unwrap();
    let req = request(&[("nonce", "n-1")]);
    let sealed = seal(&req, &ring, KeyAlg::Es256, NOW).unwrap();
    assert_eq!(
        open(&sealed, &ring, NOW.plus_secs(REQUEST_TTL_SECS - 1)),
        Some(req)
    );
    assert_eq!(
        open(&sealed, &ring, NOW.plus_secs(REQUEST_TTL_SECS)),
        None,
        "expired"
    );
    let mut tampered = sealed.clone();
    tampered.insert(sealed.len() / 2, 'x');
    assert_eq!(open(&tampered, &ring, NOW), None);
}
