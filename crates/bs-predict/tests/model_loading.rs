//! Model resolution and the fold ensemble, on run directories laid out like bs-train's with
//! small untrained networks (seeded, so the folds differ): every error names what is missing,
//! and the ensemble is the mean of its members' probabilities.

use std::path::{Path, PathBuf};

use bs_model::{DoubleUNetConfig, Variant};
use bs_predict::model::Ensemble;
use bs_predict::{resolve, FoldSelection, ModelRequest, PredictError};
use ndarray::Array2;
use tch::nn::VarStore;
use tch::Device;

fn network() -> DoubleUNetConfig {
    DoubleUNetConfig::new(Variant::ThreeClass)
        .with_width_multiplier(0.0625)
        .with_input_size(32, 32)
}

/// A run directory with folds `present` of `total`, arm `dice`, recorded preprocessing.
fn fake_run(dir: &Path, present: &[usize], total: usize) -> PathBuf {
    fake_run_of(dir, present, total, &network(), (20, 16), None)
}

/// [`fake_run`] of network `cfg`, pooling `pool` and prediction window `window`.
fn fake_run_of(
    dir: &Path,
    present: &[usize],
    total: usize,
    cfg: &DoubleUNetConfig,
    pool: (usize, usize),
    window: Option<(usize, usize)>,
) -> PathBuf {
    let run = dir.join("run");
    for &k in present {
        let fold = run.join(format!("dice/fold_{k}"));
        std::fs::create_dir_all(&fold).unwrap();
        tch::manual_seed(k as i64);
        let vs = VarStore::new(Device::Cpu);
        let _model = cfg.init(&vs.root()).unwrap();
        bs_model::checkpoint::save(&vs, cfg, &fold.join("model.safetensors")).unwrap();
    }
    std::fs::create_dir_all(&run).unwrap();
    let run_json = serde_json::json!({
        "experiment": "fake",
        "profile": {"name": "tiny", "pool_rows": pool.0, "pool_cols": pool.1,
                    "width_multiplier": cfg.width_multiplier, "epochs": 1, "pretrain_epochs": 1},
        "epochs": 1,
        "input_size": [cfg.input_height, cfg.input_width],
        "window": window,
        "device": "cpu",
        "data": dir.join("no-such-prepared-data"),
        "version": env!("CARGO_PKG_VERSION"),
    });
    std::fs::write(run.join("run.json"), run_json.to_string()).unwrap();
    std::fs::write(
        run.join("experiment.toml"),
        format!("name = \"fake\"\ntable = \"Table 3\"\ngroups = [\"D1\"]\nnm_source = \"otsu\"\nlosses = [\"dice\"]\n[training]\nfolds = {total}\n"),
    )
    .unwrap();
    std::fs::write(
        run.join("prepare.json"),
        serde_json::to_string(&bs_preprocess::PrepareConfig::default()).unwrap(),
    )
    .unwrap();
    run
}

fn request(path: &Path, folds: FoldSelection) -> ModelRequest {
    ModelRequest {
        path: path.to_path_buf(),
        folds,
        arm: None,
    }
}

#[test]
fn a_complete_run_resolves_with_every_fold_and_its_preprocessing() {
    let tmp = tempfile::tempdir().unwrap();
    let run = fake_run(tmp.path(), &[1, 2, 3], 3);
    let spec = resolve(&ModelRequest::new(&run)).unwrap();
    let folds: Vec<Option<usize>> = spec.members().iter().map(|m| m.fold).collect();
    assert_eq!(folds, [Some(1), Some(2), Some(3)]);
    assert_eq!(spec.pool(), (20, 16));
    assert_eq!(spec.identity.arm.as_deref(), Some("dice"));
    assert!(spec.identity.preprocessing_source.ends_with("prepare.json"));
    assert_eq!(spec.members()[0].sha256.len(), 64);
    assert_ne!(spec.members()[0].sha256, spec.members()[1].sha256);
    // the arm directory itself is a model path too
    let arm = resolve(&request(
        &run.join("dice"),
        FoldSelection::parse("2,1").unwrap(),
    ))
    .unwrap();
    let folds: Vec<Option<usize>> = arm.members().iter().map(|m| m.fold).collect();
    assert_eq!(folds, [Some(1), Some(2)]);
}

