//! Reading cohort tables: delimited text (CSV, TSV) and bs-phantom's JSON manifest.

use std::collections::BTreeMap;
use std::path::Path;

use super::{Cancer, CohortError, CohortRow, CohortTable, Group, RowError, RowProblem};

/// Columns with a meaning; every other column goes to [`CohortRow::extra`].
const KNOWN: [&str; 6] = [
    "patient_id",
    "scan",
    "cancer",
    "metastatic",
    "group",
    "split",
];

/// The fields of one line split at `delimiter`, with `"..."` quoting (`""` is a quote).
/// `None` when a quoted field is not closed on the line.
pub(super) fn split_fields(line: &str, delimiter: char) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            (false, c) if c == delimiter => fields.push(std::mem::take(&mut field)),
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return None;
    }
    fields.push(field);
    Some(fields.into_iter().map(|f| f.trim().to_string()).collect())
}

/// `;` when the header line has semicolons and no comma, else `,`.
pub(super) fn csv_delimiter(text: &str) -> char {
    match text.lines().find(|l| !is_skipped(l)) {
        Some(header) if header.contains(';') && !header.contains(',') => ';',
        _ => ',',
    }
}

fn is_skipped(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// A CSV or TSV table: header, then one row per line (blank and `#` lines skipped).
pub(super) fn delimited_table(
    path: &Path,
    text: &str,
    delimiter: char,
) -> Result<CohortTable, CohortError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(k, l)| (k + 1, l.trim_start_matches('\u{feff}')))
        .filter(|(_, l)| !is_skipped(l));
    let header: Vec<String> = lines
        .next()
        .and_then(|(_, l)| split_fields(l, delimiter))
        .unwrap_or_default()
        .into_iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    for column in ["cancer", "metastatic"] {
        if !header.iter().any(|h| h == column) {
            return Err(missing_column(path, column));
        }
    }
    if !header.iter().any(|h| h == "patient_id" || h == "scan") {
        return Err(missing_column(path, "patient_id"));
    }
    let records = lines.map(|(line, l)| {
        let fields = split_fields(l, delimiter).ok_or(RowProblem::OpenQuote);
        let record = fields.and_then(|f| {
            if f.len() != header.len() {
                return Err(RowProblem::FieldCount {
                    got: f.len(),
                    expected: header.len(),
                });
            }
            Ok(header.iter().cloned().zip(f).collect())
        });
        (line, record)
    });
    collect_rows(path, records)
}

fn missing_column(path: &Path, column: &'static str) -> CohortError {
    CohortError::MissingColumn {
        path: path.to_path_buf(),
        column,
    }
}

/// bs-phantom's `manifest.json`: `{"patients": [{"patient_id", "cancer", ...}, ...]}`; the
/// "line" of a row is its 1-based position in `patients`. Text, number and true/false fields
/// are columns; lists and objects are left out.
pub(super) fn json_table(path: &Path, text: &str) -> Result<CohortTable, CohortError> {
    let bad_json = |source| CohortError::Json {
        path: path.to_path_buf(),
        source,
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| bad_json(Some(e)))?;
    let patients = value
        .get("patients")
        .and_then(|p| p.as_array())
        .ok_or_else(|| bad_json(None))?;
    let records = patients.iter().enumerate().map(|(k, p)| {
        let record = p
            .as_object()
            .map(|o| {
                o.iter()
                    .filter_map(|(key, v)| scalar(v).map(|s| (key.clone(), s)))
            })
            .map(|fields| fields.collect::<BTreeMap<_, _>>())
            .ok_or(RowProblem::Missing("patient_id"));
        (k + 1, record)
    });
    collect_rows(path, records)
}

