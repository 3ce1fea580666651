//! Test evaluation at the prepared resolution, and overlay figures.

use std::path::Path;

use ndarray::Array2;
use tch::{Device, Kind, Tensor};

use bs_metrics::FoldEvaluation;
use bs_model::DoubleUNet;

use crate::config::Profile;
use crate::data::targets::TargetSpec;
use crate::data::{Cohort, PatientImage, TrainingSet};
use crate::error::{Result, TrainError};
use crate::trainer::{m_decision, predict_windowed};

/// Metrics and predicted masks of a fold's test patients.
#[derive(Debug)]
pub struct TestEvaluation {
    /// Per-image and pooled metrics.
    pub fold: FoldEvaluation,
    /// Predicted M at the prepared resolution, per test patient.
    pub predictions: Vec<(String, Array2<bool>)>,
}

/// Predicts the test patients at the training size (through windows of the training patch
/// size when trained on patches), brings the probabilities back to the
/// prepared resolution (bilinear) and scores the M decision against the full-resolution
/// annotation: the metrics are always pixel metrics on the prepared 640×512 image, whatever
/// the profile.
pub fn evaluate_test(
    model: &DoubleUNet,
    cohort: &Cohort,
    ids: &[String],
    profile: &Profile,
    device: Device,
    window: Option<(usize, usize)>,
) -> Result<TestEvaluation> {
    let set = TrainingSet::new(cohort, ids, profile, &TargetSpec::Binary, device)?;
    let probs = predict_windowed(model, &set.images, device.is_cuda(), window)?;
    let (rows, cols) = cohort.dim();
    let full = if profile.pool_rows == 1 && profile.pool_cols == 1 {
        probs
    } else {
        probs.upsample_bilinear2d([rows as i64, cols as i64], false, None, None)
    };
    let pred = m_decision(model.config().variant, &full);
    let mut fold = FoldEvaluation::new();
    let mut predictions = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let mask = to_bool_array(&pred.get(i as i64), rows, cols)?;
        let p = cohort.get(id).ok_or_else(|| TrainError::Data {
            path: cohort.source().to_path_buf(),
            message: format!("test patient {id} is not in the data set"),
        })?;
        fold.add_masks(id.clone(), mask.view(), p.m.view())?;
        predictions.push((id.clone(), mask));
    }
    Ok(TestEvaluation { fold, predictions })
}

fn to_bool_array(t: &Tensor, rows: usize, cols: usize) -> Result<Array2<bool>> {
    let flat: Vec<u8> = Vec::<u8>::try_from(t.to_kind(Kind::Uint8).flatten(0, -1))?;
    Ok(Array2::from_shape_fn((rows, cols), |(r, c)| {
        flat[r * cols + c] != 0
    }))
}

/// Writes the prepared image with the annotation and the prediction: true positives yellow,
/// false negatives (annotated, missed) green, false positives red.
pub fn write_overlay(path: &Path, patient: &PatientImage, predicted: &Array2<bool>) -> Result<()> {
    let (rows, cols) = patient.image.dim();
    let mut img = image::RgbImage::new(cols as u32, rows as u32);
    for ((r, c), &v) in patient.image.indexed_iter() {
        let g = v.clamp(0.0, 255.0) as u8;
        let (t, p) = (patient.m[[r, c]], predicted[[r, c]]);
        let px = match (t, p) {
            (true, true) => [255, 220, 0],
            (true, false) => [0, 200, 0],
            (false, true) => [230, 0, 0],
            (false, false) => [g, g, g],
        };
        img.put_pixel(c as u32, r as u32, image::Rgb(px));
    }
    img.save(path).map_err(|e| TrainError::Plot {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}
