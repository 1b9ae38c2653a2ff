//! The storage test suite, written once against `&dyn Store` (or `Arc<dyn Store>` where
//! tasks share it) and run by `store.rs` on every backend.

use crate::fixtures::*;
use latchkey_core::clock::Timestamp;
use latchkey_core::ids::{ApiId, ClientId, OrgId, ProjectId, UserId};
use latchkey_core::keys::KeyAlg;
use latchkey_core::model::{CredentialKind, Membership, OrgRole};
use latchkey_core::products::CertificateRecord;
use latchkey_core::store::{Store, StoreError};
use std::sync::Arc;

/// The Admin Console's cases live in `admin.rs`.
pub use crate::admin::*;
/// The grant, code, refresh-token, session and membership cases live in `grants.rs`.
pub use crate::grants::*;
/// The certificate, assertion-`jti`, product and profile cases live in
/// `service_accounts.rs`.
pub use crate::service_accounts::*;

pub(crate) fn expect_conflict<T: std::fmt::Debug>(r: Result<T, StoreError>) -> String {
    match r {
        Err(StoreError::Conflict(msg)) => msg,
        other => panic!("expected Conflict, got {other:?}"),
    }
}

pub(crate) fn expect_not_found<T: std::fmt::Debug>(r: Result<T, StoreError>) -> String {
    match r {
        Err(StoreError::NotFound(msg)) => msg,
        other => panic!("expected NotFound, got {other:?}"),
    }
}

/// An org `o1` with project `p1`, the base most cases need.
async fn org_and_project(s: &dyn Store) {
    s.insert_org(&org("o1")).await.unwrap();
    s.insert_project(&project("p1", "o1")).await.unwrap();
}

pub async fn ping_answers(s: &dyn Store) {
    s.ping().await.unwrap();
}

pub async fn orgs_users_and_memberships_roundtrip(s: &dyn Store) {
    assert_eq!(s.get_org(&OrgId("nope".into())).await.unwrap(), None);
    let (o1, o2) = (org("o1"), org("o2"));
    s.insert_org(&o2).await.unwrap();
    s.insert_org(&o1).await.unwrap();
    assert_eq!(s.get_org(&o1.id).await.unwrap(), Some(o1.clone()));
    assert_eq!(
        s.list_orgs().await.unwrap(),
        vec![o1.clone(), o2.clone()],
        "created_at, then id"
    );
    expect_conflict(s.insert_org(&o1).await);

    let ada = person("U1@LatchkeyID", "Ada@Example.com");
    s.insert_user(&ada).await.unwrap();
    assert!(s.get_user(&ada.id).await.unwrap() == Some(ada.clone()));
    let found = s.find_user_by_email("ada@EXAMPLE.com").await.unwrap();
    assert!(
        found == Some(ada.clone()),
        "email lookup is case-insensitive"
    );
    assert!(
        s.get_user(&UserId("U2@LatchkeyID".into()))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.find_user_by_email("bob@example.com")
            .await
            .unwrap()
            .is_none()
    );

    let tech = technical("ABC@techacct.latchkey.local");
    s.insert_user(&tech).await.unwrap();
    assert!(
        s.get_user(&tech.id).await.unwrap() == Some(tech.clone()),
        "NULL columns roundtrip"
    );

    let m = Membership {
        org_id: o1.id.clone(),
        user_id: ada.id.clone(),
        role: OrgRole::Developer,
    };
    assert_eq!(s.membership(&o1.id, &ada.id).await.unwrap(), None);
    s.set_membership(&m).await.unwrap();
    assert_eq!(
        s.membership(&o1.id, &ada.id).await.unwrap(),
        Some(m.clone())
    );
    let promoted = Membership {
        role: OrgRole::SystemAdmin,
        ..m
    };
    s.set_membership(&promoted).await.unwrap();
    assert_eq!(
        s.membership(&o1.id, &ada.id).await.unwrap(),
        Some(promoted),
        "upsert replaces"
    );
    assert_eq!(s.membership(&o2.id, &ada.id).await.unwrap(), None);
    let dangling = Membership {
        org_id: OrgId("ghost".into()),
        user_id: ada.id,
        role: OrgRole::User,
    };
    expect_not_found(s.set_membership(&dangling).await);
}

