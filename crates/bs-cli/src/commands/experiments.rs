//! `bonescan experiments`: the main job — every experiment of the paper, then one report
//! comparing them with the paper's numbers. A fold process or experiment that fails is
//! reported (a fold process's stderr is in `OUT/logs/`), the others go on, the comparison holds
//! what finished, and the command exits non-zero naming each failure; a rerun resumes.

use std::path::PathBuf;
use std::time::Instant;

use bs_train::experiment::{run_experiment, RunOptions};
use bs_train::{Cohort, ExperimentConfig};

use super::devices::Slot;
use super::pool::{run_pool, Failed, FoldJob, Launch, Outcome};
use super::CliResult;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Options of `bonescan experiments`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Prepared data set.
    #[arg(long)]
    pub data: PathBuf,
    /// Output directory: one run directory per experiment and `comparison.md`.
    #[arg(long)]
    pub out: PathBuf,
    /// Directory of experiment files (every `*.toml`, in name order).
    #[arg(long, default_value = "experiments")]
    pub configs: PathBuf,
    /// Only the experiments with these names (repeatable).
    #[arg(long)]
    pub only: Vec<String>,
    /// `paper`, `gpu`, `cpu`, `quick`, `tiny` or `auto` (gpu with CUDA, cpu without).
    #[arg(long)]
    pub profile: Option<String>,
    /// Epochs per fold (overrides profile and files).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Run only these folds (1-based; the comparison then waits for the rest).
    #[arg(long = "fold")]
    pub folds: Vec<usize>,
    /// ImageNet weights of encoder 1 for every experiment (`bonescan weights vgg19`);
    /// overrides the experiments' `encoder_weights`. Needs a width-1 profile (`paper`, `gpu`).
    #[arg(long, value_name = "FILE")]
    pub encoder_weights: Option<PathBuf>,
    /// Force the CPU.
    #[arg(long)]
    pub cpu: bool,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
    /// Folds trained at the same time, each in its own `bonescan cv` process (default: 2 on a
    /// CPU, where one libtorch thread per small network is fastest; 1 with CUDA).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Devices of the fold processes, one process per entry at a time, each on the next free
    /// one: `cpu` (list it twice for two), `cuda:0,cuda:1`, `cuda:all`. Replaces `--jobs`.
    #[arg(long, value_name = "LIST")]
    pub devices: Option<String>,
}

/// Prints the trainings ahead and their expected duration: each (experiment, fold) process
/// costs epochs × the profile's epoch seconds + trainings × its per-training seconds (both
/// measured on the machine the profile is for), and the processes are dealt to `jobs` workers
/// longest first, each taking the next when it is free — as [`run_pool`] does.
fn announce(args: &Args, configs: &[ExperimentConfig], jobs: usize) -> CliResult {
    let (mut epochs, mut folds) = (0usize, 0usize);
    let mut workers = vec![0.0f64; jobs.max(1)];
    let mut processes = Vec::new();
    let mut unknown = false;
    for config in configs {
        let profile = super::cv::profile(args.profile.as_deref(), config)?;
        let mut opts = RunOptions::new(args.out.join(&config.name), profile);
        opts.epochs = args.epochs;
        let n = if args.folds.is_empty() {
            profile.profile().fold_indices(config.training.folds).len()
        } else {
            args.folds.len()
        };
        // every fold of an experiment is one process of the same expected length
        let (e, s) = bs_train::experiment::expected_work(config, &opts, 1);
        folds += n;
        epochs += n * e;
        match s {
            Some(s) => processes.extend(std::iter::repeat_n(s, n)),
            None => unknown = true,
        }
    }
    for i in longest_first(&processes) {
        if let Some(free) = workers.iter_mut().min_by(|a, b| a.total_cmp(b)) {
            *free += processes[i];
        }
    }
    let expected = if unknown {
        "unknown (no measured epoch time for this profile)".to_string()
    } else {
        format!(
            "about {:.0} min ({jobs} at a time; folds finished before are skipped)",
            workers.iter().fold(0.0f64, |a, &b| a.max(b)) / 60.0
        )
    };
    eprintln!(
        "[experiments] {} experiments, {folds} folds, {epochs} training epochs in all; expected: {expected}",
        configs.len()
    );
    Ok(())
}

