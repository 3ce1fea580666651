//! The cohort table users write (CSV, TSV, bs-phantom's JSON): rows, derived groups, bad rows
//! named by line, and the matching of rows to scans.

use std::path::{Path, PathBuf};

use bs_preprocess::dataset::{
    Cancer, CohortError, CohortItem, CohortTable, Group, RowError, RowProblem,
};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const GOOD_CSV: &str = "\
# cohort of the clinic, exported 2026-11-30
patient_id,cancer,metastatic,group,split,Site
P1,breast,yes,D1,2,north
P2,Breast,No,,,\"south, annex\"

P3,prostate,1,,,
P4,prostate,false,D4,,
P5,other,true,,3,north
";

#[test]
fn a_csv_gives_every_row_with_groups_given_or_derived_and_other_columns_kept() {
    let dir = tempfile::tempdir().unwrap();
    let table = CohortTable::read(&write(dir.path(), "cohort.csv", GOOD_CSV)).unwrap();
    let rows = table.rows();
    let ids: Vec<&str> = rows.iter().map(|r| r.scan.as_str()).collect();
    assert_eq!(ids, ["P1", "P2", "P3", "P4", "P5"]);
    let lines: Vec<usize> = rows.iter().map(|r| r.line).collect();
    assert_eq!(
        lines,
        [3, 4, 6, 7, 8],
        "file lines, comments and blanks counted"
    );
    let groups: Vec<Option<Group>> = rows.iter().map(|r| r.group).collect();
    assert_eq!(
        groups,
        [
            Some(Group::D1),
            Some(Group::D2),
            Some(Group::D3),
            Some(Group::D4),
            None
        ],
        "P2 and P3 derived from cancer and metastatic (Table 1); other cancers have none"
    );
    assert_eq!(rows[1].cancer, Cancer::Breast);
    assert!(!rows[1].metastatic && rows[2].metastatic && !rows[3].metastatic);
    assert_eq!(rows[0].split, Some(2));
    assert_eq!(rows[1].split, None);
    assert_eq!(
        rows[1].extra["site"], "south, annex",
        "quoted field with a comma"
    );
    assert!(
        !rows[2].extra.contains_key("site"),
        "empty fields are left out"
    );

    let info = rows[4].patient_info();
    assert_eq!(info.patient_id, "P5");
    assert_eq!(info.group, None);
    assert_eq!(info.cancer.as_deref(), Some("other"));
    assert_eq!(info.metastatic, Some(true));
    assert_eq!(info.split, Some(3));
    assert_eq!(info.extra["site"], "north");
}

#[test]
fn a_tsv_reads_like_the_csv() {
    let dir = tempfile::tempdir().unwrap();
    let csv = CohortTable::read(&write(dir.path(), "cohort.csv", GOOD_CSV)).unwrap();
    let tsv_text = GOOD_CSV
        .replace("\"south, annex\"", "south, annex")
        .replace(',', "\t")
        .replace("south\t annex", "south, annex");
    let tsv = CohortTable::read(&write(dir.path(), "cohort.tsv", &tsv_text)).unwrap();
    assert_eq!(tsv.rows(), csv.rows());
}

#[test]
fn a_semicolon_csv_from_a_spreadsheet_reads_like_the_comma_one() {
    let dir = tempfile::tempdir().unwrap();
    let csv = CohortTable::read(&write(dir.path(), "cohort.csv", GOOD_CSV)).unwrap();
    let semicolons = GOOD_CSV
        .replace(',', ";")
        .replace("south; annex", "south, annex")
        .replace("\r\n", "\n")
        .replace('\n', "\r\n");
    let table = CohortTable::read(&write(dir.path(), "excel.csv", &semicolons)).unwrap();
    assert_eq!(table.rows(), csv.rows());
}

#[test]
fn a_scan_column_matches_several_scans_of_one_patient() {
    let dir = tempfile::tempdir().unwrap();
    let text = "scan,patient_id,cancer,metastatic\nP1_2019,P1,breast,no\nP1_2021,P1,breast,yes\n";
    let table = CohortTable::read(&write(dir.path(), "cohort.csv", text)).unwrap();
    let a = table.get("P1_2019").unwrap();
    let b = table.get("P1_2021").unwrap();
    assert_eq!((a.patient_id.as_str(), a.group), ("P1", Some(Group::D2)));
    assert_eq!((b.patient_id.as_str(), b.group), ("P1", Some(Group::D1)));
}

fn bad_rows(text: &str) -> Vec<RowError> {
    let dir = tempfile::tempdir().unwrap();
    match CohortTable::read(&write(dir.path(), "cohort.csv", text)) {
        Err(CohortError::BadRows { path, rows }) => {
            assert!(path.ends_with("cohort.csv"));
            rows
        }
        other => panic!("expected bad rows, got {other:?}"),
    }
}

