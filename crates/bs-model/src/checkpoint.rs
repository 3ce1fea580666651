//! Checkpoints: the VarStore as safetensors plus a JSON sidecar holding the configuration.
//!
//! `model.safetensors` holds every parameter and batch-norm running statistic under its
//! VarStore name; `model.json` beside it holds the [`DoubleUNetConfig`] and the name, shape and
//! dtype of every tensor. Loading rebuilds the network from the sidecar and checks the file
//! against both the sidecar and the network, naming the first missing, unexpected or
//! mis-shaped tensor.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Device, Tensor};

use crate::config::DoubleUNetConfig;
use crate::error::{ModelError, Result};
use crate::DoubleUNet;

/// `format` field of the sidecar.
pub const SIDECAR_FORMAT: &str = "bonescan-double-unet";
/// `version` field of the sidecar this crate writes and reads.
pub const SIDECAR_VERSION: u32 = 1;

/// One tensor as the sidecar records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TensorInfo {
    /// Shape.
    pub shape: Vec<i64>,
    /// libtorch kind, e.g. `Float`.
    pub dtype: String,
}

/// The JSON sidecar of a checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sidecar {
    /// Always [`SIDECAR_FORMAT`].
    pub format: String,
    /// [`SIDECAR_VERSION`].
    pub version: u32,
    /// The network configuration (`vgg19_weights` is not recorded: the weights are in the
    /// checkpoint).
    pub config: DoubleUNetConfig,
    /// Every tensor of the safetensors file, by name.
    pub tensors: BTreeMap<String, TensorInfo>,
}

/// A network restored from a checkpoint, with the store that owns its weights.
#[derive(Debug)]
pub struct Checkpoint {
    /// The variables (on the requested device).
    pub var_store: VarStore,
    /// The network.
    pub model: DoubleUNet,
    /// The configuration read from the sidecar.
    pub config: DoubleUNetConfig,
}

/// The sidecar path of a weight file: `x.safetensors` → `x.json`.
pub fn sidecar_path(weights: &Path) -> PathBuf {
    weights.with_extension("json")
}

fn require_safetensors(path: &Path) -> Result<()> {
    if path.extension().and_then(|e| e.to_str()) == Some("safetensors") {
        Ok(())
    } else {
        Err(ModelError::NotSafetensors {
            path: path.to_path_buf(),
        })
    }
}

/// Writes `vs` to `path` (must end in `.safetensors`) and the sidecar beside it.
pub fn save(vs: &VarStore, config: &DoubleUNetConfig, path: &Path) -> Result<()> {
    require_safetensors(path)?;
    let tensors = vs
        .variables()
        .into_iter()
        .map(|(name, t)| {
            (
                name,
                TensorInfo {
                    shape: t.size(),
                    dtype: format!("{:?}", t.kind()),
                },
            )
        })
        .collect();
    let sidecar = Sidecar {
        format: SIDECAR_FORMAT.into(),
        version: SIDECAR_VERSION,
        config: DoubleUNetConfig {
            vgg19_weights: None,
            ..config.clone()
        },
        tensors,
    };
    // Channels-last variables are written in the standard contiguous layout.
    let named: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .map(|(name, t)| (name, t.contiguous()))
        .collect();
    Tensor::write_safetensors(&named, path)
        .map_err(|e| ModelError::torch(format!("writing {}", path.display()), e))?;
    let json = serde_json::to_string_pretty(&sidecar).map_err(|source| ModelError::Sidecar {
        path: sidecar_path(path),
        source,
    })?;
    std::fs::write(sidecar_path(path), json).map_err(|source| ModelError::Io {
        path: sidecar_path(path),
        source,
    })
}

