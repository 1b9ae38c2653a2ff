//! The authorization endpoint as one flow (RFC 6749 §3.1, OIDC Core §3.1.2): validate the
//! request against the client (`authorize::validate`, the ID token hint), then decide the
//! next step for this browser (`authorize::next_step`): log in, give consent, or get a
//! code, which is stored bound to everything the token request must repeat (REL-01:
//! committed before the redirect). The HTTP layer turns an `Outcome` into a page or a 303.

use super::Context;
use crate::admin::allowed_scopes;
use crate::artifact::{self, ArtifactKind, ArtifactRequest};
use crate::authorize::{self, AuthorizeError, AuthorizeRequest, Next, SignedIn};
use crate::ids::{ClientId, GrantId};
use crate::model::{AuthCode, Session, User};
use crate::params::Params;
use crate::rand::lower_hex;
use crate::scope::ScopeSet;
use crate::store::StoreError;
use crate::token::Dialect;
use crate::{ErrorCode, OAuthError};

/// What the browser is shown next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// An error page: the client or its redirect URI cannot be trusted with a redirect.
    Page(String),
    /// A 303 to this URL: back to the client, with a code or an error (and `state`, `iss`).
    Redirect(String),
    /// The login page for this sealed request.
    Login { ar: String },
    /// The consent page for this sealed request.
    Consent { ar: String },
}

/// Start an authorization request from its parameters, for the browser's session.
pub async fn start(
    cx: &Context<'_>,
    params: &Params,
    dialect: Dialect,
    signed_in: Option<&(Session, User)>,
) -> Result<Outcome, StoreError> {
    let cred = match params.get("client_id").filter(|c| c.len() <= 128) {
        Some(id) => cx.store.get_credential(&ClientId(id.to_owned())).await?,
        None => None,
    };
    let allowed = match &cred {
        Some(c) => allowed_scopes(cx.store, c).await?,
        None => Vec::new(),
    };
    let validated =
        authorize::validate(params, cred.as_ref(), &allowed, dialect, cx.now).and_then(|req| {
            authorize::with_subject_hint(
                req,
                params.get("id_token_hint"),
                cx.keyring,
                &cx.settings.issuer,
                cx.now,
            )
        });
    match validated {
        Err(AuthorizeError::Page(msg)) => Ok(Outcome::Page(msg)),
        Err(AuthorizeError::Redirect {
            redirect_uri,
            error,
            state,
        }) => Ok(Outcome::Redirect(authorize::error_redirect_url(
            &redirect_uri,
            &error,
            state.as_deref(),
            &cx.settings.issuer,
        ))),
        Ok(req) => proceed(cx, &req, signed_in, false).await,
    }
}

/// Continue a validated request given the browser's session. `consent_given`: the user
/// just accepted the consent form in this flow.
pub async fn proceed(
    cx: &Context<'_>,
    req: &AuthorizeRequest,
    signed_in: Option<&(Session, User)>,
    consent_given: bool,
) -> Result<Outcome, StoreError> {
    let grant = match signed_in {
        Some((_, user)) => cx.store.active_grant(&user.id, &req.client_id).await?,
        None => None,
    };
    let consented = grant
        .as_ref()
        .map(|g| ScopeSet::from_list(g.scopes.iter().cloned()));
    let who = signed_in.map(|(s, u)| SignedIn {
        auth_time: s.auth_time,
        user_id: u.id.as_str().to_owned(),
    });
    let next = authorize::next_step(req, who.as_ref(), consented.as_ref(), consent_given, cx.now);
    let refused = |e: &OAuthError| {
        Outcome::Redirect(authorize::error_redirect_url(
            &req.redirect_uri,
            e,
            req.state.as_deref(),
            &cx.settings.issuer,
        ))
    };
    let sealed = |to_consent: bool| match authorize::seal(
        req,
        cx.keyring,
        cx.settings.access_token_alg,
        cx.now,
    ) {
        Ok(ar) if to_consent => Outcome::Consent { ar },
        Ok(ar) => Outcome::Login { ar },
        Err(e) => refused(&e),
    };
    Ok(match (next, signed_in) {
        (Err(e), _) => refused(&e),
        (Ok(Next::Login), _) | (_, None) => sealed(false),
        (Ok(Next::Consent), Some(_)) => sealed(true),
        (Ok(Next::IssueCode), Some((session, user))) => {
            match issue_code(cx, req, session, user, consent_given).await? {
                Ok(code) => {
                    let mut pairs = vec![("code", code.as_str())];
                    if let Some(s) = &req.state {
                        pairs.push(("state", s.as_str()));
                    }
                    Outcome::Redirect(authorize::redirect_url(
                        &req.redirect_uri,
                        &pairs,
                        &cx.settings.issuer,
                    ))
                }
                Err(e) => refused(&e),
            }
        }
    })
}

/// The redirect of a user who denied consent (NEG-09): `access_denied`, `state`, `iss`.
pub fn denied(cx: &Context<'_>, req: &AuthorizeRequest) -> Outcome {
    let e = OAuthError::new(ErrorCode::AccessDenied, "the user denied access");
    Outcome::Redirect(authorize::error_redirect_url(
        &req.redirect_uri,
        &e,
        req.state.as_deref(),
        &cx.settings.issuer,
    ))
}

/// Record consent (if just given) and store a single-use code bound to everything the
/// token request must repeat.
async fn issue_code(
    cx: &Context<'_>,
    req: &AuthorizeRequest,
    session: &Session,
    user: &User,
    consent_given: bool,
) -> Result<Result<String, OAuthError>, StoreError> {
    let grant = if consent_given {
        let org = cx
            .store
            .get_credential(&req.client_id)
            .await?
            .map(|c| c.org_id);
        let event = cx.audit(
            org.as_ref(),
            user.id.as_str(),
            crate::model::AuditAction::ConsentGiven,
            format!("client {}", req.client_id),
            serde_json::json!({"scopes": req.scopes}),
        );
        cx.store
            .audited(vec![event])
            .upsert_grant(
                &GrantId(lower_hex(cx.rng, 16)),
                &user.id,
                &req.client_id,
                &req.scopes,
                cx.now,
            )
            .await?
    } else {
        match cx.store.active_grant(&user.id, &req.client_id).await? {
            Some(g) => g,
            None => {
                return Ok(Err(OAuthError::new(
                    ErrorCode::AccessDenied,
                    "consent is required",
                )));
            }
        }
    };
    let minted = match artifact::mint(
        cx.keyring,
        cx.settings.access_token_alg,
        cx.rng,
        cx.now,
        &ArtifactRequest {
            kind: ArtifactKind::AuthorizationCode,
            client_id: req.client_id.as_str(),
            user_id: user.id.as_str(),
            scope: &req.dialect().join_scopes(&req.scope_set()),
            ims_as: &cx.settings.ims_as,
            ttl_secs: cx.settings.lifetimes.code_secs,
        },
    ) {
        Ok(m) => m,
        Err(e) => return Ok(Err(e)),
    };
    cx.store
        .insert_code(&AuthCode {
            hash: minted.hash,
            grant_id: grant.id,
            client_id: req.client_id.clone(),
            user_id: user.id.clone(),
            redirect_uri: req.redirect_uri_given.then(|| req.redirect_uri.clone()),
            scopes: req.scopes.clone(),
            nonce: req.nonce.clone(),
            code_challenge: req.code_challenge.clone(),
            auth_time: session.auth_time,
            created_at: cx.now,
            expires_at: minted.expires_at,
        })
        .await?;
    Ok(Ok(minted.token))
}
