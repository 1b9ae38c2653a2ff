//! The `latchkey` binary: parse the command line and run it.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    latchkey::run(std::env::args_os()).await
}
