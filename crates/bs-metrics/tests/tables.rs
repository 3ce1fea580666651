//! Fold aggregation (mean ± sample SD) and the paper's table layouts, checked against the
//! numbers printed in the paper's Tables 2 and 3.

use approx::assert_relative_eq;
use bs_metrics::{
    f1_from_precision_sensitivity, FoldAggregate, MeanF1, MeanSd, MetricsError, PixelScores,
    ResultsTable,
};
use proptest::prelude::*;

/// Table 2 of the paper (baseline, Dice loss): precision, sensitivity, F1 of folds 1–10, in %.
const TABLE2: [[f64; 3]; 10] = [
    [49.21, 79.19, 60.70],
    [58.74, 64.98, 61.70],
    [70.56, 60.01, 64.86],
    [81.69, 52.20, 63.70],
    [60.57, 54.06, 57.13],
    [72.55, 45.92, 56.24],
    [43.63, 83.32, 57.27],
    [49.03, 68.21, 57.05],
    [61.73, 60.84, 61.28],
    [67.89, 61.13, 64.34],
];

/// Table 3 of the paper: Dice loss columns, then Focal Tversky loss columns, in %.
const TABLE3: [[f64; 6]; 10] = [
    [68.74, 67.72, 68.23, 66.95, 68.81, 67.86],
    [71.29, 56.75, 63.20, 69.91, 60.70, 64.98],
    [70.11, 64.57, 67.23, 69.69, 68.49, 69.09],
    [83.92, 58.39, 68.86, 85.19, 56.34, 67.82],
    [64.06, 58.32, 61.06, 65.52, 60.17, 62.73],
    [77.01, 53.10, 62.86, 79.24, 51.88, 62.70],
    [60.52, 73.99, 66.58, 60.64, 76.05, 67.47],
    [51.30, 65.19, 57.41, 52.36, 68.90, 59.50],
    [63.24, 64.24, 63.73, 62.55, 66.40, 64.42],
    [66.14, 70.58, 68.29, 66.66, 72.67, 69.54],
];

fn scores(p: f64, s: f64, f: f64) -> PixelScores {
    PixelScores {
        precision: Some(p / 100.0),
        sensitivity: Some(s / 100.0),
        f1: Some(f / 100.0),
        dice: None,
        iou: None,
    }
}

fn row<'a>(md: &'a str, label: &str) -> &'a str {
    md.lines()
        .find(|l| l.starts_with(&format!("| {label} |")))
        .unwrap_or_else(|| panic!("no row {label} in\n{md}"))
}

#[test]
fn table2_mean_row_is_reproduced_from_its_fold_rows() {
    let folds: Vec<PixelScores> = TABLE2.iter().map(|r| scores(r[0], r[1], r[2])).collect();
    // Each fold's F1 is Eq. 5 of that fold's own precision and sensitivity (pooled per fold),
    // up to the printed rounding: P and S are off by ≤ 0.005 each, and ∂F1/∂P + ∂F1/∂S = 1
    // at P = S, so F1 recomputed from them is within 0.005 + the 0.005 rounding of F1 itself.
    for r in TABLE2 {
        let f = f1_from_precision_sensitivity(Some(r[0]), Some(r[1])).unwrap();
        assert!((f - r[2]).abs() <= 0.01, "fold F1 {} vs Eq. 5 {f}", r[2]);
    }
    let table = ResultsTable::single(
        "Table 2. The quantitative results of the baseline network (dice loss).",
        folds,
    )
    .unwrap();
    let md = table.to_markdown();
    assert!(md.starts_with(
        "**Table 2. The quantitative results of the baseline network (dice loss).**\n\n"
    ));
    assert!(md.contains(
        "| Fold Number | Precision | Sensitivity | F1-Score |\n| ---: | ---: | ---: | ---: |\n"
    ));
    assert_eq!(row(&md, "1"), "| 1 | 49.21 | 79.19 | 60.70 |");
    assert_eq!(row(&md, "10"), "| 10 | 67.89 | 61.13 | 64.34 |");
    // The paper prints Mean | 61.56 | 62.99 | 62.27. Its F1 is Eq. 5 of the *rounded* means
    // (2·61.56·62.99 / 124.55 = 62.267); the unrounded mean sensitivity is 62.986, which gives
    // 62.265 → "62.26". Same rule, differing only in the last printed digit.
    assert_eq!(row(&md, "Mean"), "| Mean | 61.56 | 62.99 | 62.26 |");
    let a = FoldAggregate::from_folds(&table.groups[0].folds).unwrap();
    assert_relative_eq!(a.f1_of_means.unwrap(), 0.6227, epsilon = 1e-4);
    // The mean of the fold F1s would be 60.43, not what the paper prints.
    let mean_of_folds = table
        .clone()
        .with_mean_f1(MeanF1::MeanOfFolds)
        .to_markdown();
    assert_eq!(
        row(&mean_of_folds, "Mean"),
        "| Mean | 61.56 | 62.99 | 60.43 |"
    );
    // SD by the textbook one-pass formula (Σx² − n·x̄²)/(n − 1), independent of the code's two-pass form.
    let sd = |col: usize| {
        let n = TABLE2.len() as f64;
        let m = TABLE2.iter().map(|r| r[col]).sum::<f64>() / n;
        ((TABLE2.iter().map(|r| r[col] * r[col]).sum::<f64>() - n * m * m) / (n - 1.0)).sqrt()
    };
    assert_eq!(
        row(&md, "SD"),
        format!("| SD | {:.2} | {:.2} | {:.2} |", sd(0), sd(1), sd(2))
    );
    let csv = table.to_csv();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 13);
    assert_eq!(lines[0], "Fold Number,Precision,Sensitivity,F1-Score");
    assert_eq!(lines[1], "1,49.21,79.19,60.70");
    assert_eq!(lines[11], "Mean,61.56,62.99,62.26");
}

