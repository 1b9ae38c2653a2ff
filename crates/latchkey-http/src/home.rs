//! The front door at `/`: what this server is, and links to signing in, Connected
//! Applications, the discovery document and the signing keys.

use crate::authorize::unavailable;
use crate::pages::render;
use crate::session;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

pub async fn home_get(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let Ok(signed_in) = session::current(&st, &headers).await else {
        return unavailable();
    };
    render(
        StatusCode::OK,
        "home.html",
        minijinja::context! {
            issuer => st.tokens().issuer.as_str(),
            user_email => signed_in.map(|(_, u)| u.email),
        },
    )
}
