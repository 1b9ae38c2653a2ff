//! The Admin Console's storage cases (`AdminStore`): member search, the last-admin rule
//! (also under concurrent demotions), invitations used once, profile rename and delete,
//! and an instance's users with their credentials.

use crate::fixtures::*;
use crate::suite::{expect_conflict, expect_not_found};
use latchkey_core::clock::Timestamp;
use latchkey_core::ids::{OrgId, TokenHash, UserId};
use latchkey_core::model::{
    AuditAction, AuditEvent, AuditQuery, CredentialKind, Invitation, Membership, OrgRole,
};
use latchkey_core::products::{ProductInstance, ProductProfile, ProductRoleKind};
use latchkey_core::store::Store;
use std::sync::Arc;

fn member(org: &str, user: &str, role: OrgRole) -> Membership {
    Membership {
        org_id: OrgId(org.into()),
        user_id: UserId(user.into()),
        role,
    }
}

/// Org `o1` with two system admins (`a1`, `a2`), a developer and a technical account of
/// credential `c1`; org `o2` with its own admin.
async fn admins(s: &dyn Store) {
    s.insert_org(&org("o1")).await.unwrap();
    s.insert_org(&org("o2")).await.unwrap();
    for (id, email, o, role) in [
        ("a1", "grace@acme.example", "o1", OrgRole::SystemAdmin),
        ("a2", "linus@acme.example", "o1", OrgRole::SystemAdmin),
        ("d1", "dev_50%@acme.example", "o1", OrgRole::Developer),
        ("x1", "hank@globex.example", "o2", OrgRole::SystemAdmin),
    ] {
        s.insert_user(&person(id, email)).await.unwrap();
        s.set_membership(&member(o, id, role)).await.unwrap();
    }
    s.insert_project(&project("p1", "o1")).await.unwrap();
    let mut c = credential("c1", "o1", "p1", CredentialKind::ServerToServer);
    let tech = technical("T1@techacct.latchkey.local");
    c.technical_account = Some(tech.id.clone());
    s.insert_credential(&c, Some(&tech), None).await.unwrap();
}

/// Person `n1`, who has set no password, and an invitation of theirs to `o1` (hash
/// `hash`) that lives until `T0 + 1000`.
fn invited(hash: &str) -> (latchkey_core::model::User, Invitation) {
    let mut user = person("n1", "new@acme.example");
    user.password_hash = None;
    let inv = Invitation {
        hash: TokenHash(hash.into()),
        user_id: user.id.clone(),
        org_id: OrgId("o1".into()),
        created_at: T0,
        expires_at: Timestamp(T0.0 + 1000),
    };
    (user, inv)
}

fn emails(found: &[(latchkey_core::model::User, OrgRole)]) -> Vec<String> {
    found.iter().map(|(u, _)| u.email.clone()).collect()
}

