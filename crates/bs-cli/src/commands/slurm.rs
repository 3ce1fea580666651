//! `bonescan slurm`: writes (and with `--submit`, submits) the sbatch scripts of one
//! experiment's run: an array job of its fold units (the same `bonescan cv --fold K` as on a
//! workstation, so a run can start on one and finish on the other) and, after them
//! (`--dependency=afterok`), `bonescan aggregate`. Units already done are left out, so running
//! the command again after a cancelled or failed job submits only what is missing.
//!
//! ```text
//! RUN/slurm/
//!   units.sbatch       array job, one task per missing fold (--array=K,...)
//!   aggregate.sbatch   bonescan aggregate RUN
//!   submit.sh          sbatch --parsable units.sbatch, then aggregate.sbatch afterok on it
//!   plan.json          experiment, profile, folds: what `bonescan status` reads
//!   logs/              fold_K.log, aggregate.log (written by the jobs)
//!   state/             fold_K.failed, aggregate.failed: exit status of a unit that failed
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;

use bs_train::{ExperimentConfig, ProfileName};

use super::units::{unit_state, Graph, Unit, UnitState};
use super::CliResult;

/// Options of `bonescan slurm`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Experiment file (TOML, see `experiments/`).
    #[arg(long)]
    pub config: PathBuf,
    /// Prepared data set, as the cluster's nodes see it.
    #[arg(long)]
    pub data: PathBuf,
    /// Run directory (shared by the nodes); the scripts go to RUN/slurm.
    #[arg(long)]
    pub out: PathBuf,
    /// Profile, as for `bonescan cv` (default: the experiment's, else by this machine's device).
    #[arg(long)]
    pub profile: Option<String>,
    /// Epochs per fold (overrides the profile and the experiment file).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Slurm partition.
    #[arg(long)]
    pub partition: Option<String>,
    /// GPUs per job (`--gpus`); without, the units run on the CPU (`bonescan cv --cpu`).
    #[arg(long)]
    pub gpus_per_job: Option<u32>,
    /// Time limit per job, `[D-]HH:MM:SS`.
    #[arg(long)]
    pub time: Option<String>,
    /// Slurm account.
    #[arg(long)]
    pub account: Option<String>,
    /// CPUs per task; also the unit's libtorch threads (`bonescan cv --threads`).
    #[arg(long)]
    pub cpus_per_task: Option<u32>,
    /// Submit the scripts with `sbatch` (else only write them).
    #[arg(long)]
    pub submit: bool,
}

/// What went wrong, naming the file or option.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SlurmError {
    /// An option's value Slurm would reject.
    #[error("--{option} {value:?}: {why}")]
    Option {
        option: &'static str,
        value: String,
        why: &'static str,
    },
    /// A file could not be written.
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// sbatch could not be run or refused a script.
    #[error("sbatch {script}: {message}")]
    Sbatch { script: PathBuf, message: String },
}

/// Single-quotes `s` for the shell.
pub(crate) fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn quote_path(p: &Path) -> String {
    quote(&p.to_string_lossy())
}

/// `[D-]HH:MM:SS` (also `MM:SS`, `MM`), as Slurm reads `--time`.
fn check_time(t: &str) -> Result<(), SlurmError> {
    let (days, clock) = t.split_once('-').unwrap_or(("0", t));
    let parts: Vec<&str> = clock.split(':').collect();
    let digits = |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
    if digits(days) && parts.len() <= 3 && parts.iter().all(|p| digits(p)) {
        Ok(())
    } else {
        Err(SlurmError::Option {
            option: "time",
            value: t.to_string(),
            why: "expected [D-]HH:MM:SS",
        })
    }
}

/// A partition or account name: letters, digits, `_ - . ,`.
fn check_name(option: &'static str, v: &str) -> Result<(), SlurmError> {
    let ok = !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.,".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(SlurmError::Option {
            option,
            value: v.to_string(),
            why: "expected letters, digits, _ - . ,",
        })
    }
}

/// The `#SBATCH` lines every job of the run shares.
fn header(args: &Args, name: &str, log: &str) -> Result<String, SlurmError> {
    let logs = std::path::absolute(args.out.join("slurm").join("logs")).map_err(|source| {
        SlurmError::Write {
            path: args.out.clone(),
            source,
        }
    })?;
    let mut h = format!(
        "#!/usr/bin/env bash\n#SBATCH --job-name={name}\n#SBATCH --output={}\n",
        logs.join(log).display()
    );
    if let Some(p) = &args.partition {
        check_name("partition", p)?;
        h.push_str(&format!("#SBATCH --partition={p}\n"));
    }
    if let Some(a) = &args.account {
        check_name("account", a)?;
        h.push_str(&format!("#SBATCH --account={a}\n"));
    }
    if let Some(t) = &args.time {
        check_time(t)?;
        h.push_str(&format!("#SBATCH --time={t}\n"));
    }
    if let Some(c) = args.cpus_per_task.filter(|&c| c > 0) {
        h.push_str(&format!("#SBATCH --cpus-per-task={c}\n"));
    }
    Ok(h)
}

