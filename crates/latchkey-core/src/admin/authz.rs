//! Who may do what in an org, decided here in the core rather than hidden in a UI
//! (SEC-40; OWASP API Top 10 2023 API1 BOLA and API5 BFLA). Roles are the org roles of
//! docs/design.md: `system_admin` may do everything; a `developer` may manage credentials when
//! the org allows it (the default, as Adobe lets developers create credentials); a plain
//! `user`, a member of another org, a technical account and an anonymous caller may not.
//! Product profiles are the Admin Console's business: `system_admin` only, since adding
//! someone as a profile admin makes them an admin of the product.

use super::{AdminError, AdminResult, Ctx};
use crate::ids::{OrgId, UserId};
use crate::model::{OrgRole, UserKind};

/// Who asks for an administrative operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The CLI, which has the database in hand anyway: allowed everything.
    Operator,
    /// A signed-in person (console session or console API token).
    User(UserId),
    /// Nobody signed in.
    Anonymous,
}

/// What an operation needs permission for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See the org's projects, APIs and credentials (never a secret): every member.
    View,
    /// Create, convert or change credentials: secrets, certificates.
    ManageCredentials,
    /// Product instances, product profiles and their members.
    ManageProducts,
    /// The org's own settings, such as whether developers may manage credentials.
    ManageOrg,
}

impl Action {
    fn describe(self) -> &'static str {
        match self {
            Action::View => "see this org's projects",
            Action::ManageCredentials => "manage projects and credentials",
            Action::ManageProducts => "manage products and product profiles",
            Action::ManageOrg => "change the organization's settings",
        }
    }
}

fn forbidden(action: Action) -> AdminError {
    AdminError::Forbidden(format!("not allowed to {} in this org", action.describe()))
}

/// `Ok` if `actor` may perform `action` in `org` on `object` (e.g. `credential <id>`).
/// An actor who is not a member of `org` learns nothing of it: `NotFound(object)`, the
/// very answer an unknown id gets, so ids of other orgs cannot be probed (review finding
/// 6). A member whose role does not allow the action gets `Forbidden`.
pub async fn authorize(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &OrgId,
    action: Action,
    object: &str,
) -> AdminResult<()> {
    let hidden = || AdminError::NotFound(object.to_owned());
    let user = match actor {
        Actor::Operator => return Ok(()),
        Actor::Anonymous => return Err(hidden()),
        Actor::User(u) => u,
    };
    let Some(person) = ctx.store.get_user(user).await? else {
        return Err(hidden());
    };
    // Technical accounts act through tokens, never through the console.
    if person.disabled || person.kind != UserKind::Person {
        return Err(hidden());
    }
    let Some(member) = ctx.store.membership(org, user).await? else {
        return Err(hidden());
    };
    let allowed = match (member.role, action) {
        (OrgRole::SystemAdmin, _) | (_, Action::View) => true,
        (OrgRole::Developer, Action::ManageCredentials) => {
            ctx.store.developers_may_manage_credentials(org).await?
        }
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(forbidden(action))
    }
}

/// `authorize` for an action on the org itself.
pub async fn authorize_org(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &OrgId,
    action: Action,
) -> AdminResult<()> {
    authorize(ctx, actor, org, action, &format!("org {org}")).await
}

/// Set whether the org's developers may manage credentials (system admins only).
pub async fn set_developers_may_manage_credentials(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &OrgId,
    allowed: bool,
) -> AdminResult<()> {
    authorize_org(ctx, actor, org, Action::ManageOrg).await?;
    ctx.store
        .set_developers_may_manage_credentials(org, allowed)
        .await?;
    Ok(())
}
