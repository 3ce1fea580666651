//! Results tables in the layout of the paper's Tables 2–7, as markdown and CSV.

use crate::aggregate::{FoldAggregate, MeanF1};
use crate::error::{MetricsError, Result};
use crate::metric::scores::PixelScores;
use serde::{Deserialize, Serialize};

/// Column names of one group, as printed in the paper.
pub const METRIC_HEADERS: [&str; 3] = ["Precision", "Sensitivity", "F1-Score"];

/// One group of three columns (precision, sensitivity, F1), e.g. "Dice Loss".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnGroup {
    /// Group title ("Dice Loss", "Focal Tversky Loss"); not printed in the single-group layout.
    pub name: String,
    /// Scores of test folds 1..n, in order.
    pub folds: Vec<PixelScores>,
}

/// One rendered row: a label (`"1"`…`"10"`, `"Mean"`, `"SD"`) and fractions per column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    /// Row label.
    pub label: String,
    /// Values as fractions in \[0, 1\] (rendered as percent); `None` prints as `n/a`.
    pub cells: Vec<Option<f64>>,
}

/// A cross-validation results table: fold rows 1..n, then Mean and SD rows.
///
/// * one group — the layout of Table 2 (`Fold Number | Precision | Sensitivity | F1-Score`);
/// * two groups — the layout of Tables 3–7 (Dice Loss | Focal Tversky Loss column groups).
///
/// Values print as percent with two decimals, like the paper. The paper's tables stop at the
/// Mean row; the SD row (sample SD of the fold values) is added here. The Mean-row F1 follows
/// [`MeanF1`] (the paper's F1-of-means by default); the SD-row F1 is the SD of the fold F1s.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultsTable {
    /// Caption, e.g. "Table 3. Otsu background pre-processing on D1".
    pub title: String,
    /// Column groups, each with the same number of folds.
    pub groups: Vec<ColumnGroup>,
    /// Rule for the Mean-row F1.
    pub mean_f1: MeanF1,
}

impl ResultsTable {
    /// Validates the groups (at least one, equal non-zero fold counts, scores in \[0, 1\]).
    pub fn new(title: impl Into<String>, groups: Vec<ColumnGroup>) -> Result<Self> {
        let first = groups.first().ok_or(MetricsError::NoGroups)?;
        let expected = first.folds.len();
        if expected == 0 {
            return Err(MetricsError::NoFolds);
        }
        for g in &groups {
            if g.folds.len() != expected {
                return Err(MetricsError::FoldCountMismatch {
                    group: g.name.clone(),
                    expected,
                    found: g.folds.len(),
                });
            }
            for s in &g.folds {
                for (name, v) in [
                    ("precision", s.precision),
                    ("sensitivity", s.sensitivity),
                    ("f1", s.f1),
                ] {
                    if let Some(v) = v.filter(|v| !(v.is_finite() && (0.0..=1.0).contains(v))) {
                        return Err(MetricsError::ScoreOutOfRange { name, value: v });
                    }
                }
            }
        }
        Ok(Self {
            title: title.into(),
            groups,
            mean_f1: MeanF1::default(),
        })
    }

    /// The layout of Table 2: one loss.
    pub fn single(title: impl Into<String>, folds: Vec<PixelScores>) -> Result<Self> {
        Self::new(
            title,
            vec![ColumnGroup {
                name: String::new(),
                folds,
            }],
        )
    }

    /// The layout of Tables 3–7: "Dice Loss" and "Focal Tversky Loss" column groups.
    pub fn dice_vs_focal_tversky(
        title: impl Into<String>,
        dice: Vec<PixelScores>,
        focal_tversky: Vec<PixelScores>,
    ) -> Result<Self> {
        Self::new(
            title,
            vec![
                ColumnGroup {
                    name: "Dice Loss".into(),
                    folds: dice,
                },
                ColumnGroup {
                    name: "Focal Tversky Loss".into(),
                    folds: focal_tversky,
                },
            ],
        )
    }

    /// Sets the Mean-row F1 rule.
    pub fn with_mean_f1(mut self, rule: MeanF1) -> Self {
        self.mean_f1 = rule;
        self
    }

    /// Column headers, the first being the fold column.
    pub fn headers(&self) -> Vec<String> {
        let mut h = vec!["Fold Number".to_string()];
        for g in &self.groups {
            for m in METRIC_HEADERS {
                h.push(if self.groups.len() == 1 {
                    m.to_string()
                } else {
                    format!("{} {m}", g.name)
                });
            }
        }
        h
    }

    /// Fold rows, then Mean and SD. (Robust to groups edited after validation: a missing fold
    /// prints as `n/a`.)
    pub fn rows(&self) -> Vec<TableRow> {
        let n = self.groups.iter().map(|g| g.folds.len()).max().unwrap_or(0);
        let mut rows: Vec<TableRow> = (0..n)
            .map(|i| TableRow {
                label: (i + 1).to_string(),
                cells: self
                    .groups
                    .iter()
                    .flat_map(|g| g.folds.get(i).map_or([None; 3], PixelScores::paper_triple))
                    .collect(),
            })
            .collect();
        let aggregates: Vec<Option<FoldAggregate>> = self
            .groups
            .iter()
            .map(|g| FoldAggregate::from_folds(&g.folds).ok())
            .collect();
        rows.push(TableRow {
            label: "Mean".into(),
            cells: aggregates
                .iter()
                .flat_map(|a| match a {
                    Some(a) => [
                        a.precision.map(|m| m.mean),
                        a.sensitivity.map(|m| m.mean),
                        a.mean_f1(self.mean_f1),
                    ],
                    None => [None; 3],
                })
                .collect(),
        });
        rows.push(TableRow {
            label: "SD".into(),
            cells: aggregates
                .iter()
                .flat_map(|a| match a {
                    Some(a) => [a.precision, a.sensitivity, a.f1].map(|m| m.and_then(|m| m.sd)),
                    None => [None; 3],
                })
                .collect(),
        });
        rows
    }

    /// GitHub-flavoured markdown: bold caption, header, right-aligned numbers.
    pub fn to_markdown(&self) -> String {
        let esc = |s: &str| s.replace('|', "\\|");
        let headers = self.headers();
        let mut out = String::new();
        if !self.title.is_empty() {
            out.push_str(&format!("**{}**\n\n", esc(&self.title)));
        }
        out.push_str(&format!(
            "| {} |\n",
            headers
                .iter()
                .map(|h| esc(h))
                .collect::<Vec<_>>()
                .join(" | ")
        ));
        out.push_str(&format!("|{}\n", " ---: |".repeat(headers.len())));
        for row in self.rows() {
            let cells: Vec<String> = row.cells.iter().map(|c| percent(*c, "n/a")).collect();
            out.push_str(&format!("| {} | {} |\n", row.label, cells.join(" | ")));
        }
        out
    }

    /// CSV (RFC 4180): one header line, then the rows; undefined values are empty fields. The
    /// caption is not part of the data.
    pub fn to_csv(&self) -> String {
        let mut out = self
            .headers()
            .iter()
            .map(|h| csv_field(h))
            .collect::<Vec<_>>()
            .join(",");
        out.push('\n');
        for row in self.rows() {
            let mut fields = vec![csv_field(&row.label)];
            fields.extend(row.cells.iter().map(|c| percent(*c, "")));
            out.push_str(&fields.join(","));
            out.push('\n');
        }
        out
    }
}

/// A fraction as a percentage with two decimals (0.6156 → "61.56").
fn percent(v: Option<f64>, missing: &str) -> String {
    v.map_or_else(|| missing.to_string(), |v| format!("{:.2}", v * 100.0))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
