//! 10-fold cross-validation splits by patient, stratified by group, 8:1:1 per fold.
//!
//! Every positive patient (D1, D3) is assigned to one of `k` folds: within each group the
//! patients are sorted, shuffled with a seeded ChaCha8 generator and dealt round-robin, the
//! dealing continuing across groups so that fold sizes differ by at most one. Fold `i` tests on
//! fold `i`, validates on fold `(i + 1) mod k` and trains on the other `k − 2` folds (8:1:1 for
//! `k = 10`). Negative patients (D2, D4) are never tested: they join the training part of every
//! fold when the experiment lists their group, as in the paper.
//!
//! The assignment is written to `splits.json` and reused when present (like nnU-Net's
//! `splits_final.json`), so every experiment of a run sees the same folds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::config::Group;
use crate::error::{Result, TrainError};
use crate::io::write_atomic;

/// The fold assignment of a cohort.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Splits {
    /// Seed the assignment was drawn with.
    pub seed: u64,
    /// Number of folds.
    pub folds: usize,
    /// Positive groups → fold → patient ids (sorted).
    pub positives: BTreeMap<Group, Vec<Vec<String>>>,
    /// Negative groups → patient ids (sorted): training-only.
    pub negatives: BTreeMap<Group, Vec<String>>,
}

/// The patients of one fold of one experiment.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FoldSplit {
    /// Fold index (0-based).
    pub fold: usize,
    /// Training patients (positives of the training folds, plus negatives when asked).
    pub train: Vec<String>,
    /// Validation patients (model selection, early stopping).
    pub validation: Vec<String>,
    /// Test patients (the fold's reported metrics).
    pub test: Vec<String>,
}

fn group_seed(seed: u64, group: Group) -> u64 {
    seed ^ (0x9E37_79B9_7F4A_7C15u64.wrapping_mul(group as u64 + 1))
}

impl Splits {
    /// Draws the assignment of `patients` (id, group) into `folds` folds.
    ///
    /// Fails when there are fewer positive patients than folds (a fold would test nothing)
    /// or a patient id appears twice.
    pub fn generate(patients: &[(String, Group)], folds: usize, seed: u64) -> Result<Splits> {
        let mut by_group: BTreeMap<Group, Vec<String>> = BTreeMap::new();
        let mut seen = BTreeSet::new();
        for (id, group) in patients {
            if !seen.insert(id.clone()) {
                return Err(TrainError::DataMismatch {
                    experiment: "splits".into(),
                    message: format!("patient id {id:?} appears twice"),
                });
            }
            by_group.entry(*group).or_default().push(id.clone());
        }
        let n_positive: usize = by_group
            .iter()
            .filter(|(g, _)| g.metastatic())
            .map(|(_, v)| v.len())
            .sum();
        if folds < 3 || n_positive < folds {
            return Err(TrainError::DataMismatch {
                experiment: "splits".into(),
                message: format!(
                    "{folds} folds need at least {folds} positive patients (D1/D3), found {n_positive}"
                ),
            });
        }
        let mut positives = BTreeMap::new();
        let mut negatives = BTreeMap::new();
        let mut next = 0usize;
        for (group, mut ids) in by_group {
            ids.sort();
            if !group.metastatic() {
                negatives.insert(group, ids);
                continue;
            }
            let mut rng = ChaCha8Rng::seed_from_u64(group_seed(seed, group));
            ids.shuffle(&mut rng);
            let mut buckets = vec![Vec::new(); folds];
            for id in ids {
                buckets[next % folds].push(id);
                next += 1;
            }
            for b in &mut buckets {
                b.sort();
            }
            positives.insert(group, buckets);
        }
        Ok(Splits {
            seed,
            folds,
            positives,
            negatives,
        })
    }

    /// Reads `path` when it exists and matches the cohort (same patients, folds and seed),
    /// otherwise generates the assignment and writes it there.
    pub fn load_or_create(
        path: &Path,
        patients: &[(String, Group)],
        folds: usize,
        seed: u64,
    ) -> Result<Splits> {
        if path.exists() {
            let splits = Splits::load(path)?;
            splits.check_matches(path, patients, folds, seed)?;
            return Ok(splits);
        }
        let splits = Splits::generate(patients, folds, seed)?;
        let text = serde_json::to_string_pretty(&splits).map_err(|source| TrainError::Json {
            path: path.to_path_buf(),
            source,
        })?;
        write_atomic(path, text.as_bytes())?;
        Ok(splits)
    }

    /// Reads a `splits.json`.
    pub fn load(path: &Path) -> Result<Splits> {
        let text =
            std::fs::read_to_string(path).map_err(|e| TrainError::io("cannot read", path, e))?;
        serde_json::from_str(&text).map_err(|source| TrainError::Json {
            path: path.to_path_buf(),
            source,
        })
    }

    fn check_matches(
        &self,
        path: &Path,
        patients: &[(String, Group)],
        folds: usize,
        seed: u64,
    ) -> Result<()> {
        let bad = |message: String| TrainError::Splits {
            path: path.to_path_buf(),
            message,
        };
        if self.folds != folds || self.seed != seed {
            return Err(bad(format!(
                "was drawn for {} folds with seed {}, the experiment asks for {folds} folds with seed {seed}; \
                 delete it or use another output directory",
                self.folds, self.seed
            )));
        }
        let mut stored: BTreeSet<(String, Group)> = BTreeSet::new();
        for (g, buckets) in &self.positives {
            if buckets.len() != folds {
                return Err(bad(format!(
                    "group {g} has {} folds, expected {folds}",
                    buckets.len()
                )));
            }
            stored.extend(buckets.iter().flatten().map(|id| (id.clone(), *g)));
        }
        for (g, ids) in &self.negatives {
            stored.extend(ids.iter().map(|id| (id.clone(), *g)));
        }
        let wanted: BTreeSet<(String, Group)> = patients.iter().cloned().collect();
        if stored != wanted {
            let missing = wanted.difference(&stored).count();
            let extra = stored.difference(&wanted).count();
            return Err(bad(format!(
                "does not match the data set: {missing} patients missing from it, {extra} not in the data"
            )));
        }
        Ok(())
    }

