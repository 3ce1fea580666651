//! `bonescan prepare` (placeholder until its issue lands).

use super::CliResult;

/// Options of `bonescan prepare`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `bonescan prepare`.
pub fn run(_args: &Args) -> CliResult {
    Err("not implemented yet".into())
}
