//! Latchkey's HTTP surface: one axum router serving both dialects (IMS `/ims/...` and the
//! standard `/oauth2/...` paths) over the same core and store. The router is a function of
//! its state (docs/style.md habit 10), tested in-process and by full-server tests.

pub mod account;
pub mod admin_ui;
pub mod api_key;
pub mod auth;
pub mod authorize;
pub mod consent;
pub mod console_api;
pub mod console_orgs;
pub mod console_ui;
pub mod discovery;
pub mod error;
pub mod events;
pub mod exchange;
pub mod extract;
pub mod health;
pub mod home;
pub mod login;
pub mod logout;
pub mod metrics;
pub mod pages;
pub mod playground;
pub mod revoke;
pub mod session;
pub mod state;
pub mod throttle;
pub mod token;
pub mod userinfo;
pub mod validate;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::routing::{MethodRouter, get};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

pub use state::{AppState, ServerSettings, Timeouts};

/// A route that answers only POST; anything else gets a JSON 405 (FUZZ-18).
fn post_only(r: MethodRouter<AppState>) -> MethodRouter<AppState> {
    r.fallback(error::method_not_allowed)
}

/// Every route, with the layers that depend on the route (CORS, the client-authentication
/// throttle, metrics). `app` wraps it in the rest.
pub fn router(state: AppState) -> Router {
    use token::Endpoint;
    // SEC-07: CORS is allowed on token, JWKS and discovery, and nowhere on authorize.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]);
    let mut public = Router::new()
        .route(
            "/ims/.well-known/openid-configuration",
            get(discovery::ims_get),
        )
        .route(
            "/.well-known/openid-configuration",
            get(discovery::standard_get),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(discovery::standard_get),
        )
        .route("/ims/keys", get(discovery::jwks_get))
        .route("/oauth2/jwks", get(discovery::jwks_get));
    for ep in Endpoint::ALL {
        public = public.route(ep.path(), post_only(token::route(*ep)));
    }
    let public = public
        .route(
            "/ims/validate_token/v1",
            post_only(axum::routing::post(validate::validate_token_post)),
        )
        .route(
            "/oauth2/introspect",
            post_only(axum::routing::post(validate::introspect_post)),
        )
        .route(
            "/ims/revoke",
            post_only(axum::routing::post(revoke::revoke_post)),
        )
        .route(
            "/oauth2/revoke",
            post_only(axum::routing::post(revoke::revoke_post)),
        )
        .route(
            "/ims/invalidate_token/v2",
            post_only(axum::routing::post(revoke::invalidate_post)),
        )
        .route(
            "/ims/exchange/jwt",
            post_only(axum::routing::post(exchange::exchange_jwt_post)),
        )
        .route(
            "/ims/exchange/jwt/",
            post_only(axum::routing::post(exchange::exchange_jwt_post)),
        )
        // SEC-43: every endpoint here that authenticates clients counts 401s per address.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            throttle::client_auth_guard,
        ))
        .layer(cors);
    let browser = Router::new()
        .route("/", get(home::home_get))
        .route("/login", get(login::login_get).post(login::login_post))
        .route(
            "/consent",
            get(consent::consent_get).post(consent::consent_post),
        )
        .route(account::PATH, get(account::connected_get))
        .route(
            "/account/connected-applications/revoke",
            axum::routing::post(account::revoke_post),
        )
        .route("/account/logout", axum::routing::post(account::logout_post))
        .route(
            "/ims/logout/v1",
            get(logout::ims_logout).post(logout::ims_logout),
        )
        .route(
            "/ims/logout/v1/token",
            get(logout::ims_logout_token).post(logout::ims_logout_token),
        )
        .route(
            "/oauth2/logout",
            get(logout::end_session_endpoint).post(logout::end_session_endpoint),
        );
    let browser = browser
        .route(playground::PATH, get(playground::index_get))
        .route(
            "/playground/start",
            axum::routing::post(playground::start_post),
        )
        .route("/playground/callback", get(playground::callback_get))
        .route(
            "/playground/action",
            axum::routing::post(playground::action_post),
        )
        .route(
            "/playground/client-credentials",
            axum::routing::post(playground::client_credentials_post),
        )
        .route("/playground/jwt", axum::routing::post(playground::jwt_post))
        .route(
            "/playground/generate",
            axum::routing::post(playground::generate_post),
        )
        .route(
            "/playground/reset",
            axum::routing::post(playground::reset_post),
        )
        .route("/playground/playground.js", get(playground::script_get))
        .route(
            "/playground/debugger",
            get(playground::debugger::debugger_get).post(playground::debugger::debugger_post),
        );
    let mut browser = browser;
    for (path, dialect) in authorize::PATHS {
        browser = browser.route(path, authorize::route(*dialect));
    }
    let resources = Router::new()
        .route(
            "/ims/userinfo/v2",
            get(userinfo::userinfo).post(userinfo::userinfo),
        )
        .route(
            "/ims/userinfo",
            get(userinfo::userinfo).post(userinfo::userinfo),
        )
        .route(
            "/oauth2/userinfo",
            get(userinfo::userinfo).post(userinfo::userinfo),
        )
        .route(
            "/ims/profile/v1",
            get(userinfo::profile).post(userinfo::profile),
        )
        .route(
            "/ims/organizations/v6",
            get(userinfo::organizations).post(userinfo::organizations),
        )
        .route(api_key::PATH, get(api_key::check_api_key_get));
    Router::new()
        .merge(public)
        .merge(browser)
        .merge(resources)
        // The Developer Console in the browser (HTML pages, session + CSRF).
        .merge(console_ui::routes())
        .merge(admin_ui::routes())
        // The console API (docs/console-contract.md §2): every path from one table, which
        // also makes its OpenAPI document. No CORS (SEC-07).
        .merge(console_api::routes::router())
        .route("/healthz", get(health::healthz_get))
        .route("/readyz", get(health::readyz_get))
        .route("/metrics", get(health::metrics_get))
        .fallback(error::not_found)
        // Metrics label requests by route pattern, which only a layer inside the router
        // sees (`MatchedPath`); the layers that need no route wrap the router in `app`.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .with_state(state)
}

