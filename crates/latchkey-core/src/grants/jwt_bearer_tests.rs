//! Tests of the three assertion decisions (IMS exchange, RFC 7523 grant, private_key_jwt).

use super::*;
use crate::assertion::tests::{EC_KEY, NOW, RSA_KEY, rsa_keys, sign};
use crate::ids::{ApiId, ClientId, OrgId, ProjectId, UserId};
use crate::model::{ApiScope, AuthKind};
use serde_json::{Value, json};

const ISS: &str = "http://127.0.0.1:8080";
const ORG: &str = "0123456789ABCDEF01234567@LatchkeyOrg";
const TECH: &str = "ABCDEF0123456789ABCDEF01@techacct.latchkey.local";
const CID: &str = "0123456789abcdef0123456789abcdef";

fn cx() -> Context<'static> {
    Context {
        issuer: ISS,
        now: NOW,
        skew_secs: 30,
    }
}

fn cred(kind: CredentialKind) -> Credential {
    Credential {
        client_id: ClientId(CID.into()),
        org_id: OrgId(ORG.into()),
        project_id: ProjectId("p".into()),
        kind,
        name: "sa".into(),
        redirect_uris: vec![],
        technical_account: Some(UserId(TECH.into())),
        disabled: false,
        created_at: Timestamp(0),
    }
}

fn apis() -> Vec<Api> {
    let api = |id: &str, auth: Vec<AuthKind>, scope: &str, meta: &str| Api {
        id: ApiId(id.into()),
        name: id.into(),
        product: Some("Workfront".into()),
        description: String::new(),
        auth,
        scopes: vec![ApiScope {
            name: scope.into(),
            description: String::new(),
        }],
        metascopes: vec![meta.into()],
    };
    vec![
        api(
            "wf",
            vec![AuthKind::ServiceAccountJwt, AuthKind::ServerToServer],
            "workfront.read",
            "ent_workfront_sdk",
        ),
        api(
            "s2s-only",
            vec![AuthKind::ServerToServer],
            "other.scope",
            "ent_other_sdk",
        ),
    ]
}

fn ims_claims() -> Value {
    json!({"iss": ORG, "sub": TECH, "aud": format!("{ISS}/c/{CID}"),
           "exp": NOW.secs() + 300, "iat": NOW.secs(),
           format!("{ISS}/s/ent_workfront_sdk"): true})
}

fn with(mut base: Value, patch: Value) -> Value {
    for (k, v) in patch.as_object().unwrap() {
        if v.is_null() {
            base.as_object_mut().unwrap().remove(k);
        } else {
            base[k] = v.clone();
        }
    }
    base
}

fn exchange(claims: Value) -> Result<Accepted, OAuthError> {
    let t = sign(RSA_KEY, json!({"alg":"RS256","typ":"JWT"}), claims);
    decide_ims_exchange(
        &cx(),
        &cred(CredentialKind::ServiceAccountJwt),
        &rsa_keys(),
        &apis(),
        Some(&t),
    )
}

fn code_status(e: OAuthError) -> (&'static str, u16) {
    (e.code_name(), e.status())
}

#[test]
fn ims_exchange_grants_the_metascopes_apis_scopes() {
    let ok = exchange(ims_claims()).unwrap();
    assert!(ok.scopes.contains("workfront.read"));
    assert!(ok.scopes.contains("openid"));
    assert!(!ok.scopes.contains("other.scope"));
    assert_eq!(ok.jti, None);
    let ok = exchange(with(ims_claims(), json!({"jti": 12345}))).unwrap();
    assert_eq!(ok.jti.as_deref(), Some("12345"));
    // Remembered as long as the assertion could be accepted: exp plus the 30 s skew
    // (docs/security-review.md finding 2).
    assert_eq!(ok.expires_at, Timestamp::from_secs(NOW.secs() + 300 + 30));
}