/// Runs `bonescan experiments`.
pub fn run(args: &Args) -> CliResult {
    let (files, selected) = load_configs(args)?;
    let configs: Vec<ExperimentConfig> = selected.iter().flatten().cloned().collect();
    let cohort = Cohort::load_prepared(&args.data)?;
    let started = Instant::now();
    let slots = slots(args)?;
    let jobs = slots.len();
    announce(args, &configs, jobs)?;
    let mut outcome = if jobs > 1 || args.devices.is_some() {
        run_fold_processes(args, &files, &selected, &slots)?
    } else {
        Outcome::default()
    };
    let mut done = Vec::new();
    for config in &configs {
        if let Some(secs) = run_here(args, config, &cohort, &slots, &mut outcome)? {
            done.push((config.name.clone(), secs));
        }
    }
    let preface = preface(args, &cohort, started.elapsed().as_secs_f64(), &done, jobs);
    let run_dirs: Vec<PathBuf> = done.iter().map(|(name, _)| args.out.join(name)).collect();
    let path = bs_train::results::write_comparison(&run_dirs, &args.out, &preface)?;
    let comparison = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    println!("{comparison}");
    eprintln!("[experiments] wrote {}", path.display());
    if !outcome.failed.is_empty() {
        let list: Vec<String> = outcome.failed.iter().map(|f| f.message.clone()).collect();
        return Err(format!(
            "{} failure(s); the rest is done and reported, rerun to resume:\n  {}",
            list.len(),
            list.join("\n  ")
        )
        .into());
    }
    Ok(())
}

