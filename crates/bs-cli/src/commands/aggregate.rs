//! `bonescan aggregate`: merges the fold results of a run directory.

use std::path::PathBuf;

use super::CliResult;

/// Options of `bonescan aggregate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Run directory of `bonescan cv` (all folds must have finished).
    pub run_dir: PathBuf,
}

/// Runs `bonescan aggregate`.
pub fn run(args: &Args) -> CliResult {
    let results = bs_train::results::aggregate(&args.run_dir)?;
    println!("{}", results.table()?.to_markdown());
    eprintln!(
        "[aggregate] wrote results.json, table.md, table.csv, report.md in {}",
        args.run_dir.display()
    );
    Ok(())
}