#[test]
fn ims_exchange_errors_follow_the_contract_table() {
    let s = NOW.secs();
    let cases: Vec<(Value, (&str, u16))> = vec![
        (
            json!({"aud": format!("{ISS}/c/other")}),
            ("invalid_client", 400),
        ),
        (json!({"aud": null}), ("invalid_client", 400)),
        (json!({"exp": s - 600}), ("invalid_token", 400)),
        (json!({"exp": "soon"}), ("invalid_token", 400)),
        (json!({"jti": "not-an-integer"}), ("invalid_token", 400)),
        (json!({"nbf": s + 600}), ("invalid_token", 400)),
        (json!({"exp": s + 2 * 86_400}), ("bad_request", 400)),
        (json!({"iss": "OTHER@LatchkeyOrg"}), ("bad_request", 400)),
        (json!({"sub": null}), ("bad_request", 400)),
        (
            json!({format!("{ISS}/s/ent_workfront_sdk"): null}),
            ("invalid_scope", 400),
        ),
        (
            json!({format!("{ISS}/s/ent_other_sdk"): true}),
            ("invalid_scope", 400),
        ),
        (
            json!({format!("{ISS}/s/ent_workfront_sdk"): "yes"}),
            ("invalid_scope", 400),
        ),
    ];
    for (patch, want) in cases {
        let got = exchange(with(ims_claims(), patch.clone())).unwrap_err();
        assert_eq!(code_status(got), want, "{patch}");
    }
    // A wrong key: invalid_signature.
    let t = sign(EC_KEY, json!({"alg":"ES256"}), ims_claims());
    let e = decide_ims_exchange(
        &cx(),
        &cred(CredentialKind::ServiceAccountJwt),
        &rsa_keys(),
        &apis(),
        Some(&t),
    )
    .unwrap_err();
    assert_eq!(code_status(e), ("invalid_signature", 400));
    // Missing or undecodable token: invalid_token.
    for token in [None, Some("garbage")] {
        let e = decide_ims_exchange(
            &cx(),
            &cred(CredentialKind::ServiceAccountJwt),
            &rsa_keys(),
            &apis(),
            token,
        )
        .unwrap_err();
        assert_eq!(code_status(e), ("invalid_token", 400));
    }
    // A server-to-server credential may not exchange: 401 invalid_client.
    let t = sign(RSA_KEY, json!({"alg":"RS256"}), ims_claims());
    let e = decide_ims_exchange(
        &cx(),
        &cred(CredentialKind::ServerToServer),
        &rsa_keys(),
        &apis(),
        Some(&t),
    )
    .unwrap_err();
    assert_eq!(code_status(e), ("invalid_client", 401));
}

#[test]
fn adobe_prefixes_are_not_accepted_for_our_audience_or_metascopes() {
    let adobe = "https://ims-na1.adobelogin.com";
    let claims = json!({"iss": ORG, "sub": TECH, "aud": format!("{adobe}/c/{CID}"),
        "exp": NOW.secs() + 300, format!("{adobe}/s/ent_workfront_sdk"): true});
    assert_eq!(
        code_status(exchange(claims).unwrap_err()),
        ("invalid_client", 400)
    );
}

fn audiences() -> Vec<String> {
    vec![ISS.to_owned(), format!("{ISS}/oauth2/token")]
}

fn grant_claims() -> Value {
    json!({"iss": ORG, "sub": TECH, "aud": format!("{ISS}/oauth2/token"),
           "exp": NOW.secs() + 120, "iat": NOW.secs(), "jti": "j-1"})
}

fn grant(kind: CredentialKind, claims: Value, scope: Option<&str>) -> Result<Accepted, OAuthError> {
    let t = sign(RSA_KEY, json!({"alg":"RS256"}), claims);
    let allowed: Vec<String> = ["openid", "AdobeID", "workfront.read"]
        .map(String::from)
        .to_vec();
    decide_grant(
        &cx(),
        &cred(kind),
        &rsa_keys(),
        &allowed,
        &audiences(),
        Some(&t),
        scope,
    )
}

