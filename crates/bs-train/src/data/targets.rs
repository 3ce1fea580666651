//! Per-experiment tensors: pooled images and class labels of a list of patients.
//!
//! Labels are integer class maps: binary experiments use 0 (not M) / 1 (M); three-class
//! experiments use BG 0 / NM 1 / M 2 (bs-masks' [`bs_masks::ThreeClassMask`] values).

use std::collections::HashMap;

use ndarray::Array2;
use tch::{Device, Kind, Tensor};

use crate::config::{NmSource, Profile};
use crate::data::cohort::{Cohort, PatientImage};
use crate::data::pool::{avg_pool, max_pool_bool, max_pool_u8};
use crate::error::{Result, TrainError};

/// The loss target of integer class labels (N×h×w): the M indicator N×1×h×w for binary
/// (`num_classes` 1), one-hot N×C×h×w otherwise.
pub(crate) fn target_tensor(labels: &Tensor, num_classes: i64) -> Result<Tensor> {
    Ok(if num_classes == 1 {
        labels.unsqueeze(1).to_kind(Kind::Float)
    } else {
        bs_losses::one_hot(labels, num_classes as usize)?
    })
}

/// Class map BG/NM/M at full prepared resolution with NM = Otsu body ∖ M, pooled.
pub fn otsu_targets(p: &PatientImage, profile: &Profile) -> Result<Array2<u8>> {
    let mask = bs_masks::nm::otsu_nm(p.image.view(), p.m.view())?;
    Ok(max_pool_u8(
        mask.classes(),
        profile.pool_rows,
        profile.pool_cols,
    ))
}

/// Images and labels of some patients at the training size, on a device.
#[derive(Debug)]
pub struct TrainingSet {
    /// Patient ids, in tensor order.
    pub ids: Vec<String>,
    /// N×1×h×w float, 0…255.
    pub images: Tensor,
    /// N×h×w int64 class labels.
    pub labels: Tensor,
    /// N×h×w bool: the M class (for validation F1).
    pub m: Tensor,
    /// 1 (binary sigmoid) or 3 (BG/NM/M).
    pub num_classes: i64,
}

/// How the labels of a [`TrainingSet`] are made.
#[derive(Debug, Clone)]
pub enum TargetSpec {
    /// Binary M (the baseline).
    Binary,
    /// BG/NM/M with NM from Otsu.
    Otsu,
    /// BG/NM/M with NM = predicted M ∖ true M, from stage-1 predictions at the training size
    /// (patient id → predicted M mask).
    Mined(HashMap<String, Array2<bool>>),
}

impl TargetSpec {
    /// The spec for an NM source (negative mining needs its predictions: use
    /// [`TargetSpec::Mined`] directly).
    pub fn for_source(source: NmSource) -> TargetSpec {
        match source {
            NmSource::None => TargetSpec::Binary,
            _ => TargetSpec::Otsu,
        }
    }

    fn num_classes(&self) -> i64 {
        match self {
            TargetSpec::Binary => 1,
            _ => 3,
        }
    }
}

impl TrainingSet {
    /// Pools the images and builds the labels of `ids`.
    pub fn new(
        cohort: &Cohort,
        ids: &[String],
        profile: &Profile,
        spec: &TargetSpec,
        device: Device,
    ) -> Result<TrainingSet> {
        let (h, w) = profile.input_size(cohort.dim().0, cohort.dim().1);
        let n = ids.len();
        let mut pixels = Vec::with_capacity(n * h * w);
        let mut labels = Vec::with_capacity(n * h * w);
        for id in ids {
            let p = cohort.get(id).ok_or_else(|| TrainError::Data {
                path: cohort.source().to_path_buf(),
                message: format!("split names patient {id}, which is not in the data set"),
            })?;
            let img = avg_pool(p.image.view(), profile.pool_rows, profile.pool_cols);
            pixels.extend(img.iter().copied());
            let m = max_pool_bool(p.m.view(), profile.pool_rows, profile.pool_cols);
            let classes = match spec {
                TargetSpec::Binary => m.mapv(u8::from),
                TargetSpec::Otsu => otsu_targets(p, profile)?,
                TargetSpec::Mined(predicted) => {
                    let pred = predicted.get(id).ok_or_else(|| TrainError::Data {
                        path: cohort.source().to_path_buf(),
                        message: format!("no stage-1 prediction for patient {id}"),
                    })?;
                    bs_masks::nm::negative_mining_nm(m.view(), pred.view())?.into_classes()
                }
            };
            labels.extend(classes.iter().map(|&c| c as i64));
        }
        let shape = [n as i64, h as i64, w as i64];
        let images = Tensor::from_slice(&pixels)
            .reshape([n as i64, 1, h as i64, w as i64])
            .to_device(device);
        let labels = Tensor::from_slice(&labels).reshape(shape).to_device(device);
        let m_class = spec.num_classes().min(2);
        let m = labels.eq(m_class);
        Ok(TrainingSet {
            ids: ids.to_vec(),
            images,
            labels,
            m,
            num_classes: spec.num_classes(),
        })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when there are no images.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Fraction of pixels per class (for reports): BG/NM/M or not-M/M.
    pub fn class_fractions(&self) -> Vec<f64> {
        let total = self.labels.numel().max(1) as f64;
        (0..self.num_classes.max(2))
            .map(|c| self.labels.eq(c).sum(Kind::Int64).int64_value(&[]) as f64 / total)
            .collect()
    }
}
