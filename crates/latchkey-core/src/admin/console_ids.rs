//! Numeric ids for the console API (docs/console-contract.md §3). Adobe's tooling puts
//! numeric ids in its paths and validates downloaded workspace files against
//! `^[0-9]+$`, while Latchkey's ids are hex; so every org, project, workspace (one
//! implicit workspace per project, keyed by the project id) and credential gets a stable
//! number the first time the console names it, in the shapes Adobe uses: 19 digits for
//! projects and workspaces, 8 for orgs and credentials (`ConsoleIdStore`).

use super::{AdminError, AdminResult, Ctx};
use crate::rand::{Rng, bytes};

/// What a console number names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleKind {
    Org,
    Project,
    /// The implicit workspace of a project (its id is the project's).
    Workspace,
    Credential,
}

impl ConsoleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsoleKind::Org => "org",
            ConsoleKind::Project => "project",
            ConsoleKind::Workspace => "workspace",
            ConsoleKind::Credential => "credential",
        }
    }

    /// How many digits its numbers have.
    pub fn digits(self) -> u32 {
        match self {
            ConsoleKind::Project | ConsoleKind::Workspace => 19,
            ConsoleKind::Org | ConsoleKind::Credential => 8,
        }
    }
}

/// A random number of `digits` digits, without a leading zero.
fn draw(rng: &dyn Rng, digits: u32) -> String {
    let low = 10u64.pow(digits - 1);
    let span = 9 * low; // [low, 10 * low); 9e18 still fits a u64
    let n = low + u64::from_be_bytes(bytes::<8>(rng)) % span;
    n.to_string()
}

/// Most draws before giving up (8-digit spaces are big; a clash is rare).
const DRAWS: usize = 8;

/// The console number of `id`, assigned on first use and stable afterwards.
pub async fn number_of(ctx: &Ctx<'_>, kind: ConsoleKind, id: &str) -> AdminResult<String> {
    for _ in 0..DRAWS {
        let candidate = draw(ctx.rng, kind.digits());
        match ctx
            .store
            .console_number(kind.as_str(), id, &candidate)
            .await
        {
            Ok(n) => return Ok(n),
            Err(crate::store::StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AdminError::Conflict(format!(
        "could not assign a console number to {} {id}",
        kind.as_str()
    )))
}

/// The id behind console number `number` of `kind`; `None` for anything else, including
/// text that is no number.
pub async fn id_of(ctx: &Ctx<'_>, kind: ConsoleKind, number: &str) -> AdminResult<Option<String>> {
    if number.is_empty() || number.len() > 20 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    Ok(ctx.store.console_id(kind.as_str(), number).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::rand::SystemRng;

    #[test]
    fn numbers_have_the_console_shapes() {
        for kind in [
            ConsoleKind::Org,
            ConsoleKind::Project,
            ConsoleKind::Workspace,
            ConsoleKind::Credential,
        ] {
            for _ in 0..2_000 {
                let n = draw(&SystemRng, kind.digits());
                assert_eq!(n.len() as u32, kind.digits(), "{n}");
                assert!(!n.starts_with('0') && n.bytes().all(|b| b.is_ascii_digit()));
            }
        }
    }
}
