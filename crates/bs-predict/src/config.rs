//! [`PredictConfig`]: how masks are decided and what the outputs contain.

use tch::Device;

use crate::error::{PredictError, Result};

/// Settings of a prediction run, validated by [`PredictConfig::validate`].
#[derive(Debug, Clone, PartialEq)]
pub struct PredictConfig {
    /// Probability threshold of the M class. `None`: the decision the model was selected with
    /// in training — `P(M) ≥ 0.5` for the binary network, arg-max = M for three classes.
    /// `Some(t)`: `P(M) ≥ t` for either network.
    pub threshold: Option<f64>,
    /// Replace identifiers in `report.json` by a salted pseudonym (default true).
    pub deidentify: bool,
    /// Salt of the pseudonym ([`bs_dicom::pseudonym`]).
    pub deidentify_salt: String,
    /// Source view shape (rows, cols) the model accepts; `None` accepts any. Default: the
    /// paper's 1024×256 — the 950×256 cut does not scale, so a view of another matrix size
    /// shows the body at another pixel size than the network was trained on.
    pub view_shape: Option<(usize, usize)>,
    /// Device of the networks.
    pub device: Device,
    /// Scans decoded and preprocessed ahead of the network (bounded queue).
    pub prefetch: usize,
    /// Run the networks with channels-last (NHWC) weights and inputs. `None` (default): yes.
    /// NHWC was measured faster on the full-size network with oneDNN on the CPU and with cuDNN
    /// on an H200 (`examples/bench_predict`, `examples/bench_model` print both); the results
    /// agree within float rounding (tested to 1e-4).
    pub channels_last: Option<bool>,
    /// Run the networks under fp16 autocast (CUDA only). `None` (default): on CUDA, which is
    /// how `bonescan cv` validated and selected the model; `Some(false)` for fp32.
    pub mixed_precision: Option<bool>,
}

impl Default for PredictConfig {
    fn default() -> Self {
        PredictConfig {
            threshold: None,
            deidentify: true,
            deidentify_salt: "bonescan".into(),
            view_shape: Some((1024, 256)),
            device: Device::Cpu,
            prefetch: 4,
            channels_last: None,
            mixed_precision: None,
        }
    }
}

impl PredictConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        if let Some(t) = self.threshold {
            if !(t.is_finite() && t > 0.0 && t < 1.0) {
                return Err(PredictError::Config {
                    field: "threshold",
                    value: t.to_string(),
                    reason: "must lie strictly between 0 and 1",
                });
            }
        }
        if let Some((r, c)) = self.view_shape {
            if r == 0 || c == 0 {
                return Err(PredictError::Config {
                    field: "view_shape",
                    value: format!("{r}×{c}"),
                    reason: "must be positive",
                });
            }
        }
        if self.prefetch == 0 || self.prefetch > 256 {
            return Err(PredictError::Config {
                field: "prefetch",
                value: self.prefetch.to_string(),
                reason: "must be in 1..=256",
            });
        }
        if self.mixed_precision == Some(true) && !self.device.is_cuda() {
            return Err(PredictError::Config {
                field: "mixed_precision",
                value: "true".into(),
                reason: "fp16 autocast needs a CUDA device",
            });
        }
        if let Device::Cuda(_) = self.device {
            if !tch::Cuda::is_available() {
                return Err(PredictError::Config {
                    field: "device",
                    value: "cuda".into(),
                    reason: "CUDA is not available on this machine (libtorch sees no GPU)",
                });
            }
        }
        Ok(())
    }

    /// Whether the networks run channels-last ([`Self::channels_last`] resolved for
    /// [`Self::device`]).
    pub fn uses_channels_last(&self) -> bool {
        self.channels_last.unwrap_or(true)
    }

    /// Whether the networks run under fp16 autocast ([`Self::mixed_precision`] resolved for
    /// [`Self::device`]).
    pub fn uses_mixed_precision(&self) -> bool {
        self.mixed_precision.unwrap_or(self.device.is_cuda())
    }

    /// Parses `cpu`, `cuda` or `cuda:N`.
    pub fn parse_device(text: &str) -> std::result::Result<Device, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "cpu" => Ok(Device::Cpu),
            "cuda" => Ok(Device::Cuda(0)),
            other => other
                .strip_prefix("cuda:")
                .and_then(|n| n.parse().ok())
                .map(Device::Cuda)
                .ok_or_else(|| format!("`{text}` is not a device (cpu, cuda, cuda:N)")),
        }
    }
}
