//! The units of a run and what each waits for: the one graph `bonescan slurm` submits and
//! `bonescan status` reads back.
//!
//! # Why a unit is (experiment, fold), with its stages inside
//!
//! One fold of an experiment trains, in order, negative mining's stage 1 (Tables 5/6), then per
//! arm its pre-training (Table 7) and its training. Those stages stay inside one
//! `bonescan cv --fold K` process: stage 1's mined masks are predicted in memory and shared by
//! both arms, and `cv` resumes every stage from its own checkpoint (`state.json`), so an
//! interrupted unit — killed, cancelled, out of time — continues exactly where it stopped, the
//! same on a workstation as on a cluster. Splitting the stages into separate jobs would buy
//! little (the arms of a fold need the same stage 1) for a second resume path to keep exact.
//! The graph still records the stages, in the order they run, for `bonescan status`.
//!
//! The dependencies between units are then: every fold before the experiment's aggregate.

use std::path::{Path, PathBuf};

use bs_train::config::{LossKind, NmSource};
use bs_train::experiment::fold_done;
use bs_train::{ExperimentConfig, ProfileName};

/// One schedulable piece of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Unit {
    /// `bonescan cv --fold K` (1-based) of experiment `experiment` (its index in the graph).
    Fold { experiment: usize, fold: usize },
    /// `bonescan aggregate` of experiment `experiment`.
    Aggregate { experiment: usize },
}

/// A stage of one fold, in the order the fold's process runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Negative mining's stage 1 (binary baseline on positives), `stage1/fold_K`.
    Mining,
    /// Transfer learning's pre-training of an arm, `<loss>/pretrain_fold_K`.
    Pretrain(LossKind),
    /// The arm's training and test evaluation, `<loss>/fold_K`.
    Train(LossKind),
}

impl Stage {
    /// The stage's directory in the run directory `run` for fold `fold` (1-based).
    pub(crate) fn dir(self, run: &Path, fold: usize) -> PathBuf {
        match self {
            Stage::Mining => run.join("stage1").join(format!("fold_{fold}")),
            Stage::Pretrain(l) => run.join(l.slug()).join(format!("pretrain_fold_{fold}")),
            Stage::Train(l) => run.join(l.slug()).join(format!("fold_{fold}")),
        }
    }
}

/// The stages of every fold of `config`, in the order they run (see
/// `bs_train::experiment::fold_trainings`, which counts their epochs in the same order).
pub(crate) fn fold_stages(config: &ExperimentConfig) -> Vec<Stage> {
    let mining = (config.nm_source == NmSource::NegativeMining).then_some(Stage::Mining);
    let arms = config.losses.iter().flat_map(|&l| {
        let pre = config.transfer.as_ref().map(|_| Stage::Pretrain(l));
        pre.into_iter().chain([Stage::Train(l)])
    });
    mining.into_iter().chain(arms).collect()
}

/// The units of one or more experiments and their dependencies.
#[derive(Debug, Clone)]
pub(crate) struct Graph {
    /// Every unit, folds of an experiment before its aggregate.
    pub(crate) units: Vec<Unit>,
    /// `deps[i]`: indices of the units that must finish before unit `i` starts.
    pub(crate) deps: Vec<Vec<usize>>,
}

impl Graph {
    /// The graph of `experiments` (each with the profile it runs at): one unit per fold the
    /// profile runs, and one aggregate per experiment after all of its folds.
    pub(crate) fn new(experiments: &[(&ExperimentConfig, ProfileName)]) -> Graph {
        let mut g = Graph {
            units: Vec::new(),
            deps: Vec::new(),
        };
        for (experiment, (config, profile)) in experiments.iter().enumerate() {
            let first = g.units.len();
            for k in profile.profile().fold_indices(config.training.folds) {
                g.units.push(Unit::Fold {
                    experiment,
                    fold: k + 1,
                });
                g.deps.push(Vec::new());
            }
            g.units.push(Unit::Aggregate { experiment });
            g.deps.push((first..g.units.len() - 1).collect());
        }
        g
    }

