//! Cross-validation end to end on a small in-memory cohort (tiny profile): resumption after a
//! stop gives the same results as an uninterrupted run, single folds + aggregate give the same
//! table as a full run, negative mining and transfer learning run without test leakage, and bad
//! input fails before any work.

mod common;

use std::path::Path;

use bs_train::experiment::{run_experiment, RunOptions};
use bs_train::trainer::TrainerState;
use bs_train::{ExperimentConfig, Group, ProfileName, TrainError};
use tch::Device;

/// A JSON file the run wrote.
fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn config(text: &str) -> ExperimentConfig {
    ExperimentConfig::from_toml_str(text, Path::new("test.toml")).unwrap()
}

const OTSU: &str = r#"
name = "otsu_small"
table = "Table 4"
groups = ["D1", "D2"]
nm_source = "otsu"
losses = ["dice"]
[training]
folds = 3
epochs = 2
"#;

fn opts(out: &Path) -> RunOptions {
    let mut o = RunOptions::new(out, ProfileName::Tiny);
    o.device = Device::Cpu;
    o.progress = false;
    o
}

fn metrics(out: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    // wall times and throughput differ between runs; everything else must not
    for arm in v["arms"].as_array_mut().unwrap() {
        for f in arm["folds"].as_array_mut().unwrap() {
            f["train_seconds"] = 0.into();
            f["images_per_second"] = 0.into();
        }
    }
    v["run"]["data"] = "".into();
    v
}