#[test]
fn sec_31_jwt_bearer_grant_checks_give_invalid_grant() {
    let ok = grant(CredentialKind::ServiceAccountJwt, grant_claims(), None).unwrap();
    assert_eq!(ok.jti.as_deref(), Some("j-1"));
    assert_eq!(ok.scopes.len(), 3);
    let s = NOW.secs();
    for patch in [
        json!({"iss": null}),
        json!({"sub": null}),
        json!({"sub": "OTHER@techacct.latchkey.local"}),
        json!({"iss": "OTHER@LatchkeyOrg"}),
        json!({"aud": null}),
        json!({"aud": format!("{ISS}/oauth2/introspect")}),
        json!({"aud": [ISS, "https://evil.example"]}),
        json!({"exp": null}),
        json!({"exp": s - 60}),
        json!({"nbf": s + 600}),
        json!({"iat": null, "exp": s + 3000}),
        json!({"iat": s - 7200, "exp": s + 60}),
        json!({"jti": null}),
    ] {
        let e = grant(
            CredentialKind::ServiceAccountJwt,
            with(grant_claims(), patch.clone()),
            None,
        )
        .unwrap_err();
        assert_eq!(code_status(e), ("invalid_grant", 400), "{patch}");
    }
    let t = sign(EC_KEY, json!({"alg":"ES256"}), grant_claims());
    let e = decide_grant(
        &cx(),
        &cred(CredentialKind::ServiceAccountJwt),
        &rsa_keys(),
        &[],
        &audiences(),
        Some(&t),
        None,
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidGrant, "a key not registered");
    let e = decide_grant(
        &cx(),
        &cred(CredentialKind::ServiceAccountJwt),
        &rsa_keys(),
        &[],
        &audiences(),
        None,
        None,
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidGrant, "no assertion");
}

#[test]
fn neg_06_grant_not_enabled_for_the_client_is_unauthorized_client() {
    for kind in [CredentialKind::ServerToServer, CredentialKind::OAuthWeb] {
        let e = grant(kind, grant_claims(), None).unwrap_err();
        assert_eq!(code_status(e), ("unauthorized_client", 400));
    }
}

#[test]
fn neg_08_scope_beyond_the_account_is_invalid_scope() {
    for scope in ["openid cc_files", "offline_access", "open\tid"] {
        let e = grant(
            CredentialKind::ServiceAccountJwt,
            grant_claims(),
            Some(scope),
        )
        .unwrap_err();
        assert_eq!(code_status(e), ("invalid_scope", 400), "{scope:?}");
    }
    let ok = grant(
        CredentialKind::ServiceAccountJwt,
        grant_claims(),
        Some("workfront.read"),
    )
    .unwrap();
    assert_eq!(ok.scopes.to_standard(), "workfront.read");
}

#[test]
fn fuzz_19_one_accounts_assertion_with_anothers_sub_is_refused() {
    let e = exchange(with(
        ims_claims(),
        json!({"sub": "FFFFFFFFFFFFFFFFFFFFFFFF@techacct.latchkey.local"}),
    ))
    .unwrap_err();
    assert_eq!(code_status(e), ("bad_request", 400));
}

fn client_assertion(
    claims: Value,
    body_client_id: Option<&str>,
) -> Result<(String, Timestamp), OAuthError> {
    let t = sign(RSA_KEY, json!({"alg":"RS256"}), claims);
    decide_client_assertion(
        &cx(),
        &cred(CredentialKind::ServiceAccountJwt),
        &rsa_keys(),
        &audiences(),
        &t,
        body_client_id,
    )
}

#[test]
fn sec_32_private_key_jwt_checks_give_invalid_client() {
    let base = json!({"iss": CID, "sub": CID, "aud": ISS, "exp": NOW.secs() + 60,
                      "iat": NOW.secs(), "jti": "ca-1"});
    let (jti, _) = client_assertion(base.clone(), Some(CID)).unwrap();
    assert_eq!(jti, "ca-1");
    for patch in [
        json!({"iss": "someone-else"}),
        json!({"sub": TECH}),
        json!({"aud": format!("{ISS}/oauth2/introspect")}),
        json!({"exp": null}),
        json!({"jti": null}),
        json!({"exp": NOW.secs() - 120}),
    ] {
        let e = client_assertion(with(base.clone(), patch.clone()), None).unwrap_err();
        assert_eq!(code_status(e), ("invalid_client", 401), "{patch}");
    }
    let e = client_assertion(base, Some("another-client")).unwrap_err();
    assert_eq!(code_status(e), ("invalid_client", 401));
}