#[test]
fn every_bad_row_is_named_with_its_line_and_reason() {
    let text = "\
patient_id,cancer,metastatic,group,split
P1,breast,maybe,,
P2,breast,no,D3,
P3,lung,yes,,
P4,prostate,yes,D7,
P5,prostate,yes,,0
P6,prostate,yes,
,breast,yes,,
P8,breast,yes,,
P8,breast,no,,
P9,\"breast,yes,,
";
    let rows = bad_rows(text);
    let lines: Vec<usize> = rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8, 10, 11]);
    assert_eq!(rows[0].problem, RowProblem::BadMetastatic("maybe".into()));
    assert!(matches!(
        rows[1].problem,
        RowProblem::GroupMismatch {
            given: "D3",
            expected: "D2",
            ..
        }
    ));
    assert_eq!(rows[2].problem, RowProblem::BadCancer("lung".into()));
    assert_eq!(rows[3].problem, RowProblem::BadGroup("D7".into()));
    assert_eq!(rows[4].problem, RowProblem::BadSplit("0".into()));
    assert_eq!(
        rows[5].problem,
        RowProblem::FieldCount {
            got: 4,
            expected: 5
        }
    );
    assert_eq!(rows[6].problem, RowProblem::Missing("patient_id"));
    assert_eq!(
        rows[7].problem,
        RowProblem::Duplicate {
            id: "P8".into(),
            first: 9
        }
    );
    assert_eq!(rows[8].problem, RowProblem::OpenQuote);

    let dir = tempfile::tempdir().unwrap();
    let err = CohortTable::read(&write(dir.path(), "clinic.csv", text)).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("clinic.csv")
            && message.contains("9 bad row(s)")
            && message.contains("line 2: metastatic \"maybe\" is not yes/no"),
        "{message}"
    );
}

#[test]
fn a_header_without_a_required_column_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "c.csv", "patient_id,cancer\nP1,breast\n");
    match CohortTable::read(&path) {
        Err(CohortError::MissingColumn { column, .. }) => assert_eq!(column, "metastatic"),
        other => panic!("{other:?}"),
    }
    let path = write(dir.path(), "c.csv", "id,cancer,metastatic\nP1,breast,no\n");
    match CohortTable::read(&path) {
        Err(CohortError::MissingColumn { column, .. }) => assert_eq!(column, "patient_id"),
        other => panic!("{other:?}"),
    }
    let missing = CohortTable::read(&dir.path().join("absent.csv")).unwrap_err();
    assert!(matches!(missing, CohortError::Io { .. }));
    assert!(missing.to_string().contains("absent.csv"));
}

#[test]
fn a_phantom_json_manifest_reads_as_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let json = r#"{"name": "small", "patients": [
        {"patient_id": "SYN-D1-001", "group": "D1", "cancer": "breast", "metastatic": true,
         "sex": "female", "age": 64, "lesion_sites": ["rib"]},
        {"patient_id": "SYN-D4-001", "group": "D4", "cancer": "prostate", "metastatic": false}
    ]}"#;
    let table = CohortTable::read(&write(dir.path(), "manifest.json", json)).unwrap();
    let first = table.get("SYN-D1-001").unwrap();
    assert_eq!(first.group, Some(Group::D1));
    assert_eq!(first.extra["age"], "64");
    assert_eq!(first.extra["sex"], "female");
    assert!(
        !first.extra.contains_key("lesion_sites"),
        "lists are left out"
    );
    assert_eq!(table.get("SYN-D4-001").unwrap().group, Some(Group::D4));

    let bad = r#"{"patients": [{"patient_id": "A", "cancer": "breast", "metastatic": true,
        "group": "D2"}]}"#;
    let err = CohortTable::read(&write(dir.path(), "bad.json", bad)).unwrap_err();
    assert!(
        err.to_string().contains("line 1: group D2 contradicts"),
        "{err}"
    );
}

fn item(id: &str) -> CohortItem {
    CohortItem {
        id: id.into(),
        dicom: vec![PathBuf::from(format!("{id}.dcm"))],
        labels: None,
        patient: None,
    }
}

#[test]
fn scans_without_a_row_and_rows_without_a_scan_are_both_reported() {
    let dir = tempfile::tempdir().unwrap();
    let table = CohortTable::read(&write(dir.path(), "cohort.csv", GOOD_CSV)).unwrap();
    let mut items = vec![item("P1"), item("X9"), item("P3")];
    let matched = table.assign(&mut items);
    assert_eq!(matched.scans_without_row, ["X9"]);
    assert_eq!(
        matched.rows_without_scan,
        [
            (4, "P2".to_string()),
            (7, "P4".to_string()),
            (8, "P5".to_string())
        ]
    );
    assert_eq!(items.len(), 3, "no scan is dropped");
    assert_eq!(
        items[0].patient.as_ref().unwrap().group.as_deref(),
        Some("D1")
    );
    assert_eq!(items[0].patient.as_ref().unwrap().split, Some(2));
    assert!(items[1].patient.is_none());
    assert_eq!(
        items[2].patient.as_ref().unwrap().group.as_deref(),
        Some("D3")
    );
}
