//! The stages before a fold's main training: negative mining's stage 1 (Section 3.4) and
//! transfer learning's pre-training (Section 3.5).

use std::collections::HashMap;
use std::path::PathBuf;

use ndarray::Array2;

use crate::config::{Group, Profile};
use crate::data::targets::TargetSpec;
use crate::data::{Cohort, TrainingSet};
use crate::error::Result;
use crate::splits::Splits;
use crate::trainer::{load_weights, m_decision, predict_windowed, train_fold, FoldSpec};

/// Negative mining, stage 1, for one fold: trains the binary baseline on the positive
/// patients of the fold's training part only, then predicts M on every training image of the
/// experiment (positives and, when listed, negatives). Test and validation patients are never
/// predicted or used, so the NM masks carry no information from them.
///
/// Returns the predicted M masks at the training size (patient id → mask), or `None` when the
/// stage stopped early on `stop_after_epochs`.
pub fn mine_negatives(
    stage1: &FoldSpec,
    cohort: &Cohort,
    splits: &Splits,
    fold: usize,
    groups: &[Group],
    profile: &Profile,
) -> Result<Option<HashMap<String, Array2<bool>>>> {
    let positives: Vec<Group> = groups.iter().copied().filter(|g| g.metastatic()).collect();
    let pos_split = splits.fold(fold, &positives);
    let train = TrainingSet::new(
        cohort,
        &pos_split.train,
        profile,
        &TargetSpec::Binary,
        stage1.device,
    )?;
    let val = TrainingSet::new(
        cohort,
        &pos_split.validation,
        profile,
        &TargetSpec::Binary,
        stage1.device,
    )?;
    let Some(weights) = train_fold(stage1, &train, &val)?.best_weights else {
        return Ok(None); // stopped before the end
    };
    let (_vs, model) = load_weights(&stage1.model, stage1.device, &weights)?;
    let all = splits.fold(fold, groups).train;
    let images = TrainingSet::new(cohort, &all, profile, &TargetSpec::Binary, stage1.device)?;
    let probs = predict_windowed(
        &model,
        &images.images,
        stage1.device.is_cuda(),
        stage1.training.window(),
    )?;
    let pred = m_decision(stage1.model.variant, &probs);
    let (h, w) = (pred.size()[1] as usize, pred.size()[2] as usize);
    let flat: Vec<u8> = Vec::<u8>::try_from(pred.to_kind(tch::Kind::Uint8).flatten(0, -1))?;
    let mut out = HashMap::new();
    for (i, id) in all.iter().enumerate() {
        let m = Array2::from_shape_fn((h, w), |(r, c)| flat[i * h * w + r * w + c] != 0);
        out.insert(id.clone(), m);
    }
    Ok(Some(out))
}

/// Transfer learning, pre-training for one fold: trains on the training part of the
/// pre-training groups (the paper: D3 + D4), validating on their validation part. Returns the
/// best weights, or `None` when stopped early on `stop_after_epochs`.
pub fn pretrain(
    spec: &FoldSpec,
    cohort: &Cohort,
    splits: &Splits,
    fold: usize,
    groups: &[Group],
    profile: &Profile,
    targets: &TargetSpec,
) -> Result<Option<PathBuf>> {
    let split = splits.fold(fold, groups);
    let train = TrainingSet::new(cohort, &split.train, profile, targets, spec.device)?;
    let val = TrainingSet::new(cohort, &split.validation, profile, targets, spec.device)?;
    Ok(train_fold(spec, &train, &val)?.best_weights)
}
