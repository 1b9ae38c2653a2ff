//! The token endpoint (RFC 6749 §3.2) as one flow: the request parsed into one variant per
//! grant holding the parameters that grant declares (docs/style.md habit 2), the client
//! authenticated, the grant's own flow run, and a typed result that each dialect formats
//! (docs/ims-contract.md §2.2).

use super::{Context, FlowResult, client, client_credentials, code, jwt_bearer, refresh};
use crate::grants::GrantType;
use crate::model::User;
use crate::params::Params;
use crate::scope::ScopeSet;
use crate::token::Dialect;
use crate::{ErrorCode, OAuthError};

/// The paths of the token endpoint, every dialect (an assertion may name any of them).
pub const TOKEN_PATHS: &[&str] = &[
    "/ims/token",
    "/ims/token/v1",
    "/ims/token/v2",
    "/ims/token/v3",
    "/oauth2/token",
];

/// The grants this build implements, advertised by discovery.
pub const SUPPORTED_GRANTS: &[GrantType] = &[
    GrantType::AuthorizationCode,
    GrantType::RefreshToken,
    GrantType::ClientCredentials,
    GrantType::JwtBearer,
];

/// A token request, by grant, with the parameters that grant declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRequest<'p> {
    ClientCredentials {
        scope: Option<&'p str>,
        /// `/ims/token/v2`: must name the credential's org.
        org_id: Option<&'p str>,
    },
    AuthorizationCode {
        code: &'p str,
        redirect_uri: Option<&'p str>,
        code_verifier: Option<&'p str>,
    },
    RefreshToken {
        refresh_token: &'p str,
        scope: Option<&'p str>,
    },
    JwtBearer {
        assertion: Option<&'p str>,
        scope: Option<&'p str>,
    },
}

impl<'p> TokenRequest<'p> {
    /// `unsupported_grant_type` for a grant this server does not implement;
    /// `invalid_request` for a missing parameter the grant requires.
    pub fn parse(params: &'p Params) -> Result<Self, OAuthError> {
        let raw = params.require("grant_type")?;
        let grant = GrantType::parse(raw)
            .filter(|g| SUPPORTED_GRANTS.contains(g))
            .ok_or_else(|| {
                OAuthError::new(
                    ErrorCode::UnsupportedGrantType,
                    "grant_type is not supported",
                )
            })?;
        Ok(match grant {
            GrantType::ClientCredentials => TokenRequest::ClientCredentials {
                scope: params.get("scope"),
                org_id: params.get("org_id"),
            },
            GrantType::AuthorizationCode => TokenRequest::AuthorizationCode {
                code: params.require("code")?,
                redirect_uri: params.get("redirect_uri"),
                code_verifier: params.get("code_verifier"),
            },
            GrantType::RefreshToken => TokenRequest::RefreshToken {
                refresh_token: params.require("refresh_token")?,
                scope: params.get("scope"),
            },
            GrantType::JwtBearer => TokenRequest::JwtBearer {
                assertion: params.get("assertion"),
                scope: params.get("scope"),
            },
        })
    }

    pub fn grant_type(&self) -> GrantType {
        match self {
            TokenRequest::ClientCredentials { .. } => GrantType::ClientCredentials,
            TokenRequest::AuthorizationCode { .. } => GrantType::AuthorizationCode,
            TokenRequest::RefreshToken { .. } => GrantType::RefreshToken,
            TokenRequest::JwtBearer { .. } => GrantType::JwtBearer,
        }
    }
}

/// Where a token request arrived: its dialect and URL.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint<'a> {
    pub dialect: Dialect,
    /// This endpoint's URL: an RFC 7523 assertion's audience may be it or the issuer.
    pub url: &'a str,
    /// Every token endpoint URL: a `private_key_jwt` assertion may name any of them.
    pub all_urls: &'a [String],
}

/// What a successful token request issued; each dialect formats it.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    pub access_token: String,
    pub expires_in_secs: i64,
    /// The scopes of the access token.
    pub scopes: ScopeSet,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    /// The signed-in user, for the user flows (IMS responses carry `sub`, the legacy
    /// endpoint also the profile).
    pub user: Option<User>,
}

/// Run a token request: authenticate the client, then the grant's flow.
pub async fn issue(
    cx: &Context<'_>,
    basic: Option<&[u8]>,
    params: &Params,
    at: &Endpoint<'_>,
) -> FlowResult<(GrantType, IssuedTokens)> {
    let request = TokenRequest::parse(params)?;
    let (cred, _) = client::authenticate(cx, basic, params, at.all_urls).await?;
    let issued = match request {
        TokenRequest::ClientCredentials { scope, org_id } => {
            client_credentials::grant(cx, &cred, scope, org_id, at.dialect).await?
        }
        TokenRequest::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
        } => {
            let presented = code::Presented {
                code,
                redirect_uri,
                code_verifier,
            };
            code::redeem(cx, &cred, &presented, at.dialect).await?
        }
        TokenRequest::RefreshToken {
            refresh_token,
            scope,
        } => refresh::rotate(cx, &cred, refresh_token, scope, at.dialect).await?,
        TokenRequest::JwtBearer { assertion, scope } => {
            jwt_bearer::grant(cx, &cred, assertion, scope, at).await?
        }
    };
    Ok((request.grant_type(), issued))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params::of(pairs)
    }

    #[test]
    fn each_grant_parses_into_its_own_variant_with_its_parameters() {
        let p = params(&[
            ("grant_type", "authorization_code"),
            ("code", "c"),
            ("code_verifier", "v"),
            ("scope", "ignored"),
        ]);
        assert_eq!(
            TokenRequest::parse(&p).unwrap(),
            TokenRequest::AuthorizationCode {
                code: "c",
                redirect_uri: None,
                code_verifier: Some("v"),
            }
        );
        let p = params(&[("grant_type", "client_credentials"), ("scope", "a,b")]);
        assert_eq!(
            TokenRequest::parse(&p).unwrap().grant_type(),
            GrantType::ClientCredentials
        );
        for (pairs, code) in [
            (vec![("grant_type", "password")], "unsupported_grant_type"),
            (
                vec![("grant_type", "authorization_code")],
                "invalid_request",
            ),
            (vec![("grant_type", "refresh_token")], "invalid_request"),
            (vec![("scope", "openid")], "invalid_request"),
        ] {
            let e = TokenRequest::parse(&params(&pairs)).unwrap_err();
            assert_eq!(e.code_name(), code, "{pairs:?}");
        }
    }
}
