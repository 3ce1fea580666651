//! The README's "Your own scans" walkthrough, run as written: the `bonescan` lines of its shell
//! block are read from README.md and run in order on a 6-scan cohort laid out as the section
//! describes (`scans/`, `labels/`): once a synthetic one with Labelme files, once one of real
//! anatomy — the NEMA NM1 scan with lesions written into its counts by NumPy, labelled by PNG and
//! by highdicom's DICOM SEG. What a person does by hand between the commands (filling in
//! cohort.csv, fewer folds for 4 metastatic patients) the test does the same way, and `cv` runs at
//! the `tiny` profile. Then every file the section says a command writes must exist.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bonescan(dir: &Path, args: &[String]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_bonescan"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("start bonescan");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "bonescan {args:?} failed:\n{log}");
    log
}

/// The "Your own scans" section of the workspace README.
fn section() -> String {
    let readme = std::fs::read_to_string(bs_testdata::workspace_root().join("README.md")).unwrap();
    let start = readme
        .find("## Your own scans")
        .expect("README has the section");
    let rest = &readme[start + 3..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    rest[..end].to_string()
}

/// The `bonescan ...` commands of the section's shell block, comments removed.
fn commands(section: &str) -> Vec<Vec<String>> {
    let block = section.split("```sh").nth(1).expect("a sh block");
    let block = block.split("```").next().unwrap();
    block
        .lines()
        .filter(|l| l.starts_with("bonescan "))
        .map(|l| {
            let l = l.split(" #").next().unwrap();
            l.split_whitespace().skip(1).map(String::from).collect()
        })
        .collect()
}

/// `scans/` and `labels/` of a 6-patient synthetic cohort (D1 4, D2 2), and `new/` with one
/// more scan to predict.
fn lay_out(dir: &Path) {
    std::fs::write(
        dir.join("spec.toml"),
        "name = \"w\"\n[groups]\nD1 = 4\nD2 = 2\n",
    )
    .unwrap();
    let args = "synth --out synth --cohort spec.toml --contact-sheet-per-group 0 --seed 11";
    bonescan(dir, &args.split(' ').map(String::from).collect::<Vec<_>>());
    for (from, to, ext) in [("dicom", "scans", "dcm"), ("labelme", "labels", "json")] {
        std::fs::create_dir_all(dir.join(to)).unwrap();
        for entry in std::fs::read_dir(dir.join("synth").join(from)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == ext) {
                std::fs::copy(&path, dir.join(to).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    std::fs::create_dir_all(dir.join("new")).unwrap();
    std::fs::copy(
        dir.join("scans/SYN-D1-001.dcm"),
        dir.join("new/SYN-D1-001.dcm"),
    )
    .unwrap();
}

/// What the person does after `init`: cancer and metastatic on every row, one patient pinned to
/// fold 2 (`split`), 3 folds. Scan ids are `<prefix>-D1-00k` (metastatic) and `<prefix>-D2-00k`.
fn fill_in(dir: &Path, prefix: &str) {
    let cohort = dir.join("study/cohort.csv");
    let text = std::fs::read_to_string(&cohort).unwrap();
    let filled: Vec<String> = text
        .lines()
        .map(|l| match l.strip_suffix(",,,,") {
            Some(id) if id == pinned(prefix) => format!("{id},breast,yes,,2"),
            Some(id) if id.starts_with(&format!("{prefix}-D1")) => format!("{id},breast,yes,,"),
            Some(id) if id.starts_with(&format!("{prefix}-D2")) => format!("{id},breast,no,,"),
            _ => l.to_string(),
        })
        .collect();
    std::fs::write(&cohort, filled.join("\n") + "\n").unwrap();
    let experiment = dir.join("study/experiment.toml");
    let text = std::fs::read_to_string(&experiment).unwrap();
    assert!(text.contains("folds = 10"));
    std::fs::write(&experiment, text.replace("folds = 10", "folds = 3")).unwrap();
}

/// The patient `fill_in` pins to fold 2 (unpinned, the dealing would put it in fold 1).
fn pinned(prefix: &str) -> String {
    format!("{prefix}-D1-003")
}

/// The run's `splits.json` puts the pinned patient in fold 2 (index 1) and deals the others.
fn pin_is_kept(dir: &Path, prefix: &str) {
    let pinned = pinned(prefix);
    let splits: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("runs/mine/splits.json")).unwrap()).unwrap();
    let folds = splits["positives"]["D1"].as_array().unwrap();
    let holds = |k: usize| {
        folds[k]
            .as_array()
            .unwrap()
            .iter()
            .any(|id| id.as_str() == Some(pinned.as_str()))
    };
    assert!(holds(1) && !holds(0) && !holds(2), "{splits}");
    let sizes: Vec<usize> = folds.iter().map(|f| f.as_array().unwrap().len()).collect();
    assert_eq!(sizes.iter().sum::<usize>(), 4);
    assert!(sizes.iter().all(|&n| n >= 1), "{sizes:?}");
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The section's commands in `dir` (laid out already) on scans `<prefix>-D1/D2-00k`, every file
/// they say they write checked (`mask_posterior.png` only for scans with both views), the pin
/// kept, then the loop back through the predicted SEG. Returns the section.
fn walk(dir: &Path, prefix: &str, two_views: bool) -> String {
    let text = section();
    let steps = commands(&text);
    let names: Vec<&str> = steps.iter().map(|c| c[0].as_str()).collect();
    assert_eq!(names, ["init", "prepare", "cv", "predict"], "{text}");
    let mut again = Vec::new();
    for mut args in steps {
        match args[0].as_str() {
            "prepare" => fill_in(dir, prefix),
            "cv" => args.extend(["--profile", "tiny", "--cpu", "--quiet"].map(String::from)),
            "predict" => args
                .iter_mut()
                .filter(|a| *a == "NEW_SCANS")
                .for_each(|a| *a = "new".into()),
            _ => {}
        }
        bonescan(dir, &args);
        if matches!(args[0].as_str(), "prepare" | "cv") {
            again.push(args);
        }
    }
    let predicted = |file: &str| format!("predicted/{prefix}-D1-001/{file}");
    let mut written: Vec<String> = [
        "study/cohort.csv",
        "study/experiment.toml",
        "prepared/images.npy",
        "prepared/lesion.npy",
        "prepared/body.npy",
        "prepared/manifest.json",
        "prepared/previews",
        "prepared/summary.json",
        "runs/mine/results.json",
        "runs/mine/table.md",
        "runs/mine/report.md",
        "runs/mine/figures",
        "predicted/summary.json",
    ]
    .map(String::from)
    .into();
    for file in [
        "overlay.png",
        "mask_anterior.png",
        "mask_posterior.png",
        "report.json",
        "seg.dcm",
    ] {
        if two_views || file != "mask_posterior.png" {
            written.push(predicted(file));
        }
    }
    for path in written {
        assert!(dir.join(&path).exists(), "{path} not written");
        assert!(
            text.contains(path.rsplit('/').next().unwrap()),
            "README names {path}"
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("prepared/manifest.json")).unwrap())
            .unwrap();
    let groups: Vec<&str> = manifest["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["group"].as_str().unwrap())
        .collect();
    assert_eq!(
        groups,
        ["D1", "D1", "D1", "D1", "D2", "D2"],
        "derived from the rows"
    );
    pin_is_kept(dir, prefix);
    closes_the_loop(dir, prefix, &text, &again);
    text
}

#[test]
fn the_readme_walkthrough_runs_as_written() {
    let dir = fresh_dir("own_scans_readme");
    lay_out(&dir);
    let text = walk(&dir, "SYN", true);

    // the labelme-to-mask line of the prose
    let line = "bonescan labelme-to-mask labels/*.json --out masks";
    assert!(text.contains(line));
    let mut args = vec!["labelme-to-mask".to_string()];
    let mut labels: Vec<String> = std::fs::read_dir(dir.join("labels"))
        .unwrap()
        .map(|e| format!("labels/{}", e.unwrap().file_name().to_string_lossy()))
        .filter(|p| p.ends_with(".json"))
        .collect();
    labels.sort();
    args.extend(labels);
    args.extend(["--out", "masks"].map(String::from));
    bonescan(&dir, &args);
    assert!(dir.join("masks/summary.json").exists());
    assert!(dir.join("masks/SYN-D2-002.png").exists());
}

/// The prose's loop back: `predicted/<id>/seg.dcm` (here uncorrected) put in `labels/` as
/// `<id>.dcm` in place of the scan's Labelme file or PNG, then the same `prepare` and `cv` lines
/// (`cv` into a new run directory: the finished one would be resumed, not retrained).
fn closes_the_loop(dir: &Path, prefix: &str, text: &str, again: &[Vec<String>]) {
    assert!(
        text.contains("`labels/<id>.dcm`"),
        "README says where the SEG goes"
    );
    let id = format!("{prefix}-D1-001");
    let label = ["json", "png"]
        .map(|ext| dir.join(format!("labels/{id}.{ext}")))
        .into_iter()
        .find(|p| p.exists())
        .expect("the scan's label file");
    std::fs::remove_file(label).unwrap();
    std::fs::copy(
        dir.join(format!("predicted/{id}/seg.dcm")),
        dir.join(format!("labels/{id}.dcm")),
    )
    .unwrap();
    for args in again {
        let args: Vec<String> = args
            .iter()
            .map(|a| a.replace("runs/mine", "runs/again"))
            .collect();
        bonescan(dir, &args);
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("prepared/manifest.json")).unwrap())
            .unwrap();
    let entry = manifest["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id.as_str())
        .unwrap();
    let label = entry["labels"]["path"].as_str().unwrap_or_default();
    assert!(label.ends_with(&format!("labels/{id}.dcm")), "{entry}");
    assert!(dir.join("runs/again/results.json").exists());
}

/// argv: the NM1 fixture, the output directory. Writes `scans/NM1-D1-00k.dcm` (k = 1…4: NM1
/// with 2–4 Gaussian hot spots added to its counts on bone, then Poisson-resampled) and
/// `scans/NM1-D2-00k.dcm` (k = 1, 2: resampled only), each its own patient, study and instance;
/// `labels/<id>.png`, the lesion mask (spot above half its peak; empty for D2), and for D1
/// `labels_seg/<id>.dcm`, the same mask as highdicom's binary SEG of that scan.
const NM1_COHORT: &str = r#"
import sys, copy, os, numpy as np, pydicom, highdicom as hd
from PIL import Image
from pydicom.sr.codedict import codes
src, out = pydicom.dcmread(sys.argv[1]), sys.argv[2]
for d in ["scans", "labels", "labels_seg"]:
    os.makedirs(f"{out}/{d}", exist_ok=True)
counts = src.pixel_array.astype(np.float64)
rows, cols = counts.shape
yy, xx = np.mgrid[0:rows, 0:cols]
bone = np.argwhere(counts > np.percentile(counts[counts > 0], 90))
desc = hd.seg.SegmentDescription(
    segment_number=1, segment_label="metastasis",
    segmented_property_category=codes.SCT.MorphologicallyAbnormalStructure,
    segmented_property_type=codes.SCT.Neoplasm,
    algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL)
cases = [(f"NM1-D1-{k:03}", 1 + k % 3) for k in range(1, 5)] + [(f"NM1-D2-{k:03}", 0) for k in (1, 2)]
for seed, (name, spots) in enumerate(cases):
    rng = np.random.default_rng(seed)
    lam, mask = counts.copy(), np.zeros((rows, cols), bool)
    for _ in range(spots):
        r, c = bone[rng.integers(len(bone))]
        sigma, peak = rng.uniform(3, 5), rng.uniform(150, 300)
        spot = peak * np.exp(-((yy - r) ** 2 + (xx - c) ** 2) / (2 * sigma ** 2))
        lam += spot
        mask |= spot > peak / 2
    ds = copy.deepcopy(src)
    ds.PixelData = rng.poisson(lam).astype(np.int16).tobytes()
    ds.PatientID, ds.PatientName = name, name.replace("-", "^", 1)
    ds.StudyInstanceUID, ds.SeriesInstanceUID = hd.UID(), hd.UID()
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = hd.UID()
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    ds.save_as(f"{out}/scans/{name}.dcm", enforce_file_format=True)
    Image.fromarray(mask.astype(np.uint8) * 255).save(f"{out}/labels/{name}.png")
    if spots:
        seg = hd.seg.Segmentation(
            source_images=[ds], pixel_array=mask.astype(np.uint8),
            segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
            segment_descriptions=[desc], series_instance_uid=hd.UID(), series_number=2,
            sop_instance_uid=hd.UID(), instance_number=1, manufacturer="test",
            manufacturer_model_name="test", software_versions="0", device_serial_number="0")
        seg.save_as(f"{out}/labels_seg/{name}.dcm")
    else:
        Image.fromarray(mask.astype(np.uint8)).save(f"{out}/labels_seg/{name}.png")
"#;

/// The NM1 cohort of `NM1_COHORT` in `dir`, and `new/` with one of its scans to predict.
fn lay_out_nm1(dir: &Path) {
    let nm1 = bs_testdata::nm1_unc().unwrap_or_else(bs_testdata::nm1_jpll);
    bs_testdata::run_python(NM1_COHORT, &[nm1.to_str().unwrap(), dir.to_str().unwrap()]);
    std::fs::create_dir_all(dir.join("new")).unwrap();
    std::fs::copy(
        dir.join("scans/NM1-D1-001.dcm"),
        dir.join("new/NM1-D1-001.dcm"),
    )
    .unwrap();
}

/// The walkthrough on real anatomy: NM1 (anterior view only, as the fixture is) with lesions in
/// its counts, PNG labels; the same prepare with highdicom's SEGs as labels gives the same
/// prepared lesion masks, and every metastatic scan's lesions reach them.
#[test]
fn the_readme_walkthrough_runs_on_real_anatomy_with_png_or_seg_labels() {
    let dir = fresh_dir("own_scans_readme_nm1");
    lay_out_nm1(&dir);
    // the PNGs as laid out (`walk` replaces one by the predicted SEG)
    std::fs::create_dir_all(dir.join("labels_png")).unwrap();
    for entry in std::fs::read_dir(dir.join("labels")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            dir.join("labels_png").join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    // the prepare line of the section, before `walk` swaps a label for the predicted SEG
    let prepare = commands(&section())
        .into_iter()
        .find(|c| c[0] == "prepare")
        .unwrap();
    walk(&dir, "NM1", false);
    let prepare_from = |labels: &str, out: &str| {
        let args: Vec<String> = prepare
            .iter()
            .map(|a| match a.as_str() {
                "labels" => labels.to_string(),
                "prepared" => out.to_string(),
                _ => a.clone(),
            })
            .collect();
        assert!(
            args.iter().any(|a| a == out),
            "the section prepares into prepared/"
        );
        bonescan(&dir, &args);
    };
    prepare_from("labels_seg", "prepared_seg");
    prepare_from("labels_png", "prepared_png");
    let seg = bs_preprocess::dataset::PreparedDataset::load(dir.join("prepared_seg")).unwrap();
    let png = bs_preprocess::dataset::PreparedDataset::load(dir.join("prepared_png")).unwrap();
    assert_eq!(seg.len(), 6);
    for i in 0..seg.len() {
        let id = &seg.entries()[i].id;
        assert_eq!(id, &png.entries()[i].id);
        let lesion = seg.lesion_mask(i).iter().filter(|&&v| v != 0).count();
        assert_eq!(lesion > 0, id.contains("-D1-"), "{id}: {lesion} lesion px");
        assert!(
            seg.lesion_mask(i) == png.lesion_mask(i),
            "{id}: SEG and PNG labels prepare differently"
        );
    }
}
