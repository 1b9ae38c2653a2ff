//! The single error → HTTP map (docs/style.md habit 3): RFC 6749 §5.2 JSON bodies with the right
//! status, `Cache-Control: no-store`, and `WWW-Authenticate` where RFC 6749/6750 ask for it.
//! Internal causes are logged, never shown (docs/style.md habit 4).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::store::StoreError;
use latchkey_core::{ErrorCode, OAuthError};
use serde_json::json;

/// What an endpoint answers when it does not succeed: a protocol error, or a failure of
/// the transport that no OAuth error code describes. Both go out in the RFC 6749 §5.2
/// body shape, which is what clients parse.
#[derive(Debug)]
pub enum ApiError {
    OAuth(OAuthError),
    Transport(Transport),
}

/// Failures of the request itself rather than of the protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// 404: no such endpoint or object.
    NotFound(String),
    /// 405: the endpoint exists for other methods.
    MethodNotAllowed(&'static str),
    /// 413: the body is larger than `max_body_bytes` (FUZZ-12).
    PayloadTooLarge,
    /// 429: this address failed too often (SEC-43); try again after the wait.
    TooManyRequests { why: &'static str, wait_secs: i64 },
}

impl From<OAuthError> for ApiError {
    fn from(e: OAuthError) -> Self {
        ApiError::OAuth(e)
    }
}

impl From<Transport> for ApiError {
    fn from(t: Transport) -> Self {
        ApiError::Transport(t)
    }
}

impl From<latchkey_core::flows::FlowError> for ApiError {
    fn from(e: latchkey_core::flows::FlowError) -> Self {
        match e {
            latchkey_core::flows::FlowError::Refused { error, detail } => {
                if let Some(d) = detail {
                    tracing::warn!("{d}");
                }
                ApiError::OAuth(error)
            }
            latchkey_core::flows::FlowError::Store(e) => e.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "storage failure");
        ApiError::OAuth(OAuthError::new(
            ErrorCode::TemporarilyUnavailable,
            "the service is temporarily unavailable",
        ))
    }
}

/// Headers every token-like response carries (RFC 6749 §5.1, SEC-44).
pub fn no_store(resp: &mut Response) {
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::OAuth(e) => oauth_response(&e),
            ApiError::Transport(t) => transport_response(&t),
        }
    }
}

fn body(status: StatusCode, error: &str, description: &str) -> Response {
    let mut resp = (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response();
    no_store(&mut resp);
    resp
}

fn oauth_response(e: &OAuthError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut resp = body(status, e.code_name(), &e.description);
    let challenge = match e.code {
        ErrorCode::InvalidClient => Some("Basic realm=\"latchkey\"".to_owned()),
        ErrorCode::InvalidToken | ErrorCode::InsufficientScope => Some(format!(
            "Bearer realm=\"latchkey\", error=\"{}\", error_description=\"{}\"",
            e.code_name(),
            e.description.replace(['"', '\\'], "")
        )),
        _ => None,
    };
    if let Some(c) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, c);
    }
    if e.code == ErrorCode::TemporarilyUnavailable {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    resp
}

fn transport_response(t: &Transport) -> Response {
    match t {
        Transport::NotFound(what) => body(StatusCode::NOT_FOUND, "not_found", what),
        Transport::MethodNotAllowed(what) => {
            body(StatusCode::METHOD_NOT_ALLOWED, "invalid_request", what)
        }
        Transport::PayloadTooLarge => body(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request",
            "request body is too large",
        ),
        // `temporarily_unavailable` is the registered code that tells a client to try
        // again later (RFC 6749 §5.2 / §4.1.2.1).
        Transport::TooManyRequests { why, wait_secs } => {
            let mut resp = body(
                StatusCode::TOO_MANY_REQUESTS,
                "temporarily_unavailable",
                &format!("{why}; try again in {wait_secs} s"),
            );
            if let Ok(v) = HeaderValue::from_str(&wait_secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            resp
        }
    }
}

pub async fn method_not_allowed() -> ApiError {
    Transport::MethodNotAllowed("this endpoint accepts POST only").into()
}

pub async fn not_found() -> ApiError {
    Transport::NotFound("no such endpoint".into()).into()
}

pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("request handler panicked");
    ApiError::OAuth(OAuthError::server_error()).into_response()
}