pub async fn duplicate_email_is_a_conflict_case_insensitively(s: &dyn Store) {
    s.insert_user(&person("U1@LatchkeyID", "ada@example.com"))
        .await
        .unwrap();
    let msg = expect_conflict(
        s.insert_user(&person("U2@LatchkeyID", "ADA@Example.COM"))
            .await,
    );
    assert!(msg.contains("ADA@Example.COM"), "names the email: {msg}");
    let msg = expect_conflict(
        s.insert_user(&person("U1@LatchkeyID", "other@example.com"))
            .await,
    );
    assert!(msg.contains("U1@LatchkeyID"), "names the id: {msg}");
    assert!(
        s.get_user(&UserId("U2@LatchkeyID".into()))
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn projects_and_catalog_roundtrip(s: &dyn Store) {
    org_and_project(s).await;
    let p1 = project("p1", "o1");
    let mut p2 = project("p2", "o1");
    p2.created_at = T0.plus_secs(1);
    s.insert_project(&p2).await.unwrap();
    assert_eq!(s.get_project(&p1.id).await.unwrap(), Some(p1.clone()));
    assert_eq!(
        s.get_project(&ProjectId("nope".into())).await.unwrap(),
        None
    );
    assert_eq!(
        s.list_projects(&p1.org_id).await.unwrap(),
        vec![p1.clone(), p2.clone()]
    );
    assert!(
        s.list_projects(&OrgId("o2".into()))
            .await
            .unwrap()
            .is_empty()
    );
    expect_conflict(s.insert_project(&p1).await);
    expect_not_found(s.insert_project(&project("p9", "ghost")).await);

    // Catalog order is insertion order; scope order is the caller's.
    let zeta = api(
        "zeta",
        &["z.write", "a.read", "m.admin"],
        &["ent_zeta_sdk", "ent_a_sdk"],
    );
    let alpha = api("alpha", &[], &[]);
    s.upsert_api(&zeta).await.unwrap();
    s.upsert_api(&alpha).await.unwrap();
    assert_eq!(s.get_api(&zeta.id).await.unwrap(), Some(zeta.clone()));
    assert_eq!(s.get_api(&ApiId("nope".into())).await.unwrap(), None);
    assert_eq!(
        s.list_apis().await.unwrap(),
        vec![zeta.clone(), alpha.clone()]
    );

    // Replacing keeps the catalog position and swaps scopes wholesale.
    let mut zeta2 = api("zeta", &["b.new"], &[]);
    zeta2.product = None;
    s.upsert_api(&zeta2).await.unwrap();
    assert_eq!(
        s.list_apis().await.unwrap(),
        vec![zeta2.clone(), alpha.clone()]
    );

    // A failing replace changes nothing.
    let broken = api("zeta", &["dup", "dup"], &[]);
    expect_conflict(s.upsert_api(&broken).await);
    assert_eq!(s.get_api(&zeta.id).await.unwrap(), Some(zeta2.clone()));

    assert!(s.project_apis(&p1.id).await.unwrap().is_empty());
    s.add_project_api(&p1.id, &alpha.id).await.unwrap();
    s.add_project_api(&p1.id, &zeta.id).await.unwrap();
    s.add_project_api(&p1.id, &zeta.id).await.unwrap();
    assert_eq!(
        s.project_apis(&p1.id).await.unwrap(),
        vec![zeta2, alpha.clone()],
        "one link each"
    );
    assert!(s.project_apis(&p2.id).await.unwrap().is_empty());
    expect_not_found(s.add_project_api(&p1.id, &ApiId("ghost".into())).await);

    // Removing a link removes that one only, and says whether there was one.
    assert!(s.remove_project_api(&p1.id, &alpha.id).await.unwrap());
    assert!(!s.remove_project_api(&p1.id, &alpha.id).await.unwrap());
    assert!(!s.remove_project_api(&p2.id, &zeta.id).await.unwrap());
    let left: Vec<ApiId> = s
        .project_apis(&p1.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(left, vec![zeta.id.clone()]);
    assert!(
        s.get_api(&alpha.id).await.unwrap().is_some(),
        "the catalog keeps it"
    );
}

pub async fn credentials_roundtrip(s: &dyn Store) {
    org_and_project(s).await;
    assert_eq!(
        s.get_credential(&ClientId("nope".into())).await.unwrap(),
        None
    );

    let mut web = credential("c-web", "o1", "p1", CredentialKind::OAuthWeb);
    web.redirect_uris = vec![
        "https://z.example/cb".into(),
        "https://a.example/cb".into(),
        "http://127.0.0.1/cb".into(),
    ];
    let web_secret = secret("w1", "c-web", T0);
    s.insert_credential(&web, None, Some(&web_secret))
        .await
        .unwrap();
    assert_eq!(
        s.get_credential(&web.client_id).await.unwrap(),
        Some(web.clone())
    );
    assert_eq!(
        s.active_secrets(&web.client_id).await.unwrap(),
        vec![web_secret]
    );

    let tech = technical("T1@techacct.latchkey.local");
    let mut s2s = credential("c-s2s", "o1", "p1", CredentialKind::ServiceAccountJwt);
    s2s.created_at = T0.plus_secs(1);
    s2s.technical_account = Some(tech.id.clone());
    let first = secret("s1", "c-s2s", T0);
    s.insert_credential(&s2s, Some(&tech), Some(&first))
        .await
        .unwrap();
    assert_eq!(
        s.get_credential(&s2s.client_id).await.unwrap(),
        Some(s2s.clone())
    );
    assert!(s.get_user(&tech.id).await.unwrap() == Some(tech.clone()));
    let m = s.membership(&s2s.org_id, &tech.id).await.unwrap().unwrap();
    assert_eq!(m.role, OrgRole::User, "technical accounts join as users");
    assert_eq!(s.active_secrets(&s2s.client_id).await.unwrap(), vec![first]);

    let key = credential("c-key", "o1", "p1", CredentialKind::ApiKey);
    s.insert_credential(&key, None, None).await.unwrap();
    assert!(s.active_secrets(&key.client_id).await.unwrap().is_empty());
    assert_eq!(
        s.list_credentials(&ProjectId("p1".into())).await.unwrap(),
        vec![key.clone(), web, s2s.clone()],
        "created_at, then client_id",
    );
    assert!(
        s.list_credentials(&ProjectId("p2".into()))
            .await
            .unwrap()
            .is_empty()
    );

    // Certificates of a credential, oldest first; ids are unique per credential.
    assert!(
        s.list_certificates(&s2s.client_id)
            .await
            .unwrap()
            .is_empty()
    );
    let pem_a = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----";
    let pem_b = "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----";
    let cert = |client: &ClientId, id: &str, pem: &str, at: Timestamp| CertificateRecord {
        client_id: client.clone(),
        id: id.to_owned(),
        pem: pem.to_owned(),
        created_at: at,
        expires_at: None,
    };
    let k2 = cert(&s2s.client_id, "k2", pem_a, T0);
    let k1 = cert(&s2s.client_id, "k1", pem_b, T0.plus_secs(1));
    s.insert_certificate(&k2).await.unwrap();
    s.insert_certificate(&k1).await.unwrap();
    assert_eq!(
        s.list_certificates(&s2s.client_id).await.unwrap(),
        vec![k2, k1.clone()],
    );
    expect_conflict(s.insert_certificate(&k1).await);
    expect_not_found(
        s.insert_certificate(&cert(&ClientId("ghost".into()), "k", pem_a, T0))
            .await,
    );
}

/// A rename and a new list of redirect URIs, in one transaction, in the given order; an
/// unknown credential is `false`.
pub async fn update_credential_renames_and_replaces_redirect_uris(s: &dyn Store) {
    org_and_project(s).await;
    let mut web = credential("c-upd", "o1", "p1", CredentialKind::OAuthWeb);
    web.redirect_uris = vec!["https://a.example/cb".into(), "https://b.example/cb".into()];
    s.insert_credential(&web, None, None).await.unwrap();
    let id = web.client_id.clone();
    let uris = vec![
        "https://c.example/cb".to_owned(),
        "https://a.example/cb".to_owned(),
    ];
    assert!(
        s.update_credential(&id, Some("Renamed"), Some(&uris))
            .await
            .unwrap()
    );
    let got = s.get_credential(&id).await.unwrap().unwrap();
    assert_eq!(
        (got.name.as_str(), got.redirect_uris.clone()),
        ("Renamed", uris.clone())
    );
    // Only the name: the URIs stay; only the URIs: the name stays.
    assert!(s.update_credential(&id, Some("Again"), None).await.unwrap());
    let got = s.get_credential(&id).await.unwrap().unwrap();
    assert_eq!((got.name.as_str(), got.redirect_uris), ("Again", uris));
    let one = vec!["https://d.example/cb".to_owned()];
    assert!(s.update_credential(&id, None, Some(&one)).await.unwrap());
    let got = s.get_credential(&id).await.unwrap().unwrap();
    assert_eq!((got.name.as_str(), got.redirect_uris), ("Again", one));
    assert!(
        !s.update_credential(&ClientId("ghost".into()), Some("x"), None)
            .await
            .unwrap()
    );
}

/// Deleting a credential takes its secrets, URIs and grants with it, revokes its tokens
/// and retires its technical account, in one transaction; a project goes only once it
/// has no credentials; renaming keeps everything else.
pub async fn delete_credential_and_project(s: &dyn Store) {
    org_and_project(s).await;
    let tech = technical("T5@techacct.latchkey.local");
    let mut cred = credential("c-del", "o1", "p1", CredentialKind::ServerToServer);
    cred.technical_account = Some(tech.id.clone());
    s.insert_credential(&cred, Some(&tech), Some(&secret("s-del", "c-del", T0)))
        .await
        .unwrap();
    let project = ProjectId("p1".into());
    assert!(s.rename_project(&project, "Renamed").await.unwrap());
    assert_eq!(
        s.get_project(&project).await.unwrap().unwrap().name,
        "Renamed"
    );
    assert!(
        !s.rename_project(&ProjectId("ghost".into()), "x")
            .await
            .unwrap()
    );
    expect_conflict(s.delete_project(&project).await);

    let now = T0.plus_secs(9);
    assert!(s.delete_credential(&cred.client_id, now).await.unwrap());
    assert_eq!(s.get_credential(&cred.client_id).await.unwrap(), None);
    assert!(s.active_secrets(&cred.client_id).await.unwrap().is_empty());
    assert_eq!(
        s.tokens_revoked_before(&cred.client_id, &tech.id)
            .await
            .unwrap(),
        Some(now)
    );
    let retired = s.get_user(&tech.id).await.unwrap().unwrap();
    assert!(retired.disabled, "the technical account is disabled");
    assert!(s.user_memberships(&tech.id).await.unwrap().is_empty());
    assert!(!s.delete_credential(&cred.client_id, now).await.unwrap());

    assert!(s.delete_project(&project).await.unwrap());
    assert_eq!(s.get_project(&project).await.unwrap(), None);
    assert!(!s.delete_project(&project).await.unwrap());
}

/// Console numbers: assigned once and stable, unique per kind, looked up both ways.
pub async fn console_numbers_are_stable_and_unique_per_kind(s: &dyn Store) {
    assert_eq!(
        s.console_number("project", "p1", "100").await.unwrap(),
        "100"
    );
    assert_eq!(
        s.console_number("project", "p1", "200").await.unwrap(),
        "100",
        "the first number stays"
    );
    let msg = expect_conflict(s.console_number("project", "p2", "100").await);
    assert!(msg.contains("100"), "{msg}");
    assert_eq!(
        s.console_number("project", "p2", "101").await.unwrap(),
        "101"
    );
    // Another kind has its own numbers.
    assert_eq!(
        s.console_number("workspace", "p1", "100").await.unwrap(),
        "100"
    );
    assert_eq!(
        s.console_id("project", "101").await.unwrap().as_deref(),
        Some("p2")
    );
    assert_eq!(
        s.console_id("workspace", "100").await.unwrap().as_deref(),
        Some("p1")
    );
    assert_eq!(s.console_id("org", "100").await.unwrap(), None);
}

pub async fn insert_credential_is_atomic(s: &dyn Store) {
    org_and_project(s).await;
    // The technical account's email is taken: nothing of the credential remains.
    s.insert_user(&person("U1@LatchkeyID", "t9@techacct.latchkey.local"))
        .await
        .unwrap();
    let tech = technical("T9@techacct.latchkey.local");
    let mut cred = credential("c1", "o1", "p1", CredentialKind::ServerToServer);
    cred.technical_account = Some(tech.id.clone());
    expect_conflict(
        s.insert_credential(&cred, Some(&tech), Some(&secret("s1", "c1", T0)))
            .await,
    );
    assert_eq!(s.get_credential(&cred.client_id).await.unwrap(), None);
    assert!(s.get_user(&tech.id).await.unwrap().is_none());
    assert!(s.active_secrets(&cred.client_id).await.unwrap().is_empty());

    // A duplicate client id: the second technical account and secret are rolled back.
    let first_tech = technical("T1@techacct.latchkey.local");
    cred.technical_account = Some(first_tech.id.clone());
    let first_secret = secret("s1", "c1", T0);
    s.insert_credential(&cred, Some(&first_tech), Some(&first_secret))
        .await
        .unwrap();
    let second_tech = technical("T2@techacct.latchkey.local");
    let mut again = cred.clone();
    again.technical_account = Some(second_tech.id.clone());
    again.redirect_uris = vec!["https://x.example/cb".into()];
    let msg = expect_conflict(
        s.insert_credential(&again, Some(&second_tech), Some(&secret("s2", "c1", T0)))
            .await,
    );
    assert!(msg.contains("c1"), "{msg}");
    assert!(s.get_user(&second_tech.id).await.unwrap().is_none());
    assert_eq!(
        s.membership(&cred.org_id, &second_tech.id).await.unwrap(),
        None
    );
    assert_eq!(
        s.get_credential(&cred.client_id).await.unwrap(),
        Some(cred.clone())
    );
    assert_eq!(
        s.active_secrets(&cred.client_id).await.unwrap(),
        vec![first_secret]
    );

    // An unknown project: NotFound, and the technical account is rolled back too.
    let third_tech = technical("T3@techacct.latchkey.local");
    let mut orphan = credential("c3", "o1", "ghost", CredentialKind::ServerToServer);
    orphan.technical_account = Some(third_tech.id.clone());
    expect_not_found(s.insert_credential(&orphan, Some(&third_tech), None).await);
    assert!(s.get_user(&third_tech.id).await.unwrap().is_none());
    assert_eq!(s.get_credential(&orphan.client_id).await.unwrap(), None);
}

async fn used(s: &dyn Store) -> Vec<(String, Option<Timestamp>)> {
    s.active_secrets(&ClientId("c1".into()))
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.id, r.last_used_at))
        .collect()
}

/// A secret's last use is recorded per secret and never moves back.
pub async fn touch_secret_records_the_last_use(s: &dyn Store) {
    org_and_project(s).await;
    let cred = credential("c1", "o1", "p1", CredentialKind::ServerToServer);
    s.insert_credential(&cred, None, Some(&secret("s1", "c1", T0)))
        .await
        .unwrap();
    s.add_secret(&secret("s2", "c1", T0), 2, T0).await.unwrap();
    assert_eq!(
        used(s).await,
        vec![("s1".into(), None), ("s2".into(), None)]
    );
    let later = T0.plus_secs(60);
    s.touch_secret(&ClientId("c1".into()), "s2", later)
        .await
        .unwrap();
    s.touch_secret(&ClientId("c1".into()), "s2", T0)
        .await
        .unwrap();
    s.touch_secret(&ClientId("c1".into()), "nope", later)
        .await
        .unwrap();
    assert_eq!(
        used(s).await,
        vec![("s1".into(), None), ("s2".into(), Some(later))]
    );
}

pub async fn add_secret_keeps_at_most_two_active(s: &dyn Store) {
    org_and_project(s).await;
    let cred = credential("c1", "o1", "p1", CredentialKind::OAuthWeb);
    s.insert_credential(&cred, None, Some(&secret("s1", "c1", T0)))
        .await
        .unwrap();
    let now = T0.plus_secs(10);
    // Same-millisecond and backwards timestamps: "oldest" is the first added.
    let s2 = secret("s2", "c1", T0);
    assert!(s.add_secret(&s2, 2, now).await.unwrap().is_empty());
    let s3 = secret("s3", "c1", Timestamp(T0.0 - 5));
    assert_eq!(
        s.add_secret(&s3, 2, now).await.unwrap(),
        vec!["s1".to_owned()]
    );
    assert_eq!(
        s.active_secrets(&cred.client_id).await.unwrap(),
        vec![s2, s3.clone()]
    );
    let s4 = secret("s4", "c1", now);
    assert_eq!(
        s.add_secret(&s4, 2, now).await.unwrap(),
        vec!["s2".to_owned()]
    );
    assert_eq!(
        s.active_secrets(&cred.client_id).await.unwrap(),
        vec![s3, s4]
    );
    // The revoked secret no longer revokes again.
    assert!(!s.revoke_secret(&cred.client_id, "s1", now).await.unwrap());

    expect_conflict(s.add_secret(&secret("s4", "c1", now), 2, now).await);
    expect_not_found(s.add_secret(&secret("x", "ghost", now), 2, now).await);
}

pub async fn revoke_secret_only_hits_active_secrets(s: &dyn Store) {
    org_and_project(s).await;
    s.insert_org(&org("o2")).await.unwrap();
    s.insert_project(&project("p2", "o2")).await.unwrap();
    let c1 = credential("c1", "o1", "p1", CredentialKind::ServerToServer);
    let c2 = credential("c2", "o2", "p2", CredentialKind::ServerToServer);
    let a = secret("a", "c1", T0);
    let b = secret("b", "c1", T0);
    s.insert_credential(&c1, None, Some(&a)).await.unwrap();
    s.insert_credential(&c2, None, Some(&secret("a", "c2", T0)))
        .await
        .unwrap();
    assert!(s.add_secret(&b, 2, T0).await.unwrap().is_empty());
    let now = T0.plus_secs(5);
    assert!(
        !s.revoke_secret(&c1.client_id, "zzz", now).await.unwrap(),
        "unknown id"
    );
    assert!(s.revoke_secret(&c1.client_id, "a", now).await.unwrap());
    assert!(
        !s.revoke_secret(&c1.client_id, "a", now).await.unwrap(),
        "already revoked"
    );
    assert_eq!(
        s.active_secrets(&c1.client_id).await.unwrap(),
        vec![b.clone()]
    );
    // The last secret stays: a credential without one could not authenticate.
    let msg = expect_conflict(s.revoke_secret(&c1.client_id, "b", now).await);
    assert!(msg.contains("last secret"), "{msg}");
    assert_eq!(s.active_secrets(&c1.client_id).await.unwrap(), vec![b]);
    assert_eq!(
        s.active_secrets(&c2.client_id).await.unwrap().len(),
        1,
        "other credential untouched"
    );
}

pub async fn initial_keys_are_inserted_only_once(s: &dyn Store) {
    assert!(s.list_keys().await.unwrap().is_empty());
    assert!(
        !s.insert_initial_keys(&[]).await.unwrap(),
        "nothing to insert"
    );
    let first = vec![
        key("es-1", KeyAlg::Es256),
        key("rs-1", KeyAlg::Rs256),
        key("ed-1", KeyAlg::EdDsa),
    ];
    assert!(s.insert_initial_keys(&first).await.unwrap());
    assert!(
        !s.insert_initial_keys(&[key("es-2", KeyAlg::Es256)])
            .await
            .unwrap()
    );
    let mut listed = s.list_keys().await.unwrap();
    listed.sort_by(|a, b| a.kid.cmp(&b.kid));
    let mut expected = first.clone();
    expected.sort_by(|a, b| a.kid.cmp(&b.kid));
    assert_eq!(listed, expected);

    let mut later = key("es-3", KeyAlg::Es256);
    later.created_at = T0.plus_secs(100);
    s.insert_key(&later).await.unwrap();
    let msg = expect_conflict(s.insert_key(&later).await);
    assert!(msg.contains("es-3"), "{msg}");
    assert_eq!(
        s.list_keys().await.unwrap().last(),
        Some(&later),
        "oldest first"
    );

    s.schedule_key_retirement("es-1", T0.plus_secs(200), T0.plus_secs(300))
        .await
        .unwrap();
    let es1 = s
        .list_keys()
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.kid == "es-1")
        .unwrap();
    assert_eq!(
        (es1.retire_at, es1.expire_at),
        (Some(T0.plus_secs(200)), Some(T0.plus_secs(300)))
    );
    expect_not_found(s.schedule_key_retirement("ghost", T0, T0).await);
}

