//! Products an org is entitled to, their instances and product profiles (docs/design.md
//! "Product"), and what a service account's uploaded keys look like in storage. A user's
//! role in a product instance is `contributor`, or `admin` when they administer one of
//! the instance's profiles (docs/design.md "Product": Workfront technical accounts).

use crate::clock::Timestamp;
use crate::ids::{ClientId, OrgId, UserId};
use serde::Serialize;

/// One of an org's instances of a product (an org may have several, e.g. two Workfronts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductInstance {
    pub id: String,
    pub org_id: OrgId,
    /// The product's name, as in the API catalog's `product`.
    pub product: String,
    pub name: String,
    pub created_at: Timestamp,
}

/// A group of users of one instance; its admins are the instance's admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductProfile {
    pub id: String,
    pub instance_id: String,
    pub name: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileMember {
    pub user_id: UserId,
    pub is_admin: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductRoleKind {
    Contributor,
    Admin,
}

impl ProductRoleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductRoleKind::Contributor => "contributor",
            ProductRoleKind::Admin => "admin",
        }
    }
}

/// A user's role in one product instance, as `/ims/profile/v1` and validation report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductRole {
    pub org_id: OrgId,
    pub product: String,
    pub instance_id: String,
    pub instance_name: String,
    pub role: ProductRoleKind,
}

/// A user of a product instance as the Admin Console lists it: a technical account comes
/// with the credential it belongs to (listed under "API credentials").
#[derive(Debug, Clone)]
pub struct InstanceUser {
    pub user: crate::model::User,
    pub role: ProductRoleKind,
    /// `(client id, credential name, project id)` of a technical account's credential.
    pub credential: Option<(ClientId, String, crate::ids::ProjectId)>,
}

/// A public certificate or key registered to a service-account credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRecord {
    pub client_id: ClientId,
    pub id: String,
    pub pem: String,
    pub created_at: Timestamp,
    /// The certificate's `notAfter`, or an earlier time an admin expired it at.
    pub expires_at: Option<Timestamp>,
}