    /// Units neither done nor started whose inputs are all done.
    pub(crate) fn ready(&self, done: &[bool], started: &[bool]) -> Vec<usize> {
        (0..self.units.len())
            .filter(|&i| !done[i] && !started[i] && self.deps[i].iter().all(|&d| done[d]))
            .collect()
    }

    /// Fold numbers (1-based) of experiment `experiment`'s fold units.
    pub(crate) fn folds(&self, experiment: usize) -> Vec<usize> {
        self.units
            .iter()
            .filter_map(|u| match *u {
                Unit::Fold {
                    experiment: e,
                    fold,
                } if e == experiment => Some(fold),
                _ => None,
            })
            .collect()
    }
}

/// Where a unit stands, read from the run directory alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnitState {
    /// Its results exist.
    Done,
    /// A checkpoint of one of its stages exists but not its results (running, or stopped
    /// without a failure: cancelled, out of time; the next run resumes it).
    Running,
    /// Its last run exited with an error (a `.failed` marker, see [`failed_marker`]).
    Failed,
    /// Nothing of it yet.
    Pending,
}

impl UnitState {
    /// `done`, `running`, `failed`, `pending`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            UnitState::Done => "done",
            UnitState::Running => "running",
            UnitState::Failed => "failed",
            UnitState::Pending => "pending",
        }
    }
}

/// The marker a unit's job script leaves when the unit exits non-zero (removed when it starts
/// again): `RUN/slurm/state/fold_K.failed` or `RUN/slurm/state/aggregate.failed`.
pub(crate) fn failed_marker(run: &Path, unit: Unit) -> PathBuf {
    match unit {
        Unit::Fold { fold, .. } => fold_failed_marker(run, fold),
        Unit::Aggregate { .. } => run.join("slurm").join("state").join("aggregate.failed"),
    }
}

/// [`failed_marker`] of fold `fold` (1-based), which `bonescan experiments` also leaves for a
/// fold process that failed.
pub(crate) fn fold_failed_marker(run: &Path, fold: usize) -> PathBuf {
    run.join("slurm")
        .join("state")
        .join(format!("fold_{fold}.failed"))
}

