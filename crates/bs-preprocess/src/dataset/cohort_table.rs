//! The cohort table users write: one row per patient (or scan) with cancer, metastatic status,
//! the data set group of the paper's Table 1 and an optional pinned fold.
//!
//! Formats, told apart by the file extension: `.csv` (comma; semicolon when the header has
//! semicolons and no comma, as spreadsheets write CSV in some locales), `.tsv`/`.tab` (tab),
//! `.json` (bs-phantom's `manifest.json`, `{"patients": [{...}, ...]}`). In CSV and TSV, the
//! first line that is neither blank nor a `#` comment is the header (names case-insensitive);
//! fields may be quoted (`"a, b"`, `""` for a quote) but must end on their line.
//!
//! | column | required | values |
//! |---|---|---|
//! | `patient_id` | yes (or `scan`) | matched to the scan id, the DICOM file stem (the anterior file's for a pair) |
//! | `scan` | no | a file stem, when one patient has several scans; then `patient_id` names the patient |
//! | `cancer` | yes | `breast`, `prostate`, `other` |
//! | `metastatic` | yes | `yes`/`no`, `true`/`false`, `1`/`0`, `y`/`n` (any case) |
//! | `group` | no | `D1`..`D4`; derived from cancer and metastatic when empty or absent |
//! | `split` | no | a fold number ≥ 1 that pins the patient to that fold |
//!
//! Table 1 of the paper: D1 breast cancer with bone metastasis, D2 breast without, D3 prostate
//! with, D4 prostate without. Other columns are kept as text in the prepared manifest.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::manifest::PatientInfo;

mod parse;

/// Primary cancer of a patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cancer {
    /// Breast cancer.
    Breast,
    /// Prostate cancer.
    Prostate,
    /// Any other primary (no Table 1 group).
    Other,
}

impl Cancer {
    /// `breast`, `prostate` or `other`.
    pub fn name(self) -> &'static str {
        match self {
            Cancer::Breast => "breast",
            Cancer::Prostate => "prostate",
            Cancer::Other => "other",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "breast" => Some(Cancer::Breast),
            "prostate" => Some(Cancer::Prostate),
            "other" => Some(Cancer::Other),
            _ => None,
        }
    }
}

/// The four data sets of the paper's Table 1 (bs-phantom generates its cohort by them; bs-train
/// cross-validates the metastatic ones and adds the others to training only).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Group {
    /// Breast cancer with bone metastasis.
    D1,
    /// Breast cancer without bone metastasis.
    D2,
    /// Prostate cancer with bone metastasis.
    D3,
    /// Prostate cancer without bone metastasis.
    D4,
}

impl Group {
    /// All groups in Table 1 order.
    pub const ALL: [Group; 4] = [Group::D1, Group::D2, Group::D3, Group::D4];

    /// The primary cancer of the group.
    pub fn cancer(self) -> Cancer {
        match self {
            Group::D1 | Group::D2 => Cancer::Breast,
            Group::D3 | Group::D4 => Cancer::Prostate,
        }
    }

    /// Whether the group's patients have bone metastases.
    pub fn metastatic(self) -> bool {
        matches!(self, Group::D1 | Group::D3)
    }

    /// The group of a breast or prostate patient; `None` for [`Cancer::Other`].
    pub fn of(cancer: Cancer, metastatic: bool) -> Option<Self> {
        match (cancer, metastatic) {
            (Cancer::Breast, true) => Some(Group::D1),
            (Cancer::Breast, false) => Some(Group::D2),
            (Cancer::Prostate, true) => Some(Group::D3),
            (Cancer::Prostate, false) => Some(Group::D4),
            (Cancer::Other, _) => None,
        }
    }

    /// `D1`..`D4`.
    pub fn name(self) -> &'static str {
        match self {
            Group::D1 => "D1",
            Group::D2 => "D2",
            Group::D3 => "D3",
            Group::D4 => "D4",
        }
    }

    /// Parses `D1`..`D4` (case-insensitive, surrounding blanks ignored).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_uppercase().as_str() {
            "D1" => Some(Group::D1),
            "D2" => Some(Group::D2),
            "D3" => Some(Group::D3),
            "D4" => Some(Group::D4),
            _ => None,
        }
    }
}

impl std::fmt::Display for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One row of a cohort table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortRow {
    /// Line of the row in the file (1-based; the index in `patients` for JSON).
    pub line: usize,
    /// The scan id the row is matched to (the `scan` column, else `patient_id`).
    pub scan: String,
    /// The patient.
    pub patient_id: String,
    /// Primary cancer.
    pub cancer: Cancer,
    /// Whether the patient has bone metastases.
    pub metastatic: bool,
    /// Table 1 group (given, or derived from cancer and metastatic).
    pub group: Option<Group>,
    /// Fold the patient is pinned to (1-based).
    pub split: Option<u32>,
    /// Every other column, by header name.
    pub extra: BTreeMap<String, String>,
}

