//! Shared by the `tableN_*` examples: run one experiment file of `experiments/` on a prepared
//! data set and print its table.
//!
//! Usage: `cargo run --release --example tableN_... -- PREPARED_DIR OUT_DIR [cpu|gpu|quick|paper|tiny] [FOLD]`

use std::path::PathBuf;

use bonescan::train::experiment::{is_complete, run_experiment, RunOptions};
use bonescan::train::{Cohort, ExperimentConfig, ProfileName};

/// Runs `experiments/<name>.toml`.
pub fn run(name: &str) -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data, out, rest @ ..] = args.as_slice() else {
        return Err(format!(
            "usage: {name} PREPARED_DIR OUT_DIR [cpu|gpu|quick|paper|tiny] [FOLD]"
        )
        .into());
    };
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("experiments")
        .join(format!("{name}.toml"));
    let config = ExperimentConfig::from_path(&file)?;
    let profile = match rest.first() {
        Some(p) => ProfileName::parse(p).ok_or(format!("unknown profile {p}"))?,
        None => ProfileName::auto(),
    };
    let cohort = Cohort::load_prepared(std::path::Path::new(data))?;
    let mut opts = RunOptions::new(out, profile);
    if let Some(k) = rest.get(1) {
        opts.folds = Some(vec![k.parse::<usize>()?.saturating_sub(1)]);
    }
    if !opts.device.is_cuda() && profile != ProfileName::Paper {
        bonescan::tch::set_num_threads(1);
    }
    run_experiment(&config, &cohort, &opts)?;
    if is_complete(&config, profile, std::path::Path::new(out)) {
        let results = bonescan::train::results::aggregate(std::path::Path::new(out))?;
        println!("{}", results.table()?.to_markdown());
    }
    Ok(())
}
