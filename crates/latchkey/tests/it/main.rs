//! Integration tests: one test binary (docs/style.md habit 10). `support` spawns the real
//! `latchkey` binary; in-process servers come from `latchkey-testkit`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod browser;
mod support;

mod bad_input;
mod cli_flow;
mod conformance;
mod docs_refs;
mod interop;
mod lifecycle;
mod scale_out;
mod security_review;
mod service_accounts;
mod user_flow;
mod user_flow_more;
mod user_flow_neg;