impl CohortRow {
    /// The patient facts carried into the prepared manifest.
    pub fn patient_info(&self) -> PatientInfo {
        PatientInfo {
            patient_id: self.patient_id.clone(),
            group: self.group.map(|g| g.name().to_string()),
            cancer: Some(self.cancer.name().to_string()),
            metastatic: Some(self.metastatic),
            split: self.split,
            extra: self.extra.clone(),
        }
    }
}

/// What is wrong with one row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RowProblem {
    /// A required field is empty or absent.
    #[error("no {0}")]
    Missing(&'static str),
    /// `cancer` is not breast, prostate or other.
    #[error("cancer {0:?} is not breast, prostate or other")]
    BadCancer(String),
    /// `metastatic` is not a yes/no value.
    #[error("metastatic {0:?} is not yes/no, true/false or 1/0")]
    BadMetastatic(String),
    /// `group` is not D1..D4.
    #[error("group {0:?} is not D1, D2, D3 or D4")]
    BadGroup(String),
    /// `group` contradicts cancer and metastatic.
    #[error("group {given} contradicts cancer {cancer} with metastatic {metastatic} (Table 1: {expected})")]
    GroupMismatch {
        /// The group given.
        given: &'static str,
        /// The cancer given.
        cancer: &'static str,
        /// The metastatic status given.
        metastatic: bool,
        /// The group they imply (`no group` for other cancers).
        expected: &'static str,
    },
    /// `split` is not a fold number ≥ 1.
    #[error("split {0:?} is not a fold number (1, 2, ...)")]
    BadSplit(String),
    /// The row has a different number of fields than the header.
    #[error("{got} fields, the header has {expected}")]
    FieldCount {
        /// Fields in the row.
        got: usize,
        /// Fields in the header.
        expected: usize,
    },
    /// A quoted field is not closed on its line.
    #[error("a quoted field is not closed")]
    OpenQuote,
    /// The scan id was given on an earlier row.
    #[error("{id:?} is already on line {first}")]
    Duplicate {
        /// The id.
        id: String,
        /// The line that has it first.
        first: usize,
    },
}

/// A bad row of a cohort table: its line and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct RowError {
    /// Line in the file (1-based; the index in `patients` for JSON).
    pub line: usize,
    /// What is wrong.
    pub problem: RowProblem,
}

/// A cohort table that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CohortError {
    /// The file cannot be read.
    #[error("cannot read cohort table {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A JSON manifest is not valid JSON or has no `patients` array.
    #[error("cohort manifest {} is not a JSON object with a \"patients\" array", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's error, when the text is not JSON at all.
        #[source]
        source: Option<serde_json::Error>,
    },
    /// The header lacks a required column.
    #[error("cohort table {}: the header has no {column:?} column", path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column.
        column: &'static str,
    },
    /// Rows that cannot be used, each with its line and reason.
    #[error("cohort table {}: {} bad row(s): {}", path.display(), rows.len(), list(rows))]
    BadRows {
        /// The file.
        path: PathBuf,
        /// Every bad row.
        rows: Vec<RowError>,
    },
}

fn list(rows: &[RowError]) -> String {
    rows.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A parsed cohort table, rows in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortTable {
    path: PathBuf,
    rows: Vec<CohortRow>,
}

/// How scans and rows of a cohort table matched ([`CohortTable::assign`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CohortMatch {
    /// Scan ids no row names.
    pub scans_without_row: Vec<String>,
    /// Rows no scan matched: `(line, scan id)`.
    pub rows_without_scan: Vec<(usize, String)>,
}

impl CohortTable {
    /// Reads a `.csv`, `.tsv`/`.tab` or `.json` cohort table (see the module doc).
    pub fn read(path: &Path) -> Result<Self, CohortError> {
        let text = std::fs::read_to_string(path).map_err(|source| CohortError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match ext.as_str() {
            "json" => parse::json_table(path, &text),
            "tsv" | "tab" => parse::delimited_table(path, &text, '\t'),
            _ => parse::delimited_table(path, &text, parse::csv_delimiter(&text)),
        }
    }

    /// The file the table came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The rows, in file order.
    pub fn rows(&self) -> &[CohortRow] {
        &self.rows
    }

    /// The row of a scan id.
    pub fn get(&self, scan: &str) -> Option<&CohortRow> {
        self.rows.iter().find(|r| r.scan == scan)
    }

    /// Sets the patient facts of every item a row names and reports the scans without a row
    /// and the rows without a scan (neither is dropped: items without a row keep theirs).
    pub fn assign(&self, items: &mut [super::CohortItem]) -> CohortMatch {
        let mut matched = vec![false; self.rows.len()];
        let mut result = CohortMatch::default();
        for item in items.iter_mut() {
            match self.rows.iter().position(|r| r.scan == item.id) {
                Some(k) => {
                    matched[k] = true;
                    item.patient = Some(self.rows[k].patient_info());
                }
                None => result.scans_without_row.push(item.id.clone()),
            }
        }
        result.rows_without_scan = self
            .rows
            .iter()
            .zip(&matched)
            .filter(|(_, &m)| !m)
            .map(|(r, _)| (r.line, r.scan.clone()))
            .collect();
        result
    }
}
