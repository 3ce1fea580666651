//! ImageNet weights for encoder 1: the VGG19 files users have, converted to the safetensors
//! file [`crate::DoubleUNetConfig::with_vgg19_weights`] loads.
//!
//! | source | file | layout |
//! |---|---|---|
//! | torchvision | `vgg19-dcbb9e9d.pth` (`torch.save` zip archive of `vgg19().state_dict()`) | `features.N.weight` O×I×3×3, RGB input |
//! | Keras | `vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5` (HDF5) | group `blockB_convC`, kernel 3×3×I×O (HWIO), BGR input |
//!
//! A Keras kernel becomes `kernel.permute(3, 2, 0, 1)` (HWIO → OIHW), and the input channels of
//! `block1_conv1` are reversed (BGR → RGB), so both sources give torchvision's convention. The
//! bone-scan input repeats one grey channel three times, so the channel order changes nothing
//! numerically there; it matters for anyone who reuses the converted file.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use tch::{Kind, Tensor};

use crate::error::{ModelError, Result};
use crate::vgg19::VGG19_BLOCKS;

mod hdf5;
mod torch_zip;

pub use hdf5::Hdf5Error;

/// The file format a conversion read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WeightFormat {
    /// A `torch.save` zip archive of a torchvision state dict.
    Torchvision,
    /// A Keras HDF5 weight file.
    Keras,
}

/// One encoder tensor written by [`convert_vgg19`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedTensor {
    /// Name in the source file.
    pub source: String,
    /// Name in the written file (`features.N.weight` / `features.N.bias`).
    pub target: String,
    /// Shape written (O×I×3×3 or O).
    pub shape: Vec<i64>,
}

/// What [`convert_vgg19`] did.
#[derive(Debug, Clone)]
pub struct Conversion {
    /// Format of the source file.
    pub format: WeightFormat,
    /// SHA-256 of the source file (lower-case hex).
    pub sha256: String,
    /// The 32 encoder tensors, in network order.
    pub mapped: Vec<MappedTensor>,
    /// Tensors of the source that are not part of encoder 1 (the classifier of a full VGG19).
    pub skipped: Vec<String>,
}

/// One of the 16 convolutions of VGG19: its torchvision index, Keras name and channels.
struct VggConv {
    index: usize,
    keras: String,
    c_in: i64,
    c_out: i64,
}

fn vgg19_convs() -> Vec<VggConv> {
    let (mut convs, mut index, mut c_in) = (Vec::new(), 0, 3);
    for (block, &(c_out, n)) in VGG19_BLOCKS.iter().enumerate() {
        for conv in 0..n {
            let keras = format!("block{}_conv{}", block + 1, conv + 1);
            convs.push(VggConv {
                index,
                keras,
                c_in,
                c_out,
            });
            c_in = c_out;
            index += 2; // conv, ReLU
        }
        index += 1; // max-pool
    }
    convs
}

/// Converts a torchvision or Keras VGG19 weight file (format told by its signature) into a
/// safetensors file of encoder 1 at `out`.
///
/// Fails, writing nothing, on a file of another format, a missing or mis-shaped encoder tensor,
/// or a tensor that belongs to neither the encoder nor VGG19's classifier.
pub fn convert_vgg19(from: &Path, out: &Path) -> Result<Conversion> {
    let bytes = std::fs::read(from).map_err(|source| ModelError::Io {
        path: from.to_path_buf(),
        source,
    })?;
    let sha256 = sha256_hex(&bytes);
    let (format, tensors, skipped) = if bytes.starts_with(b"PK\x03\x04") {
        let (t, s) = read_torchvision(from, &bytes)?;
        (WeightFormat::Torchvision, t, s)
    } else if bytes.starts_with(hdf5::SIGNATURE) {
        let (t, s) = read_keras(from, bytes)?;
        (WeightFormat::Keras, t, s)
    } else {
        return Err(ModelError::WeightFormat {
            path: from.to_path_buf(),
            reason: if bytes.starts_with(&[0x80]) {
                "a legacy (pre-1.6) torch pickle; re-save it as a zip archive with \
                 `torch.save(torch.load(F), F2)`"
            } else {
                "neither a torch.save zip archive nor an HDF5 file"
            },
        });
    };
    let mapped = tensors.iter().map(|(m, _)| m.clone()).collect();
    let named: Vec<(String, Tensor)> = tensors.into_iter().map(|(m, t)| (m.target, t)).collect();
    Tensor::write_safetensors(&named, out)
        .map_err(|e| ModelError::torch(format!("writing {}", out.display()), e))?;
    Ok(Conversion {
        format,
        sha256,
        mapped,
        skipped,
    })
}