#[test]
fn missing_and_foreign_model_files_give_errors_naming_them() {
    let tmp = tempfile::tempdir().unwrap();
    let run = fake_run(tmp.path(), &[1, 3], 3);
    match resolve(&ModelRequest::new(&run)) {
        Err(PredictError::MissingFolds { missing, total, .. }) => {
            assert_eq!((missing, total), (vec![2], 3))
        }
        other => panic!("expected MissingFolds, got {other:?}"),
    }
    // the folds that exist are usable
    assert!(resolve(&request(&run, FoldSelection::Only(vec![3]))).is_ok());
    match resolve(&request(&run, FoldSelection::Only(vec![4]))) {
        Err(PredictError::NoSuchFold {
            fold: 4, total: 3, ..
        }) => {}
        other => panic!("expected NoSuchFold, got {other:?}"),
    }
    let e = resolve(&ModelRequest {
        arm: Some("focal_tversky".into()),
        ..ModelRequest::new(&run)
    })
    .unwrap_err();
    assert!(matches!(e, PredictError::NoSuchArm { .. }), "{e}");

    // a sidecar gone
    std::fs::remove_file(run.join("dice/fold_3/model.json")).unwrap();
    let e = resolve(&request(&run, FoldSelection::Only(vec![3]))).unwrap_err();
    assert!(
        matches!(&e, PredictError::MissingModelFile { path, .. } if path.ends_with("fold_3/model.json")),
        "{e}"
    );

    // preprocessing not recorded anywhere
    std::fs::remove_file(run.join("prepare.json")).unwrap();
    let e = resolve(&request(&run, FoldSelection::Only(vec![1]))).unwrap_err();
    assert!(
        matches!(e, PredictError::PreprocessingNotRecorded { .. }),
        "{e}"
    );
    assert!(e.to_string().contains("prepare.json"), "{e}");

    // another version of bonescan
    let text = std::fs::read_to_string(run.join("run.json")).unwrap();
    let ours = format!("\"version\":\"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(text.contains(&ours));
    std::fs::write(
        run.join("run.json"),
        text.replace(&ours, "\"version\":\"3.1.0\""),
    )
    .unwrap();
    let e = resolve(&ModelRequest::new(&run)).unwrap_err();
    assert!(
        matches!(&e, PredictError::IncompatibleVersion { found, .. } if found == "3.1.0"),
        "{e}"
    );

    // no run.json at all
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let e = resolve(&ModelRequest::new(&empty)).unwrap_err();
    assert!(matches!(e, PredictError::NotAModel { .. }), "{e}");
}

#[test]
fn the_ensemble_is_the_mean_of_its_members() {
    let tmp = tempfile::tempdir().unwrap();
    let run = fake_run(tmp.path(), &[1, 2], 3);
    let load = |folds: Vec<usize>| {
        let spec = resolve(&request(&run, FoldSelection::Only(folds))).unwrap();
        Ensemble::load(&spec, Device::Cpu).unwrap()
    };
    let (both, one, two) = (load(vec![1, 2]), load(vec![1]), load(vec![2]));
    let image = Array2::from_shape_fn((640, 512), |(r, c)| ((r * 7 + c * 13) % 256) as f32);
    let p = both.probabilities(&[image.view()]).unwrap();
    let p1 = one.probabilities(&[image.view()]).unwrap();
    let p2 = two.probabilities(&[image.view()]).unwrap();
    assert_eq!(p.size(), [1, 3, 640, 512]);
    let mean = (&p1 + &p2) / 2.0;
    let diff = (&p - &mean).abs().max().double_value(&[]);
    assert!(
        diff < 1e-5,
        "ensemble differs from the mean of its folds by {diff}"
    );
    assert!(
        (&p1 - &p2).abs().max().double_value(&[]) > 1e-4,
        "folds must differ"
    );
    // probabilities stay a distribution over BG/NM/M after averaging and upsampling
    let total = p.sum_dim_intlist(1, false, tch::Kind::Float);
    let dev = (total - 1.0).abs().max().double_value(&[]);
    assert!(dev < 1e-4, "{dev}");
}

#[test]
fn block_mean_matches_hand_computed_blocks() {
    let x = Array2::from_shape_fn((4, 6), |(i, j)| (i * 6 + j) as f32);
    let y = bs_predict::model::block_mean(x.view(), 2, 3);
    assert_eq!(y.dim(), (2, 2));
    assert_eq!(y[[0, 0]], (0.0 + 1.0 + 2.0 + 6.0 + 7.0 + 8.0) / 6.0);
    assert_eq!(y[[1, 1]], (15.0 + 16.0 + 17.0 + 21.0 + 22.0 + 23.0) / 6.0);
}

#[test]
fn binary_frames_pack_least_significant_bit_first() {
    let a = Array2::from_shape_fn((2, 4), |(r, c)| r == 0 && c == 1);
    let b = Array2::from_shape_fn((2, 4), |(r, c)| r == 1 && c == 3);
    // frame a: bit 1 of byte 0; frame b: pixel 8 + 7 = 15 → bit 7 of byte 1
    assert_eq!(
        bs_predict::seg::pack_bits(&[a.view(), b.view()]),
        vec![0b0000_0010, 0b1000_0000]
    );
    // odd byte counts are padded to an even length
    let c = Array2::from_elem((1, 9), true);
    assert_eq!(bs_predict::seg::pack_bits(&[c.view()]), vec![0xFF, 0x01]);
}

#[test]
fn a_patch_trained_run_predicts_through_the_windows_its_training_evaluated_with() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = network().with_input_size(640, 512);
    let window = (160, 128);
    let run = fake_run_of(tmp.path(), &[1], 3, &cfg, (1, 1), Some(window));
    let spec = resolve(&request(&run, FoldSelection::Only(vec![1]))).unwrap();
    assert_eq!(spec.identity.window, Some(window));
    let ensemble = Ensemble::load(&spec, Device::Cpu).unwrap();
    let image = Array2::from_shape_fn((640, 512), |(r, c)| ((r * 7 + c * 13) % 256) as f32);
    let p = ensemble.probabilities(&[image.view()]).unwrap();
    // bs-train's validation and test of the same weights, through the same windows
    let checkpoint =
        bs_model::checkpoint::load(&run.join("dice/fold_1/model.safetensors"), Device::Cpu)
            .unwrap();
    let model = &checkpoint.model;
    let images = tch::Tensor::from_slice(image.as_slice().unwrap()).reshape([1, 1, 640, 512]);
    let trained = |w: Option<(usize, usize)>| {
        bs_train::trainer::predict_windowed(model, &images, false, w).unwrap()
    };
    let windowed = trained(Some((160, 128)));
    let diff = (&p - &windowed).abs().max().double_value(&[]);
    assert!(
        diff < 1e-5,
        "prediction and training evaluation differ by {diff}"
    );
    // and that is not the whole-image pass (the ASPP pooling branch sees another input)
    let whole = (&p - trained(None)).abs().max().double_value(&[]);
    assert!(whole > 1e-4, "windows made no difference ({whole})");
}

#[test]
fn a_checkpoint_with_a_broken_sidecar_names_each_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let weights = dir.path().join("model.safetensors");
    std::fs::write(&weights, b"").unwrap();
    std::fs::write(weights.with_extension("json"), "{ not json").unwrap();
    let err = resolve(&ModelRequest::new(&weights)).unwrap_err();
    assert!(matches!(err, PredictError::Model { .. }), "{err:?}");
    let chain = bs_testdata::error_chain_reads_once(&err);
    assert_eq!(chain.len(), 3, "model, sidecar, JSON parser: {chain:?}");
}
