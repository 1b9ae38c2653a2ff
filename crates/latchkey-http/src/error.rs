//! The single error → HTTP map (docs/style.md habit 3): RFC 6749 §5.2 JSON bodies with the right
//! status, `Cache-Control: no-store`, and `WWW-Authenticate` where RFC 6749/6750 ask for it.
//! Internal causes are logged, never shown (docs/style.md habit 4).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::store::StoreError;
use latchkey_core::{ErrorCode, OAuthError};
use serde_json::json;

#[derive(Debug)]
pub struct ApiError(pub OAuthError);

impl From<OAuthError> for ApiError {
    fn from(e: OAuthError) -> Self {
        ApiError(e)
    }
}

impl From<latchkey_core::flows::FlowError> for ApiError {
    fn from(e: latchkey_core::flows::FlowError) -> Self {
        match e {
            latchkey_core::flows::FlowError::Refused { error, detail } => {
                if let Some(d) = detail {
                    tracing::warn!("{d}");
                }
                ApiError(error)
            }
            latchkey_core::flows::FlowError::Store(e) => e.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "storage failure");
        ApiError(OAuthError::new(
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
        let e = self.0;
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
        let mut resp = (
            status,
            Json(json!({"error": e.code_name(), "error_description": e.description})),
        )
            .into_response();
        no_store(&mut resp);
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
}

pub async fn method_not_allowed() -> ApiError {
    ApiError(OAuthError::new(
        ErrorCode::MethodNotAllowed,
        "this endpoint accepts POST only",
    ))
}

pub async fn not_found() -> ApiError {
    ApiError(OAuthError::new(ErrorCode::NotFound, "no such endpoint"))
}

pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("request handler panicked");
    ApiError(OAuthError::server_error()).into_response()
}
