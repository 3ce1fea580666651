//! [`Predictor`]: one loaded model applied to scans — read, prepare exactly as in training,
//! segment, map the M mask back to the original views.

use std::path::{Path, PathBuf};

use ndarray::{Array2, ArrayView2};
use tch::{Kind, Tensor};

use bs_dicom::{ReadOptions, WholeBodyScan};
use bs_preprocess::{PreparedScan, Preprocessor};

use crate::config::PredictConfig;
use crate::decision::MDecision;
use crate::error::{PredictError, Result};
use crate::model::{Ensemble, ModelSpec};

/// A scan read and prepared, ready for the network.
#[derive(Debug, Clone)]
pub struct PreparedInput {
    /// The file of the anterior view (the first of [`Self::files`]); errors and reports name it.
    pub path: PathBuf,
    /// Every file of the scan: one 2-frame object, or one single-view object per view
    /// (storage layout (b)), anterior first.
    pub files: Vec<PathBuf>,
    /// The scan as read (original counts and metadata).
    pub scan: WholeBodyScan,
    /// The prepared 640×512 image and its geometry.
    pub prepared: PreparedScan,
}

/// The M decision of one scan, in prepared and original coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Segmentation {
    /// P(M) at the prepared resolution (640×512), ensemble mean.
    pub prepared_probability: Array2<f32>,
    /// M at the prepared resolution (padding and a missing posterior are never M).
    pub prepared_mask: Array2<bool>,
    /// M on the original anterior view (e.g. 1024×256).
    pub anterior: Array2<bool>,
    /// M on the original posterior view; `None` when the scan has no posterior view.
    pub posterior: Option<Array2<bool>>,
}

/// Reading and preprocessing of scans for one model: no tensors, so it is shared freely
/// between the worker threads that decode scans while the network runs.
#[derive(Debug, Clone)]
pub struct ScanPreparer {
    preprocessor: Preprocessor,
    view_shape: Option<(usize, usize)>,
}

/// A loaded model with its preprocessing and decision rule.
#[derive(Debug)]
pub struct Predictor {
    ensemble: Ensemble,
    preparer: ScanPreparer,
    config: PredictConfig,
}

impl Predictor {
    /// Validates `config` and loads the networks of `spec` once.
    pub fn new(spec: &ModelSpec, config: PredictConfig) -> Result<Predictor> {
        config.validate()?;
        let preprocessor = spec
            .prepare
            .init()
            .map_err(|e| PredictError::BadModelFile {
                path: spec.identity.path.clone(),
                detail: e.to_string(),
            })?;
        let ensemble =
            Ensemble::load_with_layout(spec, config.device, config.uses_channels_last())?
                .with_mixed_precision(config.uses_mixed_precision());
        Ok(Predictor {
            ensemble,
            preparer: ScanPreparer {
                preprocessor,
                view_shape: config.view_shape,
            },
            config,
        })
    }

    /// The model.
    pub fn spec(&self) -> &ModelSpec {
        self.ensemble.spec()
    }

    /// The settings.
    pub fn config(&self) -> &PredictConfig {
        &self.config
    }

    /// The loaded networks.
    pub fn ensemble(&self) -> &Ensemble {
        &self.ensemble
    }

    /// The reader and preprocessor of this model (cheap to clone, thread-safe).
    pub fn preparer(&self) -> &ScanPreparer {
        &self.preparer
    }

    /// [`ScanPreparer::read_and_prepare`].
    pub fn read_and_prepare(&self, path: &Path) -> Result<PreparedInput> {
        self.preparer.read_and_prepare(path)
    }

    /// [`ScanPreparer::read_and_prepare_files`].
    pub fn read_and_prepare_files(&self, files: &[PathBuf]) -> Result<PreparedInput> {
        self.preparer.read_and_prepare_files(files)
    }

    /// The M decision of probabilities N×C×H×W (see [`PredictConfig::threshold`]), N×H×W bool.
    pub fn decide(&self, probabilities: &Tensor) -> Tensor {
        self.decision().tensor(probabilities)
    }

    /// The M decision rule of this predictor's model and threshold.
    pub fn decision(&self) -> MDecision {
        MDecision::new(self.ensemble.variant(), self.config.threshold)
    }

