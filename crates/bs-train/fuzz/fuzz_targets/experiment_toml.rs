//! Fuzz target: any text as an experiment file gives the experiment or a typed error, never a
//! panic; an experiment that validates is stored in its run directory as TOML that reads back
//! as the same experiment (a resumed run compares against it), and every profile resolves it
//! (epochs, network, patches, folds) without a panic.
#![no_main]

use std::path::Path;

use bs_train::experiment::{resolved_epochs, RunOptions};
use bs_train::{ExperimentConfig, ProfileName};
use libfuzzer_sys::fuzz_target;

const PROFILES: [ProfileName; 5] = [
    ProfileName::Paper,
    ProfileName::Gpu,
    ProfileName::Cpu,
    ProfileName::Quick,
    ProfileName::Tiny,
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let origin = Path::new("fuzz.toml");
    let Ok(config) = ExperimentConfig::from_toml_str(text, origin) else {
        return;
    };
    let stored = config
        .to_toml_string()
        .expect("a valid experiment writes as TOML");
    let again = ExperimentConfig::from_toml_str(&stored, origin)
        .unwrap_or_else(|e| panic!("the stored experiment does not read back: {e}\n{stored}"));
    assert_eq!(again, config, "stored as\n{stored}");
    for name in PROFILES {
        let profile = name.profile();
        let opts = RunOptions::new("run", name);
        let (epochs, _) = resolved_epochs(&config, &opts);
        assert!(epochs >= 1);
        let (rows, cols) = profile.input_size(640, 512);
        let network = profile.network(config.variant(), rows, cols);
        network.validate().expect("a profile's network validates");
        if let Some(p) = profile.patches(config.training.patches) {
            assert_eq!(p.invalid(), None);
        }
        let folds = profile.fold_indices(config.training.folds);
        assert!(folds.iter().all(|&k| k < config.training.folds));
    }
});