/// Every experiment file of `--configs` (name order), and for each its configuration when
/// `--only` selects it; everything is validated before any work.
fn load_configs(args: &Args) -> Result<(Vec<PathBuf>, Vec<Option<ExperimentConfig>>), BoxError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(&args.configs)
        .map_err(|e| format!("cannot list {}: {e}", args.configs.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut selected = Vec::new();
    for f in &files {
        let c = ExperimentConfig::from_path(f)?;
        if args.only.is_empty() || args.only.contains(&c.name) {
            c.check_data_dir(&args.data)?;
            selected.push(Some(c));
        } else {
            selected.push(None);
        }
    }
    if selected.iter().all(Option::is_none) {
        return Err(format!("no experiment selected from {}", args.configs.display()).into());
    }
    Ok((files, selected))
}

/// Where the fold processes run: `--devices`, else `--jobs` default slots (2 on a CPU, 1 with
/// CUDA).
fn slots(args: &Args) -> Result<Vec<Slot>, BoxError> {
    Ok(match &args.devices {
        Some(list) => super::devices::parse(list, tch::Cuda::device_count().max(0) as usize)?,
        None => {
            let jobs = args
                .jobs
                .unwrap_or(if args.cpu || !tch::Cuda::is_available() {
                    2
                } else {
                    1
                });
            vec![Slot::Default; jobs]
        }
    })
}

/// Trains every unfinished (experiment, fold) in its own `bonescan cv --fold K` process on
/// `slots`, the longest first; what failed is in the outcome.
fn run_fold_processes(
    args: &Args,
    files: &[PathBuf],
    selected: &[Option<ExperimentConfig>],
    slots: &[Slot],
) -> Result<Outcome, BoxError> {
    let mut tasks = Vec::new();
    let mut expected = Vec::new();
    for (file, config) in files.iter().zip(selected) {
        let Some(config) = config else { continue };
        let profile = super::cv::profile(args.profile.as_deref(), config)?;
        let folds: Vec<usize> = if args.folds.is_empty() {
            let indices = profile.profile().fold_indices(config.training.folds);
            indices.into_iter().map(|k| k + 1).collect()
        } else {
            args.folds.clone()
        };
        for k in folds {
            let out = args.out.join(&config.name);
            if bs_train::experiment::fold_done(config, &out, k.saturating_sub(1)) {
                continue; // finished before: no process needed
            }
            tasks.push(FoldJob {
                config: file.clone(),
                name: config.name.clone(),
                out,
                fold: k,
                profile: profile.as_str().to_string(),
            });
            let opts = RunOptions {
                epochs: args.epochs,
                ..RunOptions::new(args.out.join(&config.name), profile)
            };
            expected.push(bs_train::experiment::expected_work(config, &opts, 1).0 as f64);
        }
    }
    // the longest processes first: with the short ones last, the workers finish together
    let order = longest_first(&expected);
    let mut tasks: Vec<Option<FoldJob>> = tasks.into_iter().map(Some).collect();
    let tasks: Vec<FoldJob> = order.iter().filter_map(|&i| tasks[i].take()).collect();
    let launch = Launch {
        data: &args.data,
        epochs: args.epochs,
        cpu: args.cpu,
        encoder_weights: args.encoder_weights.as_deref(),
        splits: None,
        logs: args.out.join("logs"),
        tag: "[experiments]",
    };
    run_pool(&launch, &tasks, slots)
}

/// Runs what is left of `config` in this process (all of it with one job; with fold processes,
/// nothing but the aggregate) and aggregates it: its seconds, or `None` when
/// it failed here or in a fold process (recorded in `outcome`, the others go on).
fn run_here(
    args: &Args,
    config: &ExperimentConfig,
    cohort: &Cohort,
    slots: &[Slot],
    outcome: &mut Outcome,
) -> Result<Option<f64>, BoxError> {
    let profile = super::cv::profile(args.profile.as_deref(), config)?;
    let out = args.out.join(&config.name);
    let mut opts = RunOptions::new(&out, profile);
    if args.cpu || (!slots.is_empty() && slots.iter().all(|&s| s == Slot::Cpu)) {
        opts.device = tch::Device::Cpu;
    }
    if !args.folds.is_empty() {
        opts.folds = Some(args.folds.iter().map(|k| k.saturating_sub(1)).collect());
    }
    opts.progress = !args.quiet;
    opts.epochs = args.epochs;
    opts.encoder_weights = args.encoder_weights.clone();
    if outcome.failed.iter().any(|f| f.experiment == config.name) {
        eprintln!(
            "[experiments] {}: not reported (a fold process failed)",
            config.name
        );
        return Ok(None);
    }
    let t0 = Instant::now();
    eprintln!(
        "[experiments] {} ({}) profile {profile}",
        config.name, config.table
    );
    super::cv::set_threads(None, profile, opts.device);
    // one process (`--jobs 1`): a failing experiment is reported and the others go on
    let ran = run_experiment(config, cohort, &opts)
        .map_err(Into::into)
        .and_then(|_| aggregate_if_complete(config, profile, &out));
    if let Err(e) = ran {
        let message = format!("{} failed: {}", config.name, bs_dicom::error::chain(&*e));
        eprintln!("[experiments] FAILED {message}");
        outcome.failed.push(Failed {
            experiment: config.name.clone(),
            message,
        });
        return Ok(None);
    }
    // With parallel fold processes the time of an experiment is that of its processes
    // (they overlap with other experiments' folds), plus this pass.
    let secs = t0.elapsed().as_secs_f64() + outcome.seconds.get(&config.name).unwrap_or(&0.0);
    eprintln!("[experiments] {} done in {secs:.0} s", config.name);
    Ok(Some(secs))
}

/// The comparison's first lines: the data, the device, the wall time and each experiment's.
fn preface(
    args: &Args,
    cohort: &Cohort,
    total: f64,
    done: &[(String, f64)],
    jobs: usize,
) -> String {
    let groups: Vec<String> = cohort
        .group_counts()
        .iter()
        .map(|(g, n)| format!("{g} {n}"))
        .collect();
    let device = bs_train::experiment::device_name(if args.cpu {
        tch::Device::Cpu
    } else {
        tch::Device::cuda_if_available()
    });
    let times: Vec<String> = done
        .iter()
        .map(|(name, s)| format!("{name} {s:.0} s"))
        .collect();
    let parallel = if jobs > 1 {
        format!(
            "; per experiment: seconds of its fold processes, {jobs} run at a time; folds \
             finished by an earlier run count 0"
        )
    } else {
        String::new()
    };
    format!(
        "Data: `{}` ({} patients: {}). Device: {device}. Wall time of the experiments: {:.1} min ({}{parallel}).\n\
         Each experiment's `report.md` says its profile, input size, epochs and device.\n",
        args.data.display(),
        cohort.images().len(),
        groups.join(", "),
        total / 60.0,
        times.join(", "),
    )
}
/// Aggregates an experiment's folds when all of them are done.
fn aggregate_if_complete(
    config: &ExperimentConfig,
    profile: bs_train::ProfileName,
    out: &std::path::Path,
) -> CliResult {
    if bs_train::experiment::is_complete(config, profile, out) {
        bs_train::results::aggregate(out)?;
    }
    Ok(())
}

/// Indices of `work` from the longest to the shortest (ties in their given order): dealt to
/// workers that each take the next when free, the longest-first order keeps one worker from
/// ending with a long process while the others idle.
fn longest_first(work: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..work.len()).collect();
    order.sort_by(|&a, &b| work[b].total_cmp(&work[a]));
    order
}

#[cfg(test)]
mod tests {
    use super::longest_first;

    /// Makespan of dealing `work` in `order` to `jobs` workers, each taking the next when free.
    fn makespan(work: &[f64], order: &[usize], jobs: usize) -> f64 {
        let mut workers = vec![0.0f64; jobs];
        for &i in order {
            let free = workers.iter_mut().min_by(|a, b| a.total_cmp(b)).unwrap();
            *free += work[i];
        }
        workers.into_iter().fold(0.0, f64::max)
    }

    #[test]
    fn longest_first_balances_the_main_job() {
        // epochs of the `cpu` profile's processes, Tables 2-7 in file order
        let work = [8.0, 16.0, 16.0, 24.0, 24.0, 24.0];
        let in_order: Vec<usize> = (0..work.len()).collect();
        assert_eq!(makespan(&work, &in_order, 2), 64.0);
        let order = longest_first(&work);
        assert_eq!(order, vec![3, 4, 5, 1, 2, 0]);
        assert_eq!(makespan(&work, &order, 2), 56.0);
    }
}
