//! The README's "Your own scans" walkthrough, run as written: the `bonescan` lines of its shell
//! block are read from README.md and run in order on a synthetic 6-scan cohort laid out as the
//! section describes (`scans/`, `labels/`). What a person does by hand between the commands
//! (filling in cohort.csv, fewer folds for 4 metastatic patients) the test does the same way, and
//! `cv` runs at the `tiny` profile. Then every file the section says a command writes must exist.

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
/// fold 2 (`split`), 3 folds.
fn fill_in(dir: &Path) {
    let cohort = dir.join("study/cohort.csv");
    let text = std::fs::read_to_string(&cohort).unwrap();
    let filled: Vec<String> = text
        .lines()
        .map(|l| match l.strip_suffix(",,,,") {
            Some(id) if id == PINNED => format!("{id},breast,yes,,2"),
            Some(id) if id.starts_with("SYN-D1") => format!("{id},breast,yes,,"),
            Some(id) if id.starts_with("SYN-D2") => format!("{id},breast,no,,"),
            _ => l.to_string(),
        })
        .collect();
    std::fs::write(&cohort, filled.join("\n") + "\n").unwrap();
    let experiment = dir.join("study/experiment.toml");
    let text = std::fs::read_to_string(&experiment).unwrap();
    assert!(text.contains("folds = 10"));
    std::fs::write(&experiment, text.replace("folds = 10", "folds = 3")).unwrap();
}

/// The patient `fill_in` pins to fold 2.
const PINNED: &str = "SYN-D1-003";

/// The run's `splits.json` puts the pinned patient in fold 2 (index 1) and deals the others.
fn pin_is_kept(dir: &Path) {
    let splits: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("runs/mine/splits.json")).unwrap()).unwrap();
    let folds = splits["positives"]["D1"].as_array().unwrap();
    let holds = |k: usize| {
        folds[k]
            .as_array()
            .unwrap()
            .iter()
            .any(|id| id.as_str() == Some(PINNED))
    };
    assert!(holds(1) && !holds(0) && !holds(2), "{splits}");
    let sizes: Vec<usize> = folds.iter().map(|f| f.as_array().unwrap().len()).collect();
    assert_eq!(sizes.iter().sum::<usize>(), 4);
    assert!(sizes.iter().all(|&n| n >= 1), "{sizes:?}");
}

fn fresh_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("own_scans_readme");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_readme_walkthrough_runs_as_written() {
    let text = section();
    let steps = commands(&text);
    let names: Vec<&str> = steps.iter().map(|c| c[0].as_str()).collect();
    assert_eq!(names, ["init", "prepare", "cv", "predict"], "{text}");
    let dir = fresh_dir();
    lay_out(&dir);
    let mut again = Vec::new();
    for mut args in steps {
        match args[0].as_str() {
            "prepare" => fill_in(&dir),
            "cv" => args.extend(["--profile", "tiny", "--cpu", "--quiet"].map(String::from)),
            "predict" => args
                .iter_mut()
                .filter(|a| *a == "NEW_SCANS")
                .for_each(|a| *a = "new".into()),
            _ => {}
        }
        bonescan(&dir, &args);
        if matches!(args[0].as_str(), "prepare" | "cv") {
            again.push(args);
        }
    }
    let written = [
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
        "predicted/SYN-D1-001/overlay.png",
        "predicted/SYN-D1-001/mask_anterior.png",
        "predicted/SYN-D1-001/mask_posterior.png",
        "predicted/SYN-D1-001/report.json",
        "predicted/SYN-D1-001/seg.dcm",
        "predicted/summary.json",
    ];
    for path in written {
        assert!(dir.join(path).exists(), "{path} not written");
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
    pin_is_kept(&dir);

    // the labelme-to-mask line of the prose
    let line = "bonescan labelme-to-mask labels/*.json --out masks";
    assert!(text.contains(line));
    let mut args = vec!["labelme-to-mask".to_string()];
    let mut labels: Vec<String> = std::fs::read_dir(dir.join("labels"))
        .unwrap()
        .map(|e| format!("labels/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    labels.sort();
    args.extend(labels);
    args.extend(["--out", "masks"].map(String::from));
    bonescan(&dir, &args);
    assert!(dir.join("masks/summary.json").exists());
    assert!(dir.join("masks/SYN-D2-002.png").exists());

    closes_the_loop(&dir, &text, &again);
}

/// The prose's loop back: `predicted/<id>/seg.dcm` (here uncorrected) put in `labels/` as
/// `<id>.dcm` in place of the scan's Labelme file, then the same `prepare` and `cv` lines (`cv`
/// into a new run directory: the finished one would be resumed, not retrained).
fn closes_the_loop(dir: &Path, text: &str, again: &[Vec<String>]) {
    assert!(
        text.contains("`labels/<id>.dcm`"),
        "README says where the SEG goes"
    );
    std::fs::remove_file(dir.join("labels/SYN-D1-001.json")).unwrap();
    std::fs::copy(
        dir.join("predicted/SYN-D1-001/seg.dcm"),
        dir.join("labels/SYN-D1-001.dcm"),
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
        .find(|e| e["id"] == "SYN-D1-001")
        .unwrap();
    let label = entry["labels"]["path"].as_str().unwrap_or_default();
    assert!(label.ends_with("labels/SYN-D1-001.dcm"), "{entry}");
    assert!(dir.join("runs/again/results.json").exists());
}
