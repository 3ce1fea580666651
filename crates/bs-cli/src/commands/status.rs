//! `bonescan status RUN`: which units of a run are done, running, failed or pending, read from
//! the run directory alone (not from a scheduler), so it answers the same for a run on a
//! workstation, under `bonescan experiments`, or on a cluster.

use std::path::{Path, PathBuf};

use bs_train::{ExperimentConfig, ProfileName};

use super::units::{fold_stages, unit_state, Graph, Stage, Unit, UnitState};
use super::CliResult;

/// Options of `bonescan status`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Run directory (of `bonescan cv`, `bonescan experiments` or `bonescan slurm`).
    pub run_dir: PathBuf,
}

/// A run directory `status` cannot read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {why}")]
pub(crate) struct NotARun {
    path: PathBuf,
    why: String,
}

/// The profile of the run: `slurm/plan.json`, else `run.json` (written by the first unit).
fn run_profile(run: &Path) -> Result<ProfileName, NotARun> {
    let (plan, info) = (run.join("slurm").join("plan.json"), run.join("run.json"));
    let (path, pointer) = if plan.is_file() {
        (plan, "/profile")
    } else {
        (info, "/profile/name")
    };
    let fail = |why: String| NotARun {
        path: path.clone(),
        why,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        fail(format!(
            "cannot read ({e}); is this a run directory of bonescan cv or slurm?"
        ))
    })?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| fail(format!("not JSON: {e}")))?;
    let name = value.pointer(pointer).and_then(|v| v.as_str());
    name.and_then(ProfileName::parse)
        .ok_or_else(|| fail(format!("no known profile at {pointer}")))
}

/// The stage a running fold is in: the last of its stages with a checkpoint.
fn current_stage(run: &Path, config: &ExperimentConfig, fold: usize) -> Option<String> {
    let stage = fold_stages(config)
        .into_iter()
        .rev()
        .find(|s| s.dir(run, fold).join("state.json").exists())?;
    Some(match stage {
        Stage::Mining => "negative mining stage 1".to_string(),
        Stage::Pretrain(l) => format!("pre-training {}", l.slug()),
        Stage::Train(l) => format!("training {}", l.slug()),
    })
}

/// Prints the units of one run directory; returns how many are done, running, failed, pending.
fn show(run: &Path) -> Result<[usize; 4], Box<dyn std::error::Error + Send + Sync>> {
    let config = ExperimentConfig::from_path(&run.join("experiment.toml"))?;
    let profile = run_profile(run)?;
    let graph = Graph::new(&[(&config, profile)]);
    let mut counts = [0usize; 4];
    println!("{} ({}), profile {profile}", config.name, config.table);
    for &unit in &graph.units {
        let state = unit_state(run, &config, unit);
        counts[state as usize] += 1;
        let (label, detail) = match unit {
            Unit::Fold { fold, .. } => {
                let log = run
                    .join("slurm")
                    .join("logs")
                    .join(format!("fold_{fold}.log"));
                let detail = match state {
                    UnitState::Running => current_stage(run, &config, fold),
                    UnitState::Failed => Some(format!("log: {}", log.display())),
                    _ => None,
                };
                (format!("fold {fold}"), detail)
            }
            Unit::Aggregate { .. } => ("aggregate".to_string(), None),
        };
        match detail {
            Some(d) => println!("  {label:<10} {:<8} {d}", state.as_str()),
            None => println!("  {label:<10} {}", state.as_str()),
        }
    }
    print_counts(&counts);
    Ok(counts)
}

fn print_counts(c: &[usize; 4]) {
    println!(
        "{} done, {} running, {} failed, {} pending",
        c[0], c[1], c[2], c[3]
    );
}

/// Runs `bonescan status`: one run directory, or the output directory of
/// `bonescan experiments` (every subdirectory with an `experiment.toml`, then the totals).
pub fn run(args: &Args) -> CliResult {
    let dir = &args.run_dir;
    let mut runs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    runs.retain(|p| p.join("experiment.toml").is_file());
    runs.sort();
    if dir.join("experiment.toml").is_file() || runs.is_empty() {
        show(dir)?; // names the missing experiment.toml when this is no run at all
        return Ok(());
    }
    let mut total = [0usize; 4];
    for run in &runs {
        let counts = show(run)?;
        total.iter_mut().zip(counts).for_each(|(t, c)| *t += c);
    }
    print!("all {} experiments: ", runs.len());
    print_counts(&total);
    Ok(())
}