    /// Patients of fold `fold` for an experiment training on `groups`.
    ///
    /// Positives of the listed positive groups are split test/validation/train; patients of
    /// the listed negative groups are all added to `train`.
    pub fn fold(&self, fold: usize, groups: &[Group]) -> FoldSplit {
        let val_fold = (fold + 1) % self.folds;
        let mut split = FoldSplit {
            fold,
            ..FoldSplit::default()
        };
        for (g, buckets) in &self.positives {
            if !groups.contains(g) {
                continue;
            }
            for (k, ids) in buckets.iter().enumerate() {
                let part = if k == fold {
                    &mut split.test
                } else if k == val_fold {
                    &mut split.validation
                } else {
                    &mut split.train
                };
                part.extend(ids.iter().cloned());
            }
        }
        for (g, ids) in &self.negatives {
            if groups.contains(g) {
                split.train.extend(ids.iter().cloned());
            }
        }
        split.train.sort();
        split.validation.sort();
        split.test.sort();
        split
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cohort() -> Vec<(String, Group)> {
        let mut p = Vec::new();
        for (g, n) in [
            (Group::D1, 90),
            (Group::D2, 10),
            (Group::D3, 50),
            (Group::D4, 50),
        ] {
            for i in 0..n {
                p.push((format!("{g}-{i:03}"), g));
            }
        }
        p
    }

    #[test]
    fn folds_are_disjoint_and_every_positive_is_tested_once() {
        let s = Splits::generate(&cohort(), 10, 7).unwrap();
        let mut tested = BTreeMap::new();
        for k in 0..10 {
            let f = s.fold(k, &[Group::D1, Group::D2]);
            let train: BTreeSet<_> = f.train.iter().collect();
            let val: BTreeSet<_> = f.validation.iter().collect();
            let test: BTreeSet<_> = f.test.iter().collect();
            assert!(train.is_disjoint(&val) && train.is_disjoint(&test) && val.is_disjoint(&test));
            // 8:1:1 of D1, plus all of D2 in training only
            assert_eq!(
                (f.test.len(), f.validation.len(), f.train.len()),
                (9, 9, 72 + 10)
            );
            assert!(f
                .test
                .iter()
                .chain(&f.validation)
                .all(|id| id.starts_with("D1")));
            assert!(f
                .train
                .iter()
                .all(|id| id.starts_with("D1") || id.starts_with("D2")));
            for id in f.test {
                *tested.entry(id).or_insert(0) += 1;
            }
        }
        assert_eq!(tested.len(), 90);
        assert!(tested.values().all(|&n| n == 1));
    }

    #[test]
    fn stratified_by_group() {
        let s = Splits::generate(&cohort(), 10, 3).unwrap();
        for k in 0..10 {
            let both = s.fold(k, &[Group::D1, Group::D3]);
            let d3 = both.test.iter().filter(|id| id.starts_with("D3")).count();
            assert_eq!(d3, 5, "fold {k}");
            assert_eq!(both.test.len(), 14);
        }
        // negatives are never tested, and only join when listed
        let only_d1 = s.fold(0, &[Group::D1]);
        assert!(only_d1.train.iter().all(|id| id.starts_with("D1")));
    }

    #[test]
    fn deterministic_from_seed_and_reused_from_file() {
        let a = Splits::generate(&cohort(), 10, 11).unwrap();
        assert_eq!(a, Splits::generate(&cohort(), 10, 11).unwrap());
        assert_ne!(a, Splits::generate(&cohort(), 10, 12).unwrap());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("splits.json");
        let written = Splits::load_or_create(&path, &cohort(), 10, 11).unwrap();
        assert_eq!(written, a);
        // a hand-edited file is reused as is (nnU-Net style) when it covers the cohort
        let mut edited = a.clone();
        let moved = edited.positives.get_mut(&Group::D1).unwrap()[0]
            .pop()
            .unwrap();
        edited.positives.get_mut(&Group::D1).unwrap()[1].push(moved);
        std::fs::write(&path, serde_json::to_string(&edited).unwrap()).unwrap();
        assert_eq!(
            Splits::load_or_create(&path, &cohort(), 10, 11).unwrap(),
            edited
        );
        // but not when the cohort or the fold count differs
        let err = Splits::load_or_create(&path, &cohort(), 5, 11).unwrap_err();
        assert!(matches!(err, TrainError::Splits { .. }), "{err}");
        let mut fewer = cohort();
        fewer.pop();
        let err = Splits::load_or_create(&path, &fewer, 10, 11).unwrap_err();
        assert!(err.to_string().contains("does not match"), "{err}");
    }

    #[test]
    fn too_few_patients_for_the_folds() {
        let tiny: Vec<_> = (0..4).map(|i| (format!("p{i}"), Group::D1)).collect();
        assert!(matches!(
            Splits::generate(&tiny, 5, 0),
            Err(TrainError::DataMismatch { .. })
        ));
        let dup = vec![("a".to_string(), Group::D1), ("a".to_string(), Group::D3)];
        assert!(Splits::generate(&dup, 3, 0).is_err());
    }
}