pub async fn members_are_searched_by_email_name_and_id(s: &dyn Store) {
    admins(s).await;
    let o1 = OrgId("o1".into());
    let all = s.search_members(&o1, "", 100).await.unwrap();
    assert_eq!(
        emails(&all),
        vec![
            "dev_50%@acme.example",
            "grace@acme.example",
            "linus@acme.example",
            "t1@techacct.latchkey.local"
        ],
        "people first, by email; only o1's members"
    );
    let tech = s.search_members(&o1, "TECHACCT", 100).await.unwrap();
    assert_eq!(emails(&tech), vec!["t1@techacct.latchkey.local"]);
    assert_eq!(tech[0].1, OrgRole::User);
    // By name ("Ada Lovelace" for every fixture person) and by id.
    assert_eq!(
        s.search_members(&o1, "ada love", 100).await.unwrap().len(),
        3
    );
    assert_eq!(
        emails(&s.search_members(&o1, "a2", 100).await.unwrap()),
        vec!["linus@acme.example"]
    );
    // LIKE wildcards are text: "%" and "_" match only themselves.
    assert_eq!(
        emails(&s.search_members(&o1, "_50%", 100).await.unwrap()),
        vec!["dev_50%@acme.example"]
    );
    assert!(s.search_members(&o1, "%x%", 100).await.unwrap().is_empty());
    // Another org's members are not found, and the limit holds.
    assert!(
        s.search_members(&o1, "globex", 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(s.search_members(&o1, "", 2).await.unwrap().len(), 2);
}

pub async fn the_last_enabled_system_admin_stays(s: &dyn Store) {
    admins(s).await;
    let o1 = OrgId("o1".into());
    let (a1, a2) = (UserId("a1".into()), UserId("a2".into()));
    assert!(s.change_role(&o1, &a2, OrgRole::Developer).await.unwrap());
    let msg = expect_conflict(s.change_role(&o1, &a1, OrgRole::User).await);
    assert!(msg.contains("at least one enabled system admin"), "{msg}");
    assert_eq!(
        s.membership(&o1, &a1).await.unwrap().unwrap().role,
        OrgRole::SystemAdmin,
        "rolled back"
    );
    // Nor disabled: the user stays enabled, with their sessions.
    s.insert_session(&session("s1", "a1", Timestamp(T0.0 + 3_600_000)))
        .await
        .unwrap();
    expect_conflict(s.update_user_security(&a1, Some(true), None, T0).await);
    assert!(!s.get_user(&a1).await.unwrap().unwrap().disabled);
    assert!(s.get_session(&th("s1"), T0).await.unwrap().is_some());
    // With a second enabled admin both work; a disabled admin does not count.
    assert!(s.change_role(&o1, &a2, OrgRole::SystemAdmin).await.unwrap());
    assert!(
        s.update_user_security(&a2, Some(true), None, T0)
            .await
            .unwrap()
    );
    expect_conflict(s.change_role(&o1, &a1, OrgRole::Developer).await);
    assert!(
        s.update_user_security(&a2, Some(false), None, T0)
            .await
            .unwrap()
    );
    assert!(s.change_role(&o1, &a1, OrgRole::Developer).await.unwrap());
    // Not a member, or no such org: false.
    assert!(
        !s.change_role(&o1, &UserId("x1".into()), OrgRole::User)
            .await
            .unwrap()
    );
    assert!(
        !s.change_role(&OrgId("none".into()), &a1, OrgRole::User)
            .await
            .unwrap()
    );
}

/// Two admins demoting each other at once: exactly one succeeds.
pub async fn concurrent_demotions_keep_one_system_admin(s: Arc<dyn Store>) {
    admins(&*s).await;
    let o1 = OrgId("o1".into());
    for round in 0..5 {
        let mut tasks = Vec::new();
        for id in ["a1", "a2"] {
            let (s, o1) = (s.clone(), o1.clone());
            tasks.push(tokio::spawn(async move {
                s.change_role(&o1, &UserId(id.into()), OrgRole::Developer)
                    .await
            }));
        }
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(true) => ok += 1,
                Err(latchkey_core::store::StoreError::Conflict(_)) => {}
                other => panic!("round {round}: {other:?}"),
            }
        }
        assert_eq!(ok, 1, "round {round}: exactly one demotion wins");
        let admins = s.search_members(&o1, "", 100).await.unwrap();
        let n = admins
            .iter()
            .filter(|(_, r)| *r == OrgRole::SystemAdmin)
            .count();
        assert_eq!(n, 1, "round {round}");
        // Both admins again for the next round.
        for id in ["a1", "a2"] {
            s.change_role(&o1, &UserId(id.into()), OrgRole::SystemAdmin)
                .await
                .unwrap();
        }
    }
}

