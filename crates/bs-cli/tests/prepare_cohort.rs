//! `bonescan prepare --cohort TABLE` through the built binary: patient facts from a CSV the
//! user wrote, a broken scan left out while the others are prepared, scans without a row and
//! rows without a scan listed, and a table with a bad row refused with its line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use bs_preprocess::dataset::PreparedDataset;
use serde_json::Value;

fn bonescan(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bonescan"))
        .args(args)
        .output()
        .expect("start bonescan")
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("prepare_cohort_{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A 5-patient synthetic cohort (D1 2, D2 1, D3 1, D4 1): `DIR/cohort/{dicom,labelme}`.
fn synth(dir: &Path) -> PathBuf {
    let spec = dir.join("tiny.toml");
    std::fs::write(
        &spec,
        "name = \"tiny\"\n[groups]\nD1 = 2\nD2 = 1\nD3 = 1\nD4 = 1\n",
    )
    .unwrap();
    let cohort = dir.join("cohort");
    let run = bonescan(&[
        "synth".as_ref(),
        "--out".as_ref(),
        cohort.as_os_str(),
        "--cohort".as_ref(),
        spec.as_os_str(),
        "--contact-sheet-per-group".as_ref(),
        "0".as_ref(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    cohort
}

fn prepare(inputs: &[&Path], cohort: &Path, labels: &Path, out: &Path) -> Output {
    let mut args: Vec<&std::ffi::OsStr> = vec!["prepare".as_ref()];
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    args.extend([
        "--cohort".as_ref(),
        cohort.as_os_str(),
        "--labels".as_ref(),
        labels.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--no-previews".as_ref(),
    ]);
    bonescan(&args)
}

const CLINIC_CSV: &str = "\
# exported from the clinic's spreadsheet
patient_id,cancer,metastatic,group,split,ward
SYN-D1-001,breast,yes,,1,north
SYN-D1-002,breast,Yes,D1,2,
SYN-D2-001,breast,no,,1,south
SYN-D3-001,prostate,1,,2,
SYN-XX-404,prostate,0,,,
";

#[test]
fn a_users_csv_gives_the_patient_facts_and_every_mismatch_is_listed() {
    let dir = fresh_dir("csv");
    let cohort = synth(&dir);
    let table = dir.join("clinic.csv");
    std::fs::write(&table, CLINIC_CSV).unwrap();
    let broken = dir.join("broken.dcm");
    std::fs::write(&broken, b"not a DICOM file").unwrap();
    let out = dir.join("prepared");
    let run = prepare(
        &[&cohort.join("dicom"), &broken],
        &table,
        &cohort.join("labelme"),
        &out,
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("failed: ") && stderr.contains("broken.dcm"),
        "{stderr}"
    );
    assert!(
        stderr.contains("scan SYN-D4-001 has no row in") && stderr.contains("clinic.csv"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 7: no scan SYN-XX-404 among the inputs"),
        "{stderr}"
    );

    // every readable scan is prepared, with the table's facts where it has a row
    let ds = PreparedDataset::load(&out).unwrap();
    let ids: Vec<&str> = ds.entries().iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "SYN-D1-001",
            "SYN-D1-002",
            "SYN-D2-001",
            "SYN-D3-001",
            "SYN-D4-001"
        ]
    );
    let facts = |k: usize| &ds.entries()[k].patient;
    assert_eq!(facts(0).group.as_deref(), Some("D1"), "derived");
    assert_eq!(facts(0).split, Some(1));
    assert_eq!(facts(0).extra["ward"], "north");
    assert_eq!(facts(2).group.as_deref(), Some("D2"), "derived");
    assert_eq!(facts(3).group.as_deref(), Some("D3"), "derived");
    assert_eq!(facts(3).metastatic, Some(true));
    assert_eq!(facts(4).group, None, "no row: no facts invented");
    assert!(
        ds.entries()[1].lesion_pixels > 0,
        "labels found by file stem"
    );

    let summary: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["command"], "prepare");
    assert_eq!(summary["failed"], 1);
    assert_eq!(summary["succeeded"], 5);
    assert_eq!(
        summary["scans_without_row"],
        serde_json::json!(["SYN-D4-001", "broken"])
    );
    assert_eq!(
        summary["rows_without_scan"],
        serde_json::json!([{"line": 7, "scan": "SYN-XX-404"}])
    );
    let failed: Vec<&Value> = summary["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !e["error"].is_null())
        .collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["input"].as_str().unwrap().ends_with("broken.dcm"));
}

#[test]
fn a_table_with_a_bad_row_is_refused_naming_its_line() {
    let dir = fresh_dir("bad_row");
    let cohort = synth(&dir);
    let table = dir.join("clinic.tsv");
    std::fs::write(
        &table,
        "patient_id\tcancer\tmetastatic\nSYN-D1-001\tbreast\tyes\nSYN-D1-002\tbreast\tperhaps\n",
    )
    .unwrap();
    let out = dir.join("prepared");
    let run = prepare(
        &[&cohort.join("dicom")],
        &table,
        &cohort.join("labelme"),
        &out,
    );
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("clinic.tsv")
            && stderr.contains("line 3: metastatic \"perhaps\" is not yes/no"),
        "{stderr}"
    );
    assert!(
        !out.join("manifest.json").exists(),
        "nothing prepared from a bad table"
    );
}
