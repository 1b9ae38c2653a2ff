//! The storage suite's cases for service accounts and products (`ServiceAccountStore`,
//! `ProductStore`): certificates, assertion `jti`s, products, profiles and roles;
//! `suite.rs` re-exports them, so `store.rs` runs them on every backend.

use crate::fixtures::*;
use latchkey_core::clock::Timestamp;
use latchkey_core::ids::{ClientId, OrgId, UserId};
use latchkey_core::model::{CredentialKind, Membership, OrgRole};
use latchkey_core::products::{
    CertificateRecord, ProductInstance, ProductProfile, ProductRoleKind,
};
use latchkey_core::store::{Store, StoreError};
use std::sync::Arc;

const TECH: &str = "ABCDEF0123456789ABCDEF01@techacct.latchkey.local";

async fn base(s: &dyn Store) {
    s.insert_org(&org("o1")).await.unwrap();
    s.insert_project(&project("p1", "o1")).await.unwrap();
    let mut cred = credential("c1", "o1", "p1", CredentialKind::ServiceAccountJwt);
    cred.technical_account = Some(UserId(TECH.into()));
    s.insert_credential(&cred, Some(&technical(TECH)), None)
        .await
        .unwrap();
}

fn cert(id: &str, expires_at: Option<Timestamp>) -> CertificateRecord {
    CertificateRecord {
        client_id: ClientId("c1".into()),
        id: id.into(),
        pem: "-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----".into(),
        created_at: T0,
        expires_at,
    }
}

pub async fn certificates_roundtrip(s: &dyn Store) {
    base(s).await;
    let c1 = ClientId("c1".into());
    s.insert_certificate(&cert("k1", Some(T0.plus_secs(60))))
        .await
        .unwrap();
    s.insert_certificate(&cert("k2", None)).await.unwrap();
    assert!(matches!(
        s.insert_certificate(&cert("k1", None)).await,
        Err(StoreError::Conflict(_))
    ));
    let mut orphan = cert("k3", None);
    orphan.client_id = ClientId("missing".into());
    assert!(matches!(
        s.insert_certificate(&orphan).await,
        Err(StoreError::NotFound(_))
    ));
    let list = s.list_certificates(&c1).await.unwrap();
    assert_eq!(
        list,
        vec![cert("k1", Some(T0.plus_secs(60))), cert("k2", None)]
    );
    assert!(s.set_certificate_expiry(&c1, "k2", T0).await.unwrap());
    assert!(!s.set_certificate_expiry(&c1, "nope", T0).await.unwrap());
    assert_eq!(
        s.list_certificates(&c1).await.unwrap()[1].expires_at,
        Some(T0)
    );
    assert!(s.delete_certificate(&c1, "k1").await.unwrap());
    assert!(!s.delete_certificate(&c1, "k1").await.unwrap());
    assert_eq!(s.list_certificates(&c1).await.unwrap().len(), 1);
    // Kind change is conditional on the current kind.
    let (jwt, s2s) = (
        CredentialKind::ServiceAccountJwt,
        CredentialKind::ServerToServer,
    );
    assert!(s.change_credential_kind(&c1, jwt, s2s).await.unwrap());
    assert!(!s.change_credential_kind(&c1, jwt, s2s).await.unwrap());
    assert_eq!(s.get_credential(&c1).await.unwrap().unwrap().kind, s2s);
}

pub async fn jtis_are_single_use_until_expiry(s: &dyn Store) {
    base(s).await;
    let c1 = ClientId("c1".into());
    let exp = T0.plus_secs(300);
    assert!(
        s.record_assertion_jti(&c1, &jti("j"), exp, T0)
            .await
            .unwrap()
    );
    assert!(
        !s.record_assertion_jti(&c1, &jti("j"), exp, T0)
            .await
            .unwrap()
    );
    // Another client's namespace is separate.
    assert!(
        s.record_assertion_jti(&ClientId("c2".into()), &jti("j"), exp, T0)
            .await
            .unwrap()
    );
    // After expiry the row is purged and the jti is free again (the assertion itself is
    // expired by then, so this cannot replay it).
    assert!(
        s.record_assertion_jti(&c1, &jti("j"), exp.plus_secs(600), exp)
            .await
            .unwrap()
    );
    assert!(
        s.record_assertion_jti(&c1, &jti("old"), exp, T0)
            .await
            .unwrap()
    );
    assert_eq!(
        s.purge_assertion_jtis(exp).await.unwrap(),
        2,
        "c2's j and c1's old"
    );
}

