//! `latchkey serve --demo`: an org, a user, a project with every example API and one
//! credential of each kind, so a newcomer can try every flow at once.

use super::{
    Actor, AdminResult, CreatedCredential, Ctx, NewCredential, NewUser, add_api_to_project,
    create_credential, create_org, create_project, create_user,
};
use crate::model::{CredentialKind, Org, OrgRole, Project, User};

pub const DEMO_EMAIL: &str = "demo@example.com";
pub const DEMO_PASSWORD: &str = "demo-password";

pub struct Demo {
    pub org: Org,
    pub user: User,
    pub project: Project,
    pub credentials: Vec<CreatedCredential>,
}

/// Seed the demo. `issuer` is where the server listens (reserved for redirect URIs of
/// pages the server itself will host, such as the playground).
pub async fn seed(ctx: &Ctx<'_>, issuer: &str) -> AdminResult<Demo> {
    let org = create_org(ctx, "Demo Org").await?;
    let user = create_user(
        ctx,
        NewUser {
            org: &org.id,
            email: DEMO_EMAIL,
            password: DEMO_PASSWORD,
            role: OrgRole::SystemAdmin,
            given_name: Some("Demo"),
            family_name: Some("User"),
            country: Some("US"),
        },
    )
    .await?;
    let project = create_project(ctx, &org.id, "Demo Project").await?;
    for api in ctx.store.list_apis().await? {
        add_api_to_project(ctx, &project.id, &api.id).await?;
    }
    let _ = issuer;
    let kinds: [(CredentialKind, &str, Vec<String>); 6] = [
        (
            CredentialKind::ServerToServer,
            "Demo Server-to-Server",
            vec![],
        ),
        (CredentialKind::ApiKey, "Demo API Key", vec![]),
        (
            CredentialKind::OAuthWeb,
            "Demo Web App",
            vec!["http://localhost:3000/callback".into()],
        ),
        (
            CredentialKind::OAuthSpa,
            "Demo Single-Page App",
            vec!["http://localhost:3000/spa/callback".into()],
        ),
        (
            CredentialKind::OAuthNative,
            "Demo Native App",
            vec!["http://127.0.0.1/callback".into()],
        ),
        (
            CredentialKind::ServiceAccountJwt,
            "Demo Service Account",
            vec![],
        ),
    ];
    let mut credentials = Vec::new();
    for (kind, name, uris) in kinds {
        credentials.push(
            create_credential(
                ctx,
                &Actor::Operator,
                NewCredential {
                    project: &project.id,
                    kind,
                    name: Some(name),
                    redirect_uris: &uris,
                    certificate_pem: None,
                    profiles: &[],
                },
            )
            .await?,
        );
    }
    Ok(Demo {
        org,
        user,
        project,
        credentials,
    })
}
