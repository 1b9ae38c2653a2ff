//! Integration tests: one test binary (docs/style.md habit 10), grouped by feature. In-process
//! servers and the helpers most tests share (OAuth error assertions, the cookie `Browser`,
//! the sign-in flow) come from `latchkey-testkit`; `helpers` holds the service-account JWT
//! helpers; `support` drives the real `latchkey` binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod helpers;
mod support;

/// Product roles and the role matrix, in the core and over the console API.
mod admin;
/// The Admin Console at `/admin` (SEC-40, SEC-34, the last-admin rule) and its CLI.
mod admin_console;
/// The audit log: each event once, with actor, org and address; per-org reading.
mod audit_log;
/// The authorization endpoint and consent.
mod authorize;
/// Bad input at the token endpoint.
mod bad_input;
/// Two nodes' caches under load: changes at one enforced at the other within a second.
mod cache_coherence;
/// The real binary and its CLI.
mod cli;
/// The OpenID conformance suite's modules, replayed.
mod conformance;
/// The Adobe console API read paths.
mod console_api;
/// Who may call each console API endpoint: the authorization matrix.
mod console_authz;
/// The Developer Console pages at `/console`.
mod console_pages;
/// The console API's writes, its session callers and its OpenAPI document.
mod console_writes;
/// Every document reference in the code resolves.
mod docs_refs;
/// The front door at `/`, and checking API keys.
mod front_door;
/// Hostile assertions at the service-account endpoints.
mod hostile_assertions;
/// The hot paths' caches: no database read once warm, own changes seen at once.
mod hot_paths;
/// Third-party client libraries against the real binary.
mod interop;
/// I/O Events against a loopback receiver: signed, retried, crash-safe, once per node pair.
mod io_events;
/// The OAuth 2.0 Playground and the token debugger.
mod playground;
/// Revocation, introspection, validation, and disabling accounts and clients.
mod revocation;
/// Key rotation across restarts and two nodes on one PostgreSQL database.
mod scale_out;
/// One test per finding of docs/security-review.md.
mod security_review;
/// Service accounts: the IMS JWT exchange, RFC 7523, `private_key_jwt`, certificates.
mod service_accounts;
/// Login, logout, CSRF, brute force at sign-in, connected applications.
mod sessions;
/// The token endpoint for people's tokens: code, refresh, client authentication.
mod token_endpoint;
/// What an access token opens: userinfo, the IMS profile and organizations.
mod userinfo;
