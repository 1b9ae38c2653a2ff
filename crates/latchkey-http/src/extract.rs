//! Reading OAuth parameters the way IMS clients send them (docs/ims-contract.md §2 "Transport"):
//! query string, `application/x-www-form-urlencoded` and `multipart/form-data`, merged and
//! checked for duplicates. Oversized bodies are refused from `Content-Length` before any
//! byte is buffered, and while streaming otherwise (FUZZ-12); unknown content types,
//! charsets other than UTF-8 and JSON bodies are refused (FUZZ-18).

use crate::error::{ApiError, Transport};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{HeaderMap, header};
use latchkey_core::OAuthError;
use latchkey_core::params::{Params, parse_urlencoded};

/// The parameters and client-authentication header of an OAuth request.
pub struct OAuthRequest {
    pub params: Params,
    /// Raw `Authorization` header, if any.
    pub authorization: Option<Vec<u8>>,
    /// Names of the parameters that came in the query string, percent-decoded.
    query_names: Vec<String>,
}

impl OAuthRequest {
    /// Whether parameter `name` came in the URL's query string. Names are compared after
    /// percent-decoding, so `access%5Ftoken` is `access_token` (docs/security-review.md finding 7).
    pub fn in_query(&self, name: &str) -> bool {
        self.query_names.iter().any(|n| n == name)
    }

    /// The bearer token of an `Authorization: Bearer` header (RFC 6750 §2.1).
    pub fn bearer(&self) -> Option<&str> {
        let raw = std::str::from_utf8(self.authorization.as_deref()?).ok()?;
        let (scheme, token) = raw.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim())
            .filter(|t| !t.is_empty())
    }

    /// The `Authorization` header if it is Basic (client authentication), else `None`.
    pub fn basic(&self) -> Option<&[u8]> {
        let raw = self.authorization.as_deref()?;
        let is_bearer = raw.len() >= 7 && raw[..7].eq_ignore_ascii_case(b"bearer ");
        (!is_bearer).then_some(raw)
    }
}

fn too_large() -> ApiError {
    Transport::PayloadTooLarge.into()
}

fn bad(d: &str) -> ApiError {
    OAuthError::invalid_request(d).into()
}

enum BodyKind {
    Form,
    Multipart,
}

fn body_kind(headers: &HeaderMap) -> Result<Option<BodyKind>, ApiError> {
    let Some(ct) = headers.get(header::CONTENT_TYPE) else {
        return Ok(None);
    };
    let ct = ct.to_str().map_err(|_| bad("invalid Content-Type"))?;
    let mut parts = ct.split(';').map(str::trim);
    let mime = parts.next().unwrap_or("").to_ascii_lowercase();
    let mut boundary = None;
    for p in parts {
        if let Some((k, v)) = p.split_once('=') {
            let v = v.trim().trim_matches('"');
            match k.trim().to_ascii_lowercase().as_str() {
                "charset" if !v.eq_ignore_ascii_case("utf-8") => {
                    return Err(bad("only the UTF-8 charset is supported"));
                }
                "boundary" => boundary = Some(v.to_owned()),
                _ => {}
            }
        }
    }
    match mime.as_str() {
        "application/x-www-form-urlencoded" => Ok(Some(BodyKind::Form)),
        "multipart/form-data" => boundary
            .map(|_| Some(BodyKind::Multipart))
            .ok_or_else(|| bad("multipart/form-data without a boundary")),
        _ => Err(bad(
            "unsupported Content-Type; send application/x-www-form-urlencoded or multipart/form-data",
        )),
    }
}

/// Most multipart fields read, and longest value, before refusing.
const MAX_FIELD_BYTES: usize = 16 * 1024;

async fn multipart_pairs(
    bytes: axum::body::Bytes,
    content_type: &str,
) -> Result<Vec<(String, String)>, ApiError> {
    let req = Request::builder()
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(bytes))
        .map_err(|_| bad("invalid multipart body"))?;
    let mut mp = Multipart::from_request(req, &())
        .await
        .map_err(|_| bad("invalid multipart body"))?;
    let mut out = Vec::new();
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|_| bad("invalid multipart body"))?
    {
        if out.len() >= latchkey_core::params::MAX_PARAMS {
            return Err(bad("too many parameters"));
        }
        if field.file_name().is_some() {
            return Err(bad("file uploads are not accepted here"));
        }
        let name = field
            .name()
            .map(str::to_owned)
            .ok_or_else(|| bad("multipart field without a name"))?;
        let value = field
            .bytes()
            .await
            .map_err(|_| bad("invalid multipart body"))?;
        if value.len() > MAX_FIELD_BYTES {
            return Err(too_large());
        }
        let value =
            String::from_utf8(value.to_vec()).map_err(|_| bad("parameters must be UTF-8"))?;
        out.push((name, value));
    }
    Ok(out)
}

impl FromRequest<AppState> for OAuthRequest {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let limit = state.settings.max_body_bytes;
        let (parts, body) = req.into_parts();
        let declared = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let mut pairs = parse_urlencoded(parts.uri.query().unwrap_or("").as_bytes())?;
        let query_names = pairs.iter().map(|(k, _)| k.clone()).collect();
        let kind = body_kind(&parts.headers)?;
        let bytes = axum::body::to_bytes(body, limit)
            .await
            .map_err(|_| too_large())?;
        if !bytes.is_empty() {
            match kind {
                None => return Err(bad("a request body needs a Content-Type")),
                Some(BodyKind::Form) => pairs.extend(parse_urlencoded(&bytes)?),
                Some(BodyKind::Multipart) => {
                    let ct = parts
                        .headers
                        .get(header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default();
                    pairs.extend(multipart_pairs(bytes, ct).await?);
                }
            }
        }
        Ok(OAuthRequest {
            params: Params::from_pairs(pairs)?,
            authorization: parts
                .headers
                .get(header::AUTHORIZATION)
                .map(|v| v.as_bytes().to_vec()),
            query_names,
        })
    }
}
