//! The `paper` profile trains the published Double U-Net: ImageNet weights in encoder 1 (named
//! by their sha256 in run.json and report.md), the Keras loss over both heads concatenated, and
//! the last epoch tested. Run on 32×32 images so the full-width network fits a test.

use std::path::Path;

use bs_train::data::PatientImage;
use bs_train::experiment::{run_experiment, RunInfo, RunOptions};
use bs_train::{Cohort, ExperimentConfig, Group, ProfileName};
use ndarray::Array2;
use tch::{Device, Kind, Tensor};

const SIDE: usize = 32;

/// A 32×32 image: a body and, for positive groups, a bright 4×4 lesion.
fn patient(i: usize, group: Group) -> PatientImage {
    let mut image = Array2::<f32>::from_elem((SIDE, SIDE), 0.0);
    let mut m = Array2::<bool>::from_elem((SIDE, SIDE), false);
    for r in 4..28 {
        for c in 8..24 {
            image[[r, c]] = 30.0 + ((r * 7 + c * 3 + i) % 11) as f32;
        }
    }
    if group.metastatic() {
        let (r0, c0) = (6 + (i * 5) % 16, 10 + (i * 3) % 10);
        for r in r0..r0 + 4 {
            for c in c0..c0 + 4 {
                image[[r, c]] = 200.0;
                m[[r, c]] = true;
            }
        }
    }
    PatientImage {
        patient_id: format!("{group}-{i:02}"),
        group,
        image,
        m,
    }
}

/// Random encoder weights in torchvision's names, written as bonescan's converter writes them.
fn encoder_weights(path: &Path) {
    let named: Vec<(String, Tensor)> = bs_model::imagenet::encoder_tensor_shapes()
        .into_iter()
        .map(|(name, shape)| {
            (
                name,
                Tensor::randn(shape, (Kind::Float, Device::Cpu)) * 0.05,
            )
        })
        .collect();
    Tensor::write_safetensors(&named, path).unwrap();
}

#[test]
fn paper_profile_runs_with_imagenet_weights_and_records_them() {
    tch::set_num_threads(1);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let weights = dir.join("vgg19.safetensors");
    encoder_weights(&weights);
    let config = ExperimentConfig::from_toml_str(
        r#"
name = "paper_small"
table = "Table 3"
groups = ["D1"]
nm_source = "otsu"
losses = ["focal_tversky"]
[training]
folds = 3
"#,
        Path::new("paper_small.toml"),
    )
    .unwrap();
    let images = (0..6).map(|i| patient(i, Group::D1)).collect();
    let cohort = Cohort::from_images(images, "32×32 test cohort").unwrap();
    let out = dir.join("run");
    let mut opts = RunOptions::new(&out, ProfileName::Paper);
    opts.device = Device::Cpu;
    opts.progress = false;
    opts.epochs = Some(2);
    opts.encoder_weights = Some(weights.clone());
    run_experiment(&config, &cohort, &opts).expect("paper profile run");

    let info: RunInfo =
        serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    let recorded = info
        .encoder_weights
        .expect("run.json names the encoder weights");
    let expected = bs_train::experiment::EncoderWeights::of_file(&weights).unwrap();
    assert_eq!(recorded.sha256, expected.sha256);
    assert_eq!(recorded.sha256.len(), 64);

    bs_train::results::aggregate(&out).expect("aggregate");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains(&expected.sha256),
        "report names the weights:\n{report}"
    );
    assert!(report.contains("tested weights: last epoch"), "{report}");
    assert!(report.contains("concatenated (Keras)"), "{report}");

    // the last epoch is the tested one, whatever validation said
    let fold = out.join("focal_tversky").join("fold_1");
    let result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fold.join("result.json")).unwrap()).unwrap();
    assert_eq!(result["epochs_run"], 2);
    assert_eq!(result["best_epoch"], 2);
}