    /// Segments prepared scans (one forward pass of every member per batch).
    pub fn segment(&self, inputs: &[&PreparedInput]) -> Result<Vec<Segmentation>> {
        let views: Vec<ArrayView2<'_, f32>> =
            inputs.iter().map(|i| i.prepared.image.view()).collect();
        let probs = self.ensemble.probabilities(&views)?;
        let classes = probs.size()[1] as usize;
        let all: Vec<f32> =
            Vec::<f32>::try_from(probs.to_kind(Kind::Float).contiguous().flatten(0, -1))?;
        let decision = self.decision();
        let m_channel = decision.m_channel();
        let (rows, cols) = self.spec().prepare.prepared_shape();
        let plane = rows * cols;
        inputs
            .iter()
            .enumerate()
            .map(|(i, input)| {
                let image = &all[i * classes * plane..(i + 1) * classes * plane];
                let valid = input.prepared.geometry.valid_mask();
                let prob = Array2::from_shape_vec(
                    (rows, cols),
                    image[m_channel * plane..(m_channel + 1) * plane].to_vec(),
                )
                .expect("plane has rows × cols values");
                let is_m = decision.image(image, plane);
                let mask = Array2::from_shape_fn((rows, cols), |(r, c)| {
                    valid[[r, c]] && is_m[r * cols + c]
                });
                let (anterior, posterior) = input
                    .prepared
                    .geometry
                    .prepared_to_views(mask.view())
                    .map_err(|source| PredictError::Prepare {
                        path: input.path.clone(),
                        source,
                    })?;
                Ok(Segmentation {
                    prepared_probability: prob,
                    prepared_mask: mask,
                    anterior,
                    posterior,
                })
            })
            .collect()
    }
}

impl ScanPreparer {
    /// Reads a scan with bs-dicom (identifiers as stored: `report.json` de-identifies them,
    /// `seg.dcm` must carry them to be filed with its study).
    pub fn read(&self, path: &Path) -> Result<WholeBodyScan> {
        self.read_files(&[path.to_path_buf()])
    }

    /// Reads one scan stored in several files (one single-view object per view, as the
    /// directory scanner pairs them), or in one when `files` has one entry.
    pub fn read_files(&self, files: &[PathBuf]) -> Result<WholeBodyScan> {
        bs_dicom::read_scan_files(files, &ReadOptions::default()).map_err(|source| {
            PredictError::Read {
                path: files.first().cloned().unwrap_or_default(),
                source,
            }
        })
    }

    /// Checks the view shape and applies the model's recorded preprocessing (`path`: the
    /// scan's single file).
    pub fn prepare(&self, path: &Path, scan: WholeBodyScan) -> Result<PreparedInput> {
        self.prepare_files(&[path.to_path_buf()], scan)
    }

    /// [`Self::prepare`] of a scan read from `files` (anterior first).
    pub fn prepare_files(&self, files: &[PathBuf], scan: WholeBodyScan) -> Result<PreparedInput> {
        // the file the reader took the anterior view from (the scanner lists it first too)
        let path = scan.anterior.source.path.clone();
        if let Some(expected) = self.view_shape {
            for view in scan.views() {
                if view.shape() != expected {
                    return Err(PredictError::Geometry {
                        path: view.source.path.clone(),
                        detail: format!(
                            "view is {}×{} pixels; the model was trained on {}×{} whole-body views (the 950×256 cut does not rescale, so another matrix size changes the pixel size the network sees)",
                            view.shape().0,
                            view.shape().1,
                            expected.0,
                            expected.1
                        ),
                    });
                }
            }
        }
        let prepared =
            self.preprocessor
                .prepare_scan(&scan)
                .map_err(|source| PredictError::Prepare {
                    path: path.clone(),
                    source,
                })?;
        Ok(PreparedInput {
            path,
            files: files.to_vec(),
            scan,
            prepared,
        })
    }

    /// [`Self::read`] then [`Self::prepare`].
    pub fn read_and_prepare(&self, path: &Path) -> Result<PreparedInput> {
        self.read_and_prepare_files(&[path.to_path_buf()])
    }

    /// [`Self::read_files`] then [`Self::prepare_files`].
    pub fn read_and_prepare_files(&self, files: &[PathBuf]) -> Result<PreparedInput> {
        let scan = self.read_files(files)?;
        self.prepare_files(files, scan)
    }
}