fn scalar(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

type Record = Result<BTreeMap<String, String>, RowProblem>;

/// Rows from `(line, column → value)` records; every bad row is collected.
fn collect_rows(
    path: &Path,
    records: impl Iterator<Item = (usize, Record)>,
) -> Result<CohortTable, CohortError> {
    let mut rows: Vec<CohortRow> = Vec::new();
    let mut first_line: BTreeMap<String, usize> = BTreeMap::new();
    let mut bad = Vec::new();
    for (line, record) in records {
        let row = record.and_then(|r| row(line, r)).and_then(|row| {
            match first_line.insert(row.scan.clone(), line) {
                Some(first) => {
                    first_line.insert(row.scan.clone(), first);
                    Err(RowProblem::Duplicate {
                        id: row.scan,
                        first,
                    })
                }
                None => Ok(row),
            }
        });
        match row {
            Ok(row) => rows.push(row),
            Err(problem) => bad.push(RowError { line, problem }),
        }
    }
    if !bad.is_empty() {
        return Err(CohortError::BadRows {
            path: path.to_path_buf(),
            rows: bad,
        });
    }
    Ok(CohortTable {
        path: path.to_path_buf(),
        rows,
    })
}

/// One row from its fields.
fn row(line: usize, mut fields: BTreeMap<String, String>) -> Result<CohortRow, RowProblem> {
    let mut take = |name: &str| fields.remove(name).filter(|v| !v.trim().is_empty());
    let patient_id = take("patient_id");
    let scan = take("scan");
    let cancer_text = take("cancer").ok_or(RowProblem::Missing("cancer"))?;
    let metastatic_text = take("metastatic").ok_or(RowProblem::Missing("metastatic"))?;
    let group_text = take("group");
    let split_text = take("split");
    let (patient_id, scan) = match (patient_id, scan) {
        (Some(p), Some(s)) => (p, s),
        (Some(p), None) => (p.clone(), p),
        (None, Some(s)) => (s.clone(), s),
        (None, None) => return Err(RowProblem::Missing("patient_id")),
    };
    let cancer = Cancer::parse(&cancer_text).ok_or(RowProblem::BadCancer(cancer_text))?;
    let metastatic =
        parse_yes_no(&metastatic_text).ok_or(RowProblem::BadMetastatic(metastatic_text))?;
    let group = checked_group(group_text, cancer, metastatic)?;
    let split = split_text
        .map(|t| match t.trim().parse::<u32>() {
            Ok(k) if k >= 1 => Ok(k),
            _ => Err(RowProblem::BadSplit(t)),
        })
        .transpose()?;
    fields.retain(|k, v| !KNOWN.contains(&k.as_str()) && !v.trim().is_empty());
    Ok(CohortRow {
        line,
        scan,
        patient_id,
        cancer,
        metastatic,
        group,
        split,
        extra: fields,
    })
}

fn parse_yes_no(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "1" | "y" => Some(true),
        "no" | "false" | "0" | "n" => Some(false),
        _ => None,
    }
}

/// The given group when it agrees with cancer and metastatic, else the derived one.
fn checked_group(
    given: Option<String>,
    cancer: Cancer,
    metastatic: bool,
) -> Result<Option<Group>, RowProblem> {
    let derived = Group::of(cancer, metastatic);
    let Some(text) = given else {
        return Ok(derived);
    };
    let group = Group::parse(&text).ok_or(RowProblem::BadGroup(text))?;
    if derived != Some(group) {
        return Err(RowProblem::GroupMismatch {
            given: group.name(),
            cancer: cancer.name(),
            metastatic,
            expected: derived.map_or("no group", Group::name),
        });
    }
    Ok(Some(group))
}

#[cfg(test)]
mod tests {
    use super::split_fields;

    #[test]
    fn quoted_fields_keep_delimiters_and_doubled_quotes() {
        assert_eq!(
            split_fields(r#"a, "b, c" ,"say ""hi""",,"#, ',').unwrap(),
            ["a", "b, c", r#"say "hi""#, "", ""]
        );
        assert_eq!(split_fields("a\tb c\t", '\t').unwrap(), ["a", "b c", ""]);
        assert_eq!(split_fields(r#"a,"open"#, ','), None);
    }
}