type Converted = (Vec<(MappedTensor, Tensor)>, Vec<String>);

/// The encoder tensors of a torchvision state dict (`features.N.*`, or `N.*` of the
/// `features` module alone); `classifier.*` is skipped.
fn read_torchvision(path: &Path, bytes: &[u8]) -> Result<Converted> {
    let list = torch_zip::read_state_dict(bytes).map_err(|reason| ModelError::TorchArchive {
        path: path.to_path_buf(),
        reason,
    })?;
    let mut by_name: HashMap<String, Tensor> = list.into_iter().collect();
    let expected = encoder_tensor_shapes();
    let mut unexpected: Vec<&String> = by_name
        .keys()
        .filter(|n| !n.starts_with("classifier.") && !expected.contains_key(*n))
        .filter(|n| !expected.contains_key(&format!("features.{n}")))
        .collect();
    unexpected.sort();
    if let Some(name) = unexpected.first() {
        return Err(ModelError::UnexpectedTensor {
            path: path.to_path_buf(),
            name: name.to_string(),
        });
    }
    let mut mapped = Vec::with_capacity(32);
    for conv in vgg19_convs() {
        for (suffix, shape) in conv_shapes(&conv) {
            let target = format!("features.{}.{suffix}", conv.index);
            let short = format!("{}.{suffix}", conv.index);
            let (source, tensor) = match by_name.remove(&target) {
                Some(t) => (target.clone(), t),
                None => match by_name.remove(&short) {
                    Some(t) => (short, t),
                    None => return Err(missing(path, &target)),
                },
            };
            mapped.push(checked(path, source, target, tensor, shape)?);
        }
    }
    let mut skipped: Vec<String> = by_name.into_keys().collect();
    skipped.sort();
    Ok((mapped, skipped))
}

/// The encoder tensors of a Keras VGG19 weight file: in each group `blockB_convC`, the 4-D
/// dataset is the kernel and the 1-D one the bias, whatever the Keras version named them
/// (`blockB_convC_W_1:0`, `kernel:0`, nested one level or not).
fn read_keras(path: &Path, bytes: Vec<u8>) -> Result<Converted> {
    let file = hdf5::File::open(bytes).map_err(|e| hdf5_error(path, "/", e))?;
    let root = file.root().map_err(|e| hdf5_error(path, "/", e))?;
    let groups = root.groups();
    let mut mapped = Vec::with_capacity(32);
    for conv in vgg19_convs() {
        if !groups.contains(&conv.keras) {
            return Err(missing(path, &conv.keras));
        }
        let datasets = keras_datasets(path, &file, &root, &conv)?;
        for ((suffix, shape), rank) in conv_shapes(&conv).into_iter().zip([4, 1]) {
            let found: Vec<&KerasDataset> = datasets.iter().filter(|d| d.1.len() == rank).collect();
            let [(source, dims, values)] = found.as_slice() else {
                return Err(missing(
                    path,
                    &format!("{}/<{rank}-D {suffix}>", conv.keras),
                ));
            };
            let mut tensor = Tensor::from_slice(values).reshape(dims.as_slice());
            if rank == 4 {
                tensor = tensor.permute([3, 2, 0, 1]).contiguous(); // HWIO → OIHW
                if conv.index == 0 {
                    tensor = tensor.flip([1]).contiguous(); // BGR → RGB input channels
                }
            }
            let target = format!("features.{}.{suffix}", conv.index);
            mapped.push(checked(path, source.clone(), target, tensor, shape)?);
        }
    }
    let skipped = keras_other_datasets(path, &file, &root, &groups)?;
    Ok((mapped, skipped))
}

/// A dataset of a Keras file: its path, shape and values.
type KerasDataset = (String, Vec<i64>, Vec<f32>);

/// The datasets in the root's group `name` and its direct subgroups, with their paths.
fn keras_members(
    path: &Path,
    file: &hdf5::File,
    root: &hdf5::Group,
    name: &str,
) -> Result<Vec<(String, hdf5::Dataset)>> {
    let group = root
        .group(file, name)
        .map_err(|e| hdf5_error(path, name, e))?;
    let mut out = Vec::new();
    let mut add = |prefix: &str, g: &hdf5::Group| -> Result<()> {
        for ds in g.datasets() {
            let d = g.dataset(&ds).map_err(|e| hdf5_error(path, prefix, e))?;
            out.push((format!("{prefix}/{ds}"), d.clone()));
        }
        Ok(())
    };
    add(name, &group)?;
    for sub in group.groups() {
        let prefix = format!("{name}/{sub}");
        let g = group
            .group(file, &sub)
            .map_err(|e| hdf5_error(path, &prefix, e))?;
        add(&prefix, &g)?;
    }
    Ok(out)
}

