//! Storage layout (b): one single-frame NM object per view. pydicom splits a 2-frame whole-body
//! object written by bs-dicom into an anterior and a posterior file (same study and series,
//! own SOP instances, one detector each with its View Code); `bonescan predict` and
//! `bonescan prepare` must treat the two files as one scan with both views, prepared exactly as
//! the 2-frame object, while a lone anterior view still reports its posterior as missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use bs_model::{DoubleUNetConfig, Variant};
use serde_json::Value;
use tch::nn::VarStore;
use tch::Device;

fn ok(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_bonescan"))
        .args(args)
        .output()
        .expect("start bonescan");
    assert!(
        out.status.success(),
        "bonescan {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn s(p: &Path) -> String {
    p.to_str().expect("utf-8 path").to_string()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// argv: source 2-frame file, then (output, frame index) pairs.
const SPLIT: &str = r#"
import sys, copy
import pydicom
from pydicom.uid import generate_uid
src = pydicom.dcmread(sys.argv[1])
frames = src.pixel_array
args = sys.argv[2:]
for out, k in zip(args[0::2], args[1::2]):
    k = int(k)
    ds = copy.deepcopy(src)
    ds.NumberOfFrames = 1
    ds.DetectorVector = [1]
    ds.EnergyWindowVector = [1]
    ds.NumberOfDetectors = 1
    ds.DetectorInformationSequence = pydicom.Sequence([src.DetectorInformationSequence[k]])
    ds.PixelData = frames[k].tobytes()
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.save_as(out)
print("ok")
"#;

struct Files {
    dir: PathBuf,
    /// One 2-frame object (patient 1), the reference.
    two_frame: PathBuf,
    /// Directory of patient 1's two single-view files and patient 2's lone anterior view.
    singles: PathBuf,
    anterior: PathBuf,
    posterior: PathBuf,
    lone: PathBuf,
}

fn files() -> Files {
    let dir = bs_testdata::output_dir("paired_views_cli");
    let src = dir.join("src");
    let singles = dir.join("singles");
    for d in [&src, &singles] {
        let _ = std::fs::remove_dir_all(d);
        std::fs::create_dir_all(d).unwrap();
    }
    let cohort = bs_phantom::CohortSpec::small();
    let patients = cohort.patients();
    let mut two_frames = Vec::new();
    for p in patients.iter().take(2) {
        let patient = bs_phantom::generate_patient(8, p, &cohort.phantom);
        let path = src.join(format!("{}.dcm", p.patient_id));
        let meta = bs_dicom::write::NmWriteMeta::synthetic(&p.patient_id, 8);
        bs_dicom::write::write_whole_body_nm(
            &path,
            patient.anterior.view(),
            patient.posterior.view(),
            &meta,
        )
        .unwrap();
        two_frames.push(path);
    }
    // names that do not tell the view; the posterior sorts first
    let (anterior, posterior, lone) = (
        singles.join("scan_b.dcm"),
        singles.join("scan_a.dcm"),
        singles.join("z_lone_anterior.dcm"),
    );
    let out = bs_testdata::run_python(
        SPLIT,
        &[&s(&two_frames[0]), &s(&anterior), "0", &s(&posterior), "1"],
    );
    assert!(out.contains("ok"), "{out}");
    bs_testdata::run_python(SPLIT, &[&s(&two_frames[1]), &s(&lone), "0"]);
    Files {
        dir,
        two_frame: two_frames[0].clone(),
        singles,
        anterior,
        posterior,
        lone,
    }
}

#[test]
fn predict_and_prepare_pair_one_anterior_and_one_posterior_file() {
    let f = files();

    // ---- predict, with a tiny random checkpoint (the paper's preprocessing by default)
    let cfg = DoubleUNetConfig::new(Variant::ThreeClass)
        .with_width_multiplier(0.0625)
        .with_input_size(32, 32);
    tch::manual_seed(8);
    let vs = VarStore::new(Device::Cpu);
    let _net = cfg.init(&vs.root()).unwrap();
    let ckpt = f.dir.join("model.safetensors");
    bs_model::checkpoint::save(&vs, &cfg, &ckpt).unwrap();
    let out = f.dir.join("predicted");
    let _ = std::fs::remove_dir_all(&out);
    let log = ok(&[
        "predict",
        "--model",
        &s(&ckpt),
        &s(&f.singles),
        "--out",
        &s(&out),
    ]);
    assert!(log.contains("2 scan(s) predicted, 0 failed"), "{log}");
    let summary = read_json(&out.join("summary.json"));
    let scans = summary["scans"].as_array().unwrap();
    assert_eq!(scans.len(), 2, "three files, two scans: {summary}");
    assert_eq!(
        scans[0]["files"],
        serde_json::json!([s(&f.anterior), s(&f.posterior)]),
        "the pair, anterior first"
    );
    assert_eq!(scans[0]["posterior_present"], true);
    assert_eq!(scans[1]["files"], serde_json::json!([s(&f.lone)]));
    assert_eq!(scans[1]["posterior_present"], false);
    let pair = read_json(&out.join("scan_b/report.json"));
    assert_eq!(pair["posterior"]["status"], "present");
    assert_eq!(pair["total"]["views"], 2);
    assert!(out.join("scan_b/mask_posterior.png").is_file());
    assert!(
        !out.join("scan_a").exists(),
        "the posterior file is no scan of its own"
    );
    let lone = read_json(&out.join("z_lone_anterior/report.json"));
    assert_eq!(lone["posterior"]["status"], "missing");
    assert!(!out.join("z_lone_anterior/mask_posterior.png").exists());

    // ---- prepare: the pair and the 2-frame object of the same views give the same image
    let prep = f.dir.join("prepared");
    let _ = std::fs::remove_dir_all(&prep);
    let log = ok(&[
        "prepare",
        &s(&f.singles),
        &s(&f.two_frame),
        "--out",
        &s(&prep),
        "--no-previews",
    ]);
    assert!(
        log.contains("paired single-view files into scan scan_b"),
        "{log}"
    );
    let ds = bs_preprocess::dataset::PreparedDataset::load(&prep).unwrap();
    let ids: Vec<&str> = ds.entries().iter().map(|e| e.id.as_str()).collect();
    let reference_id = f.two_frame.file_stem().unwrap().to_str().unwrap();
    let mut want = vec!["scan_b", "z_lone_anterior", reference_id];
    want.sort();
    let mut got = ids.clone();
    got.sort();
    assert_eq!(got, want, "three files in singles/ are two scans");
    let at = |id: &str| ids.iter().position(|i| *i == id).unwrap();
    let (k_pair, k_lone, k_ref) = (at("scan_b"), at("z_lone_anterior"), at(reference_id));
    let entries = ds.entries();
    assert!(!entries[k_pair].posterior_missing);
    assert!(
        entries[k_lone].posterior_missing,
        "lone view: posterior missing"
    );
    let sources: Vec<&Path> = entries[k_pair]
        .sources
        .iter()
        .map(|s| s.path.as_path())
        .collect();
    assert_eq!(sources, [f.anterior.as_path(), f.posterior.as_path()]);
    assert_eq!(
        ds.image(k_pair),
        ds.image(k_ref),
        "the pair prepares exactly as the 2-frame object"
    );
    // the right half (posterior) holds the body, not zeros
    let img = ds.image(k_pair);
    let right: f32 = img
        .indexed_iter()
        .filter(|((_, c), _)| *c >= img.ncols() / 2)
        .map(|(_, v)| *v)
        .sum();
    assert!(right > 0.0);
}
