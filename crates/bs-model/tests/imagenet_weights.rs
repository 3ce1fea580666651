//! `bs_model::imagenet::convert_vgg19` on weight files the test writes itself in both formats
//! users have: a `torch.save` zip of a torchvision VGG19 state dict (from `.venv`'s torch) and a
//! Keras HDF5 notop file (h5py), with random tensors of VGG19's names and shapes. The expected
//! OIHW/RGB tensors are computed in numpy, independently of the Rust conversion, and the
//! converted file must load into a Double U-Net whose first convolution then equals them.

mod common;

use std::collections::HashMap;
use std::path::Path;

use tch::Tensor;

use bs_model::imagenet::{convert_vgg19, WeightFormat};
use bs_model::{DoubleUNetConfig, ModelError, Variant};

/// Writes `torchvision.pth`, `keras.h5` and `expected.safetensors` (what both must convert to,
/// in torchvision's names, OIHW, RGB) into `dir`, plus small broken variants.
const WRITE_FILES: &str = r#"
import sys, collections, numpy as np, torch, h5py
from safetensors.numpy import save_file
d = sys.argv[1]
rng = np.random.default_rng(7)
layout = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
          512, 512, 512, 512, "M", 512, 512, 512, 512]
state, expected, keras = collections.OrderedDict(), {}, {}
idx, c_in, block, conv = 0, 3, 1, 1
for item in layout:
    if item == "M":
        idx += 1; block += 1; conv = 1; continue
    w = rng.standard_normal((3, 3, c_in, item), dtype=np.float32) * 0.05  # Keras HWIO, BGR
    b = rng.standard_normal(item, dtype=np.float32) * 0.05
    oihw = np.ascontiguousarray(w.transpose(3, 2, 0, 1))
    if idx == 0:
        oihw = np.ascontiguousarray(oihw[:, ::-1])  # torchvision takes RGB
    expected[f"features.{idx}.weight"], expected[f"features.{idx}.bias"] = oihw, b
    state[f"features.{idx}.weight"] = torch.from_numpy(oihw.copy())
    state[f"features.{idx}.bias"] = torch.from_numpy(b.copy())
    keras[f"block{block}_conv{conv}"] = (w, b)
    idx += 2; c_in = item; conv += 1
state["classifier.0.weight"] = torch.zeros(8, 4)
state["classifier.0.bias"] = torch.zeros(8)
torch.save(state, f"{d}/torchvision.pth")
save_file(expected, f"{d}/expected.safetensors")
with h5py.File(f"{d}/keras.h5", "w") as f:
    names = ["input_1"] + [k for k in keras]
    f.attrs["layer_names"] = [n.encode() for n in names]
    f.create_group("input_1")
    for name, (w, b) in keras.items():
        g = f.create_group(name)
        g.create_dataset(f"{name}_W_1:0", data=w)
        g.create_dataset(f"{name}_b_1:0", data=b)
first = collections.OrderedDict(list(state.items())[:6])
torch.save(first, f"{d}/missing.pth")
bad = collections.OrderedDict(state); bad["features.0.weight"] = torch.zeros(64, 3, 5, 5)
torch.save(collections.OrderedDict(list(bad.items())[:2]), f"{d}/misshaped.pth")
torch.save({"features.0.weight": state["features.0.weight"], "decoder.1.weight": torch.zeros(2)},
           f"{d}/unexpected.pth")
for name, kernel in [("misshaped", np.zeros((5, 3, 3, 64), np.float32)),
                     ("integer", np.zeros((3, 3, 3, 64), np.int32))]:
    with h5py.File(f"{d}/keras-{name}.h5", "w") as f:
        g = f.create_group("block1_conv1")
        g.create_dataset("kernel:0", data=kernel)
        g.create_dataset("bias:0", data=np.zeros(64, np.float32))
"#;

fn write_files(dir: &Path) {
    bs_testdata::run_python(WRITE_FILES, &[dir.to_str().unwrap()]);
}

fn read(path: &Path) -> HashMap<String, Tensor> {
    Tensor::read_safetensors(path)
        .unwrap()
        .into_iter()
        .collect()
}

