//! `latchkey-bench floor ADDR [bare|sign]`: the least any HTTP/1.1 server can do per request on
//! the core it is pinned to, to compare Latchkey's client credentials against
//! (docs/performance.md, "The HTTP floor").
//!
//! A bare hyper server, built as Latchkey's is (tokio, hyper's HTTP/1.1 connection,
//! `TCP_NODELAY`), that reads each request's body and answers 200 with a small JSON body;
//! no routing, middleware, parsing, lookup or logging. With `sign`, each answer also carries
//! a fresh ES256 JWS of claims the size of Latchkey's client-credentials token, signed by
//! the same code (`latchkey_core::jws::sign`): HTTP plus one signature, the ceiling of a
//! client-credentials endpoint on this core whatever the rest of its code does.

use axum::body::Body;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use latchkey_core::keys::KeyAlg;
use serde_json::json;
use std::sync::Arc;

pub async fn run(addr: &str, sign: bool) {
    let key = Arc::new(crate::raw::key(KeyAlg::Es256));
    // The shape and size of an IMS client-credentials access token's claims.
    let claims = Arc::new(json!({
        "id": "1732806000000_7f3c2a9e-6b1d-4c8e-9a2f-3e5d7c1b9a4f_ue1",
        "type": "access_token",
        "client_id": "0123456789abcdef0123456789abcdef",
        "user_id": "0123456789ABCDEF01234567@techacct.adobe.com",
        "as": "ims-na1",
        "aa_id": "0123456789ABCDEF01234567@techacct.adobe.com",
        "org": "0123456789ABCDEF01234567@AdobeOrg",
        "ctp": 0,
        "created_at": "1732806000000",
        "expires_in": "86400000",
        "scope": "openid,AdobeID",
        "iss": "http://127.0.0.1:18300",
        "sub": "0123456789ABCDEF01234567@techacct.adobe.com",
        "aud": "0123456789abcdef0123456789abcdef",
        "iat": 1732806000,
        "exp": 1732892400,
        "jti": "7f3c2a9e-6b1d-4c8e-9a2f-3e5d7c1b9a4f",
    }));
    let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (key, claims) = (key.clone(), claims.clone());
        let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
            let (key, claims) = (key.clone(), claims.clone());
            async move {
                let body = axum::body::to_bytes(Body::new(req.into_body()), 64 * 1024)
                    .await
                    .unwrap_or_default();
                let answer = if sign {
                    let token = latchkey_core::jws::sign(&key, &[], &*claims).expect("sign");
                    format!(
                        r#"{{"access_token":"{token}","token_type":"bearer","expires_in":86399999}}"#
                    )
                } else {
                    format!(r#"{{"ok":true,"read":{}}}"#, body.len())
                };
                Response::builder()
                    .header("content-type", "application/json;charset=UTF-8")
                    .header("cache-control", "no-store")
                    .body(Body::from(answer))
            }
        });
        tokio::spawn(
            hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service),
        );
    }
}