pub async fn concurrent_jti_records_succeed_once(s: Arc<dyn Store>) {
    base(&*s).await;
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move {
                s.record_assertion_jti(&ClientId("c1".into()), &jti("race"), T0.plus_secs(60), T0)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut wins = 0;
    for t in tasks {
        wins += usize::from(t.await.unwrap());
    }
    assert_eq!(wins, 1);
}

pub async fn products_profiles_and_roles(s: &dyn Store) {
    base(s).await;
    let o1 = OrgId("o1".into());
    assert!(
        s.developers_may_manage_credentials(&o1).await.unwrap(),
        "default"
    );
    s.set_developers_may_manage_credentials(&o1, false)
        .await
        .unwrap();
    assert!(!s.developers_may_manage_credentials(&o1).await.unwrap());
    assert!(matches!(
        s.set_developers_may_manage_credentials(&OrgId("none".into()), true)
            .await,
        Err(StoreError::NotFound(_))
    ));
    s.ensure_product("Workfront", T0).await.unwrap();
    s.ensure_product("Workfront", T0).await.unwrap();
    assert_eq!(
        s.list_products().await.unwrap(),
        vec!["Workfront".to_owned()]
    );
    let inst = ProductInstance {
        id: "i1".into(),
        org_id: o1.clone(),
        product: "Workfront".into(),
        name: "Workfront".into(),
        created_at: T0,
    };
    s.insert_instance(&inst).await.unwrap();
    let dup = ProductInstance {
        id: "i2".into(),
        ..inst.clone()
    };
    assert!(matches!(
        s.insert_instance(&dup).await,
        Err(StoreError::Conflict(_))
    ));
    let unknown_product = ProductInstance {
        id: "i3".into(),
        product: "Nope".into(),
        ..inst.clone()
    };
    assert!(matches!(
        s.insert_instance(&unknown_product).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(s.get_instance("i1").await.unwrap(), Some(inst.clone()));
    assert_eq!(s.list_instances(&o1).await.unwrap(), vec![inst.clone()]);
    let tech = UserId(TECH.into());
    s.add_product_user("i1", &tech, T0).await.unwrap();
    s.add_product_user("i1", &tech, T0).await.unwrap();
    let roles = s.product_roles(&tech).await.unwrap();
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0].role, ProductRoleKind::Contributor);
    let p = ProductProfile {
        id: "pp1".into(),
        instance_id: "i1".into(),
        name: "Admins".into(),
        created_at: T0,
    };
    s.insert_profile(&p).await.unwrap();
    assert_eq!(s.get_profile("pp1").await.unwrap(), Some(p.clone()));
    assert_eq!(s.list_profiles("i1").await.unwrap(), vec![p]);
    s.set_profile_member("pp1", &tech, true, T0).await.unwrap();
    assert_eq!(
        s.product_roles(&tech).await.unwrap()[0].role,
        ProductRoleKind::Admin
    );
    s.set_profile_member("pp1", &tech, false, T0).await.unwrap();
    assert_eq!(
        s.product_roles(&tech).await.unwrap()[0].role,
        ProductRoleKind::Contributor
    );
    assert_eq!(s.profile_members("pp1").await.unwrap().len(), 1);
    assert!(s.remove_profile_member("pp1", &tech).await.unwrap());
    assert!(!s.remove_profile_member("pp1", &tech).await.unwrap());
    assert!(matches!(
        s.set_profile_member("missing", &tech, true, T0).await,
        Err(StoreError::NotFound(_))
    ));
    // A person added to a profile becomes a product user of its instance.
    s.insert_user(&person("U1@LatchkeyID", "ada@example.com"))
        .await
        .unwrap();
    s.set_membership(&Membership {
        org_id: o1,
        user_id: UserId("U1@LatchkeyID".into()),
        role: OrgRole::User,
    })
    .await
    .unwrap();
    s.set_profile_member("pp1", &UserId("U1@LatchkeyID".into()), false, T0)
        .await
        .unwrap();
    assert_eq!(
        s.product_roles(&UserId("U1@LatchkeyID".into()))
            .await
            .unwrap()
            .len(),
        1
    );
}
