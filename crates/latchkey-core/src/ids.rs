//! A newtype for every identifier (docs/style.md habit 8), with the IMS-shaped formats of the
//! docs/ims-contract.md §5: org `<24 HEX>@LatchkeyOrg`, user `<24 HEX>@LatchkeyID`, technical account
//! `<24 hex>@techacct.latchkey.local`, client id 32 lower-case hex.

use crate::rand::{Rng, lower_hex, upper_hex};
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_owned())
            }
        }
    };
}

id_type!(OrgId);
id_type!(UserId);
id_type!(ProjectId);
id_type!(ClientId);
id_type!(ApiId);
id_type!(
    /// A consent grant: the user's consent to a client, which owns what was issued from it.
    GrantId
);
id_type!(
    /// The store key of a code, refresh token or browser session: the SHA-256 (hex) of
    /// its random value, never the value itself.
    TokenHash
);
id_type!(
    /// A JWT's `jti`: an access token's (revocation list) or an assertion's (replay).
    Jti
);

pub const ORG_SUFFIX: &str = "@LatchkeyOrg";
pub const USER_SUFFIX: &str = "@LatchkeyID";
pub const TECHACCT_DOMAIN: &str = "techacct.latchkey.local";

impl OrgId {
    pub fn generate(rng: &dyn Rng) -> Self {
        OrgId(format!("{}{ORG_SUFFIX}", upper_hex(rng, 12)))
    }
}

impl UserId {
    pub fn generate(rng: &dyn Rng) -> Self {
        UserId(format!("{}{USER_SUFFIX}", upper_hex(rng, 12)))
    }
    /// A technical account's id doubles as its email (docs/ims-contract.md §5).
    pub fn generate_technical(rng: &dyn Rng) -> Self {
        UserId(format!("{}@{TECHACCT_DOMAIN}", upper_hex(rng, 12)))
    }
}

impl ProjectId {
    pub fn generate(rng: &dyn Rng) -> Self {
        ProjectId(lower_hex(rng, 12))
    }
}

impl ClientId {
    pub fn generate(rng: &dyn Rng) -> Self {
        ClientId(lower_hex(rng, 16))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rand::SystemRng;

    #[test]
    fn formats_follow_the_contract() {
        let rng = SystemRng;
        let org = OrgId::generate(&rng);
        assert_eq!(org.0.len(), 24 + ORG_SUFFIX.len());
        assert!(
            org.0[..24]
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase())
        );
        let cid = ClientId::generate(&rng);
        assert_eq!(cid.0.len(), 32);
        assert!(
            cid.0
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        );
        assert!(
            UserId::generate_technical(&rng)
                .0
                .ends_with("@techacct.latchkey.local")
        );
    }
}
