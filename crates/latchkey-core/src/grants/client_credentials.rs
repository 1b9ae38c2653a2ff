//! OAuth Server-to-Server: the client credentials grant (RFC 6749 §4.4; docs/ims-contract.md §2.2).
//!
//! Parameters: `scope` (IMS: comma-separated and required; standard: optional, defaulting
//! to everything the credential may have), and on `/ims/token/v2` an `org_id` that must
//! name the credential's org. Only `server_to_server` credentials may use it; no refresh
//! token is ever issued (§4.4.3).

use crate::error::{ErrorCode, OAuthError};
use crate::model::{Credential, CredentialKind};
use crate::scope::{OFFLINE_ACCESS, ScopeSet};
use crate::token::Dialect;

pub struct ClientCredentialsRequest<'a> {
    pub scope: Option<&'a str>,
    pub org_id: Option<&'a str>,
    pub dialect: Dialect,
}

/// Decide the scopes to grant, or why not.
pub fn decide(
    cred: &Credential,
    allowed: &[String],
    req: &ClientCredentialsRequest<'_>,
) -> Result<ScopeSet, OAuthError> {
    if cred.kind != CredentialKind::ServerToServer || cred.technical_account.is_none() {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "this credential may not use the client_credentials grant",
        ));
    }
    if req.org_id.is_some_and(|org| org != cred.org_id.as_str()) {
        return Err(OAuthError::invalid_request(
            "org_id does not match the credential's organization",
        ));
    }
    let requested = match req.scope {
        Some(raw) => ScopeSet::parse(raw)?,
        None if req.dialect == Dialect::Ims => {
            return Err(OAuthError::invalid_scope("scope is required"));
        }
        None => ScopeSet::from_list(allowed.iter().cloned()),
    };
    if requested.is_empty() {
        return Err(OAuthError::invalid_scope("scope is required"));
    }
    if requested.contains(OFFLINE_ACCESS) {
        return Err(OAuthError::invalid_scope(
            "offline_access is not available to the client_credentials grant",
        ));
    }
    let outside = requested.outside(allowed);
    if !outside.is_empty() {
        return Err(OAuthError::invalid_scope(format!(
            "scope not allowed for this credential: {}",
            outside.join(" ")
        )));
    }
    Ok(requested)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Timestamp;
    use crate::ids::{ClientId, OrgId, ProjectId, UserId};

    fn cred(kind: CredentialKind) -> Credential {
        Credential {
            client_id: ClientId("c".into()),
            org_id: OrgId("O@LatchkeyOrg".into()),
            project_id: ProjectId("p".into()),
            kind,
            name: "n".into(),
            redirect_uris: vec![],
            technical_account: Some(UserId("T@techacct.latchkey.local".into())),
            disabled: false,
            created_at: Timestamp(0),
        }
    }

    fn allowed() -> Vec<String> {
        ["openid", "AdobeID", "firefly_api"]
            .map(String::from)
            .to_vec()
    }

    fn req(scope: Option<&str>, dialect: Dialect) -> ClientCredentialsRequest<'_> {
        ClientCredentialsRequest {
            scope,
            org_id: None,
            dialect,
        }
    }

    #[test]
    fn grants_a_subset_and_refuses_anything_else() {
        let c = cred(CredentialKind::ServerToServer);
        let s = decide(
            &c,
            &allowed(),
            &req(Some("openid,firefly_api"), Dialect::Ims),
        )
        .unwrap();
        assert_eq!(s.to_ims(), "openid,firefly_api");
        let e = decide(&c, &allowed(), &req(Some("openid,cc_files"), Dialect::Ims)).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidScope);
        let e = decide(
            &c,
            &allowed(),
            &req(Some("openid offline_access"), Dialect::Ims),
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidScope);
    }

    #[test]
    fn scope_is_required_on_ims_and_defaults_on_standard() {
        let c = cred(CredentialKind::ServerToServer);
        assert!(decide(&c, &allowed(), &req(None, Dialect::Ims)).is_err());
        assert_eq!(
            decide(&c, &allowed(), &req(None, Dialect::Standard))
                .unwrap()
                .len(),
            3
        );
    }

    #[test]
    fn sec_29_other_kinds_are_unauthorized_clients() {
        for k in [CredentialKind::OAuthWeb, CredentialKind::ServiceAccountJwt] {
            let e = decide(&cred(k), &allowed(), &req(Some("openid"), Dialect::Ims)).unwrap_err();
            assert_eq!(e.code, ErrorCode::UnauthorizedClient);
        }
    }

    #[test]
    fn org_id_must_be_the_credentials_org() {
        let c = cred(CredentialKind::ServerToServer);
        let r = ClientCredentialsRequest {
            scope: Some("openid"),
            org_id: Some("X@LatchkeyOrg"),
            dialect: Dialect::Ims,
        };
        assert_eq!(
            decide(&c, &allowed(), &r).unwrap_err().code,
            ErrorCode::InvalidRequest
        );
    }
}
