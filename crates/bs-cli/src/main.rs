//! `bonescan`: the command-line tool of the bonescan workspace.
//!
//! Each subcommand lives in its own module under `commands/`; `main` only parses and dispatches.

use clap::{Parser, Subcommand};

mod commands;

/// Bone-metastasis segmentation of whole-body bone scans (Double U-Net, BG/NM/M).
#[derive(Debug, Parser)]
#[command(name = "bonescan", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Report libtorch, CUDA/cuDNN and CPU facts of this machine.
    Doctor(commands::doctor::Args),
    /// Describe bone-scan DICOM files: views, geometry, transfer syntax, counts.
    Inspect(commands::inspect::Args),
    /// Generate the synthetic whole-body bone-scan cohort (DICOM + Labelme).
    Synth(commands::synth::Args),
    /// Start a cohort of your own scans: a commented cohort.csv listing them, an experiment TOML.
    Init(commands::init::Args),
    /// Preprocess scans (and labels) to the 640×512 training data set.
    Prepare(commands::prepare::Args),
    /// Rasterise Labelme JSON annotations to 8-bit class masks, as labelme exports them.
    LabelmeToMask(commands::labelme_to_mask::Args),
    /// Cross-validate one experiment (all folds, or `--fold K`).
    Cv(commands::cv::Args),
    /// Merge the fold results of a run directory into tables, figures and a report.
    Aggregate(commands::aggregate::Args),
    /// The main job: every experiment of the paper and one comparison report.
    Experiments(commands::experiments::Args),
    /// Write (and with --submit, submit) sbatch scripts of an experiment's fold units.
    Slurm(commands::slurm::Args),
    /// Which units of a run directory are done, running, failed or pending.
    Status(commands::status::Args),
    /// Apply a trained model to new scans: overlay, masks, report.json, DICOM SEG.
    Predict(commands::predict::Args),
    /// Convert ImageNet weights (torchvision or Keras VGG19) for `--encoder-weights`.
    Weights(commands::weights::Args),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Doctor(args) => commands::doctor::run(&args),
        Command::Inspect(args) => commands::inspect::run(&args),
        Command::Synth(args) => commands::synth::run(&args),
        Command::Init(args) => commands::init::run(&args),
        Command::Prepare(args) => commands::prepare::run(&args),
        Command::LabelmeToMask(args) => commands::labelme_to_mask::run(&args),
        Command::Cv(args) => commands::cv::run(&args),
        Command::Aggregate(args) => commands::aggregate::run(&args),
        Command::Experiments(args) => commands::experiments::run(&args),
        Command::Slurm(args) => commands::slurm::run(&args),
        Command::Status(args) => commands::status::run(&args),
        Command::Predict(args) => commands::predict::run(&args),
        Command::Weights(args) => commands::weights::run(&args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("bonescan: error: {err}");
            let mut source = std::error::Error::source(&*err);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            std::process::ExitCode::FAILURE
        }
    }
}
