//! What the batch commands (`labelme-to-mask`, `prepare`) report: every input's outcome, a
//! summary of the failures printed at the end and written to `OUT/summary.json`, and an error
//! (non-zero exit) when any input failed. One bad file never stops the others.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

/// File name of the batch summary in the output directory.
pub(crate) const SUMMARY_FILE: &str = "summary.json";

/// A batch command that ran to the end but could not do all it was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum BatchError {
    /// Some inputs failed, or the batch had other problems; the good inputs were written.
    #[error(
        "{failed} of {total} inputs failed, {problems} other problem(s) (listed above and in {})",
        summary.display()
    )]
    Incomplete {
        /// Inputs that failed.
        failed: usize,
        /// Inputs given.
        total: usize,
        /// Problems that are no single input's.
        problems: usize,
        /// The summary naming each failure.
        summary: PathBuf,
    },
    /// The summary itself could not be written.
    #[error("cannot write the batch summary {}", path.display())]
    WriteSummary {
        /// The summary file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// The outcomes of one batch run, in input order.
#[derive(Debug)]
pub(crate) struct BatchLog {
    command: &'static str,
    inputs: Vec<Value>,
    failures: Vec<String>,
    problems: Vec<String>,
    notes: serde_json::Map<String, Value>,
}

impl BatchLog {
    /// An empty log for `command` (the subcommand's name).
    pub(crate) fn new(command: &'static str) -> Self {
        Self {
            command,
            inputs: Vec::new(),
            failures: Vec::new(),
            problems: Vec::new(),
            notes: serde_json::Map::new(),
        }
    }

    /// Records an input that succeeded; `details` (a JSON object) is merged into its entry.
    pub(crate) fn succeeded(&mut self, input: &Path, details: Value) {
        let mut entry = json!({"input": input, "error": null});
        if let (Some(e), Value::Object(d)) = (entry.as_object_mut(), details) {
            e.extend(d);
        }
        self.inputs.push(entry);
    }

    /// Records an input that failed with `reason` (naming the file and what is wrong).
    pub(crate) fn failed(&mut self, input: &Path, reason: String) {
        let named = input.display().to_string();
        self.failures.push(if reason.contains(&named) {
            reason.clone()
        } else {
            format!("{named}: {reason}")
        });
        self.inputs.push(json!({"input": input, "error": reason}));
    }

    /// Records a problem of the batch that is no single input's (a cohort table row that
    /// matches no scan): listed with the failures and failing the command like them.
    pub(crate) fn problem(&mut self, reason: String) {
        self.problems.push(reason);
    }

    /// Adds a top-level field to `summary.json` (e.g. the cohort table's unmatched rows).
    pub(crate) fn note(&mut self, key: &str, value: Value) {
        self.notes.insert(key.to_string(), value);
    }

    /// Writes `out/summary.json`, prints each failure to stderr, and returns
    /// [`BatchError::Incomplete`] when any input failed or any problem was recorded.
    pub(crate) fn finish(self, out: &Path) -> Result<(), BatchError> {
        let path = out.join(SUMMARY_FILE);
        let total = self.inputs.len();
        let failed = self.failures.len();
        let mut summary = json!({
            "command": self.command,
            "succeeded": total - failed,
            "failed": failed,
            "inputs": self.inputs,
            "problems": self.problems,
        });
        if let Some(s) = summary.as_object_mut() {
            s.extend(self.notes);
        }
        let text = serde_json::to_string_pretty(&summary).unwrap_or_default();
        std::fs::create_dir_all(out)
            .and_then(|()| std::fs::write(&path, text + "\n"))
            .map_err(|source| BatchError::WriteSummary {
                path: path.clone(),
                source,
            })?;
        for failure in &self.failures {
            eprintln!("failed: {failure}");
        }
        for problem in &self.problems {
            eprintln!("problem: {problem}");
        }
        eprintln!(
            "{} of {total} inputs done, {failed} failed, {} other problem(s); summary in {}",
            total - failed,
            self.problems.len(),
            path.display()
        );
        if failed > 0 || !self.problems.is_empty() {
            return Err(BatchError::Incomplete {
                failed,
                total,
                problems: self.problems.len(),
                summary: path,
            });
        }
        Ok(())
    }
}
