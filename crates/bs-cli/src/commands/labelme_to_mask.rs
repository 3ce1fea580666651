//! `bonescan labelme-to-mask` (placeholder until its issue lands).

use super::CliResult;

/// Options of `bonescan labelme-to-mask`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `bonescan labelme-to-mask`.
pub fn run(_args: &Args) -> CliResult {
    Err("not implemented yet".into())
}