fn assert_same_tensors(got: &Path, expected: &HashMap<String, Tensor>) {
    let got = read(got);
    assert_eq!(got.len(), 32, "16 convolutions, weight and bias");
    for (name, want) in expected {
        let have = got.get(name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(have.size(), want.size(), "{name} shape");
        assert!(have.equal(want), "{name} differs from the numpy conversion");
    }
}

#[test]
fn torchvision_and_keras_files_convert_to_the_same_encoder() {
    let dir = bs_testdata::output_dir("bs-model-imagenet");
    write_files(&dir);
    let expected = read(&dir.join("expected.safetensors"));

    let torch_out = dir.join("from-torchvision.safetensors");
    let c = convert_vgg19(&dir.join("torchvision.pth"), &torch_out).expect("torchvision file");
    assert_eq!(c.format, WeightFormat::Torchvision);
    assert_eq!(c.mapped.len(), 32);
    assert_eq!(c.skipped, ["classifier.0.bias", "classifier.0.weight"]);
    assert_eq!(c.sha256.len(), 64);
    assert_same_tensors(&torch_out, &expected);

    let keras_out = dir.join("from-keras.safetensors");
    let k = convert_vgg19(&dir.join("keras.h5"), &keras_out).expect("Keras file");
    assert_eq!(k.format, WeightFormat::Keras);
    assert_eq!(k.mapped[0].source, "block1_conv1/block1_conv1_W_1:0");
    assert_eq!(k.mapped[0].target, "features.0.weight");
    assert!(k.skipped.is_empty(), "{:?}", k.skipped);
    assert_same_tensors(&keras_out, &expected);
    assert_ne!(c.sha256, k.sha256);

    // the converted file loads into the network: its first convolution is the tensor
    let config = DoubleUNetConfig::new(Variant::ThreeClass)
        .with_input_size(32, 32)
        .with_vgg19_weights(&keras_out);
    let (vs, _model) = common::seeded(&config, 3);
    let vars = vs.variables();
    assert!(vars["features.0.weight"].equal(&expected["features.0.weight"]));
    assert!(vars["features.34.bias"].equal(&expected["features.34.bias"]));
}

#[test]
fn broken_weight_files_are_named_errors() {
    let dir = bs_testdata::output_dir("bs-model-imagenet-broken");
    write_files(&dir);
    let out = dir.join("out.safetensors");
    match convert_vgg19(&dir.join("missing.pth"), &out) {
        Err(ModelError::MissingTensor { name, .. }) => assert_eq!(name, "features.7.weight"),
        other => panic!("missing tensor: {other:?}"),
    }
    match convert_vgg19(&dir.join("misshaped.pth"), &out) {
        Err(ModelError::ShapeMismatch {
            name,
            expected,
            found,
            ..
        }) => {
            assert_eq!(name, "features.0.weight");
            assert_eq!((expected, found), (vec![64, 3, 3, 3], vec![64, 3, 5, 5]));
        }
        other => panic!("misshaped tensor: {other:?}"),
    }
    match convert_vgg19(&dir.join("unexpected.pth"), &out) {
        Err(ModelError::UnexpectedTensor { name, .. }) => assert_eq!(name, "decoder.1.weight"),
        other => panic!("unexpected tensor: {other:?}"),
    }
    // a Keras kernel is checked for its size and value type before its values are read
    match convert_vgg19(&dir.join("keras-misshaped.h5"), &out) {
        Err(ModelError::ShapeMismatch {
            name,
            expected,
            found,
            ..
        }) => {
            assert_eq!(name, "block1_conv1/kernel:0");
            assert_eq!((expected, found), (vec![3, 3, 3, 64], vec![5, 3, 3, 64]));
        }
        other => panic!("misshaped Keras kernel: {other:?}"),
    }
    match convert_vgg19(&dir.join("keras-integer.h5"), &out) {
        Err(ModelError::ValueType { name, found, .. }) => {
            assert_eq!(name, "block1_conv1/kernel:0");
            assert_eq!(found, "integer of 4 bytes");
        }
        other => panic!("integer Keras kernel: {other:?}"),
    }
    let text = dir.join("notes.txt");
    std::fs::write(&text, "not weights").unwrap();
    let err = convert_vgg19(&text, &out).unwrap_err();
    assert!(matches!(err, ModelError::WeightFormat { .. }), "{err:?}");
    assert!(err.to_string().contains("notes.txt"), "{err}");
    assert!(!out.exists(), "a failed conversion writes nothing");
}

/// The three Keras files the `vgg19_weights` fuzz target stopped at while bonescan read HDF5
/// with hdf5-pure 0.21: a dataspace whose dimensions overflow when multiplied (a panic), a float
/// type of 1.8 GB a value (a 196 GB allocation), a chunk layout that kept it walking chunk rows
/// for 76 s. bonescan's own reader refuses each from its structure, before reading values: the
/// first ends before its dataset's header does (h5py refuses it as truncated), the second's
/// kernel is no 32- or 64-bit float, the third is a compressed (chunked) dataset, which Keras
/// files never hold.
#[test]
fn the_keras_files_the_fuzzer_found_are_refused() {
    let dir = bs_testdata::output_dir("bs-model-imagenet-crashers");
    let out = dir.join("out.safetensors");
    let crashers = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/crashers");
    for (name, object, source) in [
        (
            "keras-dataspace-overflow.h5",
            "block1_conv1",
            "object header block at byte 7424 runs past the end of the file",
        ),
        (
            "keras-chunk-dims.h5",
            "block1_conv1/block1_conv1",
            "a filter pipeline (compressed storage) is not supported: Keras weight files do not \
             use it",
        ),
    ] {
        let file = crashers.join(name);
        match convert_vgg19(&file, &out) {
            Err(ModelError::Hdf5 {
                path,
                object: o,
                source: s,
            }) => {
                assert_eq!(path, file);
                assert_eq!(
                    (o.as_str(), s.to_string().as_str()),
                    (object, source),
                    "{name}"
                );
            }
            other => panic!("{name}: {other:?}"),
        }
        assert!(!out.exists());
    }
    // a kernel with a zero dimension passed the size check (0 values) and libtorch failed
    // reshaping to the others (stride overflow, a panic in tch's reshape)
    let file = crashers.join("keras-zero-dim-reshape.h5");
    match convert_vgg19(&file, &out) {
        Err(ModelError::ShapeMismatch { name, found, .. }) => {
            assert_eq!(name, "block1_conv1/kernel:0");
            assert_eq!(
                found,
                [12_884_901_888, 524_288, 0, 2_161_782_796_719_226_880]
            );
        }
        other => panic!("zero dimension: {other:?}"),
    }
    let file = crashers.join("keras-float-size-huge.h5");
    match convert_vgg19(&file, &out) {
        Err(ModelError::ValueType { path, name, found }) => {
            assert_eq!(path, file);
            assert_eq!(name, "block1_conv1/block1_conv1/kernel:0");
            assert_eq!(found, "float of 1818361860 bytes");
        }
        other => panic!("huge float type: {other:?}"),
    }
    assert!(!out.exists());
}
