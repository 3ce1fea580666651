//! The loaded networks of a model and their averaged head-2 probabilities.
//!
//! For prepared images `x` (640×512, 0…255) the ensemble of `K` folds gives
//!
//! ```text
//! x̃ = avgpool(x, pool_rows × pool_cols)               (the training resolution of the profile)
//! P = upsample_bilinear( (1/K) Σ_k  net_k(x̃ / 255).out2 )   back to 640×512
//! ```
//!
//! exactly as bs-train evaluates a fold (pooling by block means, bilinear upsampling with
//! `align_corners = false`); averaging before upsampling equals averaging after, because
//! bilinear upsampling is linear.

use ndarray::{Array2, ArrayView2};
use tch::{Device, Kind, Tensor};

use bs_model::checkpoint::Checkpoint;
use bs_model::Variant;

use crate::error::{PredictError, Result};
use crate::model::source::ModelSpec;

/// Images per forward pass.
const BATCH: usize = 4;

/// The networks of a model, on one device, in evaluation mode.
#[derive(Debug)]
pub struct Ensemble {
    members: Vec<Checkpoint>,
    spec: ModelSpec,
    device: Device,
    channels_last: bool,
    mixed_precision: bool,
}

/// Mean over non-overlapping `pr × pc` blocks (`pr`, `pc` divide the image):
/// `y[i, j] = (1 / (pr·pc)) Σ_{a<pr, b<pc} x[i·pr + a, j·pc + b]` — the reduction bs-train
/// applies to its training images.
pub fn block_mean(x: ArrayView2<'_, f32>, pr: usize, pc: usize) -> Array2<f32> {
    let (h, w) = (x.nrows() / pr, x.ncols() / pc);
    let scale = 1.0 / (pr * pc) as f32;
    Array2::from_shape_fn((h, w), |(i, j)| {
        x.slice(ndarray::s![i * pr..(i + 1) * pr, j * pc..(j + 1) * pc])
            .sum()
            * scale
    })
}

impl Ensemble {
    /// Loads every member of `spec` on `device` (checked against its sidecar), in the standard
    /// NCHW layout.
    pub fn load(spec: &ModelSpec, device: Device) -> Result<Ensemble> {
        Self::load_with_layout(spec, device, false)
    }

    /// [`Self::load`]; with `channels_last` the weights get NHWC strides once here and every
    /// input batch is converted, so that libtorch picks its NHWC convolution kernels (oneDNN
    /// on the CPU). Values are unchanged; results differ only by float rounding.
    pub fn load_with_layout(
        spec: &ModelSpec,
        device: Device,
        channels_last: bool,
    ) -> Result<Ensemble> {
        let mut members = Vec::with_capacity(spec.members().len());
        for m in spec.members() {
            let ckpt = bs_model::checkpoint::load(&m.weights, device).map_err(|source| {
                PredictError::Model {
                    path: m.weights.clone(),
                    source,
                }
            })?;
            if ckpt.config != spec.network {
                return Err(PredictError::BadModelFile {
                    path: m.weights.clone(),
                    detail: "network configuration differs from the other members".into(),
                });
            }
            if channels_last {
                bs_model::channels_last::convert_var_store(&ckpt.var_store);
            }
            members.push(ckpt);
        }
        if device.is_cuda() {
            // one input shape for every batch: let cuDNN time its algorithms once and keep the best
            bs_model::set_cudnn_benchmark(true);
        }
        Ok(Ensemble {
            members,
            spec: spec.clone(),
            device,
            channels_last,
            mixed_precision: false,
        })
    }

    /// Runs the networks under fp16 autocast when `enabled` (CUDA only; on the CPU autocast does
    /// nothing). Probabilities are returned in fp32 either way.
    pub fn with_mixed_precision(mut self, enabled: bool) -> Ensemble {
        self.mixed_precision = enabled && self.device.is_cuda();
        self
    }

    /// Whether the networks run under fp16 autocast.
    pub fn mixed_precision(&self) -> bool {
        self.mixed_precision
    }

    /// The model this ensemble was loaded from.
    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    /// Binary or three-class heads.
    pub fn variant(&self) -> Variant {
        self.spec.network.variant
    }

    /// Number of networks averaged.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True when no network is loaded (never, for an ensemble made by [`Ensemble::load`]).
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Whether the networks run channels-last (NHWC).
    pub fn channels_last(&self) -> bool {
        self.channels_last
    }

    /// The device the networks run on.
    pub fn device(&self) -> Device {
        self.device
    }

    /// Averaged head-2 probabilities of prepared images, N×C×rows×cols float on the CPU
    /// (C = 1 for binary, 3 for BG/NM/M), at the prepared resolution.
    pub fn probabilities(&self, images: &[ArrayView2<'_, f32>]) -> Result<Tensor> {
        let (rows, cols) = self.spec.prepare.prepared_shape();
        let (pr, pc) = self.spec.pool();
        let (h, w) = self.spec.identity.input_size;
        let mut outs = Vec::new();
        for chunk in images.chunks(BATCH) {
            let mut pixels = Vec::with_capacity(chunk.len() * h * w);
            for img in chunk {
                if img.dim() != (rows, cols) {
                    return Err(PredictError::Config {
                        field: "prepared image",
                        value: format!("{:?}", img.dim()),
                        reason: "must have the shape of the recorded preprocessing",
                    });
                }
                if (pr, pc) == (1, 1) {
                    pixels.extend(img.iter().copied());
                } else {
                    pixels.extend(block_mean(*img, pr, pc).iter().copied());
                }
            }
            let x = Tensor::from_slice(&pixels)
                .reshape([chunk.len() as i64, 1, h as i64, w as i64])
                .to_device(self.device);
            let x = bs_model::grayscale_to_input(&x).map_err(|source| PredictError::Model {
                path: self.spec.identity.path.clone(),
                source,
            })?;
            let x = if self.channels_last {
                bs_model::channels_last::to_channels_last(&x)
            } else {
                x
            };
            let mean = tch::no_grad(|| -> Result<Tensor> {
                let mut sum: Option<Tensor> = None;
                for m in &self.members {
                    let forward = |x: &Tensor, any_size: bool| {
                        bs_model::with_mixed_precision(self.mixed_precision, || {
                            if any_size {
                                m.model.try_forward_any_size_t(x, false)
                            } else {
                                m.model.try_forward_t(x, false)
                            }
                        })
                        .map(|out| out.out2.to_kind(Kind::Float))
                        .map_err(|source| PredictError::Model {
                            path: self.spec.identity.path.clone(),
                            source,
                        })
                    };
                    let p = match self.spec.identity.window {
                        Some((wh, ww)) if wh < h || ww < w => {
                            bs_model::windows::tiled(&x, (wh as i64, ww as i64), |tile| {
                                forward(tile, true)
                            })?
                        }
                        _ => forward(&x, false)?,
                    };
                    sum = Some(match sum {
                        None => p,
                        Some(s) => s + p,
                    });
                }
                Ok(sum.expect("at least one member") / self.members.len() as f64)
            })?;
            let full = if (pr, pc) == (1, 1) {
                mean
            } else {
                mean.upsample_bilinear2d([rows as i64, cols as i64], false, None, None)
            };
            outs.push(full.to_device(Device::Cpu));
        }
        Ok(Tensor::cat(&outs, 0))
    }
}
