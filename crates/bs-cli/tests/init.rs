//! `bonescan init DIR` through the built binary: a cohort.csv template listing the scans of DIR
//! that the cohort reader refuses until it is filled in, and an experiment TOML that bs-train
//! accepts.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use bs_preprocess::dataset::{CohortError, CohortTable, Group, RowProblem};

fn bonescan(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bonescan"))
        .args(args)
        .output()
        .expect("start bonescan")
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("init_{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The DICOM directory of a synthetic 4-patient cohort, one per group.
fn scans(dir: &Path) -> PathBuf {
    let spec = dir.join("spec.toml");
    std::fs::write(
        &spec,
        "name = \"t\"\n[groups]\nD1 = 1\nD2 = 1\nD3 = 1\nD4 = 1\n",
    )
    .unwrap();
    let run = bonescan(&[
        "synth".as_ref(),
        "--out".as_ref(),
        dir.join("cohort").as_os_str(),
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
    dir.join("cohort").join("dicom")
}

#[test]
fn init_lists_the_scans_in_a_template_to_fill_in_and_writes_an_experiment() {
    let dir = fresh_dir("template");
    let dicom = scans(&dir);
    let out = dir.join("mine");
    let run = bonescan(&[
        "init".as_ref(),
        dicom.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    let cohort = out.join("cohort.csv");
    let text = std::fs::read_to_string(&cohort).unwrap();
    assert!(
        text.lines().take_while(|l| l.starts_with('#')).count() >= 8,
        "{text}"
    );
    let rows: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        rows,
        [
            "patient_id,cancer,metastatic,group,split",
            "SYN-D1-001,,,,",
            "SYN-D2-001,,,,",
            "SYN-D3-001,,,,",
            "SYN-D4-001,,,,"
        ]
    );
    // as written, every row is refused with its line: cancer and metastatic are the user's
    let first_row = text
        .lines()
        .position(|l| l.starts_with("SYN-D1-001"))
        .unwrap()
        + 1;
    match CohortTable::read(&cohort) {
        Err(CohortError::BadRows { rows, .. }) => {
            assert_eq!(rows.len(), 4);
            assert_eq!(rows[0].line, first_row);
            assert_eq!(rows[0].problem, RowProblem::Missing("cancer"));
        }
        other => panic!("an unfilled template must be refused: {other:?}"),
    }
    // filled in, it is a cohort table of exactly these scans
    let filled = text
        .replace("SYN-D1-001,,,,", "SYN-D1-001,breast,yes,,")
        .replace("SYN-D2-001,,,,", "SYN-D2-001,breast,no,,")
        .replace("SYN-D3-001,,,,", "SYN-D3-001,prostate,yes,,2")
        .replace("SYN-D4-001,,,,", "SYN-D4-001,prostate,no,D4,");
    std::fs::write(&cohort, filled).unwrap();
    let table = CohortTable::read(&cohort).unwrap();
    let groups: Vec<Option<Group>> = table.rows().iter().map(|r| r.group).collect();
    let all: Vec<Option<Group>> = Group::ALL.into_iter().map(Some).collect();
    assert_eq!(groups, all);

    let experiment = bs_train::config::ExperimentConfig::from_path(&out.join("experiment.toml"))
        .unwrap_or_else(|e| panic!("experiment.toml: {e}"));
    assert_eq!(experiment.name, "my_cohort");
    assert_eq!(experiment.training.folds, 10);
}

#[test]
fn init_does_not_overwrite_a_table_the_user_edited() {
    let dir = fresh_dir("no_overwrite");
    let dicom = scans(&dir);
    let out = dir.join("mine");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("cohort.csv"), "edited by hand\n").unwrap();
    let run = bonescan(&[
        "init".as_ref(),
        dicom.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("cohort.csv exists") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("cohort.csv")).unwrap(),
        "edited by hand\n"
    );
    assert!(!out.join("experiment.toml").exists(), "nothing written");

    let run = bonescan(&[
        "init".as_ref(),
        dicom.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--force".as_ref(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(std::fs::read_to_string(out.join("cohort.csv"))
        .unwrap()
        .contains("SYN-D4-001"));
}

#[test]
fn init_on_a_directory_without_scans_says_so() {
    let dir = fresh_dir("empty");
    let run = bonescan(&["init".as_ref(), dir.as_os_str()]);
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("no *.dcm files"), "{stderr}");
    assert!(!dir.join("cohort.csv").exists());
}