#[test]
fn table3_two_loss_layout_reproduces_both_mean_rows() {
    let dice: Vec<PixelScores> = TABLE3.iter().map(|r| scores(r[0], r[1], r[2])).collect();
    let ftl: Vec<PixelScores> = TABLE3.iter().map(|r| scores(r[3], r[4], r[5])).collect();
    let table = ResultsTable::dice_vs_focal_tversky("Table 3", dice, ftl).unwrap();
    let md = table.to_markdown();
    assert!(md.contains(
        "| Fold Number | Dice Loss Precision | Dice Loss Sensitivity | Dice Loss F1-Score | \
         Focal Tversky Loss Precision | Focal Tversky Loss Sensitivity | Focal Tversky Loss F1-Score |"
    ));
    assert_eq!(
        row(&md, "4"),
        "| 4 | 83.92 | 58.39 | 68.86 | 85.19 | 56.34 | 67.82 |"
    );
    // The paper prints Mean | 67.63 | 63.29 | 65.39 | 67.87 | 65.04 | 66.43.
    assert_eq!(
        row(&md, "Mean"),
        "| Mean | 67.63 | 63.29 | 65.39 | 67.87 | 65.04 | 66.43 |"
    );
    assert_eq!(
        table.to_csv().lines().nth(11).unwrap(),
        "Mean,67.63,63.29,65.39,67.87,65.04,66.43"
    );
}

#[test]
fn undefined_scores_render_as_na_and_empty_csv_fields() {
    let folds = vec![
        PixelScores {
            precision: None,
            sensitivity: Some(0.5),
            f1: Some(0.0),
            dice: None,
            iou: None,
        },
        PixelScores {
            precision: Some(0.25),
            sensitivity: Some(0.75),
            f1: Some(0.375),
            dice: None,
            iou: None,
        },
    ];
    let table = ResultsTable::single("", folds).unwrap();
    let md = table.to_markdown();
    assert_eq!(row(&md, "1"), "| 1 | n/a | 50.00 | 0.00 |");
    // Precision mean over the one fold where it is defined; its SD needs two folds.
    assert_eq!(row(&md, "Mean"), "| Mean | 25.00 | 62.50 | 35.71 |");
    assert_eq!(
        row(&md, "SD"),
        format!(
            "| SD | n/a | {:.2} | {:.2} |",
            12.5f64.hypot(12.5),
            0.375f64.hypot(0.0) / 2f64.sqrt() * 100.0
        )
    );
    assert!(table.to_csv().contains("\n1,,50.00,0.00\n"));
}

