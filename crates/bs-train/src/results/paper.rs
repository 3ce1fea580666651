//! The paper's Mean rows (Tables 2–6), quoted for side-by-side comparison. They were measured
//! on the authors' private data (China Medical University Hospital); ours come from the
//! synthetic cohort, so the comparison is of trends, not of values.

use crate::config::LossKind;

/// (precision, sensitivity, F1) in percent, the paper's Mean row of `table` for `loss`.
/// `None` for Table 7, whose numbers are not in the text this project was built from.
pub fn paper_mean(table: &str, loss: LossKind) -> Option<[f64; 3]> {
    let key = table.trim().to_ascii_lowercase();
    let row = match (key.as_str(), loss) {
        ("table 2", LossKind::Dice) => [61.56, 62.99, 62.27],
        ("table 3", LossKind::Dice) => [67.63, 63.29, 65.39],
        ("table 3", LossKind::FocalTversky) => [67.87, 65.04, 66.43],
        ("table 4", LossKind::Dice) => [70.24, 61.80, 65.75],
        ("table 4", LossKind::FocalTversky) => [69.96, 63.55, 66.60],
        ("table 5", LossKind::Dice) => [65.61, 63.26, 64.41],
        ("table 5", LossKind::FocalTversky) => [59.38, 70.70, 64.54],
        ("table 6", LossKind::Dice) => [67.46, 61.38, 64.28],
        ("table 6", LossKind::FocalTversky) => [61.02, 68.62, 64.59],
        _ => return None,
    };
    Some(row)
}