/// The whole application: `router` inside the layers every request passes whatever its
/// route. They wrap the router once rather than through `Router::layer`, which wraps each
/// route: axum clones a route's whole layer stack, one allocation per layer, for every
/// request it serves (docs/performance.md, "What changed in session 9").
pub fn app(
    state: AppState,
) -> impl tower::Service<
    axum::extract::Request,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future: Send + 'static,
> + Clone
+ Send
+ Sync
+ 'static {
    let request_timeout = state.settings.timeouts.request;
    tower::ServiceBuilder::new()
        .map_response(|r: axum::http::Response<_>| r.map(axum::body::Body::new))
        // Defence in depth: a panic becomes a logged 500, never a dropped connection.
        .layer(CatchPanicLayer::custom(error::panic_response))
        // A request that is not answered in time (a body sent byte by byte, say) is cut
        // off with 408 rather than holding its task (docs/security-review.md finding 11).
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ))
        .service(router(state))
}

/// Serve the application on `listener` until `shutdown` completes, then drain in-flight
/// requests (REL-10) for up to `DRAIN`. Each connection is HTTP/1.1 with the header read
/// timeout of `ServerSettings::timeouts` (hyper enforces it only with a timer, which
/// `axum::serve` does not set, hence this loop), and the peer address is handed to
/// handlers as `ConnectInfo` (SEC-43).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;
    let header_read = state.settings.timeouts.header_read;
    let app = app(state);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<_>| {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            app.clone().oneshot(req.map(axum::body::Body::new))
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_read)
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("shutdown: connections still open after {DRAIN:?}; closing them");
    }
    Ok(())
}

/// Longest wait for in-flight requests at shutdown.
const DRAIN: std::time::Duration = std::time::Duration::from_secs(30);
