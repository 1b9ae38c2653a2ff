//! Integration tests: one test binary (style habit 10). `support` spawns the real
//! `latchkey` binary; in-process servers come from `latchkey-testkit`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod bad_input;
mod cli_flow;
mod interop;