#[test]
fn resumed_and_single_fold_runs_equal_the_uninterrupted_run() {
    tch::set_num_threads(1);
    let cohort = common::cohort(&[(Group::D1, 6), (Group::D2, 2)]);
    let c = config(OTSU);
    let tmp = tempfile::tempdir().unwrap();

    let full = tmp.path().join("full");
    let s = run_experiment(&c, &cohort, &opts(&full)).unwrap();
    assert!(!s.interrupted);
    assert_eq!(s.completed.len(), 3);
    bs_train::results::aggregate(&full).unwrap();

    // one fold at a time, each stopped after one epoch (as if killed) and resumed
    let pieces = tmp.path().join("pieces");
    for fold in [2, 0, 1] {
        let mut o = opts(&pieces);
        o.folds = Some(vec![fold]);
        o.stop_after_epochs = Some(1);
        let s = run_experiment(&c, &cohort, &o).unwrap();
        assert!(s.interrupted, "fold {fold} should stop after one epoch");
        let state: TrainerState = read_json(
            &pieces
                .join("dice")
                .join(format!("fold_{}", fold + 1))
                .join("state.json"),
        )
        .unwrap();
        assert_eq!(state.epochs_done, 1);
        assert!(!state.finished);
        assert!(
            bs_train::results::aggregate(&pieces).is_err(),
            "incomplete run must not aggregate"
        );
        o.stop_after_epochs = None;
        let s = run_experiment(&c, &cohort, &o).unwrap();
        assert!(!s.interrupted);
    }
    bs_train::results::aggregate(&pieces).unwrap();
    assert_eq!(metrics(&full), metrics(&pieces));
    let table = |d: &Path| std::fs::read_to_string(d.join("table.md")).unwrap();
    assert_eq!(table(&full), table(&pieces));
    assert_eq!(
        std::fs::read_to_string(full.join("table.csv")).unwrap(),
        std::fs::read_to_string(pieces.join("table.csv")).unwrap()
    );
    for f in [
        "report.md",
        "figures/curves.png",
        "figures/folds.png",
        "splits.json",
    ] {
        assert!(full.join(f).is_file(), "{f} missing");
    }
    // the log has one JSON line per epoch with the documented fields
    let log = std::fs::read_to_string(full.join("dice/fold_1/log.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    for key in [
        "train_loss",
        "val_f1",
        "val_precision",
        "val_sensitivity",
        "lr",
        "seconds",
        "images_per_second",
    ] {
        assert!(lines[1].get(key).is_some(), "log lacks {key}");
    }
}

#[test]
fn sparser_checkpoints_resume_from_the_last_one_to_the_same_result() {
    tch::set_num_threads(1);
    let cohort = common::cohort(&[(Group::D1, 6), (Group::D2, 2)]);
    let text = OTSU.replace("epochs = 2", "epochs = 3\ncheckpoint_every = 2");
    let c = config(&text);
    assert_eq!(c.training.checkpoint_every, 2);
    let tmp = tempfile::tempdir().unwrap();
    let mut o = opts(&tmp.path().join("full"));
    o.folds = Some(vec![0]);
    run_experiment(&c, &cohort, &o).unwrap();
    let fold = |run: &str| tmp.path().join(run).join("dice/fold_1");
    let state = |run: &str| -> TrainerState { read_json(&fold(run).join("state.json")).unwrap() };
    // checkpoints after epoch 2 and after the last (3); once the fold is evaluated only the
    // best weights and the model remain, no superseded file left behind
    let full = state("full");
    assert_eq!(full.epochs_done, 3);
    assert_eq!(full.checkpoint.as_deref(), Some("epoch-3.safetensors"));
    let files = |run: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(fold(run))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".safetensors"))
            .collect();
        v.sort();
        v
    };
    let mut want = vec![
        full.best_weights.clone().unwrap(),
        "model.safetensors".to_string(),
    ];
    want.sort();
    assert_eq!(files("full"), want);

    // killed after epoch 1: no checkpoint yet, so the next process starts again at epoch 1;
    // killed after epoch 2 of that one: it resumes from the checkpoint of epoch 2
    let mut o = opts(&tmp.path().join("pieces"));
    o.folds = Some(vec![0]);
    o.stop_after_epochs = Some(1);
    assert!(run_experiment(&c, &cohort, &o).unwrap().interrupted);
    assert!(!fold("pieces").join("state.json").exists());
    let log = std::fs::read_to_string(fold("pieces").join("log.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 1, "the log shows every epoch");
    o.stop_after_epochs = Some(2);
    assert!(run_experiment(&c, &cohort, &o).unwrap().interrupted);
    assert_eq!(state("pieces").epochs_done, 2);
    o.stop_after_epochs = None;
    assert!(!run_experiment(&c, &cohort, &o).unwrap().interrupted);
    let pieces = state("pieces");
    assert_eq!(pieces.history.len(), 3);
    for (a, b) in full.history.iter().zip(&pieces.history) {
        assert_eq!(a.train_loss, b.train_loss, "epoch {}", a.epoch);
        assert_eq!(a.val_f1, b.val_f1, "epoch {}", a.epoch);
    }
    assert_eq!(full.best_epoch, pieces.best_epoch);
    assert_eq!(files("pieces"), want);

    let zero = OTSU.replace("epochs = 2", "epochs = 2\ncheckpoint_every = 0");
    let err = ExperimentConfig::from_toml_str(&zero, Path::new("t.toml")).unwrap_err();
    assert!(err.to_string().contains("checkpoint_every"), "{err}");
}

#[test]
fn negative_mining_and_transfer_run_per_fold() {
    tch::set_num_threads(1);
    let cohort = common::cohort(&[
        (Group::D1, 6),
        (Group::D2, 2),
        (Group::D3, 6),
        (Group::D4, 2),
    ]);
    let tmp = tempfile::tempdir().unwrap();
    let nm = config(
        r#"
name = "nm_small"
table = "Table 6"
groups = ["D1", "D2"]
nm_source = "negative_mining"
losses = ["focal_tversky"]
[training]
folds = 3
epochs = 1
"#,
    );
    let mut o = opts(&tmp.path().join("nm"));
    o.folds = Some(vec![0]);
    run_experiment(&nm, &cohort, &o).unwrap();
    // stage 1 trained on the positive training patients only (D1 of the training folds)
    let splits = bs_train::Splits::load(&tmp.path().join("nm/splits.json")).unwrap();
    let pos = splits.fold(0, &[Group::D1]);
    let state: TrainerState = read_json(&tmp.path().join("nm/stage1/fold_1/state.json")).unwrap();
    assert!(state.finished);
    let result: bs_train::experiment::FoldResult =
        read_json(&tmp.path().join("nm/focal_tversky/fold_1/result.json")).unwrap();
    assert_eq!(result.n_test, pos.test.len());
    assert_eq!(
        result.n_train,
        pos.train.len() + 2,
        "D2 joins training only"
    );
    let tested: Vec<&str> = result.images.iter().map(|i| i.id.as_str()).collect();
    assert!(tested.iter().all(|id| id.starts_with("D1")));

    let transfer = config(
        r#"
name = "transfer_small"
table = "Table 7"
groups = ["D1", "D2"]
nm_source = "otsu"
losses = ["dice"]
[training]
folds = 3
epochs = 1
[transfer]
pretrain_groups = ["D3", "D4"]
pretrain_epochs = 1
"#,
    );
    let mut o = opts(&tmp.path().join("tl"));
    o.folds = Some(vec![1]);
    run_experiment(&transfer, &cohort, &o).unwrap();
    assert!(tmp
        .path()
        .join("tl/dice/pretrain_fold_2/state.json")
        .is_file());
    assert!(tmp.path().join("tl/dice/fold_2/result.json").is_file());
}

#[test]
fn bad_input_fails_before_any_work() {
    let cohort = common::cohort(&[(Group::D1, 4)]);
    let tmp = tempfile::tempdir().unwrap();
    // more folds than positive patients
    let c = config(
        &OTSU
            .replace("folds = 3", "folds = 5")
            .replace(r#"["D1", "D2"]"#, r#"["D1"]"#),
    );
    let out = tmp.path().join("too_many_folds");
    let err = run_experiment(&c, &cohort, &opts(&out)).unwrap_err();
    assert!(matches!(err, TrainError::DataMismatch { .. }), "{err}");
    assert!(!out.exists(), "nothing may be written");
    // a group the data set lacks
    let c = config(OTSU);
    let out = tmp.path().join("no_d2");
    let err = run_experiment(&c, &cohort, &opts(&out)).unwrap_err();
    assert!(err.to_string().contains("D2"), "{err}");
    assert!(!out.exists());
    // a fold that does not exist
    let c = config(&OTSU.replace(r#"["D1", "D2"]"#, r#"["D1"]"#));
    let mut o = opts(&tmp.path().join("fold9"));
    o.folds = Some(vec![8]);
    assert!(matches!(
        run_experiment(&c, &cohort, &o),
        Err(TrainError::ConfigValue { key: "fold", .. })
    ));
    // an unwritable output directory
    let blocker = tmp.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let err = run_experiment(&c, &cohort, &opts(&blocker.join("run"))).unwrap_err();
    assert!(matches!(err, TrainError::Io { .. }), "{err}");
}

#[test]
fn non_finite_loss_stops_the_fold_and_keeps_the_last_checkpoint() {
    use bs_train::data::{TargetSpec, TrainingSet};
    use bs_train::trainer::{train_fold, FoldSpec};
    tch::set_num_threads(1);
    let cohort = common::cohort(&[(Group::D1, 4)]);
    let profile = ProfileName::Tiny.profile();
    let ids: Vec<String> = cohort
        .images()
        .iter()
        .map(|p| p.patient_id.clone())
        .collect();
    let train = TrainingSet::new(&cohort, &ids, &profile, &TargetSpec::Otsu, Device::Cpu).unwrap();
    let val =
        TrainingSet::new(&cohort, &ids[..2], &profile, &TargetSpec::Otsu, Device::Cpu).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut spec = FoldSpec {
        label: "nan test".into(),
        fold: 0,
        stream: 1,
        model: bs_model::DoubleUNetConfig::new(bs_model::Variant::ThreeClass)
            .with_width_multiplier(0.0625)
            .with_input_size(32, 32),
        loss: bs_train::LossKind::Dice,
        training: bs_train::TrainingConfig::default(),
        epochs: 1,
        device: Device::Cpu,
        dir: tmp.path().to_path_buf(),
        init_weights: None,
        stop_after_epochs: None,
        progress: false,
    };
    let first = train_fold(&spec, &train, &val).unwrap();
    assert!(first.finished);
    assert!(first.best_weights.as_ref().is_some_and(|w| w.is_file()));
    // stopped before its end: no weights to hand on (this was once an empty path)
    let stopped_dir = tempfile::tempdir().unwrap();
    let stopped_spec = FoldSpec {
        dir: stopped_dir.path().to_path_buf(),
        stop_after_epochs: Some(0),
        ..spec.clone()
    };
    let stopped = train_fold(&stopped_spec, &train, &val).unwrap();
    assert!(!stopped.finished);
    assert_eq!(stopped.best_weights, None);
    // one more epoch on images containing NaN
    let poisoned = TrainingSet {
        images: train.images.fill(f64::NAN),
        ids: train.ids.clone(),
        labels: train.labels.shallow_clone(),
        m: train.m.shallow_clone(),
        num_classes: 3,
    };
    spec.epochs = 2;
    let mut state: TrainerState = read_json(&tmp.path().join("state.json")).unwrap();
    state.finished = false;
    std::fs::write(
        tmp.path().join("state.json"),
        serde_json::to_string(&state).unwrap(),
    )
    .unwrap();
    let err = train_fold(&spec, &poisoned, &val).unwrap_err();
    assert!(
        matches!(err, TrainError::NonFiniteLoss { epoch: 2, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("last good checkpoint"), "{err}");
    let kept: TrainerState = read_json(&tmp.path().join("state.json")).unwrap();
    assert_eq!(kept.epochs_done, 1);
    assert!(tmp.path().join(kept.checkpoint.unwrap()).is_file());
}

#[test]
fn expected_work_counts_every_training_of_a_fold() {
    use bs_train::experiment::expected_work;
    let mining = config(
        "name = \"m\"\ntable = \"Table 5\"\ngroups = [\"D1\"]\nnm_source = \"negative_mining\"\nlosses = [\"dice\", \"focal_tversky\"]\n",
    );
    let transfer = config(
        "name = \"t\"\ntable = \"Table 7\"\ngroups = [\"D1\", \"D2\"]\nnm_source = \"otsu\"\nlosses = [\"dice\", \"focal_tversky\"]\n[transfer]\npretrain_groups = [\"D3\", \"D4\"]\n",
    );
    let cpu = ProfileName::Cpu.profile();
    let (e, p) = (cpu.epochs, cpu.pretrain_epochs);
    let o = RunOptions::new("unused", ProfileName::Cpu);
    // two arms, and negative mining's stage 1 once per fold
    let (epochs, seconds) = expected_work(&mining, &o, 3);
    assert_eq!(epochs, 3 * (2 * e + e));
    // three trainings per fold: two arms and stage 1
    assert_eq!(bs_train::experiment::fold_trainings(&mining, &o), [e, e, e]);
    let want = epochs as f64 * cpu.epoch_seconds.unwrap() + 9.0 * cpu.training_seconds.unwrap();
    assert!(
        (seconds.unwrap() - want).abs() < 1e-9,
        "{seconds:?} vs {want}"
    );
    assert_eq!(
        bs_train::experiment::fold_trainings(&transfer, &o),
        [p, e, p, e]
    );
    // pre-training per arm
    assert_eq!(expected_work(&transfer, &o, 1).0, 2 * (e + p));
    // a command-line epoch count replaces both
    let mut o5 = o.clone();
    o5.epochs = Some(5);
    assert_eq!(expected_work(&transfer, &o5, 1).0, 2 * (5 + 5));
    // no measured epoch time: no estimate
    let tiny = RunOptions::new("unused", ProfileName::Tiny);
    assert_eq!(expected_work(&mining, &tiny, 1).1, None);
}

#[test]
fn augmented_whole_images_resume_to_the_uninterrupted_run() {
    tch::set_num_threads(1);
    let cohort = common::cohort(&[(Group::D1, 6), (Group::D2, 2)]);
    let c = config(&format!(
        "{OTSU}[training.augmentation]\nmirror = true\ngain = 0.1\nzoom = 0.1\nshift = 2\nthinning = 0.5\n"
    ));
    let tmp = tempfile::tempdir().unwrap();
    let run = |dir: &Path, stop: Option<usize>| {
        let mut o = opts(dir);
        o.folds = Some(vec![0]);
        o.stop_after_epochs = stop;
        run_experiment(&c, &cohort, &o).unwrap()
    };
    let full = tmp.path().join("full");
    assert!(!run(&full, None).interrupted);
    let pieces = tmp.path().join("pieces");
    assert!(run(&pieces, Some(1)).interrupted);
    assert!(!run(&pieces, None).interrupted);
    let result = |d: &Path| -> serde_json::Value {
        let mut v: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(d.join("dice/fold_1/result.json")).unwrap(),
        )
        .unwrap();
        v["train_seconds"] = 0.into();
        v["images_per_second"] = 0.into();
        v
    };
    assert_eq!(result(&full), result(&pieces));
    // the augmented path differs from the plain one (the transforms are applied)
    let plain = tmp.path().join("plain");
    let mut o = opts(&plain);
    o.folds = Some(vec![0]);
    run_experiment(&config(OTSU), &cohort, &o).unwrap();
    let log = |d: &Path| std::fs::read_to_string(d.join("dice/fold_1/log.jsonl")).unwrap();
    let loss = |d: &Path| -> f64 {
        let first: serde_json::Value =
            serde_json::from_str(log(d).lines().next().unwrap()).unwrap();
        first["train_loss"].as_f64().unwrap()
    };
    assert_ne!(loss(&full), loss(&plain));
}

/// `training.channels_last` on the CPU (the `cpu` profile's default): the same training in
/// NHWC follows the NCHW one to rounding (other kernels, so not bit for bit) and resumes
/// exactly after a stop; the log's first-epoch losses agree to 1e-4.
#[test]
fn channels_last_on_the_cpu_trains_like_nchw_and_resumes_exactly() {
    tch::set_num_threads(1);
    let cohort = common::cohort(&[(Group::D1, 6), (Group::D2, 2)]);
    let tmp = tempfile::tempdir().unwrap();
    let run = |name: &str, channels_last: bool, stop: Option<usize>| {
        let text = format!("{OTSU}channels_last = {channels_last}\n");
        let out = tmp.path().join(name);
        let mut o = opts(&out);
        o.folds = Some(vec![0]);
        o.stop_after_epochs = stop;
        run_experiment(&config(&text), &cohort, &o).unwrap();
        if stop.is_some() {
            o.stop_after_epochs = None;
            run_experiment(&config(&text), &cohort, &o).unwrap();
        }
        out
    };
    let (nchw, nhwc, resumed) = (
        run("nchw", false, None),
        run("nhwc", true, None),
        run("nhwc_resumed", true, Some(1)),
    );
    let log = |d: &Path| -> Vec<serde_json::Value> {
        std::fs::read_to_string(d.join("dice/fold_1/log.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let (a, b) = (log(&nchw), log(&nhwc));
    for key in ["train_loss", "val_loss"] {
        let (x, y) = (a[0][key].as_f64().unwrap(), b[0][key].as_f64().unwrap());
        assert!((x - y).abs() < 1e-4, "{key}: NCHW {x}, NHWC {y}");
    }
    let weights = |d: &Path| std::fs::read(d.join("dice/fold_1/model.safetensors")).unwrap();
    assert_eq!(
        weights(&nhwc),
        weights(&resumed),
        "resumed NHWC run differs"
    );
    // other kernels ran: not the NCHW bits
    assert_ne!(
        weights(&nchw),
        weights(&nhwc),
        "channels_last had no effect"
    );
}
