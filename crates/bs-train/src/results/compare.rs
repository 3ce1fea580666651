//! One report comparing every experiment of the main job with the paper's numbers.

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::io::write_atomic;
use crate::results::collect;

fn pct(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |v| format!("{:.2}", 100.0 * v))
}

fn mean_sd(m: Option<bs_metrics::MeanSd>) -> String {
    match m {
        Some(m) => match m.sd {
            Some(sd) => format!("{:.2} ± {:.2}", 100.0 * m.mean, 100.0 * sd),
            None => format!("{:.2}", 100.0 * m.mean),
        },
        None => "n/a".into(),
    }
}

/// Writes `out/comparison.md`: one row per experiment and loss, our Mean row (± SD over
/// folds) next to the paper's, with links to each run's report. Returns the file written.
pub fn write_comparison(run_dirs: &[PathBuf], out: &Path, preface: &str) -> Result<PathBuf> {
    let mut s = String::from("# bonescan: all experiments of the paper, side by side\n\n");
    s.push_str(preface);
    s.push_str(
        "\n**Different data.** Our numbers come from the synthetic cohort (`bonescan synth`), \
         not from the authors' 200 private bone scans; the paper's Mean rows are quoted only to \
         compare trends (does Otsu NM beat the binary baseline? do negatives raise precision?).\n\n",
    );
    s.push_str("| table | experiment | loss | ours P | ours S | ours F1 (of means) | ours F1 mean ± SD | paper P | paper S | paper F1 | profile | device | train s |\n");
    s.push_str("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    let mut missing = Vec::new();
    for dir in run_dirs {
        let r = match collect(dir) {
            Ok(r) => r,
            Err(e) => {
                missing.push(format!("{}: {e}", dir.display()));
                continue;
            }
        };
        for a in &r.arms {
            let paper =
                a.paper_mean_percent
                    .map_or(["n/a".into(), "n/a".into(), "n/a".into()], |v| {
                        [
                            format!("{:.2}", v[0]),
                            format!("{:.2}", v[1]),
                            format!("{:.2}", v[2]),
                        ]
                    });
            let secs: f64 = a.folds.iter().map(|f| f.train_seconds).sum();
            let rel = dir.strip_prefix(out).unwrap_or(dir).join("report.md");
            s.push_str(&format!(
                "| {} | [{}]({}) | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0} |\n",
                r.experiment.table,
                r.experiment.name,
                rel.display(),
                a.loss.title(),
                pct(a.aggregate.precision.map(|m| m.mean)),
                pct(a.aggregate.sensitivity.map(|m| m.mean)),
                pct(a.aggregate.f1_of_means),
                mean_sd(a.aggregate.f1),
                paper[0],
                paper[1],
                paper[2],
                r.run.profile.name,
                r.run.device,
                secs
            ));
        }
    }
    s.push_str("\nTable 7 (transfer learning): the paper's text gives no numbers for it (it reports a slight F1 gain over Table 4).\n");
    if !missing.is_empty() {
        s.push_str("\n## Missing runs\n\n");
        for m in missing {
            s.push_str(&format!("* {m}\n"));
        }
    }
    let path = out.join("comparison.md");
    write_atomic(&path, s.as_bytes())?;
    Ok(path)
}
