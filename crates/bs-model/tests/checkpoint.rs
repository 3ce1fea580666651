//! Checkpoints (safetensors + JSON sidecar) and torchvision VGG19 weight loading.

mod common;

use std::path::Path;

use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use bs_model::checkpoint::{self, sidecar_path};
use bs_model::{DoubleUNetConfig, ModelError, Variant};
use bs_testdata_torch::perturb_batch_norm_and_biases;
use common::tiny;

fn saved_tiny(dir: &Path) -> (std::path::PathBuf, VarStore, bs_model::DoubleUNet) {
    let (vs, model) = tiny(Variant::ThreeClass, 0.125, 32, 21);
    perturb_batch_norm_and_biases(&vs);
    let path = dir.join("model.safetensors");
    checkpoint::save(&vs, model.config(), &path).unwrap();
    (path, vs, model)
}

#[test]
fn round_trip_restores_config_weights_and_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let (path, vs, model) = saved_tiny(dir.path());
    assert!(sidecar_path(&path).is_file());
    let restored = checkpoint::load(&path, Device::Cpu).unwrap();
    assert_eq!(&restored.config, model.config());
    let original = vs.variables();
    let loaded = restored.var_store.variables();
    assert_eq!(original.len(), loaded.len());
    for (name, t) in &original {
        assert!(t.equal(&loaded[name]), "{name} differs after reload");
    }
    let x = Tensor::rand([2, 3, 32, 32], (Kind::Float, Device::Cpu));
    let a = tch::no_grad(|| model.forward_t(&x, false));
    let b = tch::no_grad(|| restored.model.forward_t(&x, false));
    assert!(a.out2.equal(&b.out2) && a.out1.equal(&b.out1));
}

#[test]
fn tensor_missing_from_the_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (path, vs, _) = saved_tiny(dir.path());
    let kept: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .filter(|(n, _)| n != "decoder2.1.se.fc1.weight")
        .collect();
    Tensor::write_safetensors(&kept, &path).unwrap();
    match checkpoint::load(&path, Device::Cpu) {
        Err(ModelError::MissingTensor { name, path: p }) => {
            assert_eq!(name, "decoder2.1.se.fc1.weight");
            assert_eq!(p, path);
        }
        other => panic!("expected MissingTensor, got {other:?}"),
    }
}

#[test]
fn mis_shaped_and_unexpected_tensors_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (path, vs, _) = saved_tiny(dir.path());
    let mut named: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    for (name, t) in named.iter_mut() {
        if name == "head2.weight" {
            *t = Tensor::zeros([1, 4, 1, 1], (Kind::Float, Device::Cpu));
        }
    }
    Tensor::write_safetensors(&named, &path).unwrap();
    match checkpoint::load(&path, Device::Cpu) {
        Err(ModelError::ShapeMismatch {
            name,
            expected,
            found,
            ..
        }) => {
            assert_eq!(name, "head2.weight");
            assert_eq!(expected, [3, 4, 1, 1]);
            assert_eq!(found, [1, 4, 1, 1]);
        }
        other => panic!("expected ShapeMismatch, got {other:?}"),
    }

    // An extra tensor in the file that neither the sidecar nor the model knows.
    let mut named: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    named.push((
        "classifier.0.weight".into(),
        Tensor::zeros([2], (Kind::Float, Device::Cpu)),
    ));
    Tensor::write_safetensors(&named, &path).unwrap();
    let fresh = VarStore::new(Device::Cpu);
    let config = DoubleUNetConfig::new(Variant::ThreeClass)
        .with_width_multiplier(0.125)
        .with_input_size(32, 32);
    config.init(&fresh.root()).unwrap();
    match checkpoint::load_checked(&fresh, &path, None) {
        Err(ModelError::UnexpectedTensor { name, .. }) => assert_eq!(name, "classifier.0.weight"),
        other => panic!("expected UnexpectedTensor, got {other:?}"),
    }
}

