//! `bonescan synth` (placeholder until its issue lands).

use super::CliResult;

/// Options of `bonescan synth`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `bonescan synth`.
pub fn run(_args: &Args) -> CliResult {
    Err("not implemented yet".into())
}