/// Every dataset in the group of `conv` and its direct subgroups, read. A dataset is read only
/// when it holds at least one value and no more than the convolution's kernel, as 32- or
/// 64-bit floats.
fn keras_datasets(
    path: &Path,
    file: &hdf5::File,
    root: &hdf5::Group,
    conv: &VggConv,
) -> Result<Vec<KerasDataset>> {
    let kernel = [3, 3, conv.c_in, conv.c_out];
    let most = kernel.iter().product::<i64>() as u64;
    let mut out = Vec::new();
    for (full, d) in keras_members(path, file, root, &conv.keras)? {
        let shape = d.shape();
        // at least one value: with a zero dimension the others could be anything, and libtorch
        // fails reshaping to them (stride overflow; found by fuzzing)
        let elements = shape.iter().try_fold(1u64, |n, &v| n.checked_mul(v));
        if elements.is_none_or(|n| n == 0 || n > most) {
            return Err(ModelError::ShapeMismatch {
                path: path.to_path_buf(),
                name: full,
                expected: kernel.to_vec(),
                found: shape
                    .iter()
                    .map(|&v| i64::try_from(v).unwrap_or(i64::MAX))
                    .collect(),
            });
        }
        if !matches!(d.value_type(), hdf5::ValueType::Float { .. }) {
            return Err(ModelError::ValueType {
                path: path.to_path_buf(),
                name: full,
                found: d.value_type().to_string(),
            });
        }
        let dims: Vec<i64> = shape.iter().map(|&v| v as i64).collect();
        let values = d.read_f32(file).map_err(|e| hdf5_error(path, &full, e))?;
        out.push((full, dims, values));
    }
    Ok(out)
}

/// Datasets of the other top-level groups (a full VGG19's `fc1`, `fc2`, `predictions`),
/// named, not read.
fn keras_other_datasets(
    path: &Path,
    file: &hdf5::File,
    root: &hdf5::Group,
    groups: &[String],
) -> Result<Vec<String>> {
    let convs: Vec<String> = vgg19_convs().into_iter().map(|c| c.keras).collect();
    let mut skipped = Vec::new();
    for g in groups.iter().filter(|g| !convs.contains(g)) {
        skipped.extend(
            keras_members(path, file, root, g)?
                .into_iter()
                .map(|(n, _)| n),
        );
    }
    let allowed = ["fc1", "fc2", "predictions", "flatten"];
    if let Some(name) = skipped
        .iter()
        .find(|n| !allowed.iter().any(|a| n.starts_with(&format!("{a}/"))))
    {
        return Err(ModelError::UnexpectedTensor {
            path: path.to_path_buf(),
            name: name.clone(),
        });
    }
    Ok(skipped)
}

fn conv_shapes(conv: &VggConv) -> [(&'static str, Vec<i64>); 2] {
    [
        ("weight", vec![conv.c_out, conv.c_in, 3, 3]),
        ("bias", vec![conv.c_out]),
    ]
}

/// `tensor` as the encoder tensor `target`, after checking it has the VGG19 `shape`.
fn checked(
    path: &Path,
    source: String,
    target: String,
    tensor: Tensor,
    shape: Vec<i64>,
) -> Result<(MappedTensor, Tensor)> {
    if tensor.size() != shape {
        return Err(ModelError::ShapeMismatch {
            path: path.to_path_buf(),
            name: source,
            expected: shape,
            found: tensor.size(),
        });
    }
    let tensor = tensor.to_kind(Kind::Float).contiguous();
    Ok((
        MappedTensor {
            source,
            target,
            shape,
        },
        tensor,
    ))
}

fn missing(path: &Path, name: &str) -> ModelError {
    ModelError::MissingTensor {
        path: path.to_path_buf(),
        name: name.to_string(),
    }
}

fn hdf5_error(path: &Path, object: &str, e: hdf5::Hdf5Error) -> ModelError {
    ModelError::Hdf5 {
        path: PathBuf::from(path),
        object: object.to_string(),
        source: Box::new(e),
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Names and shapes of the tensors of a converted file, for tests and listings.
pub fn encoder_tensor_shapes() -> BTreeMap<String, Vec<i64>> {
    vgg19_convs()
        .iter()
        .flat_map(|c| {
            conv_shapes(c)
                .into_iter()
                .map(move |(s, shape)| (format!("features.{}.{s}", c.index), shape))
        })
        .collect()
}