/// Reads and checks the sidecar of `path`.
pub fn read_sidecar(path: &Path) -> Result<Sidecar> {
    let side = sidecar_path(path);
    let text = std::fs::read_to_string(&side).map_err(|source| ModelError::Io {
        path: side.clone(),
        source,
    })?;
    let sidecar: Sidecar = serde_json::from_str(&text).map_err(|source| ModelError::Sidecar {
        path: side.clone(),
        source,
    })?;
    if sidecar.format != SIDECAR_FORMAT || sidecar.version != SIDECAR_VERSION {
        return Err(ModelError::SidecarFormat {
            path: side,
            format: sidecar.format,
            version: sidecar.version,
        });
    }
    sidecar.config.validate()?;
    Ok(sidecar)
}

/// Rebuilds the network from the sidecar of `path` on `device` and loads its weights. The
/// network is built only when the weight file can hold it (two bytes a value at least), so a
/// load allocates at most about three times the file's size.
pub fn load(path: &Path, device: Device) -> Result<Checkpoint> {
    require_safetensors(path)?;
    let sidecar = read_sidecar(path)?;
    let bytes = std::fs::metadata(path)
        .map_err(|source| ModelError::Io {
            path: path.to_path_buf(),
            source,
        })?
        .len();
    let elements = sidecar.config.stored_elements();
    if bytes / 2 < elements as u64 {
        return Err(ModelError::WeightsTooSmall {
            path: path.to_path_buf(),
            bytes,
            elements,
        });
    }
    let var_store = VarStore::new(device);
    let model = sidecar.config.init(&var_store.root())?;
    load_checked(&var_store, path, Some(&sidecar))?;
    Ok(Checkpoint {
        var_store,
        model,
        config: sidecar.config,
    })
}

/// Loads `path` into an existing store (e.g. to resume training), checking every name and
/// shape against the store and, when given, the sidecar.
pub fn load_checked(vs: &VarStore, path: &Path, sidecar: Option<&Sidecar>) -> Result<()> {
    require_safetensors(path)?;
    if !path.is_file() {
        return Err(ModelError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "checkpoint weights not found",
            ),
        });
    }
    let file: HashMap<String, Tensor> = Tensor::read_safetensors(path)
        .map_err(|e| ModelError::torch(format!("reading {}", path.display()), e))?
        .into_iter()
        .collect();
    let side = sidecar_path(path);
    if let Some(sidecar) = sidecar {
        for (name, info) in &sidecar.tensors {
            let tensor = file.get(name).ok_or_else(|| ModelError::MissingTensor {
                path: path.to_path_buf(),
                name: name.clone(),
            })?;
            if tensor.size() != info.shape {
                return Err(ModelError::ShapeMismatch {
                    path: path.to_path_buf(),
                    name: name.clone(),
                    expected: info.shape.clone(),
                    found: tensor.size(),
                });
            }
        }
        if let Some(name) = file.keys().find(|n| !sidecar.tensors.contains_key(*n)) {
            return Err(ModelError::MissingTensor {
                path: side,
                name: name.clone(),
            });
        }
    }
    let variables = vs.variables();
    let mut names: Vec<&String> = variables.keys().collect();
    names.sort();
    for name in &names {
        let var = &variables[*name];
        let source = file.get(*name).ok_or_else(|| ModelError::MissingTensor {
            path: path.to_path_buf(),
            name: (*name).clone(),
        })?;
        if source.size() != var.size() {
            return Err(ModelError::ShapeMismatch {
                path: path.to_path_buf(),
                name: (*name).clone(),
                expected: var.size(),
                found: source.size(),
            });
        }
    }
    if let Some(name) = file.keys().find(|n| !variables.contains_key(*n)) {
        return Err(ModelError::UnexpectedTensor {
            path: path.to_path_buf(),
            name: name.clone(),
        });
    }
    tch::no_grad(|| {
        for name in names {
            let mut var = variables[name].shallow_clone();
            var.f_copy_(&file[name])
                .map_err(|e| ModelError::torch(format!("copying {name}"), e))?;
        }
        Ok(())
    })
}
