//! The OpenAPI 3.0 document of the console API, made from `routes::ROUTES` (served at
//! `GET /console/api/openapi.json`, public). Bodies are described in words, in Adobe's
//! notation (docs/console-contract.md §2); errors share the §5 schema.

use super::caller::{self, ConsoleError};
use super::routes::{Auth, ROUTES, Route};
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use serde_json::{Map, Value, json};

fn parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}})
        })
        .collect()
}

/// OpenAPI 3.0 lets only OAuth 2 schemes list scopes in `security`, so the scopes a
/// bearer token needs are said in the operation's description.
fn security(auth: Auth) -> (Value, Option<String>) {
    let console = json!([{"bearer": [], "apiKey": []}, {"session": [], "csrf": []}]);
    match auth {
        Auth::Console => (
            console,
            Some("A bearer token needs the adobeio_api scope.".into()),
        ),
        Auth::ConsoleScope(s) => (
            console,
            Some(format!(
                "A bearer token needs the adobeio_api and {s} scopes."
            )),
        ),
        Auth::Bearer => (
            json!([{"bearer": []}]),
            Some("A person's bearer token with the adobeio_api scope; no session.".into()),
        ),
        Auth::Public => (json!([]), None),
    }
}

fn operation_id(r: &Route) -> String {
    let mut id = r.method.as_str().to_ascii_lowercase();
    for seg in r.path.split('/').filter(|s| !s.is_empty()) {
        id.push('_');
        id.extend(
            seg.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }),
        );
    }
    id
}

/// The OpenAPI 3.0 document of `ROUTES`.
pub fn document() -> Value {
    let mut paths = Map::new();
    for r in ROUTES {
        let mut responses = Map::new();
        let ok = if r.status == 204 {
            json!({"description": r.response})
        } else {
            json!({"description": r.response, "content": {"application/json": {"schema": {}}}})
        };
        responses.insert(r.status.to_string(), ok);
        if r.auth != Auth::Public {
            for (code, what) in [
                ("400", "Bad request body"),
                ("401", "No valid token or session"),
                (
                    "403",
                    "No x-api-key, scope or CSRF token, or the role does not allow it",
                ),
                ("404", "Not found, or outside the caller's orgs"),
            ] {
                responses
                    .entry(code)
                    .or_insert(json!({"description": what, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}));
            }
        }
        let (security, needs) = security(r.auth);
        let mut op = json!({
            "summary": r.summary,
            "operationId": operation_id(r),
            "security": security,
            "responses": responses,
        });
        if let Some(needs) = needs {
            op["description"] = json!(needs);
        }
        let params = parameters(r.path);
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        if let Some(req) = r.request {
            let media = if req.starts_with("multipart/form-data") {
                "multipart/form-data"
            } else {
                "application/json"
            };
            op["requestBody"] = json!({
                "required": true,
                "description": req,
                "content": {media: {"schema": {}}},
            });
        }
        let entry = paths
            .entry(r.path)
            .or_insert_with(|| Value::Object(Map::new()));
        entry[r.method.as_str().to_ascii_lowercase()] = op;
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Latchkey console API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Adobe's I/O Management (console) API as Latchkey serves it; see docs/console-contract.md.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "A person's access token carrying adobeio_api"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
                "session": {"type": "apiKey", "in": "cookie", "name": "lk_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": caller::CSRF_HEADER},
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error_code", "message"],
                    "properties": {
                        "error_code": {"type": "string"},
                        "message": {"type": "string"},
                        "messages": {"type": "array", "items": {"type": "object"}},
                    },
                },
            },
        },
    })
}

/// `GET /console/api/openapi.json`
pub async fn openapi_get(State(_st): State<AppState>) -> Result<Response, ConsoleError> {
    Ok(caller::ok(document()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_in_the_document_once_and_nothing_else() {
        let doc = document();
        let paths = doc["paths"].as_object().unwrap();
        let mut documented = 0;
        for (path, ops) in paths {
            for method in ops.as_object().unwrap().keys() {
                documented += 1;
                assert!(
                    ROUTES
                        .iter()
                        .any(|r| r.path == path && r.method.as_str().eq_ignore_ascii_case(method)),
                    "{method} {path} documented but not served"
                );
            }
        }
        assert_eq!(documented, ROUTES.len(), "a route is listed twice");
        let mut ids: Vec<String> = ROUTES.iter().map(operation_id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), ROUTES.len(), "operationIds are unique");
        // OpenAPI 3.0: only OAuth 2 schemes may list scopes in a requirement.
        for ops in paths.values() {
            for op in ops.as_object().unwrap().values() {
                for requirement in op["security"].as_array().unwrap() {
                    for scopes in requirement.as_object().unwrap().values() {
                        assert_eq!(scopes, &json!([]), "{op}");
                    }
                }
            }
        }
        for r in ROUTES {
            assert!(r.path.starts_with("/console/"), "{}", r.path);
            // Not the Developer Console pages' paths (another module's).
            assert!(
                !r.path.starts_with("/console/orgs") && !r.path.starts_with("/console/projects"),
                "{}",
                r.path
            );
        }
    }
}