/// The body of a unit's job: clears its failure marker, runs `command`, leaves the marker
/// with the exit status when it fails.
fn guarded(marker: &str, command: &str) -> String {
    format!(
        "set -u\nmarker={marker}\nmkdir -p \"$(dirname \"$marker\")\"\nrm -f \"$marker\"\n\
         {command}\nrc=$?\nif [ \"$rc\" -ne 0 ]; then echo \"$rc\" > \"$marker\"; fi\nexit \"$rc\"\n"
    )
}

/// The two job scripts: the array of `folds` (1-based) and the aggregate.
fn scripts(
    args: &Args,
    config: &ExperimentConfig,
    profile: ProfileName,
    folds: &[usize],
) -> Result<(String, String), Box<dyn std::error::Error + Send + Sync>> {
    let exe = quote_path(&std::env::current_exe()?);
    let abs = |p: &Path| std::path::absolute(p).map(|p| quote_path(&p));
    let (cfg, data, run) = (abs(&args.config)?, abs(&args.data)?, abs(&args.out)?);
    let name = format!("bonescan-{}", config.name);
    let mut units = header(args, &name, "fold_%a.log")?;
    if let Some(g) = args.gpus_per_job.filter(|&g| g > 0) {
        units.push_str(&format!("#SBATCH --gpus={g}\n"));
    }
    let array: Vec<String> = folds.iter().map(usize::to_string).collect();
    units.push_str(&format!("#SBATCH --array={}\n", array.join(",")));
    let mut cv = format!(
        "{exe} cv --config {cfg} --data {data} --out {run} --fold \"$SLURM_ARRAY_TASK_ID\" \
         --profile {profile} --quiet"
    );
    if let Some(e) = args.epochs {
        cv.push_str(&format!(" --epochs {e}"));
    }
    if args.gpus_per_job.unwrap_or(0) == 0 {
        cv.push_str(" --cpu");
    }
    // libtorch would otherwise start a thread per core of the node, not of the allocation
    if let Some(c) = args.cpus_per_task.filter(|&c| c > 0) {
        cv.push_str(&format!(" --threads {c}"));
    }
    let state = args.out.join("slurm").join("state");
    let fold_marker = format!(
        "{}/fold_\"$SLURM_ARRAY_TASK_ID\".failed",
        quote_path(&std::path::absolute(&state)?)
    );
    units.push_str(&guarded(&fold_marker, &cv));
    let mut aggregate = header(args, &format!("{name}-aggregate"), "aggregate.log")?;
    let agg_marker = quote_path(&std::path::absolute(state.join("aggregate.failed"))?);
    aggregate.push_str(&guarded(&agg_marker, &format!("{exe} aggregate {run}")));
    Ok((units, aggregate))
}

fn write(path: &Path, text: &str) -> Result<(), SlurmError> {
    let err = |source| SlurmError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    std::fs::write(path, text).map_err(err)
}

/// Runs `sbatch --parsable [extra] script`; returns the job id.
fn sbatch(script: &Path, extra: &[String]) -> Result<String, SlurmError> {
    let err = |message: String| SlurmError::Sbatch {
        script: script.to_path_buf(),
        message,
    };
    let out = Command::new("sbatch")
        .arg("--parsable")
        .args(extra)
        .arg(script)
        .output()
        .map_err(|e| err(format!("cannot run sbatch: {e}")))?;
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stderr).trim().to_string();
        return Err(err(format!("{} ({msg})", out.status)));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    // --parsable prints `id` or `id;cluster`
    let id = text.trim().split(';').next().unwrap_or("").to_string();
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(format!("no job id in its output {text:?}")));
    }
    Ok(id)
}

