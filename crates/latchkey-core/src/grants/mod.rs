//! One module per grant type (docs/style.md habit 5). Each declares the parameters it reads and
//! makes its decision from values the HTTP layer fetched; none touches HTTP or SQL.

pub mod client_credentials;
pub mod jwt_bearer;

/// `grant_type` values this server understands (RFC 6749 §4, RFC 7523 §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantType {
    ClientCredentials,
    AuthorizationCode,
    RefreshToken,
    JwtBearer,
}

impl GrantType {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "client_credentials" => Some(GrantType::ClientCredentials),
            "authorization_code" => Some(GrantType::AuthorizationCode),
            "refresh_token" => Some(GrantType::RefreshToken),
            "urn:ietf:params:oauth:grant-type:jwt-bearer" => Some(GrantType::JwtBearer),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::ClientCredentials => "client_credentials",
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::JwtBearer => "urn:ietf:params:oauth:grant-type:jwt-bearer",
        }
    }
}