#[test]
fn tables_reject_bad_input_with_typed_errors() {
    let ok = vec![PixelScores::default(); 3];
    assert_eq!(
        ResultsTable::new("t", vec![]).unwrap_err(),
        MetricsError::NoGroups
    );
    assert_eq!(
        ResultsTable::single("t", vec![]).unwrap_err(),
        MetricsError::NoFolds
    );
    assert!(matches!(
        ResultsTable::dice_vs_focal_tversky("t", ok.clone(), vec![PixelScores::default(); 2]),
        Err(MetricsError::FoldCountMismatch {
            expected: 3,
            found: 2,
            ..
        })
    ));
    let percent_by_mistake = PixelScores {
        precision: Some(61.56),
        ..Default::default()
    };
    assert!(matches!(
        ResultsTable::single("t", vec![percent_by_mistake]),
        Err(MetricsError::ScoreOutOfRange {
            name: "precision",
            ..
        })
    ));
    assert_eq!(
        FoldAggregate::from_folds(&[]).unwrap_err(),
        MetricsError::NoFolds
    );
}

#[test]
fn csv_quotes_fields_with_commas() {
    let groups = vec![
        bs_metrics::ColumnGroup {
            name: "Dice, smoothed".into(),
            folds: vec![PixelScores::default()],
        },
        bs_metrics::ColumnGroup {
            name: "FTL".into(),
            folds: vec![PixelScores::default()],
        },
    ];
    let csv = ResultsTable::new("t", groups).unwrap().to_csv();
    assert!(csv.starts_with("Fold Number,\"Dice, smoothed Precision\","));
}

#[test]
fn mean_sd_closed_form() {
    let m = MeanSd::of([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
    assert_relative_eq!(m.mean, 5.0);
    // Population SD would be 2; the sample SD is sqrt(32/7).
    assert_relative_eq!(m.sd.unwrap(), (32.0f64 / 7.0).sqrt(), epsilon = 1e-12);
    assert_eq!(MeanSd::of([0.3]).unwrap().sd, None);
    assert!(MeanSd::of(std::iter::empty()).is_none());
}

fn fold_scores() -> impl Strategy<Value = PixelScores> {
    (0.0f64..=1.0, 0.0f64..=1.0, 0.0f64..=1.0, 0.0f64..=1.0).prop_map(|(p, s, d, i)| PixelScores {
        precision: Some(p),
        sensitivity: Some(s),
        f1: f1_from_precision_sensitivity(Some(p), Some(s)),
        dice: Some(d),
        iou: Some(i),
    })
}

proptest! {
    #[test]
    fn identical_folds_aggregate_to_that_fold_with_zero_sd(s in fold_scores(), n in 2usize..12) {
        let a = FoldAggregate::from_folds(&vec![s; n]).unwrap();
        prop_assert_eq!(a.folds, n);
        for (m, v) in [(a.precision, s.precision), (a.sensitivity, s.sensitivity), (a.dice, s.dice), (a.iou, s.iou)] {
            let m = m.unwrap();
            prop_assert!((m.mean - v.unwrap()).abs() < 1e-12);
            prop_assert!(m.sd.unwrap().abs() < 1e-7);
            prop_assert_eq!(m.n, n);
        }
        if let Some(f) = s.f1 {
            prop_assert!((a.f1.unwrap().mean - f).abs() < 1e-12);
            prop_assert!((a.mean_f1(MeanF1::OfMeans).unwrap() - f).abs() < 1e-12);
        }
    }

    #[test]
    fn aggregate_mean_and_sd_are_bounded(folds in proptest::collection::vec(fold_scores(), 1..12)) {
        let a = FoldAggregate::from_folds(&folds).unwrap();
        let p = a.precision.unwrap();
        let lo = folds.iter().map(|f| f.precision.unwrap()).fold(f64::INFINITY, f64::min);
        let hi = folds.iter().map(|f| f.precision.unwrap()).fold(f64::NEG_INFINITY, f64::max);
        prop_assert!(p.mean >= lo - 1e-12 && p.mean <= hi + 1e-12);
        if let Some(sd) = p.sd { prop_assert!((0.0..=hi - lo + 1e-12).contains(&sd)); }
        if let Some(f) = a.f1_of_means { prop_assert!((0.0..=1.0).contains(&f)); }
    }
}

#[test]
fn table_round_trips_through_json() {
    let t = ResultsTable::single(
        "T",
        vec![PixelScores {
            precision: Some(0.5),
            ..Default::default()
        }],
    )
    .unwrap();
    let back: ResultsTable = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
    assert_eq!(back, t);
}
