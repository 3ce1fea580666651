//! Errors read once: each message states its own level (which file, which step) and the cause
//! comes only through `source()`, as `bonescan` prints the chain.

use bs_train::{ExperimentConfig, TrainError};

#[test]
fn an_unreadable_experiment_names_its_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.toml");
    let err = ExperimentConfig::from_path(&path).unwrap_err();
    assert!(matches!(err, TrainError::ConfigRead { .. }), "{err:?}");
    let chain = bs_testdata::error_chain_reads_once(&err);
    assert_eq!(
        chain[0],
        format!("cannot read experiment config {}", path.display())
    );
}

#[test]
fn errors_of_other_crates_pass_through_without_repeating() {
    let dir = tempfile::tempdir().unwrap();
    let weights = dir.path().join("model.safetensors");
    std::fs::write(weights.with_extension("json"), "{ not json").unwrap();
    let model = bs_model::checkpoint::read_sidecar(&weights).unwrap_err();
    let sidecar_message = model.to_string();
    let err = TrainError::from(model);
    let chain = bs_testdata::error_chain_reads_once(&err);
    assert_eq!(chain[0], sidecar_message, "the model's own message, once");
    assert_eq!(chain.len(), 2, "{chain:?}");
}