/// The state of `unit` of `config` in the run directory `run`.
pub(crate) fn unit_state(run: &Path, config: &ExperimentConfig, unit: Unit) -> UnitState {
    let done = match unit {
        Unit::Fold { fold, .. } => fold_done(config, run, fold - 1),
        Unit::Aggregate { .. } => run.join("results.json").exists(),
    };
    let started = match unit {
        Unit::Fold { fold, .. } => fold_stages(config)
            .iter()
            .any(|s| s.dir(run, fold).join("state.json").exists()),
        Unit::Aggregate { .. } => false,
    };
    if done {
        UnitState::Done
    } else if failed_marker(run, unit).exists() {
        UnitState::Failed
    } else if started {
        UnitState::Running
    } else {
        UnitState::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> ExperimentConfig {
        ExperimentConfig::from_toml_str(text, Path::new("test.toml")).unwrap()
    }

    const TABLE5: &str = "name = \"t5\"\ntable = \"Table 5\"\ngroups = [\"D1\"]\n\
        nm_source = \"negative_mining\"\nlosses = [\"dice\", \"focal_tversky\"]\n\
        [training]\nfolds = 3\n";
    const TABLE7: &str = "name = \"t7\"\ntable = \"Table 7\"\ngroups = [\"D1\"]\n\
        nm_source = \"otsu\"\nlosses = [\"dice\"]\n[transfer]\npretrain_groups = [\"D3\"]\n\
        [training]\nfolds = 4\n";

    #[test]
    fn stages_run_mining_first_and_pretraining_before_its_arm() {
        let t5 = config(TABLE5);
        assert_eq!(
            fold_stages(&t5),
            [
                Stage::Mining,
                Stage::Train(LossKind::Dice),
                Stage::Train(LossKind::FocalTversky)
            ]
        );
        let t7 = config(TABLE7);
        assert_eq!(
            fold_stages(&t7),
            [
                Stage::Pretrain(LossKind::Dice),
                Stage::Train(LossKind::Dice)
            ]
        );
    }

    #[test]
    fn aggregate_waits_for_every_fold_of_its_own_experiment() {
        let (t5, t7) = (config(TABLE5), config(TABLE7));
        let g = Graph::new(&[(&t5, ProfileName::Paper), (&t7, ProfileName::Paper)]);
        assert_eq!(g.units.len(), 3 + 1 + 4 + 1);
        assert_eq!(g.folds(0), [1, 2, 3]);
        assert_eq!(g.folds(1), [1, 2, 3, 4]);
        assert_eq!(g.units[3], Unit::Aggregate { experiment: 0 });
        assert_eq!(g.deps[3], [0, 1, 2]);
        assert_eq!(g.deps[8], [4, 5, 6, 7]);
        // at the start only folds are ready
        let none = vec![false; g.units.len()];
        let ready = g.ready(&none, &none);
        assert_eq!(ready, [0, 1, 2, 4, 5, 6, 7]);
    }

    /// A small deterministic generator (xorshift), so the shuffles are reproducible.
    fn shuffle(v: &mut [usize], seed: &mut u64) {
        for i in (1..v.len()).rev() {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            v.swap(i, (*seed % (i as u64 + 1)) as usize);
        }
    }

    #[test]
    fn shuffled_completions_never_start_a_unit_before_its_inputs() {
        let (t5, t7) = (config(TABLE5), config(TABLE7));
        let g = Graph::new(&[(&t5, ProfileName::Paper), (&t7, ProfileName::Paper)]);
        let n = g.units.len();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..500 {
            let (mut done, mut started) = (vec![false; n], vec![false; n]);
            let mut running: Vec<usize> = Vec::new();
            let mut order = Vec::new();
            while done.iter().any(|d| !d) {
                for i in g.ready(&done, &started) {
                    assert!(g.deps[i].iter().all(|&d| done[d]), "{:?}", g.units[i]);
                    started[i] = true;
                    running.push(i);
                }
                assert!(!running.is_empty(), "stuck with units left");
                // any running unit may finish next
                shuffle(&mut running, &mut seed);
                let finished = running.pop().unwrap();
                done[finished] = true;
                order.push(finished);
            }
            // every aggregate finished after all of its folds
            for (i, deps) in g.deps.iter().enumerate() {
                let at = |u: usize| order.iter().position(|&o| o == u).unwrap();
                assert!(deps.iter().all(|&d| at(d) < at(i)));
            }
        }
    }

    #[test]
    fn state_reads_results_checkpoints_and_failure_markers() {
        let t5 = config(TABLE5);
        let run = std::env::temp_dir().join(format!("bs-units-run-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&run);
        let fold = |fold| Unit::Fold {
            experiment: 0,
            fold,
        };
        assert_eq!(unit_state(&run, &t5, fold(1)), UnitState::Pending);
        let s1 = Stage::Mining.dir(&run, 1);
        std::fs::create_dir_all(&s1).unwrap();
        std::fs::write(s1.join("state.json"), "{}").unwrap();
        assert_eq!(unit_state(&run, &t5, fold(1)), UnitState::Running);
        let marker = failed_marker(&run, fold(1));
        std::fs::create_dir_all(marker.parent().unwrap()).unwrap();
        std::fs::write(&marker, "1").unwrap();
        assert_eq!(unit_state(&run, &t5, fold(1)), UnitState::Failed);
        // one arm's result is not enough
        for (i, l) in [LossKind::Dice, LossKind::FocalTversky]
            .into_iter()
            .enumerate()
        {
            let r = bs_train::experiment::result_path(&run, l, 0);
            std::fs::create_dir_all(r.parent().unwrap()).unwrap();
            std::fs::write(r, "{}").unwrap();
            let want = [UnitState::Failed, UnitState::Done][i];
            assert_eq!(unit_state(&run, &t5, fold(1)), want);
        }
        assert_eq!(unit_state(&run, &t5, fold(2)), UnitState::Pending);
        let agg = Unit::Aggregate { experiment: 0 };
        assert_eq!(unit_state(&run, &t5, agg), UnitState::Pending);
        std::fs::remove_dir_all(&run).unwrap();
    }
}