pub async fn invitations_work_once_and_expire(s: &dyn Store) {
    admins(s).await;
    let (invited, inv) = invited("h1");
    s.insert_invited_user(&invited, OrgRole::Developer, &inv)
        .await
        .unwrap();
    let m = s
        .membership(&inv.org_id, &invited.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.role, OrgRole::Developer);
    assert_eq!(
        s.get_invitation(&th("h1"), T0).await.unwrap(),
        Some(inv.clone())
    );
    assert!(
        s.get_invitation(&th("h1"), Timestamp(T0.0 + 1000))
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    assert!(
        s.accept_invitation(&th("h1"), "hash", Timestamp(T0.0 + 1000))
            .await
            .unwrap()
            .is_none(),
        "an expired invitation sets nothing"
    );
    assert_eq!(
        s.accept_invitation(&th("h1"), "hash-1", T0).await.unwrap(),
        Some(invited.id.clone())
    );
    assert_eq!(
        s.get_user(&invited.id)
            .await
            .unwrap()
            .unwrap()
            .password_hash
            .as_deref(),
        Some("hash-1")
    );
    assert!(
        s.accept_invitation(&th("h1"), "hash-2", T0)
            .await
            .unwrap()
            .is_none(),
        "used once"
    );
    assert!(s.get_invitation(&th("h1"), T0).await.unwrap().is_none());
    assert_eq!(
        s.get_user(&invited.id)
            .await
            .unwrap()
            .unwrap()
            .password_hash
            .as_deref(),
        Some("hash-1")
    );
    // Atomic: a taken email leaves no invitation and no membership behind.
    let mut again = person("n2", "NEW@acme.example");
    again.password_hash = None;
    let inv2 = Invitation {
        hash: th("h2"),
        user_id: again.id.clone(),
        ..inv
    };
    expect_conflict(s.insert_invited_user(&again, OrgRole::User, &inv2).await);
    assert!(s.get_invitation(&th("h2"), T0).await.unwrap().is_none());
    assert!(s.get_user(&again.id).await.unwrap().is_none());
}

pub async fn profiles_rename_delete_and_instance_users(s: &dyn Store) {
    admins(s).await;
    let o1 = OrgId("o1".into());
    s.ensure_product("Workfront", T0).await.unwrap();
    s.insert_instance(&ProductInstance {
        id: "i1".into(),
        org_id: o1.clone(),
        product: "Workfront".into(),
        name: "Workfront".into(),
        created_at: T0,
    })
    .await
    .unwrap();
    for (id, name) in [("pf1", "Admins"), ("pf2", "Reviewers")] {
        s.insert_profile(&ProductProfile {
            id: id.into(),
            instance_id: "i1".into(),
            name: name.into(),
            created_at: T0,
        })
        .await
        .unwrap();
    }
    let tech = UserId("T1@techacct.latchkey.local".into());
    s.add_product_user("i1", &tech, T0).await.unwrap();
    s.set_profile_member("pf2", &UserId("a1".into()), false, T0)
        .await
        .unwrap();
    let users = s.instance_users("i1").await.unwrap();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0].user.id.0, "a1", "people first");
    assert!(users[0].credential.is_none());
    let t = &users[1];
    assert_eq!(t.role, ProductRoleKind::Contributor);
    let (client, name, project) = t.credential.clone().unwrap();
    assert_eq!((client.0.as_str(), project.0.as_str()), ("c1", "p1"));
    assert!(!name.is_empty());
    // Admin through pf2, then pf2 renamed: still admin; a clashing name is a conflict.
    s.set_profile_member("pf2", &tech, true, T0).await.unwrap();
    assert!(s.rename_profile("pf2", "Approvers").await.unwrap());
    assert_eq!(
        s.get_profile("pf2").await.unwrap().unwrap().name,
        "Approvers"
    );
    expect_conflict(s.rename_profile("pf2", "Admins").await);
    assert!(!s.rename_profile("nope", "X").await.unwrap());
    let roles = s.product_roles(&tech).await.unwrap();
    assert_eq!(roles[0].role, ProductRoleKind::Admin);
    // Deleted with its memberships: a contributor again, still a user of the instance.
    assert!(s.delete_profile("pf2").await.unwrap());
    assert!(s.get_profile("pf2").await.unwrap().is_none());
    assert!(!s.delete_profile("pf2").await.unwrap());
    let roles = s.product_roles(&tech).await.unwrap();
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0].role, ProductRoleKind::Contributor);
    assert_eq!(s.instance_users("i1").await.unwrap().len(), 2);
    expect_not_found(s.set_profile_member("pf2", &tech, true, T0).await);
}

fn audit_event(id: &str, org: Option<&str>, action: AuditAction, at: i64) -> AuditEvent {
    AuditEvent {
        id: id.into(),
        at: Timestamp(at),
        org_id: org.map(|o| OrgId(o.into())),
        actor: "A1@LatchkeyID".into(),
        action,
        target: format!("thing {id}"),
        address: Some("127.0.0.1".into()),
        details: serde_json::json!({"n": 1}),
    }
}

