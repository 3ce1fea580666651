//! Fold processes on a pool of devices: each `bonescan cv --fold K` a child process on the next
//! free slot, its stderr in a log file; a process that fails is reported with its log (and the
//! failure marker `bonescan status` reads) while the others go on. Used by `bonescan
//! experiments` and by `bonescan cv --devices`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::devices::{next_free, Slot};
use super::units::fold_failed_marker;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One fold of one experiment to run in its own process.
#[derive(Debug, Clone)]
pub(crate) struct FoldJob {
    /// The experiment file.
    pub config: PathBuf,
    /// The experiment's name (logs, progress, seconds).
    pub name: String,
    /// Its run directory.
    pub out: PathBuf,
    /// Fold number, 1-based.
    pub fold: usize,
    /// Profile name passed to the process.
    pub profile: String,
}

/// What every fold process of a pool gets.
pub(crate) struct Launch<'a> {
    /// Prepared data set.
    pub data: &'a Path,
    /// `--epochs`.
    pub epochs: Option<usize>,
    /// `--cpu` for the default slot.
    pub cpu: bool,
    /// `--encoder-weights`.
    pub encoder_weights: Option<&'a Path>,
    /// `--splits`.
    pub splits: Option<&'a Path>,
    /// Directory of the processes' logs, `<name>-fold<k>.log`.
    pub logs: PathBuf,
    /// Prefix of the progress lines (`[experiments]`, `[cv]`).
    pub tag: &'static str,
}

impl Launch<'_> {
    fn log(&self, job: &FoldJob) -> PathBuf {
        self.logs.join(format!("{}-fold{}.log", job.name, job.fold))
    }
}

/// A fold process that failed: which experiment, and a line saying how and where its log is.
pub(crate) struct Failed {
    pub experiment: String,
    pub message: String,
}

/// What the fold processes did: seconds run, summed per experiment name, and the failures.
#[derive(Default)]
pub(crate) struct Outcome {
    pub seconds: HashMap<String, f64>,
    pub failed: Vec<Failed>,
}

/// A fold process under way.
struct Running<'a> {
    child: std::process::Child,
    job: &'a FoldJob,
    started: Instant,
    slot: usize,
}

/// Runs `jobs` in order, one process per slot at a time, each on the next free slot. Prints a
/// line per process started and finished (with the count done and the minutes so far).
pub(crate) fn run_pool(
    launch: &Launch,
    jobs: &[FoldJob],
    slots: &[Slot],
) -> Result<Outcome, BoxError> {
    let mut outcome = Outcome::default();
    std::fs::create_dir_all(&launch.logs)
        .map_err(|e| format!("cannot create {}: {e}", launch.logs.display()))?;
    let mut pending = jobs.iter();
    let mut running: Vec<Running> = Vec::new();
    let (total, started) = (jobs.len(), Instant::now());
    let mut finished = 0usize;
    loop {
        while let Some(slot) = next_free(slots.len(), &busy(&running)) {
            let Some(job) = pending.next() else { break };
            let child = spawn(launch, job, slots[slot])?;
            let started = Instant::now();
            running.push(Running {
                child,
                job,
                started,
                slot,
            });
        }
        if running.is_empty() {
            return Ok(outcome);
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
        let mut still = Vec::new();
        for mut r in running.drain(..) {
            let Some(status) = r.child.try_wait()? else {
                still.push(r);
                continue;
            };
            finished += 1;
            let progress = format!(
                "[{finished}/{total} fold processes, {:.0} min]",
                started.elapsed().as_secs_f64() / 60.0
            );
            let label = format!("{} fold {}", r.job.name, r.job.fold);
            if status.success() {
                eprintln!("{} done {label} {progress}", launch.tag);
                *outcome.seconds.entry(r.job.name.clone()).or_default() +=
                    r.started.elapsed().as_secs_f64();
            } else {
                outcome
                    .failed
                    .push(report_failure(launch, r.job, &label, status, &progress));
            }
        }
        running = still;
    }
}

fn busy(running: &[Running]) -> Vec<usize> {
    running.iter().map(|r| r.slot).collect()
}

/// Prints a failed process with the end of its log, and leaves the fold's failure marker.
fn report_failure(
    launch: &Launch,
    job: &FoldJob,
    label: &str,
    status: std::process::ExitStatus,
    progress: &str,
) -> Failed {
    let log = launch.log(job);
    eprintln!(
        "{} FAILED {label} ({status}) {progress}; log: {}",
        launch.tag,
        log.display()
    );
    eprint!("{}", last_lines(&log, 5));
    // `bonescan status` reads the failure from here, as for a Slurm unit
    let marker = fold_failed_marker(&job.out, job.fold);
    if let Some(parent) = marker.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let _ = std::fs::write(&marker, format!("log: {}\n", log.display()));
    Failed {
        experiment: job.name.clone(),
        message: format!("{label} failed ({status}); log: {}", log.display()),
    }
}

/// Starts `bonescan cv` on `job` on `slot`, stdout discarded, stderr to its log; clears the
/// fold's failure marker of an earlier run.
fn spawn(launch: &Launch, job: &FoldJob, slot: Slot) -> Result<std::process::Child, BoxError> {
    let mut cmd = std::process::Command::new(std::env::current_exe()?);
    cmd.arg("cv").arg("--config").arg(&job.config);
    cmd.arg("--data").arg(launch.data);
    cmd.arg("--out").arg(&job.out);
    cmd.args(["--fold", &job.fold.to_string(), "--profile", &job.profile]);
    cmd.args(["--quiet", "--threads", "1"]);
    if let Some(e) = launch.epochs {
        cmd.arg("--epochs").arg(e.to_string());
    }
    match slot {
        Slot::Cpu => {
            cmd.arg("--cpu");
        }
        Slot::Cuda(k) => {
            cmd.env("CUDA_VISIBLE_DEVICES", k.to_string());
        }
        Slot::Default if launch.cpu => {
            cmd.arg("--cpu");
        }
        Slot::Default => {}
    }
    if let Some(w) = launch.encoder_weights {
        cmd.arg("--encoder-weights").arg(w);
    }
    if let Some(s) = launch.splits {
        cmd.arg("--splits").arg(s);
    }
    let _ = std::fs::remove_file(fold_failed_marker(&job.out, job.fold));
    let log = launch.log(job);
    let file =
        std::fs::File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    cmd.stdout(std::process::Stdio::null()).stderr(file);
    let on = match slot {
        Slot::Default => String::new(),
        s => format!(" on {s}"),
    };
    eprintln!("{} start {} fold {}{on}", launch.tag, job.name, job.fold);
    Ok(cmd.spawn()?)
}

/// The last `n` lines of a log, each indented, for a failure's report.
fn last_lines(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| format!("    {l}\n"))
        .collect()
}
