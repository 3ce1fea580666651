//! Transfer to real anatomy: a model trained on the synthetic cohort, applied to a real scan
//! with lesions of realistic size and contrast inserted into its counts
//! (`bonescan::phantom::insert`; for NM1 the plan is `nm1_sites.toml` here).
//!
//! `cargo run --release --example transfer_nm1 -- MODEL SCAN.dcm PLAN.toml [FOLDS] [SCANS] [LESIONS]`
//!
//! MODEL is a run directory, an arm directory or a checkpoint (as `bonescan predict --model`),
//! FOLDS `all` (default), `1` or `1,2,5`; SCANS copies of the scan (default 8) get up to LESIONS
//! lesions each (default 4). Prints a
//! Markdown report: lesion sensitivity, pixel precision/sensitivity/F1, M pixels on the scan
//! as it is and in each organ region.

#[path = "eval.rs"]
mod eval;

use bonescan::phantom::insert::InsertionPlan;
use bonescan::predict::{model, PredictConfig, Predictor};

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            let mut cause = e.source();
            while let Some(c) = cause {
                eprintln!("caused by: {c}");
                cause = c.source();
            }
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model_path, scan, plan, rest @ ..] = args.as_slice() else {
        return Err(
            "usage: transfer_nm1 MODEL SCAN.dcm PLAN.toml [FOLDS] [SCANS] [LESIONS]".into(),
        );
    };
    let number = |i: usize, default: usize| -> Result<usize, Box<dyn std::error::Error>> {
        Ok(rest
            .get(i)
            .map(|s| s.parse())
            .transpose()?
            .unwrap_or(default))
    };
    let mut request = model::ModelRequest::new(model_path);
    if let Some(folds) = rest.first() {
        request.folds = model::FoldSelection::parse(folds)?;
    }
    let predictor = Predictor::new(&model::resolve(&request)?, PredictConfig::default())?;
    let plan = InsertionPlan::from_path(plan.as_ref())?;
    let report = eval::evaluate(
        &predictor,
        scan.as_ref(),
        &plan,
        number(1, 8)?,
        number(2, 4)?,
    )?;
    print!("{}", report.markdown());
    Ok(())
}