/// The folds of the run not yet done (those the graph has ready: folds wait for nothing),
/// and whether the aggregate is done.
fn missing(out: &Path, config: &ExperimentConfig, profile: ProfileName) -> (Vec<usize>, bool) {
    let graph = Graph::new(&[(config, profile)]);
    let done: Vec<bool> = graph
        .units
        .iter()
        .map(|&u| unit_state(out, config, u) == UnitState::Done)
        .collect();
    let folds = graph
        .ready(&done, &vec![false; done.len()])
        .into_iter()
        .filter_map(|i| match graph.units[i] {
            Unit::Fold { fold, .. } => Some(fold),
            Unit::Aggregate { .. } => None,
        })
        .collect();
    (folds, done.last().copied().unwrap_or(false))
}

/// Submits the array job (when it has folds), then the aggregate `afterok` on it.
fn submit_jobs(units: &Path, aggregate: &Path, has_folds: bool) -> Result<(), SlurmError> {
    let mut after = Vec::new();
    if has_folds {
        let id = sbatch(units, &[])?;
        eprintln!("[slurm] submitted fold units as job {id}");
        after.push(format!("--dependency=afterok:{id}"));
    }
    let id = sbatch(aggregate, &after)?;
    eprintln!("[slurm] submitted the aggregate as job {id}");
    Ok(())
}

/// Runs `bonescan slurm`.
pub fn run(args: &Args) -> CliResult {
    let config = ExperimentConfig::from_path(&args.config)?;
    config.check_data_dir(&args.data)?;
    let profile = super::cv::profile(args.profile.as_deref(), &config)?;
    let (folds, aggregated) = missing(&args.out, &config, profile);
    // built first: a bad option fails before anything is written
    let (units, aggregate) = scripts(args, &config, profile, &folds)?;
    let dir = args.out.join("slurm");
    let plan = serde_json::json!({
        "experiment": config.name,
        "config": std::path::absolute(&args.config)?,
        "profile": profile.as_str(),
        "folds": Graph::new(&[(&config, profile)]).folds(0),
    });
    write(
        &dir.join("plan.json"),
        &serde_json::to_string_pretty(&plan)?,
    )?;
    // Slurm opens each job's log before the job starts: the folder must exist
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).map_err(|source| SlurmError::Write { path: logs, source })?;
    write(&args.out.join("experiment.toml"), &config.to_toml_string()?)?;
    if folds.is_empty() && aggregated {
        eprintln!("[slurm] {}: every unit is done", args.out.display());
        return Ok(());
    }
    let (units_path, agg_path) = (dir.join("units.sbatch"), dir.join("aggregate.sbatch"));
    if !folds.is_empty() {
        write(&units_path, &units)?;
    }
    write(&agg_path, &aggregate)?;
    let submit = if folds.is_empty() {
        "set -eu\ncd \"$(dirname \"$0\")\"\nsbatch --parsable aggregate.sbatch\n".to_string()
    } else {
        "set -eu\ncd \"$(dirname \"$0\")\"\njid=$(sbatch --parsable units.sbatch)\n\
         sbatch --parsable --dependency=afterok:\"${jid%%;*}\" aggregate.sbatch\n"
            .to_string()
    };
    write(
        &dir.join("submit.sh"),
        &format!("#!/usr/bin/env bash\n{submit}"),
    )?;
    eprintln!(
        "[slurm] wrote {} ({} fold unit(s) to run: {:?})",
        dir.display(),
        folds.len(),
        folds
    );
    if args.submit {
        submit_jobs(&units_path, &agg_path, !folds.is_empty())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_and_names_are_checked() {
        for ok in ["01:00:00", "2-00:00:00", "90", "30:00"] {
            assert!(check_time(ok).is_ok(), "{ok}");
        }
        for bad in ["1h", "", "01:00:00:00", "1-", "a-01:00"] {
            let e = check_time(bad).unwrap_err().to_string();
            assert!(e.contains("--time") && e.contains(bad), "{e}");
        }
        assert!(check_name("partition", "gpu-a100").is_ok());
        assert!(check_name("account", "x; rm -rf /").is_err());
    }

    #[test]
    fn a_failing_unit_leaves_its_exit_status_and_a_rerun_clears_it() {
        let dir = std::env::temp_dir().join(format!("bs-slurm-guard-{}", std::process::id()));
        let marker = dir.join("state").join("fold_2.failed");
        let m = quote_path(&marker);
        let bash = |cmd: &str| {
            let status = Command::new("bash")
                .arg("-c")
                .arg(guarded(&m, cmd))
                .status();
            status.unwrap().code()
        };
        assert_eq!(bash("sh -c 'exit 3'"), Some(3));
        assert_eq!(std::fs::read_to_string(&marker).unwrap(), "3\n");
        assert_eq!(bash("true"), Some(0));
        assert!(!marker.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn quoting_survives_single_quotes() {
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
    }
}
