//! The ready-to-use snippet on each credential page: a curl token request for
//! server-to-server (docs/ims-contract.md §2.2, `/ims/token/v3`), the authorize URL for the
//! user flows (PKCE for the public ones), the JWT claims and exchange for a service
//! account (§2.3, §4: `aud` `{issuer}/c/{client_id}`, metascopes `{issuer}/s/{name}`), and
//! an API-key check. Secrets are never in them: `$CLIENT_SECRET` stands for the one the
//! user saved.

use latchkey_core::admin::console_pages::CredentialView;
use latchkey_core::model::CredentialKind;

/// (heading, text) of the credential's snippet.
pub(super) fn snippet(issuer: &str, v: &CredentialView) -> (&'static str, String) {
    let c = &v.credential;
    let id = c.client_id.as_str();
    let scopes = v.scopes.join(",");
    match c.kind {
        CredentialKind::ServerToServer => (
            "Get an access token (curl)",
            format!(
                "curl -X POST '{issuer}/ims/token/v3' \\\n  -H 'Content-Type: application/x-www-form-urlencoded' \\\n  -d 'grant_type=client_credentials' \\\n  -d 'client_id={id}' \\\n  -d \"client_secret=$CLIENT_SECRET\" \\\n  -d 'scope={scopes}'"
            ),
        ),
        CredentialKind::OAuthWeb | CredentialKind::OAuthSpa | CredentialKind::OAuthNative => {
            let redirect = c.redirect_uris.first().map(String::as_str).unwrap_or("");
            let pkce = if c.kind == CredentialKind::OAuthWeb {
                ""
            } else {
                "&code_challenge=$CODE_CHALLENGE&code_challenge_method=S256"
            };
            (
                "Send people to sign in (authorize URL)",
                format!(
                    "{issuer}/ims/authorize/v2?client_id={id}&response_type=code&redirect_uri={}&scope={}&state=$STATE{pkce}",
                    query(redirect),
                    query(&v.scopes.join(","))
                ),
            )
        }
        CredentialKind::ServiceAccountJwt => {
            let org = c.org_id.as_str();
            let sub = c
                .technical_account
                .as_ref()
                .map(|t| t.0.as_str())
                .unwrap_or("");
            let mut claims = format!(
                "{{\n  \"exp\": <now + 300, in seconds since 1970>,\n  \"iss\": \"{org}\",\n  \"sub\": \"{sub}\",\n  \"aud\": \"{issuer}/c/{id}\""
            );
            for m in &v.metascopes {
                claims.push_str(&format!(",\n  \"{issuer}/s/{m}\": true"));
            }
            claims.push_str("\n}");
            (
                "Sign a JWT (RS256, your private key) and exchange it",
                format!(
                    "# JWT claims:\n{claims}\n\ncurl -X POST '{issuer}/ims/exchange/jwt' \\\n  -d 'client_id={id}' \\\n  -d \"client_secret=$CLIENT_SECRET\" \\\n  -d \"jwt_token=$JWT\""
                ),
            )
        }
        CredentialKind::ApiKey => (
            "Call an API with the key",
            format!("curl -H 'x-api-key: {id}' '{issuer}/ims/check_api_key/v1?client_id={id}'"),
        ),
    }
}

/// Percent-encode a query value.
fn query(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::query;

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            query("https://a.example/cb?x=1"),
            "https%3A%2F%2Fa.example%2Fcb%3Fx%3D1"
        );
    }
}
