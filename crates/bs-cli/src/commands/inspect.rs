//! `bonescan inspect` (placeholder until its issue lands).

use super::CliResult;

/// Options of `bonescan inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `bonescan inspect`.
pub fn run(_args: &Args) -> CliResult {
    Err("not implemented yet".into())
}