pub async fn token_revocation_and_purge(s: &dyn Store) {
    let client = ClientId("c1".into());
    assert!(!s.is_token_revoked(&jti("j1")).await.unwrap());
    s.revoke_token(&jti("j1"), &client, Timestamp(100), Timestamp(50))
        .await
        .unwrap();
    s.revoke_token(&jti("j1"), &client, Timestamp(100), Timestamp(60))
        .await
        .unwrap();
    s.revoke_token(&jti("j2"), &client, Timestamp(300), Timestamp(50))
        .await
        .unwrap();
    s.revoke_token(
        &jti("j3"),
        &ClientId("unknown-client".into()),
        Timestamp(200),
        Timestamp(50),
    )
    .await
    .unwrap();
    assert!(s.is_token_revoked(&jti("j1")).await.unwrap());
    assert_eq!(
        s.purge_expired(Timestamp(200)).await.unwrap(),
        1,
        "only expires_at < now"
    );
    assert!(!s.is_token_revoked(&jti("j1")).await.unwrap());
    assert!(s.is_token_revoked(&jti("j2")).await.unwrap());
    assert!(s.is_token_revoked(&jti("j3")).await.unwrap());
    assert_eq!(s.purge_expired(Timestamp(200)).await.unwrap(), 0);
    assert_eq!(s.purge_expired(Timestamp(301)).await.unwrap(), 2);
}

