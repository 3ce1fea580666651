//! The transfer check of `examples/transfer_nm1` at a size CI affords: a tiny model trained on
//! the small synthetic cohort, applied to NM1 with lesions inserted at the sites of
//! `examples/transfer_nm1/nm1_sites.toml`. The figures of the README come from the same code
//! on the main job's models; here the plan and the scoring are checked against independent
//! counts.

#[path = "../examples/transfer_nm1/eval.rs"]
mod eval;

use std::path::Path;

use bonescan::phantom::insert::{insert_lesions, InsertionPlan};
use bonescan::predict::{model, PredictConfig, Predictor};
use bonescan::tch::Device;
use bonescan::train::experiment::{run_experiment, RunOptions};
use bonescan::train::{Cohort, ExperimentConfig, ProfileName};

const EXPERIMENT: &str = r#"
name = "transfer_tiny"
table = "Table 4"
groups = ["D1", "D2"]
nm_source = "otsu"
losses = ["focal_tversky"]
[training]
folds = 3
epochs = 1
"#;

fn plan() -> InsertionPlan {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/transfer_nm1/nm1_sites.toml"
    );
    InsertionPlan::from_path(Path::new(path)).expect("NM1 plan")
}

fn nm1() -> bonescan::dicom::WholeBodyScan {
    bonescan::dicom::read_scan(&bs_testdata::nm1_jpll(), &Default::default()).expect("read NM1")
}

#[test]
fn the_nm1_plan_puts_sites_on_bone_and_the_bladder_where_it_is() {
    let plan = plan();
    let counts = nm1().anterior.pixels;
    let smooth = |r: usize, c: usize| {
        let p = counts.slice(ndarray::s![r - 3..=r + 3, c - 3..=c + 3]);
        p.iter().sum::<f32>() / p.len() as f32
    };
    // the body's soft tissue is 10-30 counts; every site is on bone, above it
    for s in &plan.sites {
        assert!(
            smooth(s.row, s.col) > 25.0,
            "{} at {} counts",
            s.name,
            smooth(s.row, s.col)
        );
    }
    // the hottest 7 × 7 neighbourhood of NM1 is the bladder, inside its region
    let (mut best, mut at) = (0.0, (0, 0));
    for r in 3..counts.nrows() - 3 {
        for c in 3..counts.ncols() - 3 {
            if smooth(r, c) > best {
                (best, at) = (smooth(r, c), (r, c));
            }
        }
    }
    let bladder = plan.organs.iter().find(|o| o.name == "bladder").unwrap();
    assert!(bladder.contains(at.0, at.1), "hottest at {at:?}");
}

#[test]
fn a_model_trained_on_phantoms_is_scored_on_nm1_with_inserted_lesions() {
    bonescan::tch::set_num_threads(1);
    let tmp = tempfile::tempdir().unwrap();
    let cohort_dir = tmp.path().join("cohort");
    bonescan::phantom::write_cohort(
        &cohort_dir,
        &bonescan::phantom::CohortSpec::small(),
        7,
        &|| {},
    )
    .unwrap();
    let data = tmp.path().join("prepared");
    {
        use bonescan::preprocess::dataset::*;
        let dicom = cohort_dir.join("dicom");
        let (labels, manifest) = phantom_layout(&dicom);
        let info = read_cohort_manifest(&manifest.unwrap()).unwrap();
        let items = discover_cohort(&[dicom], labels.as_deref(), Some(&info)).unwrap();
        let opts = BuildOptions {
            previews: false,
            ..BuildOptions::default()
        };
        build_dataset(&items, &data, &opts).unwrap();
    }
    let config = ExperimentConfig::from_toml_str(EXPERIMENT, Path::new("transfer.toml")).unwrap();
    let run = tmp.path().join("run");
    let mut options = RunOptions::new(&run, ProfileName::Tiny);
    options.device = Device::Cpu;
    options.progress = false;
    run_experiment(&config, &Cohort::load_prepared(&data).unwrap(), &options).unwrap();

    let spec = model::resolve(&model::ModelRequest::new(&run)).unwrap();
    let predictor = Predictor::new(&spec, PredictConfig::default()).unwrap();
    let plan = plan();
    let t = eval::evaluate(&predictor, &bs_testdata::nm1_jpll(), &plan, 2, 3).unwrap();

    // the same insertions, counted independently of the scoring
    let original = nm1().anterior.pixels;
    let inserted: Vec<_> = (1..=2)
        .map(|s| insert_lesions(original.view(), &plan.sites, 3, s))
        .collect();
    let lesions: usize = inserted.iter().map(|i| i.lesions.len()).sum();
    let truth: u64 = inserted
        .iter()
        .map(|i| i.mask.iter().filter(|&&m| m).count() as u64)
        .sum();
    assert_eq!(lesions, 6, "three visible lesions per scan on NM1's bone");
    let (n, detected) = t.lesions();
    assert_eq!(n, lesions);
    assert!(detected <= n);
    assert_eq!(t.pixels.tp + t.pixels.fn_, truth);
    assert_eq!(t.pixels.total(), 2 * original.len() as u64);
    // organ regions hold only false M pixels: none on an inserted lesion
    let false_m = t.pixels.fp + t.clean_m_pixels as u64;
    assert!(t.organ_m_pixels.iter().map(|o| o.1 as u64).sum::<u64>() <= false_m);
    let report = t.markdown();
    assert!(
        report.contains("2 scans, 6 lesions inserted") && report.contains("| bladder |"),
        "{report}"
    );
}
