//! `bonescan cv`: cross-validates one experiment (all folds, or one with `--fold K`).

use std::path::PathBuf;

use bs_train::experiment::{is_complete, run_experiment, RunOptions};
use bs_train::{Cohort, ExperimentConfig, ProfileName};

use super::pool::{run_pool, FoldJob, Launch};
use super::CliResult;

/// Options of `bonescan cv`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Experiment file (TOML, see `experiments/`).
    #[arg(long)]
    pub config: PathBuf,
    /// Prepared data set (`bonescan prepare --out DIR`).
    #[arg(long)]
    pub data: PathBuf,
    /// Run directory (created; an interrupted run resumes there).
    #[arg(long)]
    pub out: PathBuf,
    /// Run only fold K (1-based); repeat for several. Merge with `bonescan aggregate`.
    #[arg(long = "fold")]
    pub folds: Vec<usize>,
    /// `paper` (640×512, 500 epochs, every fold), `gpu` or `cpu` (full-resolution patches, a
    /// short schedule, the first fold), `quick` (pooled ÷8, a smoke run) or `tiny` (tests);
    /// default: `gpu` with CUDA, `cpu` without, unless the experiment file names one.
    #[arg(long)]
    pub profile: Option<String>,
    /// Epochs per fold (overrides the profile and the experiment file).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Splits file to use or create (default: RUN_DIR/splits.json).
    #[arg(long)]
    pub splits: Option<PathBuf>,
    /// ImageNet weights of encoder 1 (`bonescan weights vgg19 --out FILE`); overrides the
    /// experiment's `encoder_weights`. Needs a width-1 profile (`paper`, `gpu`).
    #[arg(long, value_name = "FILE")]
    pub encoder_weights: Option<PathBuf>,
    /// Force the CPU even when CUDA is available.
    #[arg(long)]
    pub cpu: bool,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
    /// libtorch CPU threads (default: 1 for the cpu/quick/tiny profiles on a CPU — small networks
    /// run faster on one thread, and parallel folds use the other cores —, else libtorch's).
    #[arg(long)]
    pub threads: Option<i32>,
    /// Devices of the folds: each fold in its own `bonescan cv --fold K` process on the next
    /// free entry (`cpu,cpu`: two on the CPU; `cuda:0,cuda:1`; `cuda:all`), logs in
    /// RUN_DIR/logs/, then the aggregate here. A fold that fails is reported, the others go on.
    #[arg(long, value_name = "LIST")]
    pub devices: Option<String>,
    /// Stop every training after N epochs in this process, as if killed (tests of resuming).
    #[arg(long, hide = true)]
    pub stop_after_epochs: Option<usize>,
}

/// Resolves `--profile` (or the experiment's, or by device).
pub fn profile(arg: Option<&str>, config: &ExperimentConfig) -> Result<ProfileName, String> {
    match arg {
        None | Some("auto") => Ok(config.profile.unwrap_or_else(ProfileName::auto)),
        Some(p) => ProfileName::parse(p)
            .ok_or_else(|| format!("unknown profile {p:?} (paper, gpu, cpu, quick, tiny, auto)")),
    }
}

/// Sets libtorch's CPU threads: `threads`, or 1 for the reduced profiles without CUDA.
pub fn set_threads(threads: Option<i32>, profile: ProfileName, device: tch::Device) {
    match threads {
        Some(n) if n > 0 => tch::set_num_threads(n),
        _ if !device.is_cuda() && !matches!(profile, ProfileName::Paper | ProfileName::Gpu) => {
            tch::set_num_threads(1)
        }
        _ => {}
    }
}

/// Runs `bonescan cv`.
pub fn run(args: &Args) -> CliResult {
    let config = ExperimentConfig::from_path(&args.config)?;
    config.check_data_dir(&args.data)?;
    let profile = profile(args.profile.as_deref(), &config)?;
    if let Some(&k) = args
        .folds
        .iter()
        .find(|&&k| k == 0 || k > config.training.folds)
    {
        return Err(format!(
            "--fold {k}: folds are numbered 1..={}",
            config.training.folds
        )
        .into());
    }
    let cohort = Cohort::load_prepared(&args.data)?;
    let mut opts = RunOptions::new(&args.out, profile);
    if !args.folds.is_empty() {
        opts.folds = Some(args.folds.iter().map(|k| k - 1).collect());
    }
    if args.cpu {
        opts.device = tch::Device::Cpu;
    }
    opts.progress = !args.quiet;
    set_threads(args.threads, profile, opts.device);
    opts.epochs = args.epochs;
    opts.splits = args.splits.clone();
    opts.stop_after_epochs = args.stop_after_epochs;
    opts.encoder_weights = args.encoder_weights.clone();
    let folds = opts.folds.as_ref().map_or_else(
        || profile.profile().fold_indices(config.training.folds).len(),
        Vec::len,
    );
    let (epochs, seconds) = bs_train::experiment::expected_work(&config, &opts, folds);
    eprintln!(
        "[cv] {} ({}) profile {profile} on {} — {} patients from {}; {folds} fold(s), {epochs} training epochs, expected {}",
        config.name,
        config.table,
        bs_train::experiment::device_name(opts.device),
        cohort.images().len(),
        args.data.display(),
        seconds.map_or("time unknown (no measured epoch time for this profile)".to_string(), |s| {
            format!("about {:.0} min", s / 60.0)
        })
    );
    if let Some(list) = &args.devices {
        folds_on_devices(args, &config, profile, &opts, list)?;
    }
    let summary = run_experiment(&config, &cohort, &opts)?;
    if summary.interrupted {
        eprintln!("[cv] stopped on request; run the same command again to resume");
        return Ok(());
    }
    if is_complete(&config, profile, &args.out) {
        let results = bs_train::results::aggregate(&args.out)?;
        println!("{}", results.table()?.to_markdown());
        eprintln!("[cv] wrote {}/report.md", args.out.display());
    } else {
        eprintln!(
            "[cv] {} fold(s) done; run the remaining folds, then `bonescan aggregate {}`",
            summary.completed.len(),
            args.out.display()
        );
    }
    Ok(())
}

/// `--devices`: every fold of `opts` not finished yet, each in its own process on the next free
/// device. Fails after all of them ran when any failed, naming each with its log.
fn folds_on_devices(
    args: &Args,
    config: &ExperimentConfig,
    profile: ProfileName,
    opts: &RunOptions,
    list: &str,
) -> CliResult {
    let slots = super::devices::parse(list, tch::Cuda::device_count().max(0) as usize)?;
    let folds = opts
        .folds
        .clone()
        .unwrap_or_else(|| profile.profile().fold_indices(config.training.folds));
    let jobs: Vec<FoldJob> = folds
        .into_iter()
        .filter(|&k| !bs_train::experiment::fold_done(config, &args.out, k))
        .map(|k| FoldJob {
            config: args.config.clone(),
            name: config.name.clone(),
            out: args.out.clone(),
            fold: k + 1,
            profile: profile.as_str().to_string(),
        })
        .collect();
    let launch = Launch {
        data: &args.data,
        epochs: args.epochs,
        cpu: args.cpu,
        encoder_weights: args.encoder_weights.as_deref(),
        splits: args.splits.as_deref(),
        logs: args.out.join("logs"),
        tag: "[cv]",
    };
    let outcome = run_pool(&launch, &jobs, &slots)?;
    if outcome.failed.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = outcome.failed.into_iter().map(|f| f.message).collect();
    Err(format!(
        "{} fold process(es) failed (the others are done; rerun to resume):\n  {}",
        list.len(),
        list.join("\n  ")
    )
    .into())
}
