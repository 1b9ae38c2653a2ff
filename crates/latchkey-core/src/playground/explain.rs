//! Every error the Playground can meet, explained: the raw `error` and
//! `error_description` as the server sent them, plus what it means and how to fix it in
//! words, with a link to where the fix is made when there is one (the credential's page
//! in the Developer Console).

use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize, PartialEq, Eq, Debug)]
pub struct Explanation {
    pub error: String,
    pub description: String,
    pub meaning: String,
    pub fix: String,
    /// Where the fix is made, e.g. `/console/credentials/{client_id}`.
    pub link: Option<String>,
}

/// The Developer Console page of a credential, where its redirect URIs, secrets and
/// project APIs are changed.
pub fn credential_page(client_id: &str) -> String {
    format!("/console/credentials/{client_id}")
}

/// Explain `error` / `description`, as answered for `client_id`.
pub fn explain(error: &str, description: &str, client_id: &str) -> Explanation {
    let page = (!client_id.is_empty()).then(|| credential_page(client_id));
    let d = description.to_ascii_lowercase();
    let (meaning, fix, link): (&str, String, Option<String>) = match error {
        "redirect_uri_not_registered" => (
            "The Playground sends your browser back to its own callback, and the server only \
             redirects to URIs registered on the credential.",
            "Open the credential in the Developer Console and add the Playground's redirect \
             URI shown above to its redirect URIs, then start again."
                .into(),
            page,
        ),
        "invalid_client" if d.contains("unknown") || d.contains("not found") => (
            "No credential has this client id, or it was deleted.",
            "Copy the client id again from the credential's page in the Developer Console.".into(),
            None,
        ),
        "invalid_client" if d.contains("disabled") => (
            "The credential is disabled: it can get no tokens.",
            "Enable it on its page in the Developer Console.".into(),
            page,
        ),
        "invalid_client" => (
            "The server could not authenticate the client: the client secret is wrong, was \
             rotated away, or was not sent.",
            "Copy the secret again, or rotate it on the credential's page and use the new one \
             (a secret is shown only once when it is created)."
                .into(),
            page,
        ),
        "invalid_scope" => (
            "A requested scope is not one this credential may have: each API added to the \
             project brings its scopes, and user-flow credentials also get openid, AdobeID, \
             profile, email, address, phone and offline_access.",
            format!(
                "Add the API that brings the scope to the credential's project in the \
                 Developer Console, or remove the scope from the request.{}",
                if description.is_empty() {
                    String::new()
                } else {
                    format!(" The server said: {description}")
                }
            ),
            page,
        ),
        "unauthorized_client" => (
            "This kind of credential may not use this grant (for example, a server-to-server \
             credential cannot sign a user in, and a web app cannot use client_credentials).",
            "Use a credential of the right kind: OAuth Web, Single-Page or Native for signing \
             users in; Server-to-Server for \"Generate access token\"."
                .into(),
            page,
        ),
        "invalid_grant" if d.contains("verifier") || d.contains("pkce") => (
            "The PKCE code verifier does not match the challenge sent with the authorization \
             request.",
            "Start the flow again from the Authorization tab.".into(),
            None,
        ),
        "invalid_grant" if d.contains("refresh") => (
            "The refresh token is expired, revoked, or was already used (each refresh token \
             works once; reusing one revokes the whole grant).",
            "Run the authorization flow again to get new tokens.".into(),
            None,
        ),
        "invalid_grant" => (
            "The authorization code or assertion is expired, already used, or was issued for \
             another client or redirect URI.",
            "Start the flow again: codes are single-use and short-lived.".into(),
            None,
        ),
        "access_denied" => (
            "The user (or the org's rules) refused: consent was not given, or the account may \
             not use this application.",
            "Sign in again and choose Allow on the consent screen.".into(),
            None,
        ),
        "invalid_token" => (
            "The token is not valid here: it expired, was revoked, or was not issued by this \
             server.",
            "Refresh it, or run the flow again for a new one.".into(),
            None,
        ),
        "insufficient_scope" => (
            "The token is valid but lacks a scope this endpoint needs (userinfo needs openid).",
            "Request the missing scope, adding its API to the project if needed.".into(),
            page,
        ),
        "unsupported_grant_type" => (
            "The server does not know this grant type.",
            "This is a Playground bug if you see it: report it.".into(),
            None,
        ),
        "temporarily_unavailable" | "slow_down" => (
            "The server is busy or its database is unreachable, or too many failed attempts \
             came from your address.",
            "Wait a moment and try again.".into(),
            None,
        ),
        "invalid_request" => (
            "The request is missing a parameter or has a bad one.",
            format!("Check the fields: {description}"),
            None,
        ),
        _ => (
            "The server refused the request.",
            "Read the description the server gave, above.".into(),
            None,
        ),
    };
    Explanation {
        error: error.to_owned(),
        description: description.to_owned(),
        meaning: meaning.to_owned(),
        fix,
        link,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_common_error_points_where_it_is_fixed() {
        let e = explain("invalid_client", "client authentication failed", "abc");
        assert!(e.fix.contains("rotate"), "{e:?}");
        assert_eq!(e.link.as_deref(), Some("/console/credentials/abc"));
        let e = explain("invalid_scope", "scope 'x' is not allowed", "abc");
        assert!(
            e.fix.contains("Add the API") && e.fix.contains("'x'"),
            "{e:?}"
        );
        let e = explain("redirect_uri_not_registered", "", "abc");
        assert!(e.fix.contains("redirect URI"), "{e:?}");
        let e = explain("invalid_grant", "refresh token was already used", "abc");
        assert!(e.meaning.contains("refresh token"), "{e:?}");
        let e = explain("something_new", "d", "");
        assert_eq!((e.error.as_str(), e.link), ("something_new", None));
    }
}