/// First half of the reopen test: revoke, then the caller closes the store.
pub async fn revoke_before_reopen(s: &dyn Store) {
    s.revoke_token(
        &jti("durable"),
        &ClientId("c1".into()),
        Timestamp(i64::MAX),
        T0,
    )
    .await
    .unwrap();
}

/// Second half, on the reopened store.
pub async fn still_revoked_after_reopen(s: &dyn Store) {
    assert!(s.is_token_revoked(&jti("durable")).await.unwrap());
    assert!(!s.is_token_revoked(&jti("other")).await.unwrap());
}

pub async fn concurrent_revocations_of_one_jti_all_succeed(s: Arc<dyn Store>) {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let s = Arc::clone(&s);
        tasks.spawn(async move {
            s.revoke_token(
                &jti("same-jti"),
                &ClientId("c1".into()),
                Timestamp(10_000),
                Timestamp(i),
            )
            .await
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap().unwrap();
    }
    assert!(s.is_token_revoked(&jti("same-jti")).await.unwrap());
    assert_eq!(
        s.purge_expired(Timestamp(20_000)).await.unwrap(),
        1,
        "one row"
    );
}

pub async fn concurrent_initial_keys_insert_exactly_once(s: Arc<dyn Store>) {
    // Open the pool's connections first and release all nodes at once, so the
    // "is it empty?" checks really overlap.
    let mut warm = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let s = Arc::clone(&s);
        warm.spawn(async move { s.ping().await.unwrap() });
    }
    warm.join_all().await;
    let start = Arc::new(tokio::sync::Barrier::new(10));
    let mut tasks = tokio::task::JoinSet::new();
    for node in 0..10 {
        let (s, start) = (Arc::clone(&s), Arc::clone(&start));
        tasks.spawn(async move {
            let keys: Vec<_> = [KeyAlg::Es256, KeyAlg::Rs256, KeyAlg::EdDsa]
                .into_iter()
                .map(|alg| key(&format!("{}-{node}", alg.as_str()), alg))
                .collect();
            start.wait().await;
            (node, s.insert_initial_keys(&keys).await.unwrap())
        });
    }
    let winners: Vec<i32> = tasks
        .join_all()
        .await
        .into_iter()
        .filter(|(_, won)| *won)
        .map(|(n, _)| n)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one node inserts: {winners:?}");
    let mut kids: Vec<String> = s
        .list_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.kid)
        .collect();
    kids.sort();
    let w = winners[0];
    assert_eq!(
        kids,
        vec![
            format!("ES256-{w}"),
            format!("EdDSA-{w}"),
            format!("RS256-{w}")
        ]
    );
}

pub async fn concurrent_rotations_keep_two_active(s: Arc<dyn Store>) {
    org_and_project(&*s).await;
    let cred = credential("c1", "o1", "p1", CredentialKind::ServerToServer);
    s.insert_credential(&cred, None, Some(&secret("s0", "c1", T0)))
        .await
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 1..=10 {
        let s = Arc::clone(&s);
        tasks.spawn(async move {
            s.add_secret(&secret(&format!("s{i}"), "c1", T0), 2, T0)
                .await
        });
    }
    let mut revoked = Vec::new();
    while let Some(done) = tasks.join_next().await {
        revoked.extend(done.unwrap().unwrap());
    }
    let active = s.active_secrets(&cred.client_id).await.unwrap();
    assert_eq!(active.len(), 2, "{active:?}");
    revoked.sort();
    revoked.dedup();
    assert_eq!(revoked.len(), 9, "each secret revoked once: {revoked:?}");
    assert!(active.iter().all(|a| !revoked.contains(&a.id)));
}
