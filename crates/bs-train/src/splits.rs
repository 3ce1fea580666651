//! 10-fold cross-validation splits by patient, stratified by group, 8:1:1 per fold.
//!
//! Every positive patient (D1, D3) is assigned to one of `k` folds: within each group the
//! patients are sorted, shuffled with a seeded ChaCha8 generator and dealt round-robin, the
//! dealing continuing across groups so that fold sizes differ by at most one. A patient pinned to
//! a fold (the cohort table's `split` column) is placed there first; the others are then dealt,
//! each to the fold with the fewest of its group (then the fewest in all), ties going round-robin
//! — without pins this is exactly the round-robin dealing. Fold `i` tests on
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
        Splits::generate_pinned(patients, folds, seed, &BTreeMap::new())
    }

    /// [`Splits::generate`] with some patients pinned to a fold: `pins` maps a patient id to
    /// its fold (0-based). Fails also when a pin names a fold past `folds`, a patient not in
    /// `patients`, or a patient of a negative group (D2, D4: never tested, so never in a fold).
    pub fn generate_pinned(
        patients: &[(String, Group)],
        folds: usize,
        seed: u64,
        pins: &BTreeMap<String, usize>,
    ) -> Result<Splits> {
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
        check_pins(patients, folds, pins)?;
        let mut positives = BTreeMap::new();
        let mut negatives = BTreeMap::new();
        let mut totals = vec![0usize; folds];
        for fold in pins.values() {
            totals[*fold] += 1;
        }
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
            let (pinned, free): (Vec<String>, Vec<String>) =
                ids.into_iter().partition(|id| pins.contains_key(id));
            for id in pinned {
                buckets[pins[&id]].push(id);
            }
            for id in free {
                // the fold with the fewest of this group, then the fewest in all; ties from `next`
                let k = (0..folds)
                    .map(|i| (next + i) % folds)
                    .min_by_key(|&k| (buckets[k].len(), totals[k]))
                    .expect("folds ≥ 3");
                buckets[k].push(id);
                totals[k] += 1;
                next = k + 1;
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

    /// Reads `path` when it exists and matches the cohort (same patients, folds and seed, every
    /// pinned patient in its fold), otherwise generates the assignment and writes it there.
    pub fn load_or_create(
        path: &Path,
        patients: &[(String, Group)],
        folds: usize,
        seed: u64,
        pins: &BTreeMap<String, usize>,
    ) -> Result<Splits> {
        if path.exists() {
            let splits = Splits::load(path)?;
            splits.check_matches(path, patients, folds, seed)?;
            splits.check_pins_kept(path, pins)?;
            return Ok(splits);
        }
        let splits = Splits::generate_pinned(patients, folds, seed, pins)?;
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

    fn check_pins_kept(&self, path: &Path, pins: &BTreeMap<String, usize>) -> Result<()> {
        for (id, &fold) in pins {
            let stored = self
                .positives
                .values()
                .find_map(|buckets| buckets.iter().position(|b| b.contains(id)));
            if stored != Some(fold) {
                let now = stored.map_or("no fold".to_string(), |k| format!("fold {}", k + 1));
                return Err(TrainError::Splits {
                    path: path.to_path_buf(),
                    message: format!(
                        "puts patient {id} in {now}, the cohort pins it to fold {}; \
                         delete it or use another output directory",
                        fold + 1
                    ),
                });
            }
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

/// Every pin names a positive patient of `patients` and a fold below `folds`.
fn check_pins(
    patients: &[(String, Group)],
    folds: usize,
    pins: &BTreeMap<String, usize>,
) -> Result<()> {
    let groups: BTreeMap<&str, Group> = patients.iter().map(|(id, g)| (id.as_str(), *g)).collect();
    for (id, &fold) in pins {
        let message = match groups.get(id.as_str()) {
            _ if fold >= folds => format!(
                "patient {id} is pinned to fold {}, but the experiment has {folds} folds",
                fold + 1
            ),
            None => format!(
                "patient {id} is pinned to fold {} but is not in the data",
                fold + 1
            ),
            Some(g) if !g.metastatic() => format!(
                "patient {id} of negative group {g} is pinned to fold {}; negative patients \
                 train in every fold and are never tested, so they take no fold",
                fold + 1
            ),
            Some(_) => continue,
        };
        return Err(TrainError::DataMismatch {
            experiment: "splits".into(),
            message,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> BTreeMap<String, usize> {
        BTreeMap::new()
    }

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
        let written = Splits::load_or_create(&path, &cohort(), 10, 11, &none()).unwrap();
        assert_eq!(written, a);
        // a hand-edited file is reused as is (nnU-Net style) when it covers the cohort
        let mut edited = a.clone();
        let moved = edited.positives.get_mut(&Group::D1).unwrap()[0]
            .pop()
            .unwrap();
        edited.positives.get_mut(&Group::D1).unwrap()[1].push(moved);
        std::fs::write(&path, serde_json::to_string(&edited).unwrap()).unwrap();
        assert_eq!(
            Splits::load_or_create(&path, &cohort(), 10, 11, &none()).unwrap(),
            edited
        );
        // but not when the cohort or the fold count differs
        let err = Splits::load_or_create(&path, &cohort(), 5, 11, &none()).unwrap_err();
        assert!(matches!(err, TrainError::Splits { .. }), "{err}");
        let mut fewer = cohort();
        fewer.pop();
        let err = Splits::load_or_create(&path, &fewer, 10, 11, &none()).unwrap_err();
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

    /// The dealing before pins existed: round-robin continuing across the groups.
    fn round_robin(patients: &[(String, Group)], folds: usize, seed: u64) -> Splits {
        let mut by_group: BTreeMap<Group, Vec<String>> = BTreeMap::new();
        for (id, g) in patients {
            by_group.entry(*g).or_default().push(id.clone());
        }
        let (mut positives, mut negatives, mut next) = (BTreeMap::new(), BTreeMap::new(), 0);
        for (group, mut ids) in by_group {
            ids.sort();
            if !group.metastatic() {
                negatives.insert(group, ids);
                continue;
            }
            ids.shuffle(&mut ChaCha8Rng::seed_from_u64(group_seed(seed, group)));
            let mut buckets = vec![Vec::new(); folds];
            for id in ids {
                buckets[next % folds].push(id);
                next += 1;
            }
            buckets.iter_mut().for_each(|b| b.sort());
            positives.insert(group, buckets);
        }
        Splits {
            seed,
            folds,
            positives,
            negatives,
        }
    }

    #[test]
    fn without_pins_the_dealing_is_round_robin() {
        for (sizes, folds) in [
            ([90, 10, 50, 50], 10),
            ([13, 3, 7, 0], 10),
            ([4, 0, 22, 5], 3),
            ([11, 1, 9, 2], 4),
        ] {
            let mut p = Vec::new();
            for (g, n) in Group::ALL.into_iter().zip(sizes) {
                p.extend((0..n).map(|i| (format!("{g}-{i:03}"), g)));
            }
            for seed in [0, 7, 99] {
                assert_eq!(
                    Splits::generate(&p, folds, seed).unwrap(),
                    round_robin(&p, folds, seed),
                    "sizes {sizes:?}, {folds} folds, seed {seed}"
                );
            }
        }
    }

    #[test]
    fn pinned_patients_stay_in_their_fold_and_folds_stay_even() {
        // five D1 and two D3 patients pinned to fold 3 (0-based 2), one D1 patient to fold 10
        let mut pins: BTreeMap<String, usize> = (0..5).map(|i| (format!("D1-{i:03}"), 2)).collect();
        pins.insert("D3-010".into(), 2);
        pins.insert("D3-011".into(), 2);
        pins.insert("D1-089".into(), 9);
        let s = Splits::generate_pinned(&cohort(), 10, 7, &pins).unwrap();
        for (id, &fold) in &pins {
            let group = if id.starts_with("D1") {
                Group::D1
            } else {
                Group::D3
            };
            assert!(
                s.positives[&group][fold].contains(id),
                "{id} not in fold {}",
                fold + 1
            );
            assert!(s.fold(fold, &[Group::D1, Group::D3]).test.contains(id));
        }
        // the free patients fill the other folds first: 9 D1 and 5 D3 in every fold
        for (group, n) in [(Group::D1, 9), (Group::D3, 5)] {
            let sizes: Vec<usize> = s.positives[&group].iter().map(Vec::len).collect();
            assert_eq!(sizes, vec![n; 10], "{group}");
        }
        // every patient once; unpinned ones keep the seeded dealing's determinism
        let all: BTreeSet<&String> = s.positives.values().flatten().flatten().collect();
        assert_eq!(all.len(), 140);
        assert_eq!(s, Splits::generate_pinned(&cohort(), 10, 7, &pins).unwrap());
    }

    #[test]
    fn a_splits_file_that_breaks_a_pin_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("splits.json");
        let drawn = Splits::load_or_create(&path, &cohort(), 10, 11, &none()).unwrap();
        let id = drawn.positives[&Group::D1][0][0].clone();
        // the same pin the file already keeps is fine; another fold is not
        let kept = BTreeMap::from([(id.clone(), 0)]);
        assert_eq!(
            Splits::load_or_create(&path, &cohort(), 10, 11, &kept).unwrap(),
            drawn
        );
        let moved = BTreeMap::from([(id.clone(), 4)]);
        let err = Splits::load_or_create(&path, &cohort(), 10, 11, &moved).unwrap_err();
        assert!(matches!(err, TrainError::Splits { .. }), "{err}");
        let text = err.to_string();
        assert!(
            text.contains(&id) && text.contains("fold 1") && text.contains("fold 5"),
            "{text}"
        );
        // a fresh file honours it
        std::fs::remove_file(&path).unwrap();
        let pinned = Splits::load_or_create(&path, &cohort(), 10, 11, &moved).unwrap();
        assert!(pinned.positives[&Group::D1][4].contains(&id));
    }

    #[test]
    fn pins_past_the_folds_to_negatives_or_unknown_patients_are_errors() {
        for (id, fold, says) in [
            ("D1-000", 10, "has 10 folds"),
            ("D2-000", 0, "negative group D2"),
            ("nobody", 0, "not in the data"),
        ] {
            let pins = BTreeMap::from([(id.to_string(), fold)]);
            let err = Splits::generate_pinned(&cohort(), 10, 1, &pins).unwrap_err();
            assert!(matches!(err, TrainError::DataMismatch { .. }), "{err}");
            assert!(err.to_string().contains(says), "{id}: {err}");
        }
    }
}