fn all_of(org: Option<&str>) -> AuditQuery {
    AuditQuery {
        org_id: org.map(|o| OrgId(o.into())),
        limit: 100,
        ..AuditQuery::default()
    }
}

/// An entry is committed with its change or not at all, once, on both the ordinary and
/// the token-path (group commit) writes.
pub async fn audit_entries_commit_with_their_change(s: &dyn Store) {
    admins(s).await;
    // A write that fails takes its entry with it.
    let view = s.audited(vec![audit_event(
        "e1",
        Some("o1"),
        AuditAction::UserCreated,
        T0.0,
    )]);
    expect_conflict(view.insert_user(&person("dup", "GRACE@acme.example")).await);
    assert!(s.search_audit(&all_of(None)).await.unwrap().is_empty());
    // A write that succeeds has it; a second write through the view adds nothing.
    let view = s.audited(vec![audit_event(
        "e2",
        Some("o1"),
        AuditAction::UserCreated,
        T0.0,
    )]);
    view.insert_user(&person("u2", "u2@acme.example"))
        .await
        .unwrap();
    view.insert_user(&person("u3", "u3@acme.example"))
        .await
        .unwrap();
    let got = s.search_audit(&all_of(Some("o1"))).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0],
        audit_event("e2", Some("o1"), AuditAction::UserCreated, T0.0)
    );
    // The token path (SQLite's group commit) carries entries too.
    let view = s.audited(vec![audit_event(
        "e3",
        Some("o1"),
        AuditAction::TokenRevoked,
        T0.0 + 1,
    )]);
    view.revoke_token(
        &jti("j1"),
        &latchkey_core::ids::ClientId("c1".into()),
        Timestamp(T0.0 + 9),
        T0,
    )
    .await
    .unwrap();
    assert!(s.is_token_revoked(&jti("j1")).await.unwrap());
    // Entries of no change of their own, and another org's.
    s.record_audit(&[
        audit_event("e4", Some("o1"), AuditAction::SignInFailed, T0.0 + 2),
        audit_event("e5", Some("o2"), AuditAction::SignInFailed, T0.0 + 3),
        audit_event("e6", None, AuditAction::SigningKeyRotated, T0.0 + 4),
    ])
    .await
    .unwrap();
    let ids = |q: &AuditQuery| {
        let q = q.clone();
        async move {
            s.search_audit(&q)
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        ids(&all_of(Some("o1"))).await,
        vec!["e4", "e3", "e2"],
        "newest first"
    );
    assert_eq!(ids(&all_of(None)).await.len(), 5);
    let mut q = all_of(Some("o1"));
    q.action = Some(AuditAction::SignInFailed);
    assert_eq!(ids(&q).await, vec!["e4"]);
    let mut q = all_of(None);
    q.text = Some("THING E5".into());
    assert_eq!(ids(&q).await, vec!["e5"]);
    let mut q = all_of(None);
    q.since = Some(Timestamp(T0.0 + 1));
    q.until = Some(Timestamp(T0.0 + 3));
    assert_eq!(ids(&q).await, vec!["e4", "e3"]);
    let mut q = all_of(None);
    q.limit = 2;
    assert_eq!(ids(&q).await.len(), 2);
    // Retention: only entries older than the cut go.
    assert_eq!(s.purge_audit(Timestamp(T0.0 + 2)).await.unwrap(), 2);
    assert_eq!(ids(&all_of(None)).await, vec!["e6", "e5", "e4"]);
}