#[test]
fn sidecar_that_disagrees_with_the_weights_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _, _) = saved_tiny(dir.path());
    // A sidecar for another width: its config builds a different network.
    let text = std::fs::read_to_string(sidecar_path(&path)).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["config"]["width_multiplier"] = serde_json::json!(0.15);
    std::fs::write(sidecar_path(&path), json.to_string()).unwrap();
    assert!(matches!(
        checkpoint::load(&path, Device::Cpu),
        Err(ModelError::ShapeMismatch { .. })
    ));
    // One for a network the file cannot hold (the widest: about 470 million values) is refused
    // before the network is built.
    json["config"]["width_multiplier"] = serde_json::json!(4.0);
    std::fs::write(sidecar_path(&path), json.to_string()).unwrap();
    let wide = DoubleUNetConfig::new(Variant::ThreeClass).with_width_multiplier(4.0);
    let bytes = std::fs::metadata(&path).unwrap().len();
    match checkpoint::load(&path, Device::Cpu) {
        Err(ModelError::WeightsTooSmall {
            bytes: b, elements, ..
        }) => {
            assert_eq!((b, elements), (bytes, wide.stored_elements()));
            assert!(elements > 400_000_000);
        }
        other => panic!("expected WeightsTooSmall, got {other:?}"),
    }

    json["config"]["width_multiplier"] = serde_json::json!(0.125);
    json["tensors"]["head1.weight"]["shape"] = serde_json::json!([9, 9]);
    std::fs::write(sidecar_path(&path), json.to_string()).unwrap();
    match checkpoint::load(&path, Device::Cpu) {
        Err(ModelError::ShapeMismatch { name, expected, .. }) => {
            assert_eq!(name, "head1.weight");
            assert_eq!(expected, [9, 9]);
        }
        other => panic!("expected ShapeMismatch from the sidecar, got {other:?}"),
    }

    std::fs::write(sidecar_path(&path), "{ not json").unwrap();
    assert!(matches!(
        checkpoint::load(&path, Device::Cpu),
        Err(ModelError::Sidecar { .. })
    ));
    std::fs::remove_file(sidecar_path(&path)).unwrap();
    assert!(matches!(
        checkpoint::load(&path, Device::Cpu),
        Err(ModelError::Io { .. })
    ));
    let pt = dir.path().join("model.pt");
    assert!(matches!(
        checkpoint::load(&pt, Device::Cpu),
        Err(ModelError::NotSafetensors { .. })
    ));
}

/// A file shaped like torchvision's `vgg19().state_dict()` at width 1 (random values).
fn fake_torchvision_vgg19(path: &Path, prefix: &str, skip: Option<&str>) -> Vec<(String, Tensor)> {
    let vs = VarStore::new(Device::Cpu);
    DoubleUNetConfig::new(Variant::Binary)
        .init(&vs.root())
        .unwrap();
    let mut named: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .filter(|(n, _)| n.starts_with("features."))
        .map(|(n, t)| {
            (
                format!("{prefix}{}", &n["features.".len()..]),
                t.rand_like(),
            )
        })
        .filter(|(n, _)| Some(n.as_str()) != skip)
        .collect();
    named.push((
        "classifier.0.weight".into(),
        Tensor::zeros([4, 4], (Kind::Float, Device::Cpu)),
    ));
    Tensor::write_safetensors(&named, path).unwrap();
    named
}

#[test]
fn torchvision_vgg19_weights_load_into_encoder_1() {
    let dir = tempfile::tempdir().unwrap();
    for prefix in ["features.", ""] {
        let path = dir
            .path()
            .join(format!("vgg19{}.safetensors", prefix.len()));
        let written = fake_torchvision_vgg19(&path, prefix, None);
        let vs = VarStore::new(Device::Cpu);
        let config = DoubleUNetConfig::new(Variant::Binary).with_vgg19_weights(&path);
        config.init(&vs.root()).unwrap();
        let vars = vs.variables();
        for (name, t) in written.iter().filter(|(n, _)| !n.starts_with("classifier")) {
            let ours = &vars[&format!("features.{}", &name[prefix.len()..])];
            assert!(ours.equal(t), "{name} not loaded");
        }
    }
    let path = dir.path().join("partial.safetensors");
    fake_torchvision_vgg19(&path, "features.", Some("features.34.bias"));
    let vs = VarStore::new(Device::Cpu);
    let config = DoubleUNetConfig::new(Variant::Binary).with_vgg19_weights(&path);
    match config.init(&vs.root()) {
        Err(ModelError::MissingTensor { name, .. }) => assert_eq!(name, "features.34.bias"),
        other => panic!("expected MissingTensor, got {other:?}"),
    }
    let missing = DoubleUNetConfig::new(Variant::Binary)
        .with_vgg19_weights(dir.path().join("none.safetensors"));
    assert!(matches!(
        missing.init(&VarStore::new(Device::Cpu).root()),
        Err(ModelError::Io { .. })
    ));
}

#[test]
fn a_broken_sidecar_names_its_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    std::fs::write(sidecar_path(&path), "{ not json").unwrap();
    let err = checkpoint::read_sidecar(&path).unwrap_err();
    assert!(matches!(err, ModelError::Sidecar { .. }), "{err:?}");
    let chain = bs_testdata::error_chain_reads_once(&err);
    assert!(
        chain[0].ends_with("model.json: invalid checkpoint sidecar"),
        "{chain:?}"
    );

    std::fs::remove_file(sidecar_path(&path)).unwrap();
    let err = checkpoint::read_sidecar(&path).unwrap_err();
    assert!(matches!(err, ModelError::Io { .. }), "{err:?}");
    bs_testdata::error_chain_reads_once(&err);
}