/// The outbox: an audit entry queues one delivery per matching subscription of its org,
/// in its transaction; finished deliveries are purged by age, pending ones never.
pub async fn deliveries_are_queued_with_their_entry_and_purged_when_done(s: &dyn Store) {
    admins(s).await;
    let sub = latchkey_core::events::Subscription {
        id: "sub1".into(),
        org_id: OrgId("o1".into()),
        project_id: latchkey_core::ids::ProjectId("p1".into()),
        url: "https://hooks.example.com/x".into(),
        event_types: vec![AuditAction::UserCreated],
        created_at: T0,
    };
    s.insert_subscription(&sub).await.unwrap();
    // A failed change queues nothing; a done one queues its delivery; other types and
    // other orgs nothing.
    let view = s.audited(vec![audit_event(
        "f1",
        Some("o1"),
        AuditAction::UserCreated,
        T0.0,
    )]);
    expect_conflict(view.insert_user(&person("dup", "GRACE@acme.example")).await);
    s.record_audit(&[
        audit_event("a1", Some("o1"), AuditAction::UserCreated, T0.0),
        audit_event("a2", Some("o1"), AuditAction::UserDisabled, T0.0),
        audit_event("a3", Some("o2"), AuditAction::UserCreated, T0.0),
        audit_event("a4", Some("o1"), AuditAction::UserCreated, T0.0 + 10),
    ])
    .await
    .unwrap();
    let log = s.list_deliveries("sub1", 10).await.unwrap();
    let mut ids: Vec<&str> = log.iter().map(|d| d.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, vec!["a1.sub1", "a4.sub1"]);
    // Claimed once; a second claim within the lease gets nothing.
    let claimed = s
        .claim_deliveries(Timestamp(T0.0 + 20), Timestamp(T0.0 + 1000), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    assert_eq!(claimed[0].1, "https://hooks.example.com/x");
    assert!(
        s.claim_deliveries(Timestamp(T0.0 + 30), Timestamp(T0.0 + 1000), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let done = latchkey_core::events::Outcome {
        status: latchkey_core::events::DeliveryStatus::Delivered,
        next_attempt_at: Timestamp(T0.0 + 40),
        http_status: Some(200),
        error: None,
    };
    s.finish_delivery("a1.sub1", &done, Timestamp(T0.0 + 40))
        .await
        .unwrap();
    // a4 stays pending (its lease runs out); only the delivered a1 is purged.
    assert_eq!(s.purge_deliveries(Timestamp(T0.0 + 100)).await.unwrap(), 1);
    let left: Vec<String> = s
        .list_deliveries("sub1", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(left, vec!["a4.sub1"]);
    // After the lease, it is claimed again, with its id.
    let again = s
        .claim_deliveries(Timestamp(T0.0 + 1001), Timestamp(T0.0 + 2000), 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].0.id, "a4.sub1");
    assert_eq!(again[0].0.attempts, 2);
}

/// Product instances and profiles are written with their audit entries: a created
/// instance and profile, a rename and a delete each commit theirs; a refused one
/// (a clashing profile name) leaves none.
pub async fn product_writes_commit_their_audit_entries(s: &dyn Store) {
    admins(s).await;
    let o1 = OrgId("o1".into());
    s.ensure_product("Workfront", T0).await.unwrap();
    s.audited(vec![audit_event(
        "i",
        Some("o1"),
        AuditAction::ProductInstanceCreated,
        T0.0,
    )])
    .insert_instance(&ProductInstance {
        id: "i1".into(),
        org_id: o1.clone(),
        product: "Workfront".into(),
        name: "Workfront".into(),
        created_at: T0,
    })
    .await
    .unwrap();
    let profile = |id: &str, name: &str| ProductProfile {
        id: id.into(),
        instance_id: "i1".into(),
        name: name.into(),
        created_at: T0,
    };
    for (id, name) in [("pf1", "Admins"), ("pf2", "Reviewers")] {
        let ev = audit_event(id, Some("o1"), AuditAction::ProfileCreated, T0.0 + 1);
        s.audited(vec![ev])
            .insert_profile(&profile(id, name))
            .await
            .unwrap();
    }
    let clash = audit_event("clash", Some("o1"), AuditAction::ProfileCreated, T0.0 + 2);
    expect_conflict(
        s.audited(vec![clash])
            .insert_profile(&profile("pf3", "Admins"))
            .await,
    );
    let renamed = audit_event("ren", Some("o1"), AuditAction::ProfileRenamed, T0.0 + 3);
    let view = s.audited(vec![renamed]);
    assert!(view.rename_profile("pf2", "Approvers").await.unwrap());
    let deleted = audit_event("del", Some("o1"), AuditAction::ProfileDeleted, T0.0 + 4);
    assert!(
        s.audited(vec![deleted])
            .delete_profile("pf1")
            .await
            .unwrap()
    );
    let ids: Vec<String> = s
        .search_audit(&all_of(Some("o1")))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, vec!["del", "ren", "pf2", "pf1", "i"]);
    let left: Vec<String> = s
        .list_profiles("i1")
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(left, vec!["Approvers"]);
}

/// Deleting a subscription takes its queued deliveries with it (no node claims them
/// afterwards); the project's other subscriptions and theirs stay.
pub async fn deleting_a_subscription_takes_its_deliveries(s: &dyn Store) {
    admins(s).await;
    let sub = |id: &str| latchkey_core::events::Subscription {
        id: id.into(),
        org_id: OrgId("o1".into()),
        project_id: latchkey_core::ids::ProjectId("p1".into()),
        url: format!("https://hooks.example.com/{id}"),
        event_types: vec![AuditAction::UserCreated],
        created_at: T0,
    };
    s.insert_subscription(&sub("gone")).await.unwrap();
    s.insert_subscription(&sub("kept")).await.unwrap();
    s.record_audit(&[audit_event(
        "a1",
        Some("o1"),
        AuditAction::UserCreated,
        T0.0,
    )])
    .await
    .unwrap();
    assert_eq!(s.list_deliveries("gone", 10).await.unwrap().len(), 1);
    assert!(s.delete_subscription("gone").await.unwrap());
    assert!(s.get_subscription("gone").await.unwrap().is_none());
    assert!(s.list_deliveries("gone", 10).await.unwrap().is_empty());
    assert!(
        !s.delete_subscription("gone").await.unwrap(),
        "already gone"
    );
    let listed: Vec<String> = s
        .list_subscriptions(&latchkey_core::ids::ProjectId("p1".into()))
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(listed, vec!["kept"]);
    let claimed = s
        .claim_deliveries(Timestamp(T0.0 + 1), Timestamp(T0.0 + 100), 10)
        .await
        .unwrap();
    let urls: Vec<&str> = claimed.iter().map(|(_, url)| url.as_str()).collect();
    assert_eq!(urls, vec!["https://hooks.example.com/kept"]);
}

/// A new person and their membership are written together: a membership that cannot be
/// written (its org is gone) leaves no user behind, so the same email can be used again.
pub async fn a_member_user_is_written_with_its_membership_or_not_at_all(s: &dyn Store) {
    admins(s).await;
    let ada = person("n1", "ada@acme.example");
    expect_not_found(
        s.insert_member_user(&ada, &member("no-such-org", "n1", OrgRole::Developer))
            .await,
    );
    assert!(s.get_user(&UserId("n1".into())).await.unwrap().is_none());
    assert!(
        s.find_user_by_email("ada@acme.example")
            .await
            .unwrap()
            .is_none()
    );
    s.insert_member_user(&ada, &member("o1", "n1", OrgRole::Developer))
        .await
        .unwrap();
    let m = s
        .membership(&OrgId("o1".into()), &UserId("n1".into()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.role, OrgRole::Developer);
    // A taken email is a conflict, and writes no membership either.
    let twin = person("n2", "ADA@acme.example");
    expect_conflict(
        s.insert_member_user(&twin, &member("o2", "n2", OrgRole::User))
            .await,
    );
    assert!(
        s.membership(&OrgId("o2".into()), &UserId("n2".into()))
            .await
            .unwrap()
            .is_none()
    );
}

/// Removing a member takes what the membership gave in that org (product profiles,
/// product access, an unused invitation) and nothing in another org; the org keeps an
/// enabled system admin.
pub async fn removing_a_member_takes_their_org_access_only(s: &dyn Store) {
    admins(s).await;
    let (o1, o2, d1) = (OrgId("o1".into()), OrgId("o2".into()), UserId("d1".into()));
    s.set_membership(&member("o2", "d1", OrgRole::Developer))
        .await
        .unwrap();
    s.ensure_product("Workfront", T0).await.unwrap();
    for (i, org) in [("i1", &o1), ("i2", &o2)] {
        s.insert_instance(&ProductInstance {
            id: i.into(),
            org_id: org.clone(),
            product: "Workfront".into(),
            name: format!("Workfront {i}"),
            created_at: T0,
        })
        .await
        .unwrap();
        let pf = format!("pf-{i}");
        s.insert_profile(&ProductProfile {
            id: pf.clone(),
            instance_id: i.into(),
            name: "Admins".into(),
            created_at: T0,
        })
        .await
        .unwrap();
        s.set_profile_member(&pf, &d1, true, T0).await.unwrap();
    }
    let (invited, inv) = invited("h1");
    s.insert_invited_user(&invited, OrgRole::User, &inv)
        .await
        .unwrap();
    let in_instance = |i: &'static str| async move {
        s.instance_users(i)
            .await
            .unwrap()
            .into_iter()
            .any(|u| u.user.id.0 == "d1")
    };
    assert!(in_instance("i1").await && in_instance("i2").await);

    assert!(s.remove_member(&o1, &d1).await.unwrap());
    assert!(s.membership(&o1, &d1).await.unwrap().is_none());
    assert!(s.profile_members("pf-i1").await.unwrap().is_empty());
    assert!(!in_instance("i1").await, "no product access left in o1");
    // Org o2 is untouched, and so is the person.
    assert!(s.membership(&o2, &d1).await.unwrap().is_some());
    assert_eq!(s.profile_members("pf-i2").await.unwrap().len(), 1);
    assert!(in_instance("i2").await);
    assert!(s.get_user(&d1).await.unwrap().is_some());
    assert!(!s.remove_member(&o1, &d1).await.unwrap(), "not a member");
    // An invited person's unused invitation goes with them.
    assert!(s.remove_member(&o1, &invited.id).await.unwrap());
    assert!(s.get_invitation(&th("h1"), T0).await.unwrap().is_none());
    // Two admins: one may go, the last enabled one may not (and stays, with nothing
    // of the refused removal applied).
    assert!(s.remove_member(&o1, &UserId("a2".into())).await.unwrap());
    expect_conflict(s.remove_member(&o1, &UserId("a1".into())).await);
    assert_eq!(
        s.membership(&o1, &UserId("a1".into()))
            .await
            .unwrap()
            .map(|m| m.role),
        Some(OrgRole::SystemAdmin)
    );
}

/// A new invitation for a person who has set no password replaces their unused ones to
/// that org (the old link stops working) and (re)makes them a member; a link never resets
/// a password that is already set.
pub async fn a_new_invitation_replaces_the_old_one(s: &dyn Store) {
    admins(s).await;
    let o1 = OrgId("o1".into());
    let (invited, _) = invited("h1");
    let inv = |hash: &str| self::invited(hash).1;
    s.insert_invited_user(&invited, OrgRole::User, &inv("h1"))
        .await
        .unwrap();
    // Removed, then invited again with another role.
    assert!(s.remove_member(&o1, &invited.id).await.unwrap());
    s.invite_member(&member("o1", "n1", OrgRole::Developer), &inv("h2"))
        .await
        .unwrap();
    assert_eq!(
        s.membership(&o1, &invited.id)
            .await
            .unwrap()
            .map(|m| m.role),
        Some(OrgRole::Developer)
    );
    // Invited again while a member: the earlier link stops working.
    s.invite_member(&member("o1", "n1", OrgRole::Developer), &inv("h3"))
        .await
        .unwrap();
    assert!(s.get_invitation(&th("h2"), T0).await.unwrap().is_none());
    assert!(s.get_invitation(&th("h3"), T0).await.unwrap().is_some());
    assert_eq!(
        s.accept_invitation(&th("h3"), "hash-1", T0).await.unwrap(),
        Some(invited.id.clone())
    );
    // A link made before the password was set cannot reset it.
    s.invite_member(&member("o1", "n1", OrgRole::Developer), &inv("h4"))
        .await
        .unwrap();
    assert_eq!(
        s.accept_invitation(&th("h4"), "hash-2", T0).await.unwrap(),
        None
    );
    let u = s.get_user(&invited.id).await.unwrap().unwrap();
    assert_eq!(u.password_hash.as_deref(), Some("hash-1"));
}
